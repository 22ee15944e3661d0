"""A scripted month of orders, and the status events they make, for the demo tenant's metrics dashboard.

The history is a function of the Lima date it ends on (``demo_month(today, locations)``): the same date gives the
same orders, so a test can compute what the dashboard must show (``expected``: plain sums over the scripted
orders, not the aggregator). ``seed_metrics`` turns every order's events into the metrics through the
aggregator's own arithmetic (``metricas.counters.tally``, folded with ``metricas.logic.fold``) and writes the
resulting rows at once (a few ``BatchWriteItem`` calls, not a call per event). The events carry the stage rows
the consumer would read (``LeftStage``), so ``orders_events`` also feeds the real consumer in the unit tests.

``tenant_month`` reads a tenant's locations and time limits from its tables and gives its month (``seed_tenant``
writes it: the local cloud's seed); a test of the dashboard calls ``demo_month`` with the seeded location (its
orders depend on nothing else: locations created later by other tests change nothing) and sums what it expects
with ``expected``.

Every day of the 30 ending ``today`` (today included, at fixed Lima hours: a demo started in the morning shows
the day's lunch and dinner already), each location has 3 to 6 paid orders; an order is cancelled by an admin in
the kitchen now and then, a kitchen slower than the time limit raises its overdue alert, and every third day an
unpaid order expires. Imports the services' packages: ``services/`` must be on ``sys.path`` (``localcloud.seed``
puts it there).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core import contracts
from core.clock import LIMA, iso
from metricas import counters
from metricas.logic import fold
from metricas.models import LeftStage, OrderEvent

DAYS = 30
HOURS = (12, 13, 13, 19, 20, 21)  # Lima hours of a day's orders: lunch and dinner
TOTALS = (3180, 4480, 2590, 5970, 3680, 2290)
# Cooks, packers, drivers (id, name as the boards show it when they claim an order): of a location that delivers,
# and of one where customers pick their orders up.
CREWS = (
    {
        "COCINA": (("demo-cocina-ana", "Ana Pérez"), ("demo-cocina-luis", "Luis Quispe")),
        "EMPAQUETAMIENTO": (("demo-empaque-rosa", "Rosa Huamán"),),
        "DELIVERY": (("demo-delivery-jorge", "Jorge Flores"), ("demo-delivery-carla", "Carla Rojas")),
    },
    {
        "COCINA": (("demo-cocina-marco", "Marco Díaz"), ("demo-cocina-lucia", "Lucía Torres")),
        "EMPAQUETAMIENTO": (("demo-empaque-diego", "Diego Ramos"),),
        "DELIVERY": (("demo-delivery-sofia", "Sofía Vargas"),),
    },
)


@dataclass(frozen=True)
class Step:
    """A stage the staff completed: how long it took and who completed it."""

    stage: str
    seconds: int
    employee_id: str
    name: str


@dataclass(frozen=True)
class ScriptedOrder:
    """One order's life: paid (or expired unpaid), its completed stages, then ENTREGADO or CANCELADO.

    A cancelled order is cancelled by an admin in the stage after its last step (the workflow's CANCELADO);
    ``overdue`` stages raised one alert each, their time limit after the order entered them."""

    order_id: str
    location_id: str
    dispatch: str
    paid_at: datetime
    total_cents: int
    steps: tuple[Step, ...] = ()
    overdue: tuple[str, ...] = ()
    paid: bool = True

    @property
    def cancelled(self) -> bool:
        """Paid, and cancelled by an admin in a stage (its steps stop short of the last stage)."""
        return self.paid and len(self.steps) < len(_stages(self.dispatch))

    @property
    def day(self) -> date:
        return self.paid_at.astimezone(LIMA).date()


Event = tuple[str, dict[str, Any], LeftStage | None]  # (detail type, detail, the row of the stage it ended)


def _stages(dispatch: str) -> list[str]:
    stages = [contracts.COCINA, contracts.EMPAQUETAMIENTO]
    return [*stages, contracts.DELIVERY] if dispatch == "delivery" else stages


def order_events(order: ScriptedOrder, tenant_id: str, sla_seconds: Mapping[str, int]) -> list[Event]:
    """The status events the platform would publish for ``order``, in order, with each one's ended stage row."""

    def event(estado: str, at: datetime, left: LeftStage | None = None, **more: Any) -> Event:
        detail_type = more.pop("detail_type", contracts.ORDER_STATUS_CHANGED)
        detail = {"tenant_id": tenant_id, "order_id": order.order_id, "location_id": order.location_id,
                  "estado_pedido": estado, "at": iso(at), "by": contracts.WORKFLOW_ACTOR, **more}  # fmt: skip
        return (detail_type, detail, left)

    if not order.paid:
        reason = contracts.EXPIRED_UNPAID_REASON
        return [event(contracts.CANCELADO, order.paid_at, by=contracts.EXPIRY_ACTOR, reason=reason)]
    events = [event(contracts.PAGADO, order.paid_at, by="mercadopago", total_cents=order.total_cents)]
    entered, previous, left = order.paid_at + timedelta(seconds=30), contracts.PAGADO, None
    steps = {step.stage: step for step in order.steps}
    for stage in _stages(order.dispatch):
        events.append(event(stage, entered, left, previous=previous, dispatch=order.dispatch))
        if stage in order.overdue:
            alert = entered + timedelta(seconds=sla_seconds[stage])
            events.append(event(stage, alert, dispatch=order.dispatch, detail_type=contracts.ORDER_OVERDUE))
        step = steps.get(stage)
        if step is None:  # an admin cancels it here: the workflow's CANCELADO
            cancelled_at = entered + timedelta(seconds=120)
            return [*events, event(contracts.CANCELADO, cancelled_at, dispatch=order.dispatch, reason="Cancelado")]
        done = entered + timedelta(seconds=step.seconds)
        left = LeftStage(
            stage=stage,
            location_id=order.location_id,
            status="completed",
            enqueued_at=iso(entered),
            completed_at=iso(done),
            completed_by=step.employee_id,
            claimed_by=step.employee_id,
            claimed_by_name=step.name,
        )
        entered, previous = done + timedelta(seconds=5), stage
    return [*events, event(contracts.ENTREGADO, entered, left, dispatch=order.dispatch)]


def _lima(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LIMA).astimezone(UTC)


def demo_month(
    today: date, locations: Sequence[tuple[str, str]], sla_seconds: Mapping[str, int]
) -> list[ScriptedOrder]:
    """The scripted orders of the ``DAYS`` days ending ``today`` at ``locations`` ((id, dispatch) each)."""
    orders: list[ScriptedOrder] = []
    for d in range(DAYS):
        day = today - timedelta(days=DAYS - 1 - d)
        for location, dispatch in locations:
            # Each location's orders follow from its own id, whatever other locations the tenant has.
            li, crew = zlib.crc32(location.encode()) % 7, CREWS[0 if dispatch == "delivery" else 1]
            for k in range(3 + (d + li) % 4):
                seconds = {
                    contracts.COCINA: 240 + (d * 37 + k * 53 + li * 11) % 780,
                    contracts.EMPAQUETAMIENTO: 60 + (d * 17 + k * 29) % 240,
                    contracts.DELIVERY: 900 + (d * 41 + k * 67) % 1500,
                }
                cancelled_in_kitchen = (d + k + li) % 11 == 5
                stages = [] if cancelled_in_kitchen else _stages(dispatch)
                steps = tuple(Step(stage, seconds[stage], *crew[stage][(d + k) % len(crew[stage])]) for stage in stages)
                late = tuple(s.stage for s in steps if s.seconds > sla_seconds[s.stage])
                orders.append(
                    ScriptedOrder(
                        order_id=f"demo-{location}-{day:%Y%m%d}-{k}",
                        location_id=location,
                        dispatch=dispatch,
                        paid_at=_lima(day, HOURS[k], (7 * k + d) % 60),
                        total_cents=TOTALS[(d + k + li) % len(TOTALS)],
                        steps=steps,
                        overdue=late,
                    )
                )
            if d % 3 == 0:
                orders.append(ScriptedOrder(order_id=f"demo-{location}-{day:%Y%m%d}-expirado", location_id=location,
                                            dispatch=dispatch, paid_at=_lima(day, 18, 30), total_cents=2290,
                                            paid=False))  # fmt: skip
    return orders


def tenant_month(
    dynamodb: Any, tables: Mapping[str, str], tenant_id: str, today: date
) -> tuple[list[ScriptedOrder], dict[str, int]]:
    """The scripted month of ``tenant_id``'s locations (its ``locales``, by id; pickup-only ones dispatch pickup) and
    its time limits per stage (its ``tenants`` item): what ``seed_tenant`` writes, and what a test can recompute."""
    from core.dynamo import from_item
    from core.tenant_config import TenantConfig

    item = dynamodb.get_item(TableName=tables["tenants"], Key={"tenant_id": {"S": tenant_id}})["Item"]
    sla = TenantConfig.from_item(item).sla_minutes.seconds_by_state()
    found = dynamodb.query(
        TableName=tables["locales"],
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
    )["Items"]
    stored = sorted((from_item(item) for item in found), key=lambda location: str(location["location_id"]))
    locations = [
        (str(location["location_id"]), "delivery" if "delivery" in location.get("dispatch_types", ()) else "pickup")
        for location in stored
    ]
    return demo_month(today, locations, sla), sla


def seed_tenant(dynamodb: Any, tables: Mapping[str, str], tenant_id: str, today: date) -> dict[str, int]:
    """``tenant_month`` written into the ``metricas`` table of ``tables``."""
    orders, sla = tenant_month(dynamodb, tables, tenant_id, today)
    return seed_metrics(dynamodb, tables["metricas"], tenant_id, orders, sla_seconds=sla)


def seed_metrics(
    dynamodb: Any, table: str, tenant_id: str, orders: Iterable[ScriptedOrder], *, sla_seconds: Mapping[str, int]
) -> dict[str, int]:
    """Write the metrics of ``orders`` for ``tenant_id``: their events tallied as the consumer would, folded into
    their rows, written 25 at a time (the rows are replaced: seeding again writes the same numbers)."""
    from core.dynamo import to_item

    orders = list(orders)
    tallies = []
    for order in orders:
        for detail_type, detail, left in order_events(order, tenant_id, sla_seconds):
            tally = counters.tally(detail_type, OrderEvent.model_validate(detail), left=left, sla_seconds=sla_seconds)
            if tally is not None:
                tallies.append(tally)
    rows = list(fold(tallies).values())
    for start in range(0, len(rows), 25):
        batch = [{"PutRequest": {"Item": to_item({"tenant_id": tenant_id, **row})}} for row in rows[start : start + 25]]
        pending: dict[str, Any] = {table: batch}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return {"orders": len(orders), "events": len(tallies), "rows": len(rows)}


# -- what the dashboard must show (plain sums over the scripted orders) --------------------------------------


def expected(orders: Iterable[ScriptedOrder], location: str | None, first: date, last: date) -> dict[str, Any]:
    """The summary's cards for ``location`` (None: all) and the Lima days ``first``..``last``: computed from the
    scripted orders themselves, as a test of the dashboard would (every event of an order falls on its day)."""
    chosen = [o for o in orders if (location is None or o.location_id == location) and first <= o.day <= last]
    paid = [o for o in chosen if o.paid]
    revenue = sum(o.total_cents for o in paid)
    result: dict[str, Any] = {
        "orders": {
            "paid": len(paid),
            "delivered": sum(1 for o in paid if not o.cancelled),
            "cancelled": sum(1 for o in paid if o.cancelled),
            "overdue": sum(len(o.overdue) for o in paid),
        },
        "revenue_cents": revenue,
        "average_ticket_cents": (revenue + len(paid) // 2) // len(paid) if paid else None,  # half up
        "stages": {},
    }
    for stage in contracts.STAGES:
        times = [s.seconds for o in paid for s in o.steps if s.stage == stage]
        result["stages"][stage] = {
            "completed": len(times),
            "avg_seconds": round(sum(times) * 1000 / len(times) / 1000, 1) if times else None,  # as from milliseconds
            "max_seconds": float(max(times)) if times else None,
        }
    return result
