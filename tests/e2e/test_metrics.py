"""The admins' metrics over the local cloud: two real orders (the customer's card payment, the staff's boards, an
admin's cancel) at a location nobody else uses, read back from ``GET /metricas`` as exact numbers; with the
ready-time quotes on the way (the checkout's, the order's as it moves, and the quote's error once delivered)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from e2e_support import card_token, eventually, issue_token, put_item
from identity_support import call

from scripts.order_driver import Staff

pytestmark = pytest.mark.e2e
TENANT = "bembos-miraflores"
PRICE = 1590
ALWAYS_OPEN = {day: "00:00-24:00" for day in ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}


def _token(cloud: Any, **principal: str) -> str:
    return issue_token(cloud, TENANT, **principal)


def _paid_order(cloud: Any, customer: str, location: str, product: str) -> dict[str, Any]:
    """An order of two burgers to pick up at ``location``, paid by card (approved)."""
    body = {"location_id": location, "dispatch": "pickup",
            "items": [{"kind": "producto", "item_id": product, "size": "regular", "quantity": 2}]}  # fmt: skip
    created = call(cloud, "POST", "pedidos", token=customer, json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    card = {"card_token": card_token(cloud, TENANT), "payment_method_id": "visa", "installments": 1}
    assert call(cloud, "POST", f"pedidos/{order['order_id']}/pago", token=customer, json=card).status_code == 200
    return dict(order)


def _reaches(cloud: Any, token: str, order_id: str, estado: str) -> None:
    eventually(lambda: call(cloud, "GET", f"pedidos/{order_id}", token=token).json()["estado_pedido"] == estado)


def _work(member: Staff, stage: str, order_id: str) -> None:
    eventually(lambda: order_id in member.queue(stage).text)
    assert member.claim(stage, order_id).status_code == 200
    assert member.complete(stage, order_id).status_code == 200


def test_real_orders_at_a_location_reach_its_admins_metrics_as_exact_numbers(cloud) -> None:
    # Given a location and a burger of their own, a customer, its staff and an admin
    suffix = uuid.uuid4().hex[:6]
    location, product = f"metricas-{suffix}", f"burger-metricas-{suffix}"
    now = "2026-01-01T00:00:00+00:00"
    put_item(
        cloud,
        "productos",
        {
            "tenant_id": TENANT,
            "product_id": product,
            "name": f"Hamburguesa Métrica {suffix}",
            "description": "",
            "category": "hamburguesas",
            "points": 0,
            "available": True,
            "sizes": [{"size": "regular", "price_cents": PRICE}],
            "created_at": now,
            "updated_at": now,
        },
    )
    put_item(
        cloud,
        "locales",
        {
            "tenant_id": TENANT,
            "location_id": location,
            "name": f"Métricas {suffix}",
            "address": "Av. Prueba 200",
            "district": "Miraflores",
            "lat": -12.12,
            "lng": -77.03,
            "phone": "+51 1 4450000",
            "opening_hours": ALWAYS_OPEN,
            "paused": False,
            "dispatch_types": ["delivery", "pickup"],
        },
    )
    user_id = str(uuid.uuid4())
    put_item(
        cloud,
        "usuarios",
        {
            "tenant_id": TENANT,
            "user_id": user_id,
            "email": f"metricas-{suffix}@example.pe",
            "name": "Ana Quispe",
            "status": "active",
        },
    )
    customer = _token(cloud, subject_id=user_id, kind="customer", rol="cliente")
    staff = {"location_id": location, "kind": "employee"}
    cook = Staff(cloud.urls.api, _token(cloud, subject_id=f"cook-{suffix}", rol="cocinero", name="Ana Pérez", **staff))
    packer = Staff(
        cloud.urls.api, _token(cloud, subject_id=f"packer-{suffix}", rol="empaquetador", name="Rosa Huamán", **staff)
    )
    admin = _token(cloud, subject_id=f"admin-{suffix}", kind="employee", rol="admin")

    # When the customer reads the checkout's quote (a new location: the tenant's time limits, no order waiting)
    quote = call(cloud, "GET", f"locales/{location}/espera", tenant=TENANT).json()
    assert {s["source"] for s in quote["stages"]} == {"sla"}
    assert 1 <= quote["pickup_minutes"] < quote["delivery_minutes"]

    # And two orders are paid; one is cooked, packed and picked up, the other cancelled by the admin in the kitchen
    delivered, cancelled = (_paid_order(cloud, customer, location, product) for _ in range(2))
    estimate_path = f"locales/{location}/espera/{delivered['order_id']}"
    estimate = eventually(lambda: (r := call(cloud, "GET", estimate_path, token=customer)).is_success and r.json())
    assert estimate["dispatch"] == "pickup" and estimate["quoted_minutes"] >= quote["pickup_minutes"]
    _reaches(cloud, customer, cancelled["order_id"], "COCINA")  # the stage holds its task token
    reason = {"reason": "Cliente llamó para cancelar"}
    assert call(cloud, "POST", f"pedidos/{cancelled['order_id']}/cancelar", token=admin, json=reason).status_code == 200
    _work(cook, "COCINA", delivered["order_id"])
    _work(packer, "EMPAQUETAMIENTO", delivered["order_id"])

    # Then the location's metrics of today say exactly that (once the consumer has counted every event)
    orders = {"paid": 2, "delivered": 1, "cancelled": 1, "overdue": 0}
    stages_moved = [(2, 1), (1, 1), (0, 0)]  # (entered, completed) of the kitchen, packing, delivery

    def counted() -> dict[str, Any] | None:
        summary = call(cloud, "GET", "metricas", token=admin, params={"local": location}).json()
        moved = [(s["entered"], s["completed"]) for s in summary["stages"]]
        quoted = summary["quote"]["quoted"] == 1  # the delivered order's quote given at payment, and its error
        # A stage's maximum is raised just after the transaction that counts its completion: wait for it too.
        maxima = all(s["max_seconds"] for s in summary["stages"] if s["completed"])
        return summary if summary["orders"] == orders and moved == stages_moved and quoted and maxima else None

    summary = eventually(counted, timeout=30)
    total = 2 * PRICE
    assert delivered["total_cents"] == cancelled["total_cents"] == total
    assert (summary["revenue_cents"], summary["average_ticket_cents"]) == (2 * total, total)
    assert summary["cancellations"] == [{"reason": "admin", "count": 1}]
    stages = {s["stage"]: s for s in summary["stages"]}
    for name in ("COCINA", "EMPAQUETAMIENTO"):  # one time in stage each: its average is its maximum
        stage = stages[name]
        assert 0 <= stage["max_seconds"] < 60 and abs(stage["avg_seconds"] - stage["max_seconds"]) <= 0.05
    [today] = summary["days"]
    assert (today["paid"], today["delivered"], today["cancelled"], today["revenue_cents"]) == (2, 1, 1, 2 * total)
    ranking = call(cloud, "GET", "metricas/empleados", token=admin, params={"local": location}).json()["employees"]
    assert sorted((e["name"], e["stage"], e["completed"], e["overdue"]) for e in ranking) == [
        ("Ana Pérez", "COCINA", 1, 0),
        ("Rosa Huamán", "EMPAQUETAMIENTO", 1, 0),
    ]
    # picked up within seconds of a quote of whole minutes: the error is about the quote
    assert estimate["quoted_minutes"] - 2 <= summary["quote"]["median_abs_error_minutes"] <= estimate["quoted_minutes"]
    assert call(cloud, "GET", estimate_path, token=customer).status_code == 404  # over: no estimate
    hours = call(cloud, "GET", "metricas/horas", token=admin, params={"local": location}).json()["hours"]
    assert sum(h["orders"] for h in hours) == 2 and sum(h["revenue_cents"] for h in hours) == 2 * total
