"""The AWS endpoint the local functions call: their role's IAM policy enforced, then moto.

Every worker gets ``AWS_ENDPOINT_URL`` pointing here and an access key of its own. A request signed
with a function's key is mapped to IAM actions and resources (``localcloud.iam.describe``); if the
function's role does not allow one of them, the answer is the error AWS gives (``AccessDeniedException``,
``AuthorizationError``, S3's ``AccessDenied``) and nothing reaches moto. Everything else (the local
cloud's own calls, browsers' presigned requests signed by a function, CORS preflights) is passed
through as it is. Refusals are logged and kept in ``refused`` for the tests.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from localcloud.iam import Arns, Call, Statement, access_key, describe, refusals, statements_of

log = logging.getLogger("localcloud.iam")
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


def function_access_key(function_name: str) -> str:
    """The access key a function's worker signs with (stable per function name)."""
    return "ASIALOCAL" + hashlib.sha256(function_name.encode()).hexdigest()[:11].upper()


@dataclass(frozen=True)
class Caller:
    function: str
    role: str
    statements: tuple[Statement, ...]


@dataclass
class AwsProxy:
    upstream: str
    arns: Arns
    callers: dict[str, Caller] = field(default_factory=dict)
    refused: list[dict[str, str]] = field(default_factory=list)

    def enforce(self, functions: Mapping[str, str], role_policies: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """``functions``: function name -> role name; ``role_policies``: role name -> policy documents."""
        for function, role in functions.items():
            statements = tuple(s for doc in role_policies.get(role, []) for s in statements_of(doc))
            self.callers[function_access_key(function)] = Caller(function, role, statements)

    def app(self) -> Starlette:
        client = httpx.AsyncClient(base_url=self.upstream, timeout=60)

        async def handle(request: Request) -> Response:
            body = await request.body()
            caller = self.callers.get(access_key(request.headers, request.url.query) or "")
            if caller is not None and request.method != "OPTIONS":
                call = describe(request.method, str(request.url), request.headers, body, self.arns)
                if call is not None:
                    denied = refusals(caller.statements, call.needs)
                    if denied:
                        return self._deny(caller, call, denied[0], request)
            upstream = await client.request(
                request.method,
                request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                content=body,
                headers=[(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS],
            )
            headers = {
                k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS | {"content-encoding"}
            }
            return Response(upstream.content, status_code=upstream.status_code, headers=headers)

        methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", handle, methods=methods)])

    def _deny(self, caller: Caller, call: Call, refusal: tuple[str, str], request: Request) -> Response:
        action, resource = refusal
        who = f"arn:aws:sts::{self.arns.account}:assumed-role/{caller.role}/{caller.function}"
        message = (
            f"User: {who} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action"
        )
        self.refused.append({"function": caller.function, "action": action, "resource": resource})
        log.warning(
            "AccessDenied: %s may not %s on %s (its role's policy allows it nowhere)", caller.function, action, resource
        )
        if "x-amz-target" in {k.lower() for k in request.headers}:
            return Response(
                json.dumps({"__type": "AccessDeniedException", "message": message}),
                status_code=400,
                media_type="application/x-amz-json-1.0",
            )
        if call.service == "s3":
            xml = f"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
            return Response(xml, status_code=403, media_type="application/xml")
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code>"
            f"<Message>{message}</Message></Error><RequestId>local</RequestId></ErrorResponse>"
        )
        return Response(xml, status_code=403, media_type="text/xml")
