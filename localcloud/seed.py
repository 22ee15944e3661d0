"""Demo data for the local cloud, seeded as it would be in AWS.

The tenants themselves (settings, locations, first admin) were already written by
their onboarding custom resources during provisioning. Here come what an operator
creates by hand in AWS (the Gmail and Mercado Pago secrets; the matching seller
accounts in the fake Mercado Pago) and the demo content: staff of every role, a
demo customer, the menus with their images (``localcloud.demo_identity`` and
``localcloud.demo_catalog``, which go through the services' own logic, and work
against AWS too), and a month of the admins' metrics (``localcloud.demo_metrics``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

SERVICES = Path(__file__).resolve().parent.parent / "services"


def _put_secret(client: Any, name: str, value: dict[str, str]) -> None:
    try:
        client.create_secret(Name=name, SecretString=json.dumps(value))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise
        client.put_secret_value(SecretId=name, SecretString=json.dumps(value))


def tenants(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every onboarded tenant (a Scan is fine for a seeding script, never in a request path)."""
    items = dynamodb.scan(TableName=table)["Items"]
    return [{k: next(iter(v.values())) for k, v in item.items()} for item in items]


def mercadopago_credentials(tenant_id: str) -> dict[str, str]:
    """Deterministic test credentials per tenant (shaped like Mercado Pago's TEST- credentials)."""
    digest = hashlib.sha256(tenant_id.encode()).hexdigest()
    return {
        "access_token": f"TEST-{digest[:16]}-{digest[16:40]}",
        "public_key": f"TEST-{digest[40:48]}-{digest[48:60]}",
        "webhook_secret": hashlib.sha256(f"webhook/{tenant_id}".encode()).hexdigest(),
    }


def seed_demo(cloud: LocalCloud) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb")
    secrets = boto3.client("secretsmanager")
    credentials: dict[str, Any] = {"tenants": {}}
    smtp_secrets = {
        spec.environment["SMTP_SECRET_NAME"]
        for spec in cloud.assembly.functions.values()
        if "SMTP_SECRET_NAME" in spec.environment
    }
    for name in smtp_secrets:
        _put_secret(secrets, name, {"username": "notificaciones@bembos.local", "password": "app-password-local"})
    for tenant in tenants(dynamodb, cloud.table("tenants")):
        tenant_id = tenant["tenant_id"]
        mp = mercadopago_credentials(tenant_id)
        _put_secret(secrets, tenant["mercadopago_secret_name"], mp)
        cloud.mercadopago.add_account(mp["access_token"], mp["webhook_secret"], public_key=mp["public_key"])
        entry: dict[str, Any] = {"name": tenant["name"], "mercadopago_public_key": mp["public_key"]}
        entry.update(_seed_content(cloud, dynamodb, tenant_id))
        credentials["tenants"][tenant_id] = entry
    return credentials


def _seed_content(cloud: LocalCloud, dynamodb: Any, tenant_id: str) -> dict[str, Any]:
    """Staff, demo customer and menu, through the services' own logic."""
    if str(SERVICES) not in sys.path:
        sys.path.insert(0, str(SERVICES))
    # Imported once the path is set, and only here: mercadopago_credentials' callers need no service code.
    from localcloud.demo_catalog import seed_catalog
    from localcloud.demo_identity import seed_identity

    tables = {short: cloud.table(short) for short in ("tenants", "usuarios", "tokens", "empleados", "locales",
                                                       "productos", "combos")}  # fmt: skip
    result: dict[str, Any] = {"accounts": seed_identity(dynamodb, tables, tenant_id)}
    bucket = next(v for k, v in cloud.assembly.physical_ids.items() if k.split("/")[-1].startswith("Images"))
    result["menu"] = seed_catalog(dynamodb, boto3.client("s3"), tables, bucket, tenant_id)
    result["metrics"] = _seed_metrics(dynamodb, cloud.table("metricas"), tables, tenant_id)
    return result


def _seed_metrics(dynamodb: Any, table: str, tables: dict[str, str], tenant_id: str) -> dict[str, int]:
    """The scripted month of every location of the tenant, ending today (Lima), in its metrics."""
    from core.clock import LIMA, utc_now
    from localcloud.demo_metrics import seed_tenant

    return seed_tenant(dynamodb, {**tables, "metricas": table}, tenant_id, utc_now().astimezone(LIMA).date())
