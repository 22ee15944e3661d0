"""Helpers of the end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3

from core.dynamo import to_item
from core.tokens import hash_token, new_token
from localcloud.cloud import LocalCloud
from localcloud.seed import mercadopago_credentials
from scripts.order_driver import HTTP

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll ``probe`` until it returns something truthy (asynchronous hops take a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout:.0f} s")
        time.sleep(interval)


def issue_token(cloud: LocalCloud, tenant_id: str, **principal: Any) -> str:
    """A session token written straight into the tokens table (the login route is another issue's test)."""
    token = new_token(tenant_id)
    item = {
        "tenant_id": {"S": tenant_id},
        "token_hash": {"S": hash_token(token)},
        "expires_at": {"N": str(int(time.time()) + 3600)},
        "subject_key": {"S": f"{tenant_id}#{principal['subject_id']}"},
    }
    item.update({k: {"S": str(v)} for k, v in principal.items()})
    boto3.client("dynamodb").put_item(TableName=cloud.table("tokens"), Item=item)
    return token


def put_item(cloud: LocalCloud, table: str, item: dict[str, Any]) -> None:
    """Write ``item`` into the cloud's table ``table`` (its short name: ``productos``), straight to DynamoDB."""
    boto3.client("dynamodb").put_item(TableName=cloud.table(table), Item=to_item(item))


def card_token(cloud: LocalCloud, tenant_id: str, holder: str = "APRO") -> str:
    """A card token from the fake Mercado Pago's card-token API with the tenant's public key, as MP JS makes it;
    the holder's name decides the payment (APRO approves, OTHE rejects)."""
    response = HTTP.post(
        f"{cloud.urls.mercadopago}/v1/card_tokens",
        params={"public_key": mercadopago_credentials(tenant_id)["public_key"]},
        json={
            "card_number": "4009175332806176",
            "security_code": "123",
            "expiration_month": 11,
            "expiration_year": 2030,
            "cardholder": {"name": holder},
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
