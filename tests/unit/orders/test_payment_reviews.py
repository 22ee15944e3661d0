"""Each order's payment review (``pagos.reconciliation``): settle a lost approval, expire the unpaid, or wait."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from orders_support import REGION, TENANT
from test_orders import CUSTOMER, NOW, Recorder, ScheduledReviews, body

from core import contracts
from core.tenant_config import TenantConfigs
from pagos import reviewer, runtime
from pagos.reconciliation import PaymentReview, review
from pagos.settlement import IN_FLIGHT_SECONDS, DynamoSettlementStore
from pedidos import logic
from pedidos.dal import OrdersDal

EXPIRY = NOW + timedelta(minutes=contracts.UNPAID_ORDER_MINUTES, seconds=IN_FLIGHT_SECONDS)


class MercadoPagoRecords:
    """Mercado Pago's payments of one account, as its payment search answers (newest first), and its refunds."""

    def __init__(self, *payments: dict[str, Any]) -> None:
        self.payments = list(payments)
        self.searches: list[str] = []
        self.refunds: list[str] = []

    def search_payments(self, external_reference: str) -> list[dict[str, Any]]:
        self.searches.append(external_reference)
        return [p for p in reversed(self.payments) if p["external_reference"] == external_reference]

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]:
        self.refunds.append(payment_id)
        return {"id": f"r-{payment_id}"}


def approved(
    order_id: str, payment_id: str = "77", status: str = "approved", created: str = "2026-05-01T07:05:00.000-05:00"
) -> dict[str, Any]:
    return {"id": int(payment_id), "status": status, "status_detail": "accredited", "transaction_amount": 44.8,
            "currency_id": "PEN", "external_reference": f"{TENANT}:{order_id}",
            "date_created": created}  # fmt: skip


class World:
    """One unpaid order, the orders DAL and settlement on moto, the topic, bus and review queue recorded."""

    def __init__(self, dal: OrdersDal, dynamodb: Any) -> None:
        self.dal = dal
        self.reviews = ScheduledReviews()
        self.order_id = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=self.reviews, now=NOW)[0].order_id
        self.store = DynamoSettlementStore(dynamodb, dal.tables.orders)
        self.tenants = TenantConfigs(dynamodb, dal.tables.tenants)
        self.topic, self.bus = Recorder(), Recorder()
        self.mercadopago = MercadoPagoRecords()

    def review(self, now: Any, *, timer: bool = True) -> str:
        return review(
            PaymentReview(tenant_id=TENANT, order_id=self.order_id, timer=timer),
            dal=self.dal,
            tenants=self.tenants,
            gateways=lambda tenant: self.mercadopago,
            store=self.store,
            topic=self.topic,
            bus=self.bus,
            reviews=self.reviews,
            now=now,
        )

    def order(self) -> Any:
        return self.dal.get_order(TENANT, self.order_id)


@pytest.fixture
def world(dal: OrdersDal, dynamodb: Any) -> World:
    return World(dal, dynamodb)


def test_a_new_order_sets_its_review_timer_before_it_is_written(world: World) -> None:
    assert world.reviews.scheduled == [(TENANT, world.order_id, contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS, True)]


def test_an_approved_payment_whose_webhook_was_lost_is_settled_once_even_if_the_review_comes_twice(
    world: World,
) -> None:
    world.mercadopago.payments.append(approved(world.order_id))

    outcomes = [world.review(NOW + timedelta(minutes=2), timer=False) for _ in range(2)]

    assert outcomes == ["settled", "done"]
    assert [m[0]["payment_id"] for m in world.topic.messages] == ["77"]  # one SNS "payment approved": one start
    order = world.order()
    assert order.payment.status == "approved" and order.payment.published_at
    assert world.mercadopago.searches == [f"{TENANT}:{world.order_id}"]  # the second look needed no search


def test_two_approved_payments_found_pay_the_order_with_the_first_and_refund_the_second(world: World) -> None:
    world.mercadopago.payments += [
        approved(world.order_id, "77", created="2026-05-01T07:05:00.000-05:00"),
        approved(world.order_id, "78", created="2026-05-01T07:06:00.000-05:00"),
    ]

    assert world.review(NOW + timedelta(minutes=2)) == "settled"

    assert [m[0]["payment_id"] for m in world.topic.messages] == ["77"] and world.mercadopago.refunds == ["78"]
    assert world.reviews.scheduled[1:] == []  # settled: the timer stops


@pytest.mark.parametrize(
    ("after", "delay"),
    [
        (timedelta(minutes=1), contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS),  # SQS waits at most 15 minutes
        (timedelta(minutes=29), 60 + IN_FLIGHT_SECONDS),  # the last look: at the expiry
    ],
)
def test_an_unpaid_order_before_its_expiry_is_looked_at_again_later(world: World, after: timedelta, delay: int) -> None:
    world.mercadopago.payments.append(approved(world.order_id, status="rejected"))

    assert world.review(NOW + after) == "rescheduled"

    assert world.reviews.scheduled[1:] == [(TENANT, world.order_id, delay, True)]
    assert world.order().estado_pedido == contracts.PENDIENTE_PAGO and world.bus.messages == []


def test_a_single_look_after_a_payment_attempt_neither_reschedules_nor_expires(world: World) -> None:
    assert world.review(EXPIRY + timedelta(hours=1), timer=False) == "unpaid"

    assert world.reviews.scheduled[1:] == [] and world.order().estado_pedido == contracts.PENDIENTE_PAGO


