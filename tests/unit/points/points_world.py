"""The points service on moto: its table, Pedidos and Usuarios (``contracts.TABLES``), the consumer fed SQS batches
of EventBridge events, the routes called as API Gateway would, and an AWS call counter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from function_env import function_environment
from moto_world import SavedWorld, kept_world
from queue_events import Context, eventbridge, sqs_batch
from rest_events import Response, rest_event

import localcloud.moto_launcher  # noqa: F401  (its fix 9: a transaction copies the items it names, not whole tables)
from core import contracts
from core.dynamo import to_item

TENANT_A, TENANT_B = "bembos-miraflores", "bembos-san-isidro"
POINTS, ORDERS, USERS = "t-puntos", "t-pedidos", "t-usuarios"
DELIVERED_AT = "2026-11-28T20:15:00.000Z"


def customer(subject: str = "cust-1", tenant: str = TENANT_A) -> dict[str, str]:
    return {"tenant_id": tenant, "subject_id": subject, "kind": "customer", "rol": "cliente"}


def staff(rol: str = "admin", tenant: str = TENANT_A) -> dict[str, str]:
    return {"tenant_id": tenant, "subject_id": f"emp-{rol}", "kind": "employee", "rol": rol, "location_id": "larco"}


def line(item_id: str, quantity: int, points: int | None, kind: str = "producto") -> dict[str, Any]:
    values = {"kind": kind, "item_id": item_id, "name": item_id, "size": "regular", "quantity": quantity,
              "unit_price_cents": 1000, "line_total_cents": 1000 * quantity, "points": points}  # fmt: skip
    return {k: v for k, v in values.items() if v is not None}


def delivered(order_id: str, at: str = DELIVERED_AT, tenant: str = TENANT_A) -> dict[str, Any]:
    """``OrderStatusChanged`` ENTREGADO as the workflow puts it on the bus."""
    detail = {"tenant_id": tenant, "order_id": order_id, "location_id": "larco", "estado_pedido": "ENTREGADO",
              "dispatch": "delivery", "at": at, "by": "workflow"}  # fmt: skip
    return eventbridge(contracts.ORDER_STATUS_CHANGED, detail)


def refunded(order_id: str, at: str = "2026-11-29T10:00:00.000Z", reason: str = "payment_refunded") -> dict[str, Any]:
    """The payments service's hand-over to the admins of a refund it did not make (``pagos.settlement``)."""
    detail = {"tenant_id": TENANT_A, "order_id": order_id, "location_id": "larco",
              "estado_pedido": contracts.REQUIRES_ADMIN, "at": at, "by": "mercadopago", "reason": reason}  # fmt: skip
    return eventbridge(contracts.ORDER_OVERDUE, detail)


def replay(event: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge replay of ``event``: the same detail under a new event id."""
    return eventbridge(event["detail-type"], event["detail"])


@dataclass
class World:
    dynamodb: Any
    calls: list[str] = field(default_factory=list)

    def order(self, order_id: str, lines: list[dict[str, Any]], *, estado: str = "ENTREGADO",
              customer_id: str = "cust-1", payment_status: str = "approved") -> None:  # fmt: skip
        """An order of Pedidos, whole (``core.orders.StoredOrder``), paid by the payment ``p-1``."""
        item = {"tenant_id": TENANT_A, "order_id": order_id, "customer_id": customer_id, "estado_pedido": estado,
                "items": lines, "location_id": "larco", "total_cents": 1000, "subtotal_cents": 1000,
                "delivery_fee_cents": 0, "customer_key": f"{TENANT_A}#{customer_id}", "customer_email": "a@b.pe",
                "customer_name": "Ana", "location_state_key": f"{TENANT_A}#larco#{estado}", "dispatch": "pickup",
                "created_at": DELIVERED_AT, "updated_at": DELIVERED_AT, "history": [],
                "payment": {"provider": "mercadopago", "payment_id": "p-1", "status": payment_status}}  # fmt: skip
        self.dynamodb.put_item(TableName=ORDERS, Item=to_item(item))

    def user(self, user_id: str, tenant: str = TENANT_A) -> None:
        self.dynamodb.put_item(TableName=USERS, Item=to_item({"tenant_id": tenant, "user_id": user_id}))

    def deliver(self, *bodies: dict[str, Any] | str) -> list[str]:
        """One SQS batch to the consumer: the message ids it reports failed."""
        from puntos import consumer

        answer = consumer.lambda_handler(sqs_batch(*bodies), Context())
        return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]

    def get(self, path: str, principal: dict[str, str] | None, *, resource: str | None = None,
            path_parameters: dict[str, str] | None = None, **query: str) -> Response:  # fmt: skip
        from puntos import handler

        event = rest_event("GET", path, principal=principal, query=query or None, resource=resource,
                           path_parameters=path_parameters)  # fmt: skip
        result = handler.lambda_handler(event, Context())
        return Response.of(result)

    def statement(self, subject: str = "cust-1", tenant: str = TENANT_A) -> dict[str, Any]:
        answer = self.get("/perfil/puntos", customer(subject, tenant))
        assert answer.status == 200, answer.body
        return dict(answer.body)

    def points_items(self) -> int:
        return len(self.dynamodb.scan(TableName=POINTS)["Items"])


@pytest.fixture(scope="module")
def _saved_world() -> Iterator[tuple[SavedWorld, Any]]:
    """The tables and their seed rows, made once per module (``moto_world``)."""
    with kept_world("us-east-1") as saved:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for table, schema in ((POINTS, "puntos"), (ORDERS, "pedidos"), (USERS, "usuarios")):
            dynamodb.create_table(**contracts.TABLES[schema].create_request(table))
        saved.save()
        yield saved, dynamodb


@pytest.fixture
def world(_saved_world: tuple[SavedWorld, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    function_environment(
        monkeypatch,
        "puntos",
        {
            "POINTS_TABLE": POINTS,
            "ORDERS_TABLE": ORDERS,
            "USERS_TABLE": USERS,
        },
    )
    from puntos import runtime

    runtime.reset()
    saved, dynamodb = _saved_world
    saved.restore()
    state = World(dynamodb)
    runtime.dal()._dynamodb.meta.events.register("before-call", lambda model, **_: state.calls.append(model.name))
    yield state
    runtime.reset()
