"""The points consumer: a delivered order credits quantity x points of its lines once; a refund takes them back
once; a cancelled or refunded order earns nothing. Exact numbers, and the AWS calls of each event."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from points_world import DELIVERED_AT, ORDERS, TENANT_A, World, delivered, line, refunded, replay
from queue_events import eventbridge

from core import contracts
from pagos.settlement import DynamoSettlementStore, PaymentFacts, settle

# 3 x 12 + 1 x 30 (a combo) + 2 x nothing (a line stored before points were recorded) = 66
LINES = [line("clasica", 3, 12), line("combo-1", 1, 30, kind="combo"), line("antigua", 2, None)]


def test_a_delivered_order_credits_quantity_times_points_of_every_line_in_one_read_and_one_transaction(
    world: World,
) -> None:
    world.order("o-1", LINES)

    assert world.deliver(delivered("o-1")) == []

    assert world.calls == ["GetItem", "TransactWriteItems"]
    assert world.statement() == {
        "customer_id": "cust-1",
        "balance": 66,
        "items": [{"order_id": "o-1", "movement": "credit", "points": 66, "at": DELIVERED_AT}],
        "next_cursor": None,
    }


def test_a_redelivery_or_a_replay_credits_nothing_more(world: World) -> None:
    world.order("o-1", LINES)
    event = delivered("o-1")
    world.deliver(event)
    world.calls.clear()

    assert world.deliver(event, replay(event)) == []  # the same message again, and a replay (a new event id)
    world.deliver(event)

    assert world.calls == ["GetItem", "TransactWriteItems"] * 3  # each cancelled by the order's mark
    statement = world.statement()
    assert statement["balance"] == 66
    assert [(e["order_id"], e["points"]) for e in statement["items"]] == [("o-1", 66)]


def test_two_orders_add_up(world: World) -> None:
    world.order("o-1", LINES)
    world.order("o-2", [line("clasica", 1, 12)])

    world.deliver(delivered("o-1"), delivered("o-2", at="2026-11-28T21:00:00.000Z"))

    statement = world.statement()
    assert statement["balance"] == 78
    assert [(e["order_id"], e["points"]) for e in statement["items"]] == [("o-2", 12), ("o-1", 66)]  # newest first


def test_a_refund_after_delivery_takes_back_exactly_the_credit_once(world: World) -> None:
    world.order("o-1", LINES)
    world.order("o-2", [line("clasica", 1, 12)])
    world.deliver(delivered("o-1"), delivered("o-2"))
    world.calls.clear()

    refund = refunded("o-1")
    assert world.deliver(refund) == []
    assert world.calls == ["GetItem", "TransactWriteItems"]
    world.deliver(refund, replay(refund), refunded("o-1", reason="payment_charged_back"))

    statement = world.statement()
    assert statement["balance"] == 12
    assert [(e["order_id"], e["movement"], e["points"]) for e in statement["items"]] == [
        ("o-1", "reversal", -66),
        ("o-2", "credit", 12),
        ("o-1", "credit", 66),
    ]


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def publish(self, *args: Any) -> None:
        self.messages.append(args)


def test_the_event_the_payments_service_publishes_for_a_refund_after_delivery_takes_the_points_back(
    world: World,
) -> None:
    # Given a delivered order, credited
    world.order("o-1", LINES)
    world.deliver(delivered("o-1"))
    # When Mercado Pago says its payment was refunded (not by the platform: from Mercado Pago's side)
    bus, facts = Recorder(), PaymentFacts(payment_id="p-1", status="refunded", external_reference=f"{TENANT_A}:o-1")
    store = DynamoSettlementStore(world.dynamodb, ORDERS)
    now = datetime(2026, 11, 29, 15, tzinfo=UTC)
    assert settle(TENANT_A, facts, store=store, topic=Recorder(), bus=bus, now=now) == "needs_admin"
    [(source, detail_type, detail)] = bus.messages

    # Then that event, as EventBridge hands it to the points queue, takes the points back
    assert world.deliver(eventbridge(detail_type, detail, source=source)) == []
    statement = world.statement()
    assert statement["balance"] == 0
    assert [(e["movement"], e["points"]) for e in statement["items"]] == [("reversal", -66), ("credit", 66)]


def test_a_refund_before_the_credit_leaves_the_order_earning_nothing(world: World) -> None:
    world.order("o-1", LINES)  # the refund's event is applied first (out of order, or refunded before delivery)

    world.deliver(refunded("o-1"))
    world.deliver(delivered("o-1"))

    assert world.statement() == {"customer_id": "cust-1", "balance": 0, "items": [], "next_cursor": None}


def test_a_cancelled_or_refunded_order_credits_nothing(world: World) -> None:
    world.order("o-cancelled", LINES, estado="CANCELADO")
    world.order("o-refunded", LINES, payment_status="refunded")
    world.order("o-charged-back", LINES, payment_status="charged_back")
    cancelled = {"tenant_id": "bembos-miraflores", "order_id": "o-cancelled", "location_id": "larco",
                 "estado_pedido": "CANCELADO", "at": DELIVERED_AT, "by": "workflow"}  # fmt: skip

    world.deliver(eventbridge(contracts.ORDER_STATUS_CHANGED, cancelled))
    # An ENTREGADO event for an order stored in another state (never on the bus; proves the order is read)
    world.deliver(delivered("o-cancelled"), delivered("o-refunded"), delivered("o-charged-back"))

    assert world.statement()["balance"] == 0
    assert world.points_items() == 0


def test_other_events_make_no_aws_call(world: World) -> None:
    base = {"tenant_id": "bembos-miraflores", "order_id": "o-1", "location_id": "larco", "at": DELIVERED_AT,
            "by": "workflow"}  # fmt: skip
    others = [
        eventbridge(contracts.ORDER_STATUS_CHANGED, {**base, "estado_pedido": estado})
        for estado in ("PAGADO", "COCINA", "EMPAQUETAMIENTO", "DELIVERY", "CANCELADO")
    ]
    others.append(eventbridge(contracts.ORDER_OVERDUE, {**base, "estado_pedido": "COCINA"}))
    others.append(eventbridge(contracts.ORDER_OVERDUE, {**base, "estado_pedido": "REQUIERE_ADMIN", "reason": "x"}))

    assert world.deliver(*others) == []
    assert world.calls == []


def test_a_malformed_record_fails_alone(world: World) -> None:
    world.order("o-1", LINES)

    failed = world.deliver("not json", delivered("o-1"))

    assert failed == ["msg-0"]
    assert world.statement()["balance"] == 66


def test_points_stay_in_their_tenant(world: World) -> None:
    world.order("o-1", LINES)
    world.deliver(delivered("o-1"))

    assert world.statement(tenant="bembos-san-isidro")["balance"] == 0
    assert world.statement(subject="cust-2")["balance"] == 0
