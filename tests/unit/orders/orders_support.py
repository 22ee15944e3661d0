"""Test data of the orders tests: table names and their schemas (``contracts.TABLES``), seed rows, a call counter."""

from __future__ import annotations

from collections import Counter
from typing import Any

from core import contracts
from core.dynamo import to_item
from pedidos.dal import Tables

REGION = "us-east-1"
TENANT = "tenant-a"
TABLES = Tables(
    orders="t-pedidos",
    products="t-productos",
    combos="t-combos",
    locations="t-locales",
    users="t-usuarios",
    tenants="t-tenants",
    stages={"COCINA": "t-cocina", "EMPAQUETAMIENTO": "t-despachador", "DELIVERY": "t-delivery"},
)
# Each table by its name here, and the table of the data model (``contracts.TABLES``) it is.
SCHEMAS = {
    TABLES.orders: "pedidos",
    TABLES.products: "productos",
    TABLES.combos: "combos",
    TABLES.locations: "locales",
    TABLES.users: "usuarios",
    TABLES.tenants: "tenants",
    **{name: contracts.STAGES[state].table for state, name in TABLES.stages.items()},
}


class CallCounter:
    """Counts every AWS API call made through a client (botocore's ``before-call`` event)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self._client = client
        client.meta.events.register("before-call.*.*", self._count)

    def close(self) -> None:
        self._client.meta.events.unregister("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def reset(self) -> None:
        self.calls.clear()

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def seed(client: Any) -> None:
    def put(table: str, item: dict[str, Any]) -> None:
        client.put_item(TableName=table, Item=to_item({"tenant_id": TENANT, **item}))

    put(TABLES.tenants, {"name": "Bembos A", "mercadopago_secret_name": "mp/tenant-a", "status": "active",
                         "sla_minutes": {"cocina": 15, "empaquetamiento": 5, "delivery": 45}})  # fmt: skip
    put(TABLES.locations, {"location_id": "larco", "dispatch_types": ["delivery", "pickup"], "paused": False})
    put(TABLES.locations, {"location_id": "benavides", "dispatch_types": ["pickup"], "paused": False})
    put(TABLES.locations, {"location_id": "cerrado", "dispatch_types": ["pickup"], "paused": True})
    put(TABLES.users, {"user_id": "cust-1", "email": "ana@example.pe", "name": "Ana", "status": "active"})
    sizes = [{"size": "regular", "price_cents": 1590}, {"size": "grande", "price_cents": 1990}]
    put(TABLES.products, {"product_id": "clasica", "name": "Clásica", "sizes": sizes, "available": True})
    put(TABLES.products, {"product_id": "agotada", "name": "Agotada", "sizes": sizes, "available": False})
    put(TABLES.products, {"product_id": "sin-larco", "name": "Sin Larco", "sizes": sizes, "unavailable_at": ["larco"]})
    put(TABLES.products, {"product_id": "archivada", "name": "Archivada", "sizes": sizes, "archived_at": "2026-01-02"})
    put(TABLES.combos, {"combo_id": "combo-1", "name": "Combo", "stock": 2,
                        "sizes": [{"size": "regular", "price_cents": 2490}]})  # fmt: skip
