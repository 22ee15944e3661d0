"""The metrics consumer counts each order event once, and the routes answer the numbers the scripted orders make.

The scripted orders (``scripted.ORDERS``) and their numbers, worked out by hand: 4 paid (S/ 152.50), 3 delivered,
1 paid order cancelled by an admin, 1 expired unpaid, 1 overdue kitchen; kitchen times 400 s, 500 s, 1000 s,
packing 100 s, 200 s, 150 s, delivery 1200 s. Percentiles come from the buckets (``metricas.counters``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from metrics_world import NOW, STAGE_TABLES, TENANT_A, TENANT_B, World, admin
from queue_events import eventbridge as envelope
from scripted import EMPAQUE, events

from core import contracts
from core.errors import DependencyFailed
from core.tenant_config import UnknownTenant
from metricas import logic, runtime
from metricas.dal import TRACKING_ROW_ATTRIBUTES, MetricsDal
from metricas.models import EventEnvelope

PERIOD = {"desde": "2026-11-27", "hasta": "2026-11-28"}


def stage(name: str, sla: int, entered: int, completed: int, avg, p50, p90, top, overdue: int = 0) -> dict[str, Any]:
    return {"stage": name, "sla_seconds": sla, "entered": entered, "completed": completed, "avg_seconds": avg,
            "p50_seconds": p50, "p90_seconds": p90, "max_seconds": top, "overdue": overdue}  # fmt: skip


def day_stages(kitchen, packing, delivery) -> dict[str, Any]:
    names = ("COCINA", "EMPAQUETAMIENTO", "DELIVERY")
    return {n: dict(zip(("completed", "avg_seconds", "p90_seconds"), s, strict=True)) for n, s in
            zip(names, (kitchen, packing, delivery), strict=True)}  # fmt: skip


EXPECTED_SUMMARY = {
    "location_id": None,
    "from": "2026-11-27",
    "to": "2026-11-28",
    "timezone": "America/Lima",
    "orders": {"paid": 4, "delivered": 3, "cancelled": 1, "overdue": 1},
    "revenue_cents": 15250,
    "average_ticket_cents": 3813,
    "cancellations": [{"reason": "admin", "count": 1}, {"reason": "expired_unpaid", "count": 1}],
    "stages": [
        stage("COCINA", 900, 4, 3, 633.3, 600.0, 1000.0, 1000.0, overdue=1),
        stage("EMPAQUETAMIENTO", 300, 3, 3, 150.0, 180.0, 200.0, 200.0),
        stage("DELIVERY", 2700, 1, 1, 1200.0, 1200.0, 1200.0, 1200.0),
    ],
    "days": [
        {
            "date": "2026-11-27",
            "paid": 2,
            "delivered": 2,
            "cancelled": 0,
            "revenue_cents": 7660,
            "stages": day_stages((2, 450.0, 500.0), (2, 150.0, 200.0), (1, 1200.0, 1200.0)),
            "quote_median_error_minutes": None,
        },
        {
            "date": "2026-11-28",
            "paid": 2,
            "delivered": 1,
            "cancelled": 1,
            "revenue_cents": 7590,
            "stages": day_stages((1, 1000.0, 1000.0), (1, 150.0, 150.0), (0, None, None)),
            "quote_median_error_minutes": None,
        },
    ],
    # Delivered newest first, each ENTREGADO is counted before its PAGADO's quote exists: no error to count (the
    # quotes' own numbers: test_quotes)
    "quote": {"quoted": 0, "median_abs_error_minutes": None, "mean_abs_error_minutes": None},
}
# p90 from the buckets, never above the employee's maximum: Rosa's rank 3 is the top of (180, 240], capped at her
# 200 s; Ana's the top of (420, 600], capped at 500 s; Luis's the top of (900, 1200], capped at 1000 s.
EXPECTED_RANKING = [
    {"employee_id": "emp-rosa", "name": "Rosa Huamán", "stage": "EMPAQUETAMIENTO", "completed": 3,
     "avg_seconds": 150.0, "p90_seconds": 200.0, "overdue": 0},
    {"employee_id": "emp-ana", "name": "Ana Pérez", "stage": "COCINA", "completed": 2, "avg_seconds": 450.0,
     "p90_seconds": 500.0, "overdue": 0},
    {"employee_id": "emp-luis", "name": "Luis Quispe", "stage": "COCINA", "completed": 1, "avg_seconds": 1000.0,
     "p90_seconds": 1000.0, "overdue": 1},
    {"employee_id": "emp-jorge", "name": "Jorge Flores", "stage": "DELIVERY", "completed": 1, "avg_seconds": 1200.0,
     "p90_seconds": 1200.0, "overdue": 0},
]  # fmt: skip


def all_events(world: World) -> list[dict[str, Any]]:
    return [e for order in events(world).values() for e in order]


def test_scripted_orders_give_the_numbers_worked_out_by_hand_whatever_is_redelivered_or_replayed(world: World) -> None:
    # Given every event of the scripted orders, delivered newest first (the counters do not mind the order)
    by_order = events(world)
    everything = [e for order in by_order.values() for e in order]
    assert world.deliver(*reversed(everything)) == []

    # When SQS delivers some again, and EventBridge replays others (new event ids, the same facts)
    redelivered = [by_order["o1"][0], by_order["o3"][-1]]  # o1's PAGADO, o3's ENTREGADO
    replayed = [{**e, "id": f"replay-{i}"} for i, e in enumerate(by_order["o3"] + by_order["o4"] + by_order["o5"])]
    assert world.deliver(*redelivered, *replayed) == []

    # Then every route answers exactly the numbers worked out by hand
    summary = world.get("/metricas", admin(), **PERIOD)
    assert summary.status == 200, summary.body
    assert summary.body == EXPECTED_SUMMARY
    ranking = world.get("/metricas/empleados", admin(), **PERIOD)
    assert ranking.body == {"location_id": None, **{"from": "2026-11-27", "to": "2026-11-28"},
                            "employees": EXPECTED_RANKING}  # fmt: skip
    hours = world.get("/metricas/horas", admin(), **PERIOD).body["hours"]
    assert len(hours) == 24 and [h["hour"] for h in hours] == list(range(24))
    assert {h["hour"]: (h["orders"], h["revenue_cents"]) for h in hours if h["orders"]} == {
        12: (2, 4480 + 2590),
        13: (2, 3180 + 5000),
    }


def test_a_location_has_its_own_numbers_and_another_tenant_sees_none_of_them(world: World) -> None:
    assert world.deliver(*all_events(world)) == []

    larco = world.get("/metricas", admin(), local="larco", **PERIOD).body
    benavides = world.get("/metricas/empleados", admin(), local="benavides", **PERIOD).body
    foreign = world.get("/metricas", admin(TENANT_B), local="larco", **PERIOD).body

    assert larco["location_id"] == "larco"
    assert larco["orders"] == {"paid": 3, "delivered": 2, "cancelled": 1, "overdue": 0}
    assert (larco["revenue_cents"], larco["average_ticket_cents"]) == (12660, 4220)
    assert [(e["name"], e["completed"]) for e in benavides["employees"]] == [("Rosa Huamán", 1), ("Luis Quispe", 1)]
    assert foreign["orders"] == {"paid": 0, "delivered": 0, "cancelled": 0, "overdue": 0}
    assert foreign["revenue_cents"] == 0 and foreign["average_ticket_cents"] is None
    assert all(s["completed"] == 0 and s["avg_seconds"] is None for s in foreign["stages"])


def test_a_redelivered_or_replayed_event_changes_nothing(world: World) -> None:
    everything = all_events(world)
    world.deliver(*everything)
    before = world.items()

    assert world.deliver(*everything) == []  # SQS redelivers the whole batch
    assert world.deliver(*({**e, "id": f"replay-{e['id']}"} for e in everything)) == []  # an archive replay

    assert world.items() == before


def test_a_crash_between_the_counters_and_the_maxima_is_repaired_by_the_redelivery(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the kitchen of o1 completed in 400 s, and its packing entered (the event that ends the kitchen)
    by_order = events(world)
    ends_kitchen = next(e for e in by_order["o1"] if e["detail"]["estado_pedido"] == EMPAQUE)
    real = MetricsDal.raise_maxima
    failures = [DependencyFailed("timed out")]

    def flaky(self: MetricsDal, *args: Any) -> None:
        if failures:
            raise failures.pop()
        real(self, *args)

    monkeypatch.setattr(MetricsDal, "raise_maxima", flaky)

    # When the first delivery dies after its transaction, and SQS delivers it again
    assert world.deliver(ends_kitchen) == ["msg-0"]
    assert world.deliver(ends_kitchen) == []

    # Then it is counted once, with its maximum
    kitchen = world.get("/metricas", admin(), **PERIOD).body["stages"][0]
    assert (kitchen["completed"], kitchen["avg_seconds"], kitchen["max_seconds"]) == (1, 400.0, 400.0)


def test_business_metrics_are_emitted_only_once_the_event_is_fully_counted() -> None:
    # Given an event whose transaction commits, and whose maxima then fail (its redelivery will finish it: on AWS,
    # within ten minutes, the transaction's token answers "counted" and the redelivery emits the metrics)
    class Committed:
        def record(self, tenant_id: str, tally: Any, *, mark_expires_at: int) -> bool:
            return True

        def raise_maxima(self, tenant_id: str, tally: Any) -> None:
            raise DependencyFailed("timed out")

        def quote_state(self, tenant_id: str, location_id: str, **_: Any) -> dict[str, Any]:
            return {}  # PAGADO reads the quote state: none yet

    class NoTenants:
        def get(self, tenant_id: str) -> Any:
            raise UnknownTenant(tenant_id)  # the default time limits

    paid = {"tenant_id": TENANT_A, "order_id": "o1", "location_id": "larco", "estado_pedido": "PAGADO",
            "at": "2026-11-28T17:00:00.000Z", "by": "mercadopago", "total_cents": 1000}  # fmt: skip
    emitted: list[str] = []

    # When it is counted, and fails
    with pytest.raises(DependencyFailed):
        logic.count_event(EventEnvelope.model_validate(envelope(contracts.ORDER_STATUS_CHANGED, paid)),
                          dal=Committed(), tenants=NoTenants(), now=NOW,  # type: ignore[arg-type]
                          emit=lambda name, *_: emitted.append(name))  # fmt: skip

    # Then no business metric was emitted for it (they would be flushed with the batch's others)
    assert emitted == []


def test_the_consumer_reads_of_a_tracking_row_exactly_the_attributes_its_role_may_read(world: World) -> None:
    reads: list[dict[str, Any]] = []
    events_ = runtime.dal()._dynamodb.meta.events
    events_.register("provide-client-params.dynamodb.GetItem", lambda params, **_: reads.append(params))
    ends_kitchen = next(e for e in events(world)["o1"] if e["detail"]["estado_pedido"] == EMPAQUE)

    assert world.deliver(ends_kitchen) == []

    [row] = [r for r in reads if r["TableName"] == STAGE_TABLES[contracts.COCINA]]
    projected = [row["ExpressionAttributeNames"][n.strip()] for n in row["ProjectionExpression"].split(",")]
    assert projected == list(TRACKING_ROW_ATTRIBUTES) and "task_token" not in projected  # the IAM condition's list


def test_a_bad_record_fails_alone_and_the_rest_of_its_batch_is_counted(world: World) -> None:
    paid = events(world)["o1"][0]

    failed = world.deliver("no es json", envelope(contracts.ORDER_STATUS_CHANGED, {"tenant_id": TENANT_A}), paid)

    assert failed == ["msg-0", "msg-1"]
    assert world.get("/metricas", admin(), **PERIOD).body["orders"]["paid"] == 1


def test_an_event_older_than_the_counting_window_and_the_admins_hand_over_count_for_nothing(world: World) -> None:
    old = {"tenant_id": TENANT_A, "order_id": "o-old", "location_id": "larco", "estado_pedido": "PAGADO",
           "at": "2026-10-01T17:00:00.000Z", "by": "mercadopago", "total_cents": 1000}  # fmt: skip
    handed_over = {"tenant_id": TENANT_A, "order_id": "o-x", "location_id": "larco", "estado_pedido": "REQUIERE_ADMIN",
                   "at": "2026-11-28T17:00:00.000Z", "reason": "OrderAbandoned"}  # fmt: skip

    assert world.deliver(envelope("OrderStatusChanged", old), envelope("OrderOverdue", handed_over)) == []

    assert world.items() == []


def test_an_entregado_that_does_not_say_its_dispatch_still_ends_the_stage_it_left(world: World) -> None:
    # Given a pickup order's events, its ENTREGADO without ``dispatch`` (as the workflow sent it before)
    by_order = events(world)
    delivered = by_order["o2"][-1]
    del delivered["detail"]["dispatch"]

    world.deliver(*by_order["o2"])

    packing = world.get("/metricas", admin(), **PERIOD).body["stages"][1]
    assert (packing["completed"], packing["avg_seconds"]) == (1, 200.0)


def test_business_metrics_are_emitted_only_for_newly_counted_events(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    o1 = events(world)["o1"]
    world.deliver(*o1)
    first = capsys.readouterr().out
    world.deliver(*o1)  # moto ignores the transaction's token; on AWS, within ten minutes, see metricas.logic
    again = capsys.readouterr().out

    def lines(output: str, metric: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in output.splitlines() if f'"Name":"{metric}"' in line]

    [paid] = lines(first, "OrdersPaid")
    assert (paid["tenant_id"], paid["OrdersPaid"]) == (TENANT_A, [1.0])
    assert len(lines(first, "OrdersDelivered")) == 1
    [cocina] = [line for line in lines(first, "StageSeconds") if line["stage"] == "COCINA"]
    assert cocina["StageSeconds"] == [400.0]
    assert lines(again, "OrdersPaid") == lines(again, "StageSeconds") == []


def test_aws_calls_per_event(world: World) -> None:
    """Measured: 1 transaction per event; 1 GetItem, the transaction and 6 UpdateItems (the maxima of the 2 day rows
    and the employee's 4 rows) for one that ends a stage; PAGADO and ENTREGADO read the location's quote state first
    (one GetItem each: the quote given, then its error)."""
    by_order = events(world)
    o1 = {e["detail"]["estado_pedido"]: e for e in by_order["o1"]}
    measured: dict[str, list[str]] = {}

    def measure(name: str, event: dict[str, Any]) -> None:
        world.calls.clear()
        assert world.deliver(event) == []
        measured[name] = list(world.calls)

    measure("PAGADO (cold tenant cache)", o1["PAGADO"])
    measure("COCINA entered", o1["COCINA"])
    measure("EMPAQUETAMIENTO entered, ends COCINA", o1["EMPAQUETAMIENTO"])
    measure("DELIVERY entered, ends EMPAQUETAMIENTO", o1["DELIVERY"])
    measure("ENTREGADO, ends DELIVERY", o1["ENTREGADO"])
    measure("ENTREGADO again (a redelivery)", o1["ENTREGADO"])
    overdue = next(e for e in by_order["o3"] if e["detail-type"] == "OrderOverdue")
    measure("OrderOverdue", overdue)
    measure("CANCELADO", by_order["o4"][-1])

    ends_a_stage = ["GetItem", "TransactWriteItems", *["UpdateItem"] * 6]
    assert measured == {
        "PAGADO (cold tenant cache)": ["GetItem", "GetItem", "TransactWriteItems"],  # the quote state, the tenant
        "COCINA entered": ["TransactWriteItems"],
        "EMPAQUETAMIENTO entered, ends COCINA": ends_a_stage,
        "DELIVERY entered, ends EMPAQUETAMIENTO": ends_a_stage,
        "ENTREGADO, ends DELIVERY": ["GetItem", *ends_a_stage],  # the quote given at payment
        "ENTREGADO again (a redelivery)": ["GetItem", *ends_a_stage],  # the transaction is refused; maxima repeated
        "OrderOverdue": ["TransactWriteItems"],
        "CANCELADO": ["TransactWriteItems"],
    }


def test_each_counter_row_lives_thirteen_months_and_each_mark_five_weeks(world: World) -> None:
    o1 = events(world)["o1"]
    world.deliver(*o1)

    items = {i["metric_key"]: i for i in world.items()}
    end_of_day = datetime(2026, 11, 28, 5, tzinfo=UTC)  # 27 Nov ends at midnight in Lima
    end_of_month = datetime(2026, 12, 1, 5, tzinfo=UTC)
    paid_at = datetime(2026, 11, 27, 17, 10, tzinfo=UTC)  # 12:10 in Lima
    assert items["D#larco#2026-11-27"]["expires_at"] == (end_of_day + timedelta(days=400)).timestamp()
    assert items["H#*#2026-11-27"]["expires_at"] == (end_of_day + timedelta(days=400)).timestamp()
    assert items["E#*#m#2026-11#COCINA#emp-ana"]["expires_at"] == (end_of_month + timedelta(days=400)).timestamp()
    assert items["X#o1#PAGADO"]["expires_at"] == (paid_at + timedelta(days=35)).timestamp()
    assert {k for k in items if k.startswith("X#")} == {f"X#o1#{e['detail']['estado_pedido']}" for e in o1}