def test_an_order_unpaid_past_its_expiry_is_cancelled_once_and_announced(world: World) -> None:
    just_before = EXPIRY - timedelta(seconds=1)  # a card payment made at the last second is still waited for
    assert world.review(just_before) == "rescheduled"

    outcomes = [world.review(EXPIRY), world.review(EXPIRY + timedelta(seconds=5))]

    assert outcomes == ["expired", "done"]
    order = world.order()
    last = order.history[-1]
    assert (order.estado_pedido, last.by, last.reason) == (
        contracts.CANCELADO,
        contracts.EXPIRY_ACTOR,
        contracts.EXPIRED_UNPAID_REASON,
    )
    assert order.location_state_key.endswith(f"#{contracts.CANCELADO}") and order.cancel_announced_at
    [(source, detail_type, detail)] = world.bus.messages
    assert (source, detail_type) == (contracts.EVENT_SOURCE_ORDERS, contracts.ORDER_STATUS_CHANGED)
    assert detail["estado_pedido"] == contracts.CANCELADO and detail["reason"] == contracts.EXPIRED_UNPAID_REASON
    assert detail["customer_email"] == "ana@example.pe" and world.topic.messages == []


class FlakyBus(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.fail_next = True

    def publish(self, *args: Any) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("EventBridge throttled")
        super().publish(*args)


def test_an_expiry_whose_announcement_failed_is_announced_by_the_redelivery(world: World) -> None:
    world.bus = FlakyBus()
    with pytest.raises(RuntimeError):
        world.review(EXPIRY)

    assert world.review(EXPIRY + timedelta(minutes=3)) == "expired"

    assert len(world.bus.messages) == 1 and world.order().history[-1].by == contracts.EXPIRY_ACTOR


def test_a_late_approval_found_at_expiry_pays_the_order_instead_of_expiring_it(world: World) -> None:
    world.mercadopago.payments.append(approved(world.order_id))

    assert world.review(EXPIRY + timedelta(minutes=1)) == "settled"

    assert world.order().estado_pedido == contracts.PENDIENTE_PAGO and len(world.topic.messages) == 1
    assert world.bus.messages == []  # no CANCELADO: the starter makes it PAGADO


@pytest.mark.parametrize("estado", [contracts.PAGADO, contracts.CANCELADO, contracts.COCINA])
def test_an_order_already_paid_or_cancelled_is_left_alone(world: World, dynamodb: Any, estado: str) -> None:
    dynamodb.update_item(
        TableName=world.dal.tables.orders,
        Key={"tenant_id": {"S": TENANT}, "order_id": {"S": world.order_id}},
        UpdateExpression="SET estado_pedido = :e",
        ExpressionAttributeValues={":e": {"S": estado}},
    )
    before = world.order()

    assert world.review(EXPIRY + timedelta(hours=1)) == "done"

    assert world.order() == before and world.mercadopago.searches == []
    assert world.bus.messages == world.topic.messages == world.reviews.scheduled[1:] == []


def test_an_order_never_written_stops_its_timer(world: World) -> None:
    world.order_id = "never-written"

    assert world.review(EXPIRY) == "unknown_order" and world.reviews.scheduled[1:] == []


# -- the reviewer function: Mercado Pago down ---------------------------------------------------------


class Context:
    function_name = "pagos-revisor-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pagos-revisor-test"
    aws_request_id = "req-1"


def _record(message_id: str, order_id: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": json.dumps({"tenant_id": TENANT, "order_id": order_id, "timer": True}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bembos-dev-pagos-revision",
        "awsRegion": REGION,
    }


@pytest.fixture
def reviewer_function(world: World, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The reviewer as deployed (its runtime from the environment) on moto, Mercado Pago unreachable."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.create_secret(
        Name="mp/tenant-a", SecretString=json.dumps({"access_token": "TEST-1", "webhook_secret": "s3cret"})
    )
    queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="pagos-revision")["QueueUrl"]
    topic_arn = boto3.client("sns", region_name=REGION).create_topic(Name="pago-aprobado")["TopicArn"]
    environment = {
        "ORDERS_TABLE": world.dal.tables.orders,
        "TENANTS_TABLE": world.dal.tables.tenants,
        "PAYMENT_APPROVED_TOPIC_ARN": topic_arn,
        "EVENT_BUS_NAME": "default",
        "MERCADOPAGO_API_URL": "http://127.0.0.1:9",  # nothing listens there: every call fails at once
        "PAYMENT_REVIEWS_QUEUE_URL": queue_url,
        "COMBOS_TABLE": world.dal.tables.combos,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    yield reviewer
    runtime.reset()


def test_with_mercado_pago_down_the_review_fails_alone_and_writes_nothing(world: World, reviewer_function: Any) -> None:
    paid = logic.create_order(CUSTOMER, body(), None, dal=world.dal, reviews=world.reviews, now=NOW)[0].order_id
    # a paid order in the same batch needs no search: it is done while Mercado Pago is down
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=world.dal.tables.orders,
        Key={"tenant_id": {"S": TENANT}, "order_id": {"S": paid}},
        UpdateExpression="SET estado_pedido = :e",
        ExpressionAttributeValues={":e": {"S": contracts.PAGADO}},
    )
    before = world.order()
    event = {"Records": [_record("m-unpaid", world.order_id), _record("m-paid", paid)]}

    answer = reviewer_function.lambda_handler(event, Context())

    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-unpaid"}]}  # the queue retries it, then its DLQ
    assert world.order() == before
    sqs = boto3.client("sqs", region_name=REGION)
    queued = sqs.get_queue_attributes(
        QueueUrl=runtime.settings().payment_reviews_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    )["Attributes"]
    assert queued == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesDelayed": "0"}  # no new look
