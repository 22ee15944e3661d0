"""WebSocket routes: ``$connect`` (after the authorizer), ``$disconnect``, ``mensaje``, ``$default``.

A connection subscribes to the topic its principal may follow: a customer to
their own orders, a staff member to their location and role; an admin to the
whole tenant. The realtime notifier (the orders issue) pushes to these topics.
Its row also names its person (``subject_key``: a message to one person, and the
sockets that end with the session, ``core.sockets``) and its session token's hash.

``mensaje`` (route selection ``$request.body.action``) sends a staff message
(``realtime.messages``); its answer goes back on the sender's socket.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.clock import utc_now
from core.observability import entry_point, logger
from core.principal import Principal
from core.tokens import hash_token, parse_token
from realtime import messages, runtime
from realtime.dal import ConnectionRow

CONNECTION_TTL_SECONDS = 2 * 60 * 60  # API Gateway closes a connection after 2 h anyway


def topic_for(principal: Principal) -> str:
    if principal.kind == "customer":
        return f"{principal.tenant_id}#cliente#{principal.subject_id}"
    if principal.is_admin:
        return f"{principal.tenant_id}#admin"
    return f"{principal.tenant_id}#{principal.location_id}#{principal.rol}"


def _ok(body: str = "") -> dict[str, Any]:
    return {"statusCode": 200, "body": body}


def default_answer(body: str | None) -> dict[str, Any]:
    """The answer to a frame no route took (``$default``): a pong to a ping, else an error frame."""
    try:
        frame = json.loads(body or "{}")
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        return {"type": "error", "client_id": None, "code": "invalid_frame", "message": "Not a JSON object"}
    if frame.get("action") == "ping":
        return {"type": "pong"}
    return {"type": "error", "client_id": None, "code": "unknown_action", "message": "Unknown action"}


def _connect(event: dict[str, Any], principal: Principal | None, connection_id: str) -> dict[str, Any]:
    if principal is None:  # $connect always has the authorizer; without it there is no one to connect
        return {"statusCode": 401}
    token = parse_token((event.get("queryStringParameters") or {}).get("token"))
    row = ConnectionRow(
        tenant_id=principal.tenant_id,
        connection_id=connection_id,
        topic=topic_for(principal),
        subject_id=principal.subject_id,
        kind=principal.kind,
        token_hash=hash_token(token[1]) if token else None,
        expires_at=int(utc_now().timestamp()) + CONNECTION_TTL_SECONDS,
    )
    runtime.store().put(row)
    return _ok()


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event["requestContext"]
    connection_id = request["connectionId"]
    route = request["routeKey"]
    # Every route of a connection carries what $connect's authorizer said (API Gateway keeps it).
    authorizer = request.get("authorizer") or {}
    tenant_id = authorizer.get("tenant_id")
    if tenant_id:
        logger.append_keys(tenant_id=tenant_id)  # until the next invocation (clear_state)
    if route == "$connect":
        return _connect(event, Principal.from_context(authorizer), connection_id)
    if route == "$disconnect":
        if tenant_id:
            runtime.store().delete(tenant_id, connection_id)
        return _ok()
    if route == contracts.MESSAGE_ROUTE_KEY:
        answer = messages.send(
            Principal.from_context(authorizer),
            connection_id,
            event.get("body"),
            store=runtime.messages(),
            fanout=runtime.message_connections(),
            now=utc_now(),
        )
    else:
        answer = default_answer(event.get("body"))
    runtime.store().send(connection_id, answer)
    return _ok()
