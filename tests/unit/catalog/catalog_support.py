"""Catalog test support: moto tables of the data model (``contracts.TABLES``), two tenants, the handlers' invokers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto_world import SavedWorld, kept_world
from rest_events import Response, rest_event

from core import contracts

TABLES = ("tenants", "productos", "combos", "locales")  # each under its own name
BUCKET = "bembos-test-images"
TENANT_A, TENANT_B = "bembos-miraflores", "bembos-san-isidro"
ROLES = ["cocinero", "empaquetador", "repartidor"]


class Context:
    function_name = "catalog-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:catalog-test"
    aws_request_id = "req-1"


def staff(tenant_id: str = TENANT_A, rol: str = "admin", location_id: str = "larco") -> dict[str, str]:
    return {
        "tenant_id": tenant_id,
        "subject_id": f"emp-{rol}",
        "kind": "employee",
        "rol": rol,
        "location_id": location_id,
    }


def customer(tenant_id: str = TENANT_A) -> dict[str, str]:
    return {"tenant_id": tenant_id, "subject_id": "cus-1", "kind": "customer", "rol": "cliente"}


@dataclass
class Catalog:
    dynamodb: Any
    s3: Any
    calls: list[str] = field(default_factory=list)

    def items(self, table: str, tenant_id: str | None = None) -> list[dict[str, Any]]:
        items = self.dynamodb.scan(TableName=table)["Items"]
        return [i for i in items if tenant_id is None or i["tenant_id"]["S"] == tenant_id]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {name: sorted(self.items(name), key=json.dumps) for name in TABLES}


@pytest.fixture(scope="module")
def _saved_catalog() -> Iterator[tuple[SavedWorld, Any, Any]]:
    """The four tables and three tenants, made once per module (``moto_world``); the bucket is made per test."""
    with kept_world("us-east-1") as world:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for name in TABLES:
            dynamodb.create_table(**contracts.TABLES[name].create_request(name))
        for tenant in (TENANT_A, TENANT_B):
            dynamodb.put_item(
                TableName="tenants", Item={"tenant_id": {"S": tenant}, "name": {"S": tenant}, "status": {"S": "active"}}
            )
        dynamodb.put_item(
            TableName="tenants", Item={"tenant_id": {"S": "bembos-cerrado"}, "status": {"S": "suspended"}}
        )
        world.save()
        yield world, dynamodb, boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def catalog(_saved_catalog: tuple[SavedWorld, Any, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Catalog]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "catalog",
        "TENANTS_TABLE": "tenants",
        "PRODUCTS_TABLE": "productos",
        "COMBOS_TABLE": "combos",
        "LOCATIONS_TABLE": "locales",
        "IMAGES_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(key, value)
    from catalogo import runtime

    runtime.reset()
    world, dynamodb, s3 = _saved_catalog
    world.restore()
    s3.create_bucket(Bucket=BUCKET)
    state = Catalog(dynamodb=dynamodb, s3=s3)
    # Count the AWS calls the functions make (presigning is local: it makes none).
    runtime.dynamodb().meta.events.register("before-call", lambda model, **_: state.calls.append(model.name))
    runtime.images()._client.meta.events.register("before-call", lambda model, **_: state.calls.append(model.name))
    yield state
    runtime.reset()


Invoke = Callable[..., Response]


def invoker(module: Any) -> Invoke:
    def invoke(method: str, path: str, **kwargs: Any) -> Response:
        result = module.lambda_handler(rest_event(method, path, **kwargs), Context())
        return Response.of(result)

    return invoke


@pytest.fixture
def productos(catalog: Catalog) -> Invoke:
    from productos import handler

    return invoker(handler)


@pytest.fixture
def combos(catalog: Catalog) -> Invoke:
    from combos import handler

    return invoker(handler)


@pytest.fixture
def locales(catalog: Catalog) -> Invoke:
    from locales import handler

    return invoker(handler)


LOCATION_BODY = {
    "name": "Bembos Larco",
    "address": "Av. José Larco 345, Miraflores",
    "district": "Miraflores",
    "lat": -12.1219,
    "lng": -77.0297,
    "phone": "+51 1 4451234",
    "dispatch_types": ["delivery", "pickup"],
    "opening_hours": {"lun": "11:00-23:00", "sab": "11:00-24:00"},
}


def product_body(product_id: str | None = "clasica", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Hamburguesa Clásica",
        "description": "Carne a la parrilla, lechuga, tomate",
        "category": "hamburguesas",
        "sizes": [{"size": "regular", "price_cents": 1290}, {"size": "mediana", "price_cents": 1590}],
        "points": 12,
    }
    if product_id:
        body["product_id"] = product_id
    body.update(overrides)
    return body


def combo_body(
    combo_id: str | None = "combo-clasico", products: tuple[str, ...] = ("clasica",), **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Combo Clásico",
        "items": [{"product_id": p, "quantity": 1} for p in products],
        "sizes": [{"size": "mediano", "price_cents": 2290}],
        "points": 25,
        "stock": 50,
    }
    if combo_id:
        body["combo_id"] = combo_id
    body.update(overrides)
    return body


@pytest.fixture
def with_locations(locales: Invoke) -> None:
    for tenant, location_id in ((TENANT_A, "larco"), (TENANT_A, "benavides"), (TENANT_B, "camino-real")):
        response = locales(
            "POST", "/locales", body={**LOCATION_BODY, "location_id": location_id}, principal=staff(tenant)
        )
        assert response.status == 201, response.body
