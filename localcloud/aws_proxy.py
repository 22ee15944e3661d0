"""The AWS endpoint the local functions call: their role's IAM policy enforced, then moto.

Every worker gets ``AWS_ENDPOINT_URL`` pointing here and an access key of its own. A request signed
with a function's key is mapped to IAM actions and resources (``localcloud.iam.describe``); if the
function's role does not allow one of them, the answer is the error AWS gives (``AccessDeniedException``,
``AuthorizationError``, S3's ``AccessDenied``) and nothing reaches moto. Everything else (the local
cloud's own calls, browsers' presigned requests signed by a function, CORS preflights) is passed
through as it is. Refusals are logged and kept in ``refused`` for the tests.

Optionally (``gsi_delay`` seconds, ``LOCALCLOUD_GSI_DELAY_MS``), an item a function wrote stays out of
the results of index queries for that long, as a DynamoDB global secondary index, eventually
consistent, may not show it yet on AWS: code that reads its own writes through an index fails here too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
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
    calls: Counter[str] = field(default_factory=Counter)  # AWS requests per function (``make load`` reports them)
    gsi_delay: float = 0.0
    _written: dict[tuple[str, str], float] = field(default_factory=dict)  # (table, key) -> when
    _key_schema: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
                self.calls[caller.function] += 1
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
            dropped = _HOP_HEADERS | {"content-encoding"}  # httpx has decoded the body
            headers = {k: v for k, v in upstream.headers.items() if k.lower() not in dropped}
            content = upstream.content
            if self.gsi_delay and caller is not None and upstream.status_code == 200:
                content = await self._eventually_consistent(client, request.headers, body, content)
            return Response(content, status_code=upstream.status_code, headers=headers)

        methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
        return Starlette(routes=[Route("/{path:path}", handle, methods=methods)])

    async def _eventually_consistent(
        self, client: httpx.AsyncClient, headers: Mapping[str, str], body: bytes, content: bytes
    ) -> bytes:
        """Note a function's DynamoDB writes; hide the items written too recently from its index queries."""
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        if not target.startswith("DynamoDB"):
            return content
        operation = target.partition(".")[2]
        request = json.loads(body or b"{}")
        now = time.monotonic()
        for table, item in _written_items(operation, request):
            keys = await self._keys(client, headers, table)
            self._written[(table, _key_of(item, keys))] = now
        if operation not in ("Query", "Scan") or not request.get("IndexName"):
            return content
        answer = json.loads(content)
        table = request["TableName"]
        keys = await self._keys(client, headers, table)
        recent = {key for (t, key), at in self._written.items() if t == table and now - at < self.gsi_delay}
        visible = [item for item in answer.get("Items", []) if _key_of(item, keys) not in recent]
        answer["Items"], answer["Count"] = visible, len(visible)
        return json.dumps(answer).encode()

    async def _keys(self, client: httpx.AsyncClient, headers: Mapping[str, str], table: str) -> tuple[str, ...]:
        """The table's primary key attributes (one DescribeTable per table, then remembered)."""
        if table not in self._key_schema:
            forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_HEADERS}
            forwarded["X-Amz-Target"] = "DynamoDB_20120810.DescribeTable"
            answer = await client.post("/", content=json.dumps({"TableName": table}), headers=forwarded)
            schema = answer.json().get("Table", {}).get("KeySchema", [])
            self._key_schema[table] = tuple(k["AttributeName"] for k in schema)
        return self._key_schema[table]

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


def _written_items(operation: str, request: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(table, item or key) of each write in a DynamoDB request."""
    if operation == "PutItem":
        return [(request["TableName"], request.get("Item", {}))]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(request["TableName"], request.get("Key", {}))]
    found: list[tuple[str, Mapping[str, Any]]] = []
    if operation == "BatchWriteItem":
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                put, delete = write.get("PutRequest", {}), write.get("DeleteRequest", {})
                found.append((table, put.get("Item") or delete.get("Key") or {}))
    if operation == "TransactWriteItems":
        for item in request.get("TransactItems", []):
            for kind, write in item.items():
                if kind != "ConditionCheck":
                    found.append((write["TableName"], write.get("Item") or write.get("Key") or {}))
    return found


def _key_of(item: Mapping[str, Any], keys: Sequence[str]) -> str:
    return json.dumps([item.get(k) for k in keys], sort_keys=True)
