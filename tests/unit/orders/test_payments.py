"""Webhook signatures, the settlement's edge cases, and the receipt (boleta) email."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import pytest
from orders_support import TABLES, TENANT
from test_orders import CUSTOMER, NOW, REVIEWS, Recorder, body

from core.clock import iso
from core.errors import TooManyRequests
from notificaciones.receipts import receipt_email, with_receipts
from pagos.events import receipt_for, status_detail
from pagos.logic import BadSignature, Notification, notification_from, verify
from pagos.settlement import DynamoSettlementStore, PaymentFacts, PaymentInFlight, settle
from pagos.stock import DynamoStock
from pedidos import logic
from pedidos.dal import OrdersDal

SECRET = "s3cret"
CLOCK = 1_780_000_000.0


def signed(data_id: str = "123", ts: str | None = None, secret: str = SECRET) -> Notification:
    ts = ts or str(int(CLOCK * 1000))
    manifest = f"id:{data_id};request-id:req-1;ts:{ts};"
    v1 = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return Notification(TENANT, data_id, "payment", "req-1", f"ts={ts},v1={v1}")


@pytest.mark.parametrize("ts", [str(int(CLOCK * 1000)), str(int(CLOCK)), str(int(CLOCK - 200))])
def test_a_fresh_signature_in_seconds_or_milliseconds_is_accepted(ts: str) -> None:
    verify(signed(ts=ts), SECRET, CLOCK)


@pytest.mark.parametrize(
    "notification",
    [
        signed(secret="other"),
        signed(ts=str(int((CLOCK - 301) * 1000))),
        signed(ts=str(int(CLOCK + 400))),
        Notification(TENANT, "123", "payment", "req-1", ""),
        Notification(TENANT, "123", "payment", "", signed().signature),
        Notification(TENANT, "999", "payment", "req-1", signed().signature),  # signature of another payment
    ],
)
def test_a_forged_stale_or_missing_signature_is_refused(notification: Notification) -> None:
    with pytest.raises(BadSignature):
        verify(notification, SECRET, CLOCK)


def test_the_data_id_comes_from_the_query_and_the_headers_are_case_insensitive() -> None:
    notification = notification_from(
        TENANT, {"data.id": "ABC123", "type": "payment"}, {"X-Signature": "ts=1,v1=a", "X-Request-Id": "r"}, {}
    )
    assert (notification.data_id, notification.topic, notification.request_id) == ("abc123", "payment", "r")


@pytest.fixture
def order_id(dal: OrdersDal) -> str:
    return logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)[0].order_id


def facts(order_id: str, **values: Any) -> PaymentFacts:
    base = {"payment_id": "77", "status": "approved", "amount_cents": 4480, "currency": "PEN",
            "external_reference": f"{TENANT}:{order_id}"}  # fmt: skip
    return PaymentFacts.model_validate({**base, **values})


def test_an_approval_racing_a_live_winner_is_retried_later_and_then_publishes(
    dal: OrdersDal, dynamodb: Any, order_id: str
) -> None:
    store, topic, bus = DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder()
    store.approve(TENANT, order_id, facts(order_id), iso(NOW))  # a winner that died before publishing

    with pytest.raises(PaymentInFlight):
        settle(TENANT, facts(order_id), store=store, topic=topic, bus=bus, now=NOW)
    later = NOW + timedelta(minutes=5)
    assert settle(TENANT, facts(order_id), store=store, topic=topic, bus=bus, now=later) == "published"
    assert len(topic.messages) == 1


@pytest.mark.parametrize(
    ("values", "reason"),
    [({"amount_cents": 100}, "payment_amount_mismatch"), ({"currency": "USD"}, "payment_amount_mismatch")],
)
def test_an_approved_payment_that_does_not_match_the_order_goes_to_an_admin(
    dal: OrdersDal, dynamodb: Any, order_id: str, values: dict[str, Any], reason: str
) -> None:
    store, topic, bus = DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder()

    assert settle(TENANT, facts(order_id, **values), store=store, topic=topic, bus=bus, now=NOW) == "needs_admin"

    assert topic.messages == []
    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.needs_admin == reason and order.estado_pedido == "PENDIENTE_PAGO"
    assert bus.messages[0][2]["estado_pedido"] == "REQUIERE_ADMIN"


def test_a_second_approved_payment_of_a_paid_order_goes_to_an_admin(
    dal: OrdersDal, dynamodb: Any, order_id: str
) -> None:
    store, topic, bus = DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder()
    settle(TENANT, facts(order_id), store=store, topic=topic, bus=bus, now=NOW)

    outcome = settle(TENANT, facts(order_id, payment_id="78"), store=store, topic=topic, bus=bus, now=NOW)

    assert outcome == "needs_admin" and len(topic.messages) == 1


def test_rejected_keeps_the_order_payable_and_a_foreign_reference_is_ignored(
    dal: OrdersDal, dynamodb: Any, order_id: str
) -> None:
    store, topic, bus = DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder()

    assert settle(TENANT, facts(order_id, status="rejected"), store=store, topic=topic, bus=bus, now=NOW) == "recorded"
    foreign = facts(order_id, external_reference=f"tenant-b:{order_id}")
    assert settle(TENANT, foreign, store=store, topic=topic, bus=bus, now=NOW) == "ignored"

    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.estado_pedido == "PENDIENTE_PAGO" and order.payment
    assert order.payment.status == "rejected" and topic.messages == []


def test_a_chargeback_flags_the_order_for_an_admin_once(dal: OrdersDal, dynamodb: Any, order_id: str) -> None:
    store, topic, bus = DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder()
    settle(TENANT, facts(order_id), store=store, topic=topic, bus=bus, now=NOW)

    for _ in range(2):
        settle(TENANT, facts(order_id, status="charged_back"), store=store, topic=topic, bus=bus, now=NOW)

    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.needs_admin == "payment_charged_back"
    assert len(bus.messages) == 1


def test_the_receipt_email_carries_the_boleta_as_a_txt_attachment(dal: OrdersDal, order_id: str) -> None:
    order = dal.get_order(TENANT, order_id)
    assert order is not None
    detail = status_detail(
        order,
        estado="PAGADO",
        at=iso(NOW),
        by="mercadopago",
        tenant_name="Bembos A",
        receipt=receipt_for(order, "Bembos A", iso(NOW)),
    )

    email = with_receipts({})["OrderStatusChanged"](detail)

    assert email is not None and email.to == ("ana@example.pe",)
    [attachment] = email.attachments
    text = attachment.content.decode()
    assert attachment.filename.endswith(".txt") and attachment.content_type.startswith("text/plain")
    assert "TOTAL" in text and "S/ 44.80" in text and "S/ 5.00" in text and "2 x Clásica (grande)" in text
    assert receipt_email({**detail, "estado_pedido": "COCINA"}) is None


def test_the_paid_event_carries_the_orders_total_for_the_metrics(dal: OrdersDal, order_id: str) -> None:
    order = dal.get_order(TENANT, order_id)
    assert order is not None

    detail = status_detail(order, estado="PAGADO", at=iso(NOW), by="mercadopago", tenant_name="Bembos A")

    assert detail["total_cents"] == order.total_cents == 4480


class RefusingGateway:
    """Mercado Pago answering every card payment as rejected (what card testing sees), counting the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def create_payment(self, payment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        self.calls += 1
        return {"id": self.calls, "status": "rejected", "status_detail": "cc_rejected_other_reason",
                "transaction_amount": payment["transaction_amount"], "currency_id": "PEN",
                "external_reference": payment["external_reference"]}  # fmt: skip


def _pay(order_id: str, dal: OrdersDal, dynamodb: Any, gateway: RefusingGateway, *, now: Any = NOW) -> Any:
    from core.tenant_config import TenantConfigs
    from pedidos.models import CardPayment

    return logic.pay_with_card(
        CUSTOMER,
        order_id,
        CardPayment(card_token=f"tok-{gateway.calls:08d}", payment_method_id="visa"),
        dal=dal,
        tenants=TenantConfigs(dynamodb, dal.tables.tenants),
        gateways=lambda tenant: gateway,  # type: ignore[arg-type,return-value]
        links=logic.Links(customer_app_url="https://app.example", rest_api_url="https://api.example/"),
        store=DynamoSettlementStore(dynamodb, dal.tables.orders),
        stock=DynamoStock(dynamodb, dal.tables.orders, dal.tables.combos),
        topic=Recorder(),
        bus=Recorder(),
        reviews=REVIEWS,
        now=now,
    )


def test_refused_cards_on_one_order_are_capped_before_mercado_pago_is_called(
    dal: OrdersDal, dynamodb: Any, order_id: str
) -> None:
    gateway = RefusingGateway()
    for _ in range(logic.CARD_FAILURES_PER_ORDER):
        assert _pay(order_id, dal, dynamodb, gateway).status == "rejected"
    with pytest.raises(TooManyRequests) as capped:
        _pay(order_id, dal, dynamodb, gateway)
    assert (capped.value.status, capped.value.code) == (429, "card_attempts_exceeded")
    assert gateway.calls == logic.CARD_FAILURES_PER_ORDER  # the capped attempt never reached Mercado Pago
    assert dal.get_order(TENANT, order_id).estado_pedido == "PENDIENTE_PAGO"


def test_refused_cards_of_one_customer_are_capped_per_hour_across_orders(dal: OrdersDal, dynamodb: Any) -> None:
    gateway = RefusingGateway()
    orders = [
        logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=NOW)[0].order_id for _ in range(3)
    ]
    attempts = [orders[i // (logic.CARD_FAILURES_PER_ORDER - 1)] for i in range(logic.CARD_FAILURES_PER_CUSTOMER_HOUR)]
    for order in attempts:  # under each order's own cap, up to the customer's hourly one
        _pay(order, dal, dynamodb, gateway)
    with pytest.raises(TooManyRequests):
        _pay(orders[-1], dal, dynamodb, gateway)
    # an hour later the customer may try again (on a new order: these expired meanwhile)
    later = NOW + timedelta(hours=1)
    fresh = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=later)[0].order_id
    assert _pay(fresh, dal, dynamodb, gateway, now=later).status == "rejected"


class FakeRefunds:
    """Mercado Pago's refunds: one per idempotency key, as Mercado Pago keeps them."""

    def __init__(self) -> None:
        self.by_key: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]:
        self.calls += 1
        return self.by_key.setdefault(idempotency_key, {"id": f"r-{payment_id}", "payment_id": payment_id})


