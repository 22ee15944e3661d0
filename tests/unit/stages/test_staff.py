"""Staff routes' rules: the queue view, claim and complete, with their refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from stage_world import NOW, ORDERS, World, staff

from core.dynamo import to_item
from core.errors import Conflict, DependencyFailed, Forbidden, NotFound, ValidationFailed
from core.orders import queue_key
from etapas import logic
from etapas.models import StageMessage

TENANT = "bembos-miraflores"


def in_kitchen(
    world: World, order_id: str, *, location: str = "larco", entered: str = "2026-05-04T18:00:00.000Z"
) -> None:
    world.seed_order(TENANT, order_id, "PAGADO", location=location)
    msg = StageMessage(
        tenant_id=TENANT,
        order_id=order_id,
        location_id=location,
        dispatch="delivery",
        stage="COCINA",
        task_token=f"token-{order_id}",
        entered_at=entered,
    )
    logic.record_entry(msg, dal=world.dal, publisher=world.publisher, now=NOW)


def view(world: World, principal, *, location: str | None = None, minutes: int = 5):
    return logic.queue_view(
        principal,
        "COCINA",
        location_id=location,
        cursor=None,
        limit=50,
        dal=world.dal,
        now=NOW + timedelta(minutes=minutes),
    )


def test_the_kitchen_view_lists_waiting_orders_oldest_first_with_elapsed_time_in_one_query(world: World) -> None:
    in_kitchen(world, "o-b", entered="2026-05-04T18:01:00.000Z")
    in_kitchen(world, "o-a", entered="2026-05-04T18:00:00.000Z")
    in_kitchen(world, "o-c", entered="2026-05-04T18:02:00.000Z")
    in_kitchen(world, "o-other", location="benavides")
    logic.complete(staff("cocinero"), "COCINA", "o-c", dal=world.dal, now=NOW)
    world.counter.reset()

    queue = view(world, staff("cocinero"))

    assert [o.order_id for o in queue.orders] == ["o-a", "o-b"]
    assert queue.orders[0].elapsed_seconds == 300
    assert queue.orders[0].lines[0].name == "Clásica"
    assert world.counter.calls == ["Query"]


def test_staff_see_only_their_location_and_admins_name_one(world: World) -> None:
    in_kitchen(world, "o-1", location="benavides")

    with pytest.raises(Forbidden):
        view(world, staff("cocinero"), location="benavides")
    with pytest.raises(ValidationFailed):
        view(world, staff("admin", location=None))
    assert [o.order_id for o in view(world, staff("admin", location=None), location="benavides").orders] == ["o-1"]


def test_claim_takes_a_pending_order_and_a_double_click_changes_nothing(world: World) -> None:
    in_kitchen(world, "o-1")

    first = logic.claim(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    again = logic.claim(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW + timedelta(minutes=1))

    assert first.status == again.status == "claimed"
    row = world.row("COCINA", TENANT, "o-1")
    assert (row["claimed_by"], row["claimed_at"]) == ("emp-1", "2026-05-04T18:00:00.000Z")


def test_the_queue_shows_who_took_an_order_by_name(world: World) -> None:
    in_kitchen(world, "o-1")
    in_kitchen(world, "o-2")

    logic.claim(staff("cocinero", who="emp-2", name="Luis Rojas"), "COCINA", "o-1", dal=world.dal, now=NOW)

    entries = {o.order_id: o for o in view(world, staff("cocinero")).orders}
    assert (entries["o-1"].claimed_by, entries["o-1"].claimed_by_name) == ("emp-2", "Luis Rojas")
    assert entries["o-2"].claimed_by is None and entries["o-2"].claimed_by_name is None


def test_only_the_drivers_ticket_carries_the_customers_phone(world: World) -> None:
    for stage, previous in (("EMPAQUETAMIENTO", "COCINA"), ("DELIVERY", "EMPAQUETAMIENTO")):
        world.seed_order(TENANT, "o-1", previous, customer_phone="+51987654321")
        message = StageMessage(
            tenant_id=TENANT,
            order_id="o-1",
            location_id="larco",
            dispatch="delivery",
            stage=stage,
            task_token=f"token-{stage}",
            entered_at="2026-05-04T18:00:00.000Z",
        )
        assert logic.record_entry(message, dal=world.dal, publisher=world.publisher, now=NOW) == "entered"

    assert world.row("EMPAQUETAMIENTO", TENANT, "o-1").get("customer_phone") is None
    assert world.row("DELIVERY", TENANT, "o-1")["customer_phone"] == "+51987654321"


def test_an_order_claimed_by_another_cook_is_refused_with_the_reason(world: World) -> None:
    in_kitchen(world, "o-1")
    logic.claim(staff("cocinero", who="emp-2"), "COCINA", "o-1", dal=world.dal, now=NOW)

    with pytest.raises(Conflict) as refused:
        logic.claim(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    assert refused.value.code == "claimed_by_other"
    with pytest.raises(Conflict) as refused:
        logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    assert refused.value.code == "claimed_by_other"


def test_complete_records_who_and_when_removes_it_from_the_queue_and_tells_the_workflow_in_3_calls(
    world: World,
) -> None:
    in_kitchen(world, "o-1")
    logic.claim(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    world.counter.reset()

    done = logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW + timedelta(minutes=7))
    aws_calls = [*world.counter.calls, *("SendTaskSuccess" for _ in world.sfn.successes)]

    assert done.next_estado == "EMPAQUETAMIENTO"
    row = world.row("COCINA", TENANT, "o-1")
    assert (row["status"], row["completed_by"], row["completed_at"]) == (
        "completed",
        "emp-1",
        "2026-05-04T18:07:00.000Z",
    )
    assert "queue_key" not in row
    assert world.order(TENANT, "o-1")["history"][-1] == {
        "estado": "COCINA",
        "at": "2026-05-04T18:07:00.000Z",
        "by": "empleado:emp-1",
        "rol": "cocinero",
        "note": "completado",
    }
    assert world.sfn.successes == [("token-o-1", {"stage": "COCINA", "completed_by": "emp-1"})]
    assert aws_calls == ["GetItem", "TransactWriteItems", "SendTaskSuccess"]


def _moved_on(world: World, order_id: str, estado: str) -> None:
    """The next stage's consumer recorded the order (what follows a SendTaskSuccess)."""
    world.dynamodb.update_item(
        TableName=ORDERS,
        Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}},
        UpdateExpression="SET estado_pedido = :e",
        ExpressionAttributeValues={":e": {"S": estado}},
    )


