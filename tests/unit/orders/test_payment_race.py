"""The card's approved answer and Mercado Pago's webhook for the same payment, racing on moto tables.

Each case holds the first one between its winning write and its SNS publish (the widest window there is) and runs the
other through it, on two threads; then the order starter takes whatever was published. The order is paid once: one
"payment approved" message, one PAGADO, one execution, no refund, no admin flag.

On AWS the two conditional ``UpdateItem`` calls can also arrive at the same instant; DynamoDB applies them one after
the other, which is the interleaving tested here. moto does not serialize concurrent writes (no lock around a
conditional update), so the test drives that order rather than leaving it to the thread scheduler.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from typing import Any

import pytest
from orders_support import TENANT
from test_orders import CUSTOMER, REVIEWS, Recorder, body

from core import contracts
from core.clock import utc_now
from core.tenant_config import TenantConfigs
from pagos.logic import Notification, handle_notification
from pagos.settlement import DynamoSettlementStore, PaymentInFlight
from pagos.stock import DynamoStock
from pedidos import logic
from pedidos.dal import OrdersDal
from pedidos.models import CardPayment

SECRET = "whsec-tenant-a"
PAYMENT_ID = "1300000077"


class MercadoPago:
    """One approved card payment, as both the card route and the webhook's lookup get it; refunds counted."""

    webhook_secret = SECRET

    def __init__(self, order_id: str) -> None:
        self.payment = {"id": int(PAYMENT_ID), "status": "approved", "status_detail": "accredited",
                        "transaction_amount": 44.8, "currency_id": "PEN",
                        "external_reference": f"{TENANT}:{order_id}"}  # fmt: skip
        self.refunds: list[str] = []
        self.charging = threading.Event()  # a card payment reached Mercado Pago
        self.answer = threading.Event()  # ... whose answer goes back only once this is set
        self.answer.set()

    def create_payment(self, payment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        self.charging.set()
        assert self.answer.wait(5), "the card's answer was never let through"
        return dict(self.payment)

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        assert payment_id == PAYMENT_ID
        return dict(self.payment)

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]:
        self.refunds.append(idempotency_key)
        return {"id": f"r-{payment_id}"}