@pytest.fixture
def settlement(dal: OrdersDal, dynamodb: Any) -> tuple[DynamoSettlementStore, Recorder, Recorder, FakeRefunds]:
    """The settlement's store, SNS topic, bus and Mercado Pago refunds."""
    return DynamoSettlementStore(dynamodb, dal.tables.orders), Recorder(), Recorder(), FakeRefunds()


def test_a_second_approved_payment_is_refunded_once_and_the_order_keeps_the_first(
    dal: OrdersDal, settlement: Any, order_id: str
) -> None:
    store, topic, bus, refunds = settlement
    settle(TENANT, facts(order_id), store=store, topic=topic, bus=bus, now=NOW, refunds=refunds)

    second = facts(order_id, payment_id="78")
    outcomes = [settle(TENANT, second, store=store, topic=topic, bus=bus, now=NOW, refunds=refunds) for _ in range(3)]

    assert outcomes == ["refunded", "duplicate", "duplicate"]  # webhook redeliveries refund nothing more
    assert list(refunds.by_key) == ["refund-extra-78"] and refunds.calls == 1
    order = dal.get_order(TENANT, order_id)
    assert order is not None and order.payment is not None
    assert (order.payment.payment_id, order.payment.status, order.extra_refunded) == ("77", "approved", {"78"})
    assert len(topic.messages) == 1 and order.needs_admin is None  # one approval published, no admin needed