def test_a_second_complete_after_the_workflow_moved_on_is_a_409_and_changes_nothing(world: World) -> None:
    in_kitchen(world, "o-1")
    logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    _moved_on(world, "o-1", "EMPAQUETAMIENTO")
    before = (world.row("COCINA", TENANT, "o-1"), world.order(TENANT, "o-1"))

    with pytest.raises(Conflict) as refused:
        logic.complete(staff("cocinero", who="emp-2"), "COCINA", "o-1", dal=world.dal, now=NOW + timedelta(minutes=1))

    assert refused.value.code == "already_completed"
    assert (world.row("COCINA", TENANT, "o-1"), world.order(TENANT, "o-1")) == before
    assert len(world.sfn.successes) == 1


def test_a_complete_whose_workflow_call_failed_is_finished_by_a_retry(world: World) -> None:
    # Given a completion written whose SendTaskSuccess timed out (the cook saw an error),
    in_kitchen(world, "o-1")
    world.sfn.unavailable = 1
    with pytest.raises(DependencyFailed):
        logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    written = (world.row("COCINA", TENANT, "o-1"), world.order(TENANT, "o-1"))
    assert written[0]["status"] == "completed" and world.sfn.successes == []

    # when the cook (or any cook of the location) completes it again,
    done = logic.complete(
        staff("cocinero", who="emp-2"), "COCINA", "o-1", dal=world.dal, now=NOW + timedelta(seconds=5)
    )

    # then the workflow hears of it once, as the first cook's, and nothing is written twice;
    assert (done.status, done.by, done.next_estado) == ("completed", written[0]["completed_by"], "EMPAQUETAMIENTO")
    assert [output["completed_by"] for _, output in world.sfn.successes] == [written[0]["completed_by"]]
    assert (world.row("COCINA", TENANT, "o-1"), world.order(TENANT, "o-1")) == written
    # and a third tap before the next stage records it is harmless (the used token is simply over).
    again = logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW + timedelta(seconds=6))
    assert again.status == "completed" and len(world.sfn.successes) == 1


def test_an_order_in_another_stage_is_a_409_and_another_tenants_order_a_404(world: World) -> None:
    in_kitchen(world, "o-1")

    with pytest.raises(Conflict) as refused:
        logic.complete(staff("empaquetador"), "EMPAQUETAMIENTO", "o-1", dal=world.dal, now=NOW)
    assert refused.value.code == "not_in_stage"
    with pytest.raises(NotFound):
        logic.complete(staff("cocinero", tenant="bembos-san-isidro"), "COCINA", "o-1", dal=world.dal, now=NOW)
    with pytest.raises(NotFound):
        logic.claim(staff("cocinero", tenant="bembos-san-isidro"), "COCINA", "o-1", dal=world.dal, now=NOW)
    assert world.row("COCINA", TENANT, "o-1")["status"] == "pending"


