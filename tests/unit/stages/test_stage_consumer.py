"""The stage consumer records an order entering a stage once, whatever is redelivered or re-entered."""

from __future__ import annotations

from datetime import timedelta

from stage_world import NOW, World

from core import contracts
from etapas import logic
from etapas.models import StageMessage

TENANT = "bembos-miraflores"


def message(
    order_id: str, stage: str = "COCINA", *, token: str = "token-1", dispatch: str = "delivery"
) -> StageMessage:
    return StageMessage(
        tenant_id=TENANT,
        order_id=order_id,
        location_id="larco",
        dispatch=dispatch,  # type: ignore[arg-type]
        stage=stage,  # type: ignore[arg-type]
        task_token=token,
        entered_at="2026-05-04T18:00:00.000Z",
    )


def enter(world: World, msg: StageMessage, minutes: int = 0) -> str:
    return logic.record_entry(msg, dal=world.dal, publisher=world.publisher, now=NOW + timedelta(minutes=minutes))


def test_a_paid_order_enters_the_kitchen_pending_with_its_token_and_the_change_is_announced(world: World) -> None:
    world.seed_order(TENANT, "o-1", "PAGADO")

    assert enter(world, message("o-1")) == "entered"

    row = world.row("COCINA", TENANT, "o-1")
    assert row["status"] == "pending"
    assert row["task_token"] == "token-1"
    assert row["queue_key"] == f"{TENANT}#larco"
    assert row["lines"] == [{"name": "Clásica", "size": "regular", "quantity": 2, "notes": "sin cebolla"}]
    order = world.order(TENANT, "o-1")
    assert order["estado_pedido"] == "COCINA"
    assert order["location_state_key"] == f"{TENANT}#larco#COCINA"
    assert order["history"][-1] == {"estado": "COCINA", "at": "2026-05-04T18:00:00.000Z", "by": "workflow"}
    [(source, detail_type, detail)] = world.publisher.events
    assert (source, detail_type) == (contracts.EVENT_SOURCE_ORDERS, contracts.ORDER_STATUS_CHANGED)
    assert detail["estado_pedido"] == "COCINA"
    assert detail["previous"] == "PAGADO"
    assert detail["customer_id"] == "cli-1"
    assert detail["customer_email"] == "ana@demo.pe"


def test_a_redelivered_message_changes_nothing_a_second_time(world: World) -> None:
    world.seed_order(TENANT, "o-2", "PAGADO")
    enter(world, message("o-2"))

    assert enter(world, message("o-2"), minutes=1) == "redelivered"

    assert len(world.order(TENANT, "o-2")["history"]) == 2
    assert world.row("COCINA", TENANT, "o-2")["status"] == "pending"


def test_an_overdue_reentry_keeps_the_claim_takes_the_new_token_and_announces_nothing(world: World) -> None:
    world.seed_order(TENANT, "o-3", "PAGADO")
    enter(world, message("o-3"))
    from stage_world import staff

    logic.claim(staff("cocinero"), "COCINA", "o-3", dal=world.dal, now=NOW)
    world.publisher.events.clear()

    assert enter(world, message("o-3", token="token-2"), minutes=15) == "token_rotated"

    row = world.row("COCINA", TENANT, "o-3")
    assert (row["status"], row["claimed_by"], row["task_token"]) == ("claimed", "emp-1", "token-2")
    assert len(world.order(TENANT, "o-3")["history"]) == 2
    assert world.publisher.events == []


def test_a_reentry_of_a_stage_completed_meanwhile_completes_the_new_token(world: World) -> None:
    world.seed_order(TENANT, "o-4", "PAGADO")
    enter(world, message("o-4"))
    world.sfn.expired.add("token-1")  # the heartbeat passed just before the cook completed
    from stage_world import staff

    logic.complete(staff("cocinero"), "COCINA", "o-4", dal=world.dal, now=NOW)
    assert world.sfn.successes == []

    assert enter(world, message("o-4", token="token-2"), minutes=15) == "completed_meanwhile"

    assert [token for token, _ in world.sfn.successes] == ["token-2"]


def test_the_packing_consumer_takes_only_an_order_that_left_the_kitchen(world: World) -> None:
    world.seed_order(TENANT, "o-5", "CANCELADO")

    assert enter(world, message("o-5", "EMPAQUETAMIENTO")) == "stale"

    assert world.row("EMPAQUETAMIENTO", TENANT, "o-5") == {}
    assert world.order(TENANT, "o-5")["estado_pedido"] == "CANCELADO"
    assert world.publisher.events == []


def test_a_stage_message_for_a_cancelled_order_stops_its_workflow(world: World) -> None:
    # Given an order cancelled before the kitchen took it (the cancel raced the workflow's start),
    world.seed_order(TENANT, "o-9", "CANCELADO")

    # when the kitchen's message arrives,
    outcome = enter(world, message("o-9", "COCINA"))

    # then nothing is recorded and the execution is stopped instead of waiting for overdue alerts.
    assert outcome == "stale"
    assert world.row("COCINA", TENANT, "o-9") == {}
    assert world.sfn.stopped == ["arn:aws:states:us-east-1:123456789012:execution:bembos-test-pedido:o-9"]


def test_each_stage_moves_the_order_from_the_state_before_it(world: World) -> None:
    world.seed_order(TENANT, "o-6", "EMPAQUETAMIENTO")

    assert enter(world, message("o-6", "DELIVERY")) == "entered"

    assert world.order(TENANT, "o-6")["estado_pedido"] == "DELIVERY"
    assert world.row("DELIVERY", TENANT, "o-6")["address"] == "Av. Larco 123"
    assert world.publisher.events[0][2]["previous"] == "EMPAQUETAMIENTO"
