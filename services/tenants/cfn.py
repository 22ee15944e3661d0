"""The CloudFormation custom resource protocol, by hand: a function that serves as a ``ServiceToken`` must PUT its
answer to the request's pre-signed ``ResponseURL`` itself (no provider framework: CDK's is Node code).

A request that gets no answer keeps its stack waiting (until the resource's ``ServiceTimeout``, 16 minutes, else
CloudFormation's hour), so every outcome is answered: SUCCESS with the
work's ``Data``, or FAILED with the error as the reason (CloudFormation shows it in the stack's events).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from core.observability import logger

MAX_REASON = 1000  # CloudFormation shows a short reason; the log has the rest
TIMEOUT_SECONDS = 30


def response_body(
    event: Mapping[str, Any], *, status: str, physical_id: str, reason: str = "", data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "Status": status,
        "Reason": reason[:MAX_REASON] or status,
        "PhysicalResourceId": physical_id,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": dict(data or {}),
    }


def send(url: str, body: Mapping[str, Any]) -> None:
    """PUT the answer to the pre-signed S3 URL (an empty content type: the URL's signature has none)."""
    if not url.startswith("https://") and not url.startswith("http://"):
        raise ValueError(f"not a response URL: {url[:40]!r}")
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (checked above)
        if answer.status >= 300:
            raise RuntimeError(f"CloudFormation's response URL answered {answer.status}")


def serve(
    event: Mapping[str, Any],
    work: Callable[[], Mapping[str, Any]],
    *,
    physical_id: str,
    sender: Callable[[str, Mapping[str, Any]], None] = send,
) -> dict[str, Any]:
    """Run ``work`` for the request and answer CloudFormation, whatever happens; returns the answer."""
    physical = str(event.get("PhysicalResourceId") or physical_id)  # an Update keeps the resource it updates
    try:
        data = work()
    except Exception as exc:  # every failure must reach CloudFormation, or the stack waits an hour
        logger.exception("custom resource request failed", extra={"request_type": event.get("RequestType")})
        body = response_body(event, status="FAILED", physical_id=physical, reason=f"{type(exc).__name__}: {exc}")
    else:
        body = response_body(event, status="SUCCESS", physical_id=physical, data=data)
    sender(str(event["ResponseURL"]), body)
    return body