class HeldTopic:
    """SNS "payment approved"; the first publish waits at the door until ``release`` (its writer won meanwhile)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.at_the_door = threading.Event()
        self.released = threading.Event()

    def publish(self, message: dict[str, Any]) -> None:
        if not self.at_the_door.is_set():
            self.at_the_door.set()
            assert self.released.wait(5), "the race was never released"
        self.messages.append(message)


class Workflow:
    def __init__(self) -> None:
        self.starts: list[str] = []

    def start(self, order_id: str, execution_input: Any) -> bool:
        first = order_id not in self.starts
        self.starts.append(order_id)
        return first


class Race:
    def __init__(self, dal: OrdersDal, dynamodb: Any) -> None:
        self.dal = dal
        self.order_id = logic.create_order(CUSTOMER, body(), None, dal=dal, reviews=REVIEWS, now=utc_now())[0].order_id
        self.mercadopago = MercadoPago(self.order_id)
        self.topic = HeldTopic()
        self.tenants = TenantConfigs(dynamodb, dal.tables.tenants)
        self.store = DynamoSettlementStore(dynamodb, dal.tables.orders)
        self.stock = DynamoStock(dynamodb, dal.tables.orders, dal.tables.combos)

    def card(self) -> Any:
        return logic.pay_with_card(
            CUSTOMER,
            self.order_id,
            CardPayment(card_token="tok-race", payment_method_id="visa"),
            dal=self.dal,
            tenants=self.tenants,
            gateways=lambda tenant: self.mercadopago,  # type: ignore[arg-type,return-value]
            links=logic.Links(customer_app_url="https://app.example", rest_api_url="https://api.example/"),
            store=self.store,
            stock=self.stock,
            topic=self.topic,
            bus=Recorder(),
            reviews=REVIEWS,
            now=utc_now(),
        )

    def webhook(self) -> Any:
        now = utc_now()
        ts = str(int(now.timestamp() * 1000))
        manifest = f"id:{PAYMENT_ID};request-id:req-race;ts:{ts};"
        v1 = hmac.new(SECRET.encode(), manifest.encode(), hashlib.sha256).hexdigest()
        return handle_notification(
            Notification(TENANT, PAYMENT_ID, "payment", "req-race", f"ts={ts},v1={v1}"),
            tenants=self.tenants,
            gateways=lambda tenant: self.mercadopago,  # type: ignore[arg-type,return-value]
            store=self.store,
            stock=self.stock,
            topic=self.topic,
            bus=Recorder(),
            now=now,
        )

    def run(self, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
        """``first`` on a thread up to its publish, ``second`` meanwhile, then ``first`` finishes."""
        results: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: results.update(first=first()))
        thread.start()
        assert self.topic.at_the_door.wait(5), "the first never won the approval"
        try:
            results["second"] = second()
        except PaymentInFlight as exc:
            results["second"] = exc
        finally:
            self.topic.released.set()
            thread.join(5)
        return results["first"], results["second"]

    def start_orders(self) -> Workflow:
        """The order starter, for each "payment approved" message published (SNS -> SQS -> starter)."""
        workflow = Workflow()
        for message in self.topic.messages:
            logic.start_paid_order(
                logic.PaymentApprovedMessage.model_validate(message),
                dal=self.dal,
                workflow=workflow,  # type: ignore[arg-type]
                tenants=self.tenants,
                bus=Recorder(),
                now=utc_now(),
            )
        return workflow


@pytest.fixture
def race(dal: OrdersDal, dynamodb: Any) -> Race:
    return Race(dal, dynamodb)


def _answered(race: Race, paying: threading.Thread, results: dict[str, Any]) -> Any:
    race.mercadopago.answer.set()
    paying.join(5)
    return results["card"]


def _paid_once(race: Race) -> None:
    assert len(race.topic.messages) == 1  # one SNS "payment approved"
    assert race.start_orders().starts == [race.order_id]  # one StartExecution, named after the order
    order = race.dal.get_order(TENANT, race.order_id)
    assert order is not None and order.payment is not None
    assert (order.estado_pedido, order.payment.payment_id, order.payment.status) == ("PAGADO", PAYMENT_ID, "approved")
    assert [h.estado for h in order.history].count(contracts.PAGADO) == 1
    assert (race.mercadopago.refunds, order.needs_admin, order.extra_refunded) == ([], None, set())


def test_the_webhook_arriving_while_the_card_answer_settles_is_told_to_retry_and_the_order_is_paid_once(
    race: Race,
) -> None:
    card, webhook = race.run(race.card, race.webhook)

    assert (card.status, card.payment_id) == ("approved", PAYMENT_ID)
    assert isinstance(webhook, PaymentInFlight) and webhook.status == 503  # Mercado Pago delivers it again later
    assert race.webhook() == "duplicate"  # ... and then it changes nothing
    _paid_once(race)


def test_the_card_answer_arriving_while_the_webhook_settles_answers_approved_and_the_order_is_paid_once(
    race: Race,
) -> None:
    # The card's call is at Mercado Pago, which charges and sends the webhook before its answer gets back:
    race.mercadopago.answer.clear()
    results: dict[str, Any] = {}
    paying = threading.Thread(target=lambda: results.update(card=race.card()))
    paying.start()
    assert race.mercadopago.charging.wait(5)

    # the webhook wins the approval (held before its publish), then the card's answer arrives and settles.
    webhook, card = race.run(race.webhook, lambda: _answered(race, paying, results))

    assert webhook == "published"
    assert (card.status, card.payment_id) == ("approved", PAYMENT_ID)  # the customer sees the payment went through
    _paid_once(race)
