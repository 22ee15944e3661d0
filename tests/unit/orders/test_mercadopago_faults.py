"""The card payment route as deployed (``pedidos.handler``, its runtime from the environment) on moto, with the fake
Mercado Pago of the local cloud slow or down: a clear 502, the order stays payable, and the retry never charges twice.

The fake is the real API's stand-in (card tokens used once, one payment per ``X-Idempotency-Key``); a wrapper can
make it answer ``POST /v1/payments`` late, *after* it has charged, which is the case that could charge twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from orders_support import REGION, TABLES, TENANT
from rest_events import rest_event
from test_orders import CUSTOMER, REVIEWS, body

from core.clock import utc_now
from localcloud.mercadopago_fake import FakeMercadoPago, create_app
from localcloud.serve import serve_in_thread
from pedidos import handler, logic, runtime
from pedidos.dal import OrdersDal

ACCESS_TOKEN = "TEST-tenant-a"
TIMEOUT = 0.3  # the gateway's per-call timeout here (5 s on AWS): MERCADOPAGO_TIMEOUT_SECONDS
LATE = 0.7  # how late the slow Mercado Pago answers, well past TIMEOUT


class Context:
    function_name = "pedidos-test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:pedidos-test"
    aws_request_id = "req-1"


@dataclass
class Slow:
    """ASGI wrapper: records each payment's idempotency key; while ``late``, answers payments ``LATE`` s after
    the fake has made them (the charge is done, its answer never reaches a caller that gave up)."""

    app: Any
    late: bool = False
    keys: list[str] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        paying = scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v1/payments"
        if not paying:
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.keys.append(headers.get("x-idempotency-key", ""))
        answer: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            answer.append(message)

        await self.app(scope, receive, keep)
        if self.late:
            await asyncio.sleep(LATE)
        for message in answer:
            await send(message)


@dataclass
class World:
    dal: OrdersDal
    mercadopago: FakeMercadoPago
    slow: Slow
    url: str
    topic_tap: str
    environment: pytest.MonkeyPatch

    def card_token(self) -> str:
        card = {"card_number": "4009175332806176", "expiration_month": 11, "expiration_year": 2030,
                "security_code": "123", "cardholder": {"name": "APRO"}}  # fmt: skip
        return str(self.mercadopago.create_card_token(card, owner=ACCESS_TOKEN)["id"])

    def payments_of(self, order_id: str) -> list[dict[str, Any]]:
        found = self.mercadopago.search_payments(ACCESS_TOKEN, {"external_reference": f"{TENANT}:{order_id}"})
        return list(found["results"])

    def approvals_published(self) -> int:
        sqs = boto3.client("sqs", region_name=REGION)
        answer = sqs.get_queue_attributes(QueueUrl=self.topic_tap, AttributeNames=["ApproximateNumberOfMessages"])
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])

    def reviews_asked(self) -> int:
        """The payment reviews waiting on ``pagos-revision`` (delayed messages: the order was created without one)."""
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.get_queue_url(QueueName="pagos-revision")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"])

    def use(self, mercadopago_url: str) -> None:
        """The function's next (cold) start talks to Mercado Pago at ``mercadopago_url``."""
        self.environment.setenv("MERCADOPAGO_API_URL", mercadopago_url)
        runtime.reset()


