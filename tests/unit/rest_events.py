"""API Gateway REST proxy events: the request a function behind the REST API receives, as the unit tests build it.

Imported by its basename (``from rest_events import rest_event``), like every helper module of the tests: pytest
imports ``tests/unit/conftest.py`` in its default ``prepend`` mode, which puts ``tests/unit`` on ``sys.path`` before
any unit test module is imported, whether one file runs or all of them (and in every xdist worker).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any


def rest_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    tenant: str | None = None,
    principal: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A request to the ``dev`` stage (API Gateway's proxy event, version 1.0).

    ``body``: a string as is, anything else as JSON (with its ``Content-Type``); ``tenant``: the ``X-Tenant-Id``
    header; ``principal``: the authorizer's context (none: a public route); ``resource``: the route's template
    (``/producto/{product_id}``), by default the path itself.
    """
    raw = body if body is None or isinstance(body, str) else json.dumps(body)
    headers = {
        **({"Content-Type": "application/json"} if raw is not None else {}),
        **({"X-Tenant-Id": tenant} if tenant is not None else {}),
        **(headers or {}),
    }
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": dict(principal) if principal else {},
        },
        "body": raw,
        "isBase64Encoded": False,
    }


@dataclass
class Response:
    """A function's answer to a REST proxy event: its status and its JSON body (None when empty)."""

    status: int
    body: Any

    @classmethod
    def of(cls, result: dict[str, Any]) -> Response:
        return cls(result["statusCode"], json.loads(result["body"]) if result["body"] else None)
