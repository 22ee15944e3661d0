"""Ready-time quotes (``metricas.quotes``): a scripted history of stage durations, fed through the metrics consumer
on moto, gives known quotes at the checkout and for an order as it moves, and the quote's error at delivery gives
the admins' median absolute error. The numbers are worked out in each test's comments (the formula: the module's
docstring)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from metrics_world import METRICS, TENANT_A, TENANT_B, World, admin
from queue_events import Context
from queue_events import eventbridge as envelope
from rest_events import rest_event

from core import contracts
from core.clock import iso
from core.dynamo import from_item
from metricas import quotes
from metricas.models import LeftStage

COCINA, EMPAQUE, DELIVERY = contracts.COCINA, contracts.EMPAQUETAMIENTO, contracts.DELIVERY
LOC = "larco"
CUSTOMER = {"tenant_id": TENANT_A, "subject_id": "cli-1", "kind": "customer", "rol": "cliente"}


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 28, hour, minute, second, tzinfo=UTC)  # NOW is 23:00 UTC (18:00 in Lima)


def detail(order: str, estado: str, moment: datetime, **more: Any) -> dict[str, Any]:
    return {"tenant_id": TENANT_A, "order_id": order, "location_id": LOC, "estado_pedido": estado,
            "at": iso(moment), "by": contracts.WORKFLOW_ACTOR, **more}  # fmt: skip


def completed(world: World, order: str, stage: str, entered: datetime, done: datetime) -> None:
    world.put_row(TENANT_A, order, LeftStage(stage=stage, location_id=LOC, status="completed",  # type: ignore[arg-type]
                                             enqueued_at=iso(entered), completed_at=iso(done), completed_by="emp-ana",
                                             claimed_by="emp-ana", claimed_by_name="Ana"))  # fmt: skip


def history(world: World) -> list[dict[str, Any]]:
    """Today (28 Nov, Lima): two pickups packed in the morning (120 s and 180 s), three kitchens completed in the
    last hour (600 s, 900 s, 1200 s), and two orders in the kitchen now (q1 since 22:50, q2 since 22:55), q2 paid at
    22:54 by cli-1 for pickup."""
    completed(world, "d1", EMPAQUE, at(15, 0), at(15, 2))
    completed(world, "d2", EMPAQUE, at(15, 10), at(15, 13))
    for order, start, end in (("k1", at(22, 0), at(22, 10)), ("k2", at(22, 0), at(22, 15)),
                              ("k3", at(22, 5), at(22, 25))):  # fmt: skip
        completed(world, order, COCINA, start, end)
    receipt = {"dispatch": "pickup"}
    events = [
        detail("d1", contracts.ENTREGADO, at(15, 2), dispatch="pickup"),
        detail("d2", contracts.ENTREGADO, at(15, 13), dispatch="pickup"),
        detail("k1", EMPAQUE, at(22, 10), previous=COCINA, dispatch="delivery"),
        detail("k2", EMPAQUE, at(22, 15), previous=COCINA, dispatch="delivery"),
        detail("k3", EMPAQUE, at(22, 25), previous=COCINA, dispatch="delivery"),
        detail("q1", COCINA, at(22, 50), previous=contracts.PAGADO, dispatch="delivery"),
        detail("q2", contracts.PAGADO, at(22, 54), by="mercadopago", total_cents=1590, customer_id="cli-1",
               receipt=receipt),
        detail("q2", COCINA, at(22, 55), previous=contracts.PAGADO, dispatch="pickup"),
    ]  # fmt: skip
    return [envelope(contracts.ORDER_STATUS_CHANGED, d) for d in events]


def changed(order: str, estado: str, moment: datetime, **more: Any) -> dict[str, Any]:
    return envelope(contracts.ORDER_STATUS_CHANGED, detail(order, estado, moment, **more))


def call(path: str, *, tenant: str | None = TENANT_A, principal: dict[str, str] | None = None) -> tuple[int, Any]:
    from metricas import handler

    result = handler.lambda_handler(rest_event("GET", path, tenant=tenant, principal=principal), Context())
    return result["statusCode"], json.loads(result["body"])


def state(world: World) -> dict[str, Any]:
    key = {"tenant_id": {"S": TENANT_A}, "metric_key": {"S": quotes.state_key(LOC)}}
    return from_item(world.dynamodb.get_item(TableName=METRICS, Key=key)["Item"])


def test_a_scripted_history_gives_the_checkout_a_known_quote_in_one_read(world: World) -> None:
    # Given the history, each event delivered once
    assert world.deliver(*history(world)) == []

    # When a customer asks at the checkout, at 23:00
    world.calls.clear()
    status, body = call(f"/locales/{LOC}/espera")

    # Then the kitchen's last hour (22:00-23:00: 3 completions, mean W = 900 s; L = 2700 s / 3600 s = 0.75) with 2
    # orders in it: 900 x (1 + 2) / (1 + 0.75) = 1542.86 s; packing has no hour but today's mean (120 + 180) / 2 =
    # 150 s; delivery has nothing: the tenant's 45 min (2700 s). Pickup: 1692.86 s -> 1693 s -> 29 min (28.2 up);
    # delivery: 4392.86 s -> 74 min (73.2 up)
    assert status == 200
    assert (body["pickup_minutes"], body["delivery_minutes"]) == (29, 74)
    assert {s["stage"]: (s["mean_seconds"], s["source"], s["in_stage"], s["concurrency"]) for s in body["stages"]} == {
        COCINA: (900.0, "hora", 2, 0.75),
        EMPAQUE: (150.0, "dia", 3, 0.0),  # k1, k2, k3
        DELIVERY: (2700.0, "sla", 0, 0.0),
    }
    assert world.calls == ["GetItem"]  # one read of the quote state (the tenant's limits cached from the consumer)


def test_an_order_is_quoted_at_payment_and_its_estimate_moves_with_it(world: World) -> None:
    assert world.deliver(*history(world)) == []

    # When q2's customer asks at 23:00: one order ahead of it in the kitchen (q1), 300 s spent there
    status, body = call(f"/locales/{LOC}/espera/q2", principal=CUSTOMER)

    # Then 900 x max(1, (1 + 1) / 1.75) - 300 = 728.57 s, and packing's 150 s: 878.57 -> 879 s -> 15 min. At payment
    # (22:54) the last hour was 21:00-22:54 (L = 2700 / 6840 = 0.3947) with q1 alone in the kitchen:
    # 900 x 2 / 1.3947 + 150 = 1440.57 -> 1441 s -> 25 min
    assert status == 200
    assert body == {"order_id": "q2", "location_id": LOC, "dispatch": "pickup", "estado_pedido": COCINA,
                    "minutes": 15, "ready_at": "2026-11-28T23:14:39.000Z", "quoted_minutes": 25}  # fmt: skip
    assert state(world)["p_q2"] == "2026-11-28T22:54:00.000Z|1441|cli-1|pickup"

    # And once q1 leaves the kitchen, q2 is first there: 900 - 300 + 150 = 750 s -> 13 min
    completed(world, "q1", COCINA, at(22, 50), at(23, 0))
    assert world.deliver(changed("q1", EMPAQUE, at(23, 0), previous=COCINA, dispatch="delivery")) == []
    # (q1's 600 s joined the hour: W = 3300 / 4 = 825 s, L = 3300 / 3600 = 0.917: 825 - 300 + 150 = 675 s -> 12 min)
    assert call(f"/locales/{LOC}/espera/q2", principal=CUSTOMER)[1]["minutes"] == 12


def test_the_order_estimate_is_the_customers_own_and_ends_with_the_order(world: World) -> None:
    assert world.deliver(*history(world)) == []
    other = {**CUSTOMER, "subject_id": "cli-2"}
    elsewhere = {**CUSTOMER, "tenant_id": TENANT_B}

    assert call(f"/locales/{LOC}/espera/q2", principal=other)[0] == 404
    assert call(f"/locales/{LOC}/espera/q2", principal=elsewhere)[0] == 404
    assert call(f"/locales/{LOC}/espera/q2", principal=admin())[0] == 403
    assert call(f"/locales/{LOC}/espera/q2")[0] == 401

    # When q2 is picked up, it leaves the quote state
    assert world.deliver(changed("q2", contracts.ENTREGADO, at(23, 20), dispatch="pickup")) == []
    status, body = call(f"/locales/{LOC}/espera/q2", principal=CUSTOMER)
    assert (status, body["error"]) == (404, "order_not_found")
    assert not any(name.endswith("_q2") for name in state(world))


def test_bad_quote_requests_are_refused_with_the_platforms_error_shape(world: World) -> None:
    assert call("/locales/LARCO!/espera") == (400, {"error": "invalid_location",
                                                    "message": "The location must be a location id"})  # fmt: skip
    assert call(f"/locales/{LOC}/espera", tenant=None)[1]["error"] == "unknown_tenant"
    assert call(f"/locales/{LOC}/espera", tenant="no-such-tenant")[0] == 404


def test_a_location_without_history_is_quoted_from_the_tenants_time_limits(world: World) -> None:
    # 15 + 5 min for a pickup, and 45 more for a delivery, with no order waiting
    assert call("/locales/benavides/espera")[1] | {"stages": None} == {
        "location_id": "benavides", "pickup_minutes": 20, "delivery_minutes": 65, "stages": None}  # fmt: skip


def test_the_quote_state_changes_once_per_event_and_keeps_only_the_buckets_a_quote_reads(world: World) -> None:
    events = history(world)
    assert world.deliver(*events) == []
    first = state(world)

    # When SQS delivers everything again, and EventBridge replays it (new ids)
    assert world.deliver(*events) == []
    assert world.deliver(*(envelope(e["detail-type"], e["detail"]) for e in events)) == []

    # Then nothing moved twice
    assert state(world) == first
    assert (first["cocina_ms_h2026112822"], first["cocina_n_h2026112822"]) == (2_700_000, 3)
    assert (first["empaquetamiento_ms_d20261128"], first["empaquetamiento_n_d20261128"]) == (300_000, 2)

    # And a completion the next day removes the stage's old buckets (the day's and, 24 h back, the hours')
    start, end = datetime(2026, 11, 29, 22, 0, tzinfo=UTC), datetime(2026, 11, 29, 22, 12, tzinfo=UTC)
    completed(world, "k9", COCINA, start, end)
    assert world.deliver(changed("k9", EMPAQUE, end, previous=COCINA, dispatch="delivery")) == []
    kitchen = sorted(name for name in state(world) if name.startswith("cocina_"))
    assert kitchen == ["cocina_ms_d20261129", "cocina_ms_h2026112922", "cocina_n_d20261129", "cocina_n_h2026112922"]


def test_the_admins_see_the_quotes_median_absolute_error(world: World) -> None:
    # Given q2 (quoted 1441 s at 22:54) picked up at 23:20 (1560 s: 119 s late: 2 min), and two more quoted orders
    # delivered 9 min early and 30 s late
    assert world.deliver(*history(world)) == []
    for order, paid, quoted, delivered in (("r1", at(20, 0), 1800, at(20, 21)), ("r2", at(21, 0), 600, at(21, 10, 30))):
        value = quotes.paid_value(iso(paid), quoted, "cli-9", "delivery")
        world.dynamodb.update_item(TableName=METRICS, Key={"tenant_id": {"S": TENANT_A},
                                                           "metric_key": {"S": quotes.state_key(LOC)}},
                                   UpdateExpression="SET #p = :v", ExpressionAttributeNames={"#p": f"p_{order}"},
                                   ExpressionAttributeValues={":v": {"S": value}})  # fmt: skip
        assert world.deliver(changed(order, contracts.ENTREGADO, delivered, dispatch="delivery")) == []
    assert world.deliver(changed("q2", contracts.ENTREGADO, at(23, 20), dispatch="pickup")) == []

    # When an admin reads the day's metrics
    response = world.get("/metricas", admin(), local=LOC)

    # Then the errors in whole minutes, 9, 1 (30 s, half up) and 2 (119 s): median 2; the mean (540 + 30 + 119) / 3 s
    # = 3.8 min
    assert response.status == 200
    assert response.body["quote"] == {"quoted": 3, "median_abs_error_minutes": 2, "mean_abs_error_minutes": 3.8}
    assert response.body["days"][-1]["quote_median_error_minutes"] == 2
    assert world.get("/metricas", admin()).body["quote"]["median_abs_error_minutes"] == 2  # all the locations


def test_the_median_is_exact_to_the_minute_from_the_histogram() -> None:
    row = {"quote_err_m01": 2, "quote_err_m03": 1, "quote_err_m10": 2}
    assert quotes.median_minutes(row) == 3  # the 3rd of 5
    assert quotes.median_minutes({"quote_err_m01": 2, "quote_err_m04": 2}) == 1  # the lower median of 4
    assert quotes.median_minutes({}) is None