def test_an_approval_after_a_cancel_is_refunded_and_a_wrong_amount_still_goes_to_an_admin(
    dal: OrdersDal, dynamodb: Any, settlement: Any, order_id: str
) -> None:
    store, topic, bus, refunds = settlement
    wrong = facts(order_id, payment_id="90", amount_cents=100)
    assert settle(TENANT, wrong, store=store, topic=topic, bus=bus, now=NOW, refunds=refunds) == "needs_admin"
    dynamodb.update_item(
        TableName=dal.tables.orders,
        Key={"tenant_id": {"S": TENANT}, "order_id": {"S": order_id}},
        UpdateExpression="SET estado_pedido = :c",
        ExpressionAttributeValues={":c": {"S": "CANCELADO"}},
    )
    late = facts(order_id, payment_id="91")
    assert settle(TENANT, late, store=store, topic=topic, bus=bus, now=NOW, refunds=refunds) == "refunded"
    assert list(refunds.by_key) == ["refund-extra-91"] and topic.messages == []


def test_a_tenant_whose_config_names_another_tenants_secret_gets_no_payment_account(dynamodb: Any) -> None:
    from core.errors import DependencyFailed
    from core.tenant_config import TenantConfigs

    dynamodb.put_item(
        TableName=TABLES.tenants,
        Item={"tenant_id": {"S": "tenant-b"}, "name": {"S": "Bembos B"}, "status": {"S": "active"},
              "mercadopago_secret_name": {"S": "mp/tenant-a"}},  # tenant-a's credentials
    )  # fmt: skip
    tenants = TenantConfigs(dynamodb, TABLES.tenants)

    with pytest.raises(DependencyFailed):
        tenants.get("tenant-b")
    assert tenants.get(TENANT).mercadopago_secret_name == "mp/tenant-a"
