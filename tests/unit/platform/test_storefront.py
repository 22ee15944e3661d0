"""GET /tienda: a tenant's public storefront profile (what the customer app needs before anyone logs in)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from core import contracts
from core.tenant_config import TenantConfigs, UnknownTenant
from health.logic import storefront
from pagos.credentials import CredentialStore

TABLE = "tenants"


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, Counter[str]]]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        dynamodb.create_table(**contracts.TABLES["tenants"].create_request(TABLE))
        for tenant in ("bembos-a", "bembos-b"):
            secret = f"bembos/mercadopago/{tenant}"
            dynamodb.put_item(
                TableName=TABLE,
                Item={
                    "tenant_id": {"S": tenant},
                    "name": {"S": f"Bembos {tenant[-1].upper()}"},
                    "mercadopago_secret_name": {"S": secret},
                    "delivery_fee_cents": {"N": "700"},
                    "sla_minutes": {"M": {"cocina": {"N": "12"}}},
                },
            )
        secrets.create_secret(
            Name="bembos/mercadopago/bembos-a",
            SecretString=json.dumps(
                {"access_token": "APP_USR-secret", "public_key": "APP_USR-pk-a", "webhook_secret": "s"}
            ),
        )
        calls: Counter[str] = Counter()
        for client in (dynamodb, secrets):
            client.meta.events.register("before-call.*.*", lambda model, **_: calls.update([model.name]))
        yield dynamodb, secrets, calls


def test_the_storefront_names_the_tenant_its_fee_its_slas_and_only_the_public_key(aws) -> None:
    dynamodb, secrets, calls = aws
    tenants, credentials = TenantConfigs(dynamodb, TABLE), CredentialStore(secrets)

    profile = storefront("bembos-a", tenants=tenants, credentials=credentials)
    again = storefront("bembos-a", tenants=tenants, credentials=credentials)

    assert profile == again
    assert (profile.name, profile.delivery_fee_cents, profile.sla_minutes.cocina) == ("Bembos A", 700, 12)
    assert profile.mercadopago_public_key == "APP_USR-pk-a"
    assert "APP_USR-secret" not in profile.model_dump_json()  # never the access token
    assert calls == Counter({"GetItem": 1, "GetSecretValue": 1})  # a warm container reads neither again


def test_a_tenant_without_a_readable_secret_gets_no_public_key_and_an_unknown_tenant_a_404(aws) -> None:
    dynamodb, secrets, _ = aws
    tenants, credentials = TenantConfigs(dynamodb, TABLE), CredentialStore(secrets)

    assert storefront("bembos-b", tenants=tenants, credentials=credentials).mercadopago_public_key is None
    for unknown in ("no-existe", None, "Not#Valid"):
        with pytest.raises(UnknownTenant):
            storefront(unknown, tenants=tenants, credentials=credentials)
