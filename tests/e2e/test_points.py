"""Loyalty points over the local cloud: the status events on the platform's bus reach the points consumer through
its filtered rules and queue; a delivered order's points are credited exactly once (the workflow's ENTREGADO, and a
replay of it), read back by the customer and an admin, and a refund handed to the admins takes them back.

The order is seeded delivered and the events are put on the bus as their producers put them (the workflow; the
payments service, ``pagos.settlement``): the real delivery is the customer app's browser test, and the refund's
event is the payments service's own (``tests/unit/points``). This keeps the test to a few seconds."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from e2e_support import eventually, issue_token, put_item
from identity_support import call

from core import contracts
from core.dynamo import to_item
from scripts.order_driver import seed_paid_order

pytestmark = pytest.mark.e2e
TENANT, HERE, BUS = "bembos-miraflores", "larco", "bembos-dev-eventos"
LINES = [  # as the orders service stores them: the points per unit the menu promised
    {"kind": "producto", "item_id": "clasica", "name": "Hamburguesa Clásica", "size": "regular", "quantity": 2,
     "unit_price_cents": 1290, "line_total_cents": 2580, "points": 13},
    {"kind": "combo", "item_id": "combo-clasico", "name": "Combo Clásico", "size": "mediano", "quantity": 1,
     "unit_price_cents": 2290, "line_total_cents": 2290, "points": 25},
]  # fmt: skip
POINTS = 2 * 13 + 25


def _put(detail_type: str, detail: dict[str, Any]) -> None:
    entry = {"EventBusName": BUS, "Source": contracts.EVENT_SOURCE_ORDERS, "DetailType": detail_type,
             "Detail": json.dumps(detail)}  # fmt: skip
    assert boto3.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0


def _statement(cloud: Any, token: str) -> dict[str, Any]:
    answer = call(cloud, "GET", "perfil/puntos", token=token)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_delivered_order_credits_its_points_once_over_the_bus_and_a_refund_takes_them_back(cloud) -> None:
    # Given a customer's order, delivered (picked up), paid by an approved payment
    user_id = f"puntos-{uuid.uuid4().hex[:12]}"
    put_item(cloud, "usuarios", {"tenant_id": TENANT, "user_id": user_id, "email": f"{user_id}@example.pe",
                                 "name": "Ana Puntos", "status": "active"})  # fmt: skip
    customer = issue_token(cloud, TENANT, subject_id=user_id, kind="customer", rol="cliente")
    dynamodb = boto3.client("dynamodb")
    orders = cloud.table("pedidos")
    order_id = seed_paid_order(dynamodb, orders, tenant_id=TENANT, location_id=HERE, dispatch="pickup",
                               customer_id=user_id)  # fmt: skip
    dynamodb.update_item(
        TableName=orders,
        Key=to_item({"tenant_id": TENANT, "order_id": order_id}),
        UpdateExpression="SET estado_pedido = :e, #items = :items, payment = :payment",
        ExpressionAttributeNames={"#items": "items"},
        ExpressionAttributeValues=to_item(
            {":e": "ENTREGADO", ":items": LINES, ":payment": {"payment_id": "123", "status": "approved"}}
        ),
    )
    base = {"tenant_id": TENANT, "order_id": order_id, "location_id": HERE}

    # When the workflow announces it ENTREGADO, and the event is replayed (a new event id, the same fact)
    delivered = {**base, "estado_pedido": "ENTREGADO", "dispatch": "pickup", "at": "2026-11-28T20:15:00.000Z",
                 "by": "workflow"}  # fmt: skip
    _put(contracts.ORDER_STATUS_CHANGED, delivered)
    _put(contracts.ORDER_STATUS_CHANGED, delivered)

    # Then the customer holds exactly its points, credited once, and the tenant's admin sees the same
    credited = eventually(lambda: (s := _statement(cloud, customer))["balance"] == POINTS and s["items"] and s)
    admin = issue_token(cloud, TENANT, subject_id=f"admin-{user_id}", kind="employee", rol="admin")
    seen = call(cloud, "GET", f"clientes/{user_id}/puntos", token=admin)
    assert seen.status_code == 200 and seen.json()["balance"] == POINTS

    # When the payment is refunded at Mercado Pago afterwards and the payments service hands it to the admins
    refunded = {**base, "estado_pedido": contracts.REQUIRES_ADMIN, "at": "2026-11-29T10:00:00.000Z",
                "by": "mercadopago", "reason": "payment_refunded"}  # fmt: skip
    _put(contracts.ORDER_OVERDUE, refunded)

    # Then the points are taken back, and the ledger shows both movements, newest first (the replay added none)
    # (the statement's balance and ledger are two reads, not one snapshot: wait until both show the reversal)
    reversed_ = eventually(lambda: (s := _statement(cloud, customer))["balance"] == 0 and len(s["items"]) == 2 and s)
    assert [(e["order_id"], e["movement"], e["points"]) for e in credited["items"]] == [(order_id, "credit", POINTS)]
    assert [(e["movement"], e["points"]) for e in reversed_["items"]] == [("reversal", -POINTS), ("credit", POINTS)]
