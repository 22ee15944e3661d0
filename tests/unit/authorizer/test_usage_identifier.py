"""The REST authorizer names the caller's tenant's API key (usageIdentifierKey): its usage plan throttles the tenant."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from function_env import function_environment
from moto import mock_aws

from core import contracts
from core.tokens import hash_token, new_token

REST_ARN = "arn:aws:execute-api:us-east-1:123456789012:api1/dev/GET/pedidos"
CONNECT_ARN = "arn:aws:execute-api:us-east-1:123456789012:ws1/dev/$connect"
PREFIX = "bembos-dev"


class _Context:
    function_name = "authorizer"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:authorizer"
    aws_request_id = "req"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    variables = {"TOKENS_TABLE": "tokens", "TENANTS_TABLE": "tenants", "STAGE_PREFIX": PREFIX}
    function_environment(monkeypatch, "authorizer", variables)
    import authorizer.runtime

    with mock_aws():
        client = boto3.client("dynamodb")
        for short in ("tokens", "tenants"):
            client.create_table(**contracts.TABLES[short].create_request(short))
        authorizer.runtime.reset()
        yield client
        authorizer.runtime.reset()


def _tenant(client: Any, tenant_id: str, status: str = "active") -> None:
    item = {"tenant_id": {"S": tenant_id}, "name": {"S": tenant_id}, "status": {"S": status}}
    client.put_item(TableName="tenants", Item=item)


def _session(client: Any, tenant_id: str, rol: str) -> str:
    token = new_token(tenant_id)
    kind = "customer" if rol == contracts.CUSTOMER_ROLE else "employee"
    item = {
        "tenant_id": {"S": tenant_id},
        "token_hash": {"S": hash_token(token)},
        "subject_id": {"S": f"{rol}-1"},
        "kind": {"S": kind},
        "rol": {"S": rol},
        "expires_at": {"N": str(int(time.time()) + 3600)},
    }
    client.put_item(TableName="tokens", Item=item)
    return token


def _authorize(token: str, method_arn: str = REST_ARN) -> dict[str, Any]:
    import authorizer.handler

    event: dict[str, Any] = {"type": "REQUEST", "methodArn": method_arn}
    if "$connect" in method_arn:
        event["queryStringParameters"] = {"token": token}
    else:
        event["headers"] = {"Authorization": f"Bearer {token}"}
    return authorizer.handler.lambda_handler(event, _Context())  # type: ignore[no-any-return]


@pytest.mark.parametrize("rol", [contracts.CUSTOMER_ROLE, *contracts.ROLES])
def test_every_allowed_rest_principal_carries_its_tenants_usage_key(dynamodb: Any, rol: str) -> None:
    _tenant(dynamodb, "bembos-larco")

    answer = _authorize(_session(dynamodb, "bembos-larco", rol))

    # the stage is in the value: API Gateway's key values are unique in the account, across stages
    assert answer["usageIdentifierKey"] == contracts.usage_key(PREFIX, "bembos-larco")
    assert answer["usageIdentifierKey"] == "bembos-dev-bembos-larco-usage-key"
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_each_tenants_sessions_carry_their_own_key(dynamodb: Any) -> None:
    for tenant_id in ("bembos-larco", "bembos-surco"):
        _tenant(dynamodb, tenant_id)
    keys = {
        tenant_id: _authorize(_session(dynamodb, tenant_id, "admin"))["usageIdentifierKey"]
        for tenant_id in ("bembos-larco", "bembos-surco")
    }
    assert keys == {t: contracts.usage_key(PREFIX, t) for t in ("bembos-larco", "bembos-surco")}


def test_a_websocket_connect_answer_names_no_usage_key(dynamodb: Any) -> None:
    _tenant(dynamodb, "bembos-larco")

    answer = _authorize(_session(dynamodb, "bembos-larco", "cocinero"), CONNECT_ARN)

    assert "usageIdentifierKey" not in answer
    assert answer["policyDocument"]["Statement"][0]["Resource"] == CONNECT_ARN


def test_a_suspended_tenants_session_gets_no_key_but_a_401(dynamodb: Any) -> None:
    _tenant(dynamodb, "bembos-larco", status="suspended")
    token = _session(dynamodb, "bembos-larco", "admin")

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        _authorize(token)


def test_a_tenant_suspended_after_being_cached_is_refused_on_websocket_connect_at_once(dynamodb: Any) -> None:
    """The consumer of TenantSuspended closes the tenant's sockets and the apps reconnect at once: $connect must
    not trust the warm container's minute-old answer that the tenant is active."""
    _tenant(dynamodb, "bembos-larco")
    token = _session(dynamodb, "bembos-larco", "cocinero")
    assert _authorize(token, CONNECT_ARN)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert _authorize(token)["policyDocument"]["Statement"][0]["Effect"] == "Allow"  # the tenant is cached

    _tenant(dynamodb, "bembos-larco", status="suspended")

    with pytest.raises(Exception, match="Unauthorized"):
        _authorize(token, CONNECT_ARN)
    with pytest.raises(Exception, match="Unauthorized"):
        _authorize(token)  # and the cache forgot the tenant: REST stops now too in this container
