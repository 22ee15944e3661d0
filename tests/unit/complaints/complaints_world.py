"""The complaints service on moto: its table, the users, orders, locations and tenants tables
(``contracts.TABLES``), the bus's events captured, the routes called as API Gateway would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from function_env import function_environment
from moto_world import SavedWorld, kept_world
from queue_events import Context
from rest_events import rest_event

import localcloud.moto_launcher  # noqa: F401  (its fix 9: a transaction copies the items it names, not whole tables)
from core import contracts
from core.dynamo import from_item, to_item

TENANT_A, TENANT_B = "bembos-miraflores", "bembos-san-isidro"
TABLES = {name: f"t-{name}" for name in ("reclamaciones", "usuarios", "pedidos", "locales", "tenants")}
NOW = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # Friday 27 Nov 2026, 10:30 in Lima


def customer(subject: str = "c-ana", tenant: str = TENANT_A) -> dict[str, str]:
    return {"tenant_id": tenant, "subject_id": subject, "kind": "customer", "rol": "cliente"}


def staff(rol: str = "admin", tenant: str = TENANT_A) -> dict[str, str]:
    return {"tenant_id": tenant, "subject_id": f"emp-{rol}", "kind": "employee", "rol": rol,
            "location_id": "larco", "name": "Rosa Admin"}  # fmt: skip


def complaint_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tipo": "reclamo",
        "bien": "producto",
        "descripcion_bien": "Combo Bembos Royal",
        "monto_cents": 2590,
        "detalle": "La hamburguesa llegó fría y sin las papas del combo.",
        "pedido_consumidor": "Devolución del importe del combo",
        "consumidor": {
            "nombre": "Ana Quispe",
            "documento_tipo": "DNI",
            "documento_numero": "45678912",
            "domicilio": "Av. Larco 345, Miraflores",
            "telefono": "987654321",
        },
    }
    body.update(changes)
    return body


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class World:
    dynamodb: Any
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        principal: dict[str, str] | None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **query: str,
    ) -> Response:
        from reclamos import handler

        event = rest_event(method, path, principal=principal, body=body, headers=headers, query=query or None)
        result = handler.lambda_handler(event, Context())
        headers = {k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()}
        headers.update(result.get("headers") or {})
        raw = result["body"]
        parsed = json.loads(raw) if raw and headers.get("Content-Type", "").startswith("application/json") else raw
        return Response(result["statusCode"], parsed, headers)

    def file(self, principal: dict[str, str] | None = None, **changes: Any) -> Response:
        return self.call("POST", "/reclamaciones", principal or customer(), complaint_body(**changes))

    def stored(self) -> list[dict[str, Any]]:
        """Every item of the complaints table, by tenant and key."""
        items = (from_item(i) for i in self.dynamodb.scan(TableName=TABLES["reclamaciones"])["Items"])
        return sorted(items, key=lambda i: (i["tenant_id"], i["entry_key"]))

    def entries(self) -> list[dict[str, Any]]:
        return [i for i in self.stored() if i["entry_key"].startswith("n#")]


@pytest.fixture(scope="module")
def _saved_world() -> Iterator[tuple[SavedWorld, Any]]:
    """The tables and their seed rows, made once per module (``moto_world``)."""
    with kept_world("us-east-1") as saved:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for name, table in TABLES.items():
            dynamodb.create_table(**contracts.TABLES[name].create_request(table))
        for tenant, term in ((TENANT_A, 15), (TENANT_B, 30)):
            secret = f"bembos-test/mercadopago/{tenant}"
            config = {"tenant_id": tenant, "name": tenant, "mercadopago_secret_name": secret,
                      "reclamos_plazo_dias": term}  # fmt: skip
            dynamodb.put_item(TableName=TABLES["tenants"], Item=to_item(config))
            dynamodb.put_item(TableName=TABLES["locales"], Item=to_item({"tenant_id": tenant, "location_id": "larco"}))
            for who in ("c-ana", "c-beto"):
                user = {"tenant_id": tenant, "user_id": who, "email": f"{who}@{tenant}.pe", "status": "active",
                        "password_hash": "secret"}  # fmt: skip
                dynamodb.put_item(TableName=TABLES["usuarios"], Item=to_item(user))
        order = {"tenant_id": TENANT_A, "order_id": "order-ana-1", "customer_id": "c-ana"}
        dynamodb.put_item(TableName=TABLES["pedidos"], Item=to_item(order))
        saved.save()
        yield saved, dynamodb


@pytest.fixture
def world(_saved_world: tuple[SavedWorld, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    function_environment(
        monkeypatch,
        "reclamaciones",
        {
            "COMPLAINTS_TABLE": TABLES["reclamaciones"],
            "USERS_TABLE": TABLES["usuarios"],
            "ORDERS_TABLE": TABLES["pedidos"],
            "LOCATIONS_TABLE": TABLES["locales"],
            "TENANTS_TABLE": TABLES["tenants"],
            "EVENT_BUS_NAME": "t-eventos",
        },
    )
    from reclamos import handler, runtime

    monkeypatch.setattr(handler, "utc_now", lambda: NOW)
    runtime.reset()
    saved, dynamodb = _saved_world
    saved.restore()
    state = World(dynamodb)

    class Bus:
        def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None:
            assert source == contracts.EVENT_SOURCE_COMPLAINTS
            state.events.append((detail_type, json.loads(json.dumps(detail))))

    monkeypatch.setattr(runtime, "publisher", Bus)
    runtime.dal()._client.meta.events.register("before-call", lambda model, **_: state.calls.append(model.name))
    yield state
    runtime.reset()
