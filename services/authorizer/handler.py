"""The REQUEST authorizer of the REST and the WebSocket API.

Reads the session token (REST: ``Authorization: Bearer <token>``; WebSocket:
``?token=<token>`` on ``$connect``), looks up its SHA-256 in the tokens table
(one ``GetItem``) and answers with an Allow policy and the principal as context.
The REST policy covers the whole stage so that API Gateway's cache (1 minute,
keyed by the header) serves every route: a revoked token keeps working for at most
that long, and so does a session of a tenant that was just suspended (the tenant's status is read
with the token, cached a minute per container). A WebSocket ``$connect`` reads the tenant's status fresh: a
suspended tenant's apps cannot reconnect the sockets the suspension closed. Role checks happen on each route
(``core.principal.requires``).

A REST answer also names the tenant's API key (``usageIdentifierKey``, ``contracts.usage_key`` of the stage's
``STAGE_PREFIX`` and the tenant): the API's key
source is the authorizer, and the key's usage plan (the tenant's tier) throttles the tenant on its own
(``constructs/usage_plans.py``). A WebSocket ``$connect`` answer carries none (WebSocket APIs have no usage plans).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from authorizer import runtime
from core import contracts, web
from core.clock import utc_now
from core.observability import entry_point, logger
from core.principal import Principal
from core.tenants import UnknownTenant
from core.tokens import hash_token, parse_token


def stage_wide_arn(method_arn: str) -> str:
    """``arn:...:apiId/stage/GET/producto`` -> ``arn:...:apiId/stage/*`` (one cached policy per token)."""
    api_part, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{api_part}/{stage}/*"


def authenticate(raw_token: str | None, now: datetime, *, fresh_tenant: bool = False) -> Principal | None:
    """The session's principal, if the token is valid and its tenant active (``fresh_tenant``: the tenant's status
    read now, not the container's minute-old answer)."""
    parsed = parse_token(raw_token)
    if parsed is None:
        return None
    tenant_id, token = parsed
    record = runtime.store().get(tenant_id, hash_token(token))
    if record is None or int(record.get("expires_at", 0)) <= now.timestamp() or record.get("revoked"):
        return None
    try:
        runtime.tenants().get(tenant_id, fresh=fresh_tenant)  # a suspended tenant's sessions stop
    except UnknownTenant:
        logger.info("tenant not active", extra={"tenant_id": tenant_id})
        return None
    return Principal(
        tenant_id=tenant_id,
        subject_id=record["subject_id"],
        kind=record["kind"],
        rol=record["rol"],
        location_id=record.get("location_id"),
        name=record.get("name"),
    )


def _raw_token(event: dict[str, Any]) -> str | None:
    query = event.get("queryStringParameters") or {}
    return web.header(event.get("headers"), "authorization") or query.get("token")


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method_arn = event["methodArn"]
    websocket = "/$connect" in method_arn
    # $connect reads the tenant fresh: the consumer of TenantSuspended closes a suspended tenant's sockets seconds
    # after the suspension, the apps reconnect at once, and nothing would close the new sockets (connects are rare).
    principal = authenticate(_raw_token(event), utc_now(), fresh_tenant=websocket)
    if principal is None:
        logger.info("token rejected")
        raise Exception("Unauthorized")  # API Gateway turns exactly this message into a 401
    logger.append_keys(tenant_id=principal.tenant_id)  # cleared by the next invocation (clear_state)
    resource = method_arn if websocket else stage_wide_arn(method_arn)
    answer: dict[str, Any] = {
        "principalId": f"{principal.tenant_id}/{principal.subject_id}",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}],
        },
        "context": principal.to_context(),
    }
    if not websocket:
        answer["usageIdentifierKey"] = contracts.usage_key(runtime.settings().stage_prefix, principal.tenant_id)
    return answer
