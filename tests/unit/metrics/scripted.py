"""A scripted set of orders whose metrics are known in advance: two Lima days, two locations, four employees, a
cancellation in the kitchen, an expired unpaid order and an overdue kitchen (the numbers: test_metrics_counting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from metrics_world import STAGE_TABLES, TENANT_A, World
from queue_events import eventbridge as envelope

from core import contracts
from core.clock import LIMA
from localcloud.demo_metrics import ScriptedOrder, Step, order_events

COCINA, EMPAQUE, DELIVERY = contracts.COCINA, contracts.EMPAQUETAMIENTO, contracts.DELIVERY
SLA = {COCINA: 900, EMPAQUE: 300, DELIVERY: 2700}  # the tenant's (15, 5 and 45 minutes)
ANA, LUIS = ("emp-ana", "Ana Pérez"), ("emp-luis", "Luis Quispe")
ROSA, JORGE = ("emp-rosa", "Rosa Huamán"), ("emp-jorge", "Jorge Flores")
assert set(STAGE_TABLES) == set(SLA)


def lima(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LIMA)


ORDERS = (
    # 27 Nov: two orders at larco, both delivered.
    ScriptedOrder("o1", "larco", "delivery", lima(27, 12, 10), 4480,
                  steps=(Step(COCINA, 400, *ANA), Step(EMPAQUE, 100, *ROSA), Step(DELIVERY, 1200, *JORGE))),
    ScriptedOrder("o2", "larco", "pickup", lima(27, 13, 5), 3180,
                  steps=(Step(COCINA, 500, *ANA), Step(EMPAQUE, 200, *ROSA))),
    # 28 Nov: a late kitchen at benavides (its overdue alert), a paid order cancelled in the kitchen at larco, and
    # an unpaid one that expires.
    ScriptedOrder("o3", "benavides", "pickup", lima(28, 12, 30), 2590,
                  steps=(Step(COCINA, 1000, *LUIS), Step(EMPAQUE, 150, *ROSA)), overdue=(COCINA,)),
    ScriptedOrder("o4", "larco", "delivery", lima(28, 13, 40), 5000),
    ScriptedOrder("o5", "larco", "delivery", lima(28, 14, 0), 2290, paid=False),
)  # fmt: skip


def events(world: World, orders: tuple[ScriptedOrder, ...] = ORDERS) -> dict[str, list[dict[str, Any]]]:
    """Each order's EventBridge events (by order id), the tracking rows they end written as the staff left them."""
    found: dict[str, list[dict[str, Any]]] = {}
    for order in orders:
        for detail_type, detail, left in order_events(order, TENANT_A, SLA):
            if left is not None:
                world.put_row(TENANT_A, order.order_id, left)
            found.setdefault(order.order_id, []).append(envelope(detail_type, detail))
    return found