def test_staff_of_another_location_may_not_act_but_an_admin_may(world: World) -> None:
    in_kitchen(world, "o-1")

    with pytest.raises(Forbidden):
        logic.claim(staff("cocinero", location="benavides"), "COCINA", "o-1", dal=world.dal, now=NOW)
    with pytest.raises(Forbidden):
        logic.complete(staff("cocinero", location="benavides"), "COCINA", "o-1", dal=world.dal, now=NOW)
    done = logic.complete(staff("admin", location=None, who="adm-1"), "COCINA", "o-1", dal=world.dal, now=NOW)
    assert done.by == "adm-1"


def test_completing_a_cancelled_order_is_a_409_and_writes_nothing(world: World) -> None:
    in_kitchen(world, "o-1")
    world.dynamodb.update_item(
        TableName="t-pedidos",
        Key={"tenant_id": {"S": TENANT}, "order_id": {"S": "o-1"}},
        UpdateExpression="SET estado_pedido = :c",
        ExpressionAttributeValues={":c": {"S": "CANCELADO"}},
    )

    with pytest.raises(Conflict) as refused:
        logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)

    assert refused.value.code == "not_in_stage"
    assert "CANCELADO" in refused.value.message
    assert world.row("COCINA", TENANT, "o-1")["status"] == "pending"
    assert world.sfn.successes == []


def test_a_token_rotated_between_read_and_write_is_retried_transparently(world: World) -> None:
    in_kitchen(world, "o-1")
    original = world.dal.get_ticket
    rotated = {"done": False}

    def get_then_rotate(stage: str, tenant: str, order_id: str):
        ticket = original(stage, tenant, order_id)
        if not rotated["done"]:
            rotated["done"] = True
            world.dal.rotate_token(stage, tenant, order_id, "token-new")
        return ticket

    world.dal.get_ticket = get_then_rotate  # type: ignore[method-assign]

    logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)

    assert world.sfn.successes[0][0] == "token-new"


def test_a_cursor_of_another_location_is_refused(world: World) -> None:
    from core.dynamo import encode_cursor

    cursor = encode_cursor(
        to_item({"tenant_id": TENANT, "order_id": "x", "queue_key": queue_key(TENANT, "benavides"), "enqueued_at": "1"})
    )
    with pytest.raises(ValidationFailed):
        logic.queue_view(staff("cocinero"), "COCINA", location_id=None, cursor=cursor, limit=5, dal=world.dal, now=NOW)


class RecordedChecks:
    def __init__(self) -> None:
        self.scheduled: list[tuple[str, str, str]] = []

    def schedule(self, tenant_id: str, stage: str, order_id: str) -> None:
        self.scheduled.append((tenant_id, stage, order_id))


def test_a_complete_asks_for_its_check_once_before_it_writes(world: World) -> None:
    in_kitchen(world, "o-1")
    checks = RecordedChecks()
    logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW, checks=checks)
    assert checks.scheduled == [(TENANT, "COCINA", "o-1")]


def test_the_check_tells_the_workflow_of_a_completion_whose_call_was_lost_and_nothing_else(world: World) -> None:
    # Given a completion written whose SendTaskSuccess timed out
    in_kitchen(world, "o-1")
    world.sfn.unavailable = 1
    with pytest.raises(DependencyFailed):
        logic.complete(staff("cocinero"), "COCINA", "o-1", dal=world.dal, now=NOW)
    # When its delayed check runs (twice: SQS delivers at least once)
    told = [logic.check_completion(TENANT, "COCINA", "o-1", dal=world.dal) for _ in range(2)]
    # Then the workflow hears of it once, as the cook's
    assert told == [True, True]  # the second finds the token used: harmless
    assert [output["completed_by"] for _, output in world.sfn.successes] == [
        world.row("COCINA", TENANT, "o-1")["completed_by"]
    ]
    # and a check of a completion the workflow moved on from, or of one never written, does nothing.
    _moved_on(world, "o-1", "EMPAQUETAMIENTO")
    in_kitchen(world, "o-2")
    assert logic.check_completion(TENANT, "COCINA", "o-1", dal=world.dal) is False
    assert logic.check_completion(TENANT, "COCINA", "o-2", dal=world.dal) is False
    assert logic.check_completion(TENANT, "COCINA", "o-404", dal=world.dal) is False
    assert len(world.sfn.successes) == 1