@pytest.fixture
def world(dal: OrdersDal, dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    mercadopago = FakeMercadoPago()
    mercadopago.add_account(ACCESS_TOKEN, "whsec")
    mercadopago.webhooks.lose()  # this test is about the card's answer: no webhook settles behind its back
    slow = Slow(create_app(mercadopago))
    server, url = serve_in_thread(slow)
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="mp/tenant-a", SecretString=json.dumps({"access_token": ACCESS_TOKEN, "webhook_secret": "whsec"})
    )
    sqs, sns = boto3.client("sqs", region_name=REGION), boto3.client("sns", region_name=REGION)
    topic_arn = sns.create_topic(Name="pago-aprobado")["TopicArn"]
    tap = sqs.create_queue(QueueName="pago-aprobado-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=tap_arn)
    environment = {
        "ORDERS_TABLE": TABLES.orders,
        "TENANTS_TABLE": TABLES.tenants,
        "PRODUCTS_TABLE": TABLES.products,
        "COMBOS_TABLE": TABLES.combos,
        "LOCATIONS_TABLE": TABLES.locations,
        "USERS_TABLE": TABLES.users,
        "EVENT_BUS_NAME": "default",
        "CUSTOMER_APP_URL": "https://app.example",
        "REST_API_URL": "https://api.example/dev/",
        "PAYMENT_APPROVED_TOPIC_ARN": topic_arn,
        "PAYMENT_REVIEWS_QUEUE_URL": sqs.create_queue(QueueName="pagos-revision")["QueueUrl"],
        "MERCADOPAGO_API_URL": url,
        "MERCADOPAGO_TIMEOUT_SECONDS": str(TIMEOUT),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    yield World(dal, mercadopago, slow, url, tap, monkeypatch)
    runtime.reset()
    server.stop()
    mercadopago.close()


def pay(order_id: str, card_token: str) -> tuple[int, dict[str, Any]]:
    event = rest_event(
        "POST",
        f"/pedidos/{order_id}/pago",
        body={"card_token": card_token, "payment_method_id": "visa"},
        principal=CUSTOMER.to_context(),
        resource="/pedidos/{order_id}/pago",
        path_parameters={"order_id": order_id},
    )
    response = handler.lambda_handler(event, Context())
    return response["statusCode"], json.loads(response["body"])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the socket closes


def _unpaid_order(world: World) -> str:
    return logic.create_order(CUSTOMER, body(), None, dal=world.dal, reviews=REVIEWS, now=utc_now())[0].order_id


def _still_payable(world: World, order_id: str) -> None:
    order = world.dal.get_order(TENANT, order_id)
    assert order is not None
    payment = order.payment.model_dump(exclude_none=True) if order.payment else {}
    assert (order.estado_pedido, payment, order.card_failures) == ("PENDIENTE_PAGO", {"provider": "mercadopago"}, 0)
    assert world.approvals_published() == 0


def test_mercado_pago_answering_after_the_timeout_is_a_502_and_the_retry_gets_the_same_payment_not_a_second_charge(
    world: World,
) -> None:
    # Given an unpaid order and Mercado Pago charging the card but answering after the gateway's timeout,
    order_id, token = _unpaid_order(world), world.card_token()
    world.slow.late = True

    # when the customer pays,
    status, answer = pay(order_id, token)

    # then the function gives up at its timeout with a 502 in the platform's shape, and the order is still payable
    assert (status, answer["error"]) == (502, "dependency_failed")
    assert "Mercado Pago" in answer["message"]
    _still_payable(world, order_id)
    [charged] = world.payments_of(order_id)  # Mercado Pago did take the money
    # should the customer never try again, the payment review asked for before the call finds and settles it
    assert world.reviews_asked() == 1

    # and when the customer tries again with the same card, Mercado Pago answers the same payment for the same key:
    world.slow.late = False
    status, answer = pay(order_id, token)

    assert (status, answer["status"], answer["payment_id"]) == (200, "approved", str(charged["id"]))
    assert world.slow.keys == [logic.card_payment_key(order_id, token)] * 2
    assert len(world.payments_of(order_id)) == 1  # one charge
    order = world.dal.get_order(TENANT, order_id)
    assert order is not None and order.payment is not None
    assert (order.payment.payment_id, order.payment.status) == (str(charged["id"]), "approved")
    assert world.approvals_published() == 1


def test_mercado_pago_down_is_a_502_that_charges_and_writes_nothing_and_the_order_is_paid_once_it_is_back(
    world: World,
) -> None:
    # Given an unpaid order and nothing listening where Mercado Pago should be,
    order_id, token = _unpaid_order(world), world.card_token()
    world.use(f"http://127.0.0.1:{_closed_port()}")

    # when the customer pays, it is a 502 in the platform's shape, with nothing charged or written;
    status, answer = pay(order_id, token)

    assert (status, answer["error"]) == (502, "dependency_failed")
    _still_payable(world, order_id)
    assert world.payments_of(order_id) == []

    # once Mercado Pago is back, the same card pays the order, once.
    world.use(world.url)
    status, answer = pay(order_id, token)

    assert (status, answer["status"]) == (200, "approved")
    assert len(world.payments_of(order_id)) == 1
    assert world.approvals_published() == 1


def webhook(payment_id: str) -> tuple[int, dict[str, Any]]:
    """Mercado Pago's signed notification of ``payment_id`` to the payments function as deployed."""
    from pagos import handler as payments

    ts = str(int(time.time() * 1000))
    manifest = f"id:{payment_id};request-id:req-1;ts:{ts};"
    v1 = hmac.new(b"whsec", manifest.encode(), hashlib.sha256).hexdigest()
    event = rest_event(
        "POST",
        f"/pagos/webhook/{TENANT}",
        body={"type": "payment", "data": {"id": payment_id}},
        headers={"x-signature": f"ts={ts},v1={v1}", "x-request-id": "req-1"},
        query={"data.id": payment_id, "type": "payment"},
        resource="/pagos/webhook/{tenant}",
        path_parameters={"tenant": TENANT},
    )
    response = payments.lambda_handler(event, Context())
    return response["statusCode"], json.loads(response["body"])


def test_a_webhook_while_mercado_pago_is_down_is_a_502_that_writes_nothing_and_its_retry_settles_once(
    world: World,
) -> None:
    # Given a card payment approved at Mercado Pago whose answer never reached the card route,
    order_id = _unpaid_order(world)
    card = {"token": world.card_token(), "transaction_amount": 44.8, "payment_method_id": "visa",
            "payer": {"email": "ana@example.pe"}, "external_reference": f"{TENANT}:{order_id}"}  # fmt: skip
    payment = world.mercadopago.create_payment(ACCESS_TOKEN, card, idempotency_key=None)
    payment_id = str(payment["id"])
    # and its webhook arriving while the payment cannot be read back from Mercado Pago,
    world.use(f"http://127.0.0.1:{_closed_port()}")

    # the webhook is answered 502 (Mercado Pago delivers it again later), with nothing written;
    status, answer = webhook(payment_id)

    assert (status, answer["error"]) == (502, "dependency_failed")
    _still_payable(world, order_id)

    # the redelivery once Mercado Pago is back settles the payment, and a further one changes nothing.
    world.use(world.url)
    assert webhook(payment_id) == (200, {"status": "published"})
    assert webhook(payment_id) == (200, {"status": "duplicate"})
    order = world.dal.get_order(TENANT, order_id)
    assert order is not None and order.payment is not None
    assert (order.payment.payment_id, order.payment.status) == (payment_id, "approved")
    assert world.approvals_published() == 1
