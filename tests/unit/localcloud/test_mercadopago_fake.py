"""The fake Mercado Pago API, driven by the real ``mercadopago`` SDK over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import mercadopago
import pytest
from mercadopago.config import RequestOptions
from mercadopago.http import HttpClient
from mercadopago.webhook.validator import WebhookSignatureValidator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from localcloud.mercadopago_fake import (
    ATTEMPTS,
    RETRIES_AFTER_FIRST_DISPATCH,
    FakeMercadoPago,
    WebhookDelivery,
    WebhookDispatcher,
    create_app,
)
from localcloud.serve import serve_in_thread
from pagos.sdk import BaseUrlHttpClient, sdk_for

TOKEN = "TEST-4471-seller-token"
SECRET = "whsec-donpepe-test"
PUBLIC_KEY = "TEST-pk-donpepe"
TIME_SCALE = 432_000  # Mercado Pago's four days of webhook retries in 0.8 s
NOTIFICATION_URL_DEPRECATED = "ignore:notification_url is deprecated:DeprecationWarning"


# --------------------------------------------------------------------------- receiver of webhooks


@dataclass
class Received:
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint that records notifications and answers scripted status codes."""

    statuses: list[int] = field(default_factory=list)  # answered in order, then 200
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    answer_after: float = 0.0  # seconds each answer takes (a slow endpoint)
    in_flight: int = 0
    most_in_flight: int = 0  # the most requests it was answering at once

    async def endpoint(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            self.received.append(Received(dict(request.query_params), dict(request.headers), body))
            status = self.statuses.pop(0) if self.statuses else 200
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.answer_after)
        with self.lock:
            self.in_flight -= 1
        return Response(status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hooks", self.endpoint, methods=["POST"])])


def signature_is_valid(notification: Received, secret: str) -> bool:
    """Check ``x-signature`` the way Mercado Pago documents it, independently of the fake's code."""
    parts = dict(part.split("=", 1) for part in notification.headers["x-signature"].split(","))
    manifest = f"id:{notification.query['data.id']};request-id:{notification.headers['x-request-id']};ts:{parts['ts']};"
    expected = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


# --------------------------------------------------------------------------- fixtures and factories


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hooks = WebhookReceiver()
    server, base_url = serve_in_thread(hooks.app())
    hooks.url = f"{base_url}/hooks"
    yield hooks
    server.stop()


@pytest.fixture
def fake(receiver: WebhookReceiver) -> Iterator[FakeMercadoPago]:
    state = FakeMercadoPago(webhook_time_scale=TIME_SCALE)
    state.add_account(TOKEN, SECRET, public_key=PUBLIC_KEY, user_id="4471", webhook_url=receiver.url)
    yield state
    state.close()


@pytest.fixture
def mp_url(fake: FakeMercadoPago) -> Iterator[str]:
    server, base_url = serve_in_thread(create_app(fake))
    yield base_url
    server.stop()


@pytest.fixture
def sdk(mp_url: str) -> mercadopago.SDK:
    return sdk_for(TOKEN, mp_url)


def preference_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "items": [
            {"title": "Pollo a la brasa", "quantity": 1, "unit_price": 42.5, "currency_id": "PEN"},
            {"title": "Chicha morada", "quantity": 2, "unit_price": 1.5, "currency_id": "PEN"},
        ],
        "payer": {"email": "cliente@example.pe"},
        "external_reference": "order-42",
        "back_urls": {
            "success": "https://tienda.example.pe/pago/ok",
            "failure": "https://tienda.example.pe/pago/error",
            "pending": "https://tienda.example.pe/pago/pendiente",
        },
        "auto_return": "approved",
    }
    return body | overrides


def card_token(sdk: mercadopago.SDK, cardholder: str = "APRO") -> str:
    card = {
        "card_number": "4009175332806176",
        "expiration_month": 11,
        "expiration_year": 2030,
        "security_code": "123",
        "cardholder": {"name": cardholder, "identification": {"type": "DNI", "number": "12345678"}},
    }
    result = sdk.card_token().create(card)
    assert result["status"] == 201, result
    token_id: str = result["response"]["id"]
    return token_id


def card_payment(sdk: mercadopago.SDK, token: str, idempotency_key: str | None = None, **overrides: Any) -> Any:
    body = {
        "token": token,
        "transaction_amount": 45.5,
        "description": "Pedido order-42",
        "installments": 1,
        "payment_method_id": "visa",
        "payer": {"email": "cliente@example.pe"},
        "external_reference": "order-42",
    } | overrides
    options = RequestOptions(custom_headers={"X-Idempotency-Key": idempotency_key}) if idempotency_key else None
    return sdk.payment().create(body, options)


def notification(notification_id: int, url: str = "http://127.0.0.1:9/hooks") -> WebhookDelivery:
    """A payment.created notification handed straight to a dispatcher."""
    data_id = str(notification_id)
    body = {"action": "payment.created", "data": {"id": data_id}, "id": notification_id, "type": "payment"}
    return WebhookDelivery(notification_id, url, "payment.created", data_id, body, secret=SECRET)


def approved_payment_id(sdk: mercadopago.SDK) -> int:
    result = card_payment(sdk, card_token(sdk, "APRO"))
    assert result["response"]["status"] == "approved", result
    payment_id: int = result["response"]["id"]
    return payment_id


# --------------------------------------------------------------------------- Checkout Pro


def test_preference_gets_an_id_and_init_points_on_the_fake(sdk: mercadopago.SDK, mp_url: str) -> None:
    created = sdk.preference().create(preference_body())

    assert created["status"] == 201
    preference = created["response"]
    assert preference["init_point"] == f"{mp_url}/checkout/{preference['id']}"
    assert preference["sandbox_init_point"] == preference["init_point"]
    fetched = sdk.preference().get(preference["id"])
    assert fetched["status"] == 200
    assert fetched["response"]["external_reference"] == "order-42"


def test_checkout_page_shows_items_and_total_in_soles(sdk: mercadopago.SDK) -> None:
    preference = sdk.preference().create(preference_body())["response"]

    page = httpx.get(preference["init_point"])

    assert page.status_code == 200
    assert "Pollo a la brasa" in page.text
    assert "S/ 45.50" in page.text  # 42.50 + 2 x 1.50
    assert "Aprobar pago" in page.text
    assert "Rechazar pago" in page.text


@pytest.mark.filterwarnings(NOTIFICATION_URL_DEPRECATED)
def test_approved_checkout_redirects_notifies_with_valid_signature_and_payment_is_approved(
    sdk: mercadopago.SDK, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    # Given a preference that asks for notifications at its own URL
    notification_url = f"{receiver.url}?source_news=webhooks"
    preference = sdk.preference().create(preference_body(notification_url=notification_url))["response"]

    # When the buyer approves on the checkout page
    answer = httpx.post(preference["init_point"], data={"decision": "approve"})

    # Then the browser goes back to the success URL with Mercado Pago's parameters
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://tienda.example.pe/pago/ok"
    back = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert back["status"] == back["collection_status"] == "approved"
    assert back["external_reference"] == "order-42"
    assert back["preference_id"] == preference["id"]
    payment_id = back["payment_id"]
    # and a signed payment.created notification reaches the notification_url
    assert fake.webhooks.wait_idle()
    [notification] = receiver.received
    assert notification.query == {"source_news": "webhooks", "data.id": payment_id, "type": "payment"}
    assert notification.body["action"] == "payment.created"
    assert notification.body["data"] == {"id": payment_id}
    assert notification.body["type"] == "payment"
    assert notification.body["live_mode"] is False
    assert notification.body["user_id"] == "4471"
    assert signature_is_valid(notification, SECRET)
    assert not signature_is_valid(notification, "another-secret")
    WebhookSignatureValidator.validate(  # the SDK's own check accepts it too (raises if not)
        notification.headers["x-signature"], notification.headers["x-request-id"], payment_id, SECRET
    )
    # and the payment reads as approved through the SDK
    payment = sdk.payment().get(payment_id)["response"]
    assert (payment["status"], payment["status_detail"]) == ("approved", "accredited")
    assert payment["transaction_amount"] == 45.5
    assert payment["currency_id"] == "PEN"
    assert payment["external_reference"] == "order-42"
    assert payment["date_approved"] is not None


def test_rejected_checkout_redirects_to_the_failure_url(sdk: mercadopago.SDK) -> None:
    preference = sdk.preference().create(preference_body())["response"]

    answer = httpx.post(preference["init_point"], data={"decision": "reject"})

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("https://tienda.example.pe/pago/error?")
    payment_id = parse_qs(urlsplit(answer.headers["location"]).query)["payment_id"][0]
    payment = sdk.payment().get(payment_id)["response"]
    assert (payment["status"], payment["status_detail"]) == ("rejected", "cc_rejected_other_reason")


def test_mounted_under_a_path_the_checkout_page_and_its_buttons_stay_inside_it(fake: FakeMercadoPago) -> None:
    # Given the fake mounted at /mercadopago, as the local cloud serves it, with API Gateway's 403 everywhere else
    async def gateway(request: Request) -> Response:
        return Response('{"message":"Missing Authentication Token"}', status_code=403)

    app = Starlette(routes=[Mount("/mercadopago", create_app(fake)), Route("/{path:path}", gateway)])
    server, base_url = serve_in_thread(app)
    try:
        sdk = sdk_for(TOKEN, f"{base_url}/mercadopago")
        approve = sdk.preference().create(preference_body())["response"]
        reject = sdk.preference().create(preference_body())["response"]

        # When the buyer opens the checkout page and presses each button
        page = httpx.get(approve["init_point"])
        form = re.search(r"<form method='post'( action='([^']*)')?>", page.text)
        assert form, page.text
        approved = httpx.post(urljoin(str(page.url), form.group(2) or ""), data={"decision": "approve"})
        rejected = httpx.post(urljoin(reject["init_point"], form.group(2) or ""), data={"decision": "reject"})
        # and the fake's own front page, with its link to the notifications it sent
        front = httpx.get(f"{base_url}/mercadopago/")
        sent = re.search(r"<a href='([^']+)'>Notificaciones enviadas", front.text)
        assert sent, front.text
        notifications = httpx.get(urljoin(str(front.url), sent.group(1)))
    finally:
        server.stop()

    # Then the page and the form's target are under the mount, and each answer sends the buyer back
    assert approve["init_point"] == f"{base_url}/mercadopago/checkout/{approve['id']}"
    assert page.status_code == 200
    assert approved.status_code == 303 and approved.headers["location"].startswith("https://tienda.example.pe/pago/ok?")
    assert rejected.status_code == 303
    assert rejected.headers["location"].startswith("https://tienda.example.pe/pago/error?")
    assert front.status_code == 200 and "<code>APRO</code>" in front.text
    assert notifications.status_code == 200 and isinstance(notifications.json(), list)


def test_expired_preference_cannot_be_paid(sdk: mercadopago.SDK) -> None:
    body = preference_body(expires=True, expiration_date_to="2020-01-01T00:00:00.000-05:00")
    preference = sdk.preference().create(body)["response"]

    page = httpx.get(preference["init_point"])
    answer = httpx.post(preference["init_point"], data={"decision": "approve"})

    assert page.status_code == 410
    assert answer.status_code == 400
    assert sdk.payment().search({"external_reference": "order-42"})["response"]["results"] == []


# --------------------------------------------------------------------------- card payments


@pytest.mark.parametrize(
    ("cardholder", "status", "status_detail"),
    [
        ("APRO", "approved", "accredited"),
        ("OTHE", "rejected", "cc_rejected_other_reason"),
        ("CONT", "pending", "pending_contingency"),
        ("CALL", "rejected", "cc_rejected_call_for_authorize"),
        ("FUND", "rejected", "cc_rejected_insufficient_amount"),
        ("SECU", "rejected", "cc_rejected_bad_filled_security_code"),
        ("EXPI", "rejected", "cc_rejected_bad_filled_date"),
        ("FORM", "rejected", "cc_rejected_bad_filled_other"),
    ],
)
def test_card_payment_outcome_follows_the_test_cardholder_name(
    sdk: mercadopago.SDK, cardholder: str, status: str, status_detail: str
) -> None:
    result = card_payment(sdk, card_token(sdk, cardholder))

    assert result["status"] == 201
    payment = result["response"]
    assert (payment["status"], payment["status_detail"]) == (status, status_detail)
    assert payment["card"]["last_four_digits"] == "6176"
    stored = sdk.payment().get(payment["id"])["response"]
    assert (stored["status"], stored["status_detail"]) == (status, status_detail)


def test_card_token_can_be_created_with_the_public_key_alone(mp_url: str, sdk: mercadopago.SDK) -> None:
    card = {
        "card_number": "5031755734530604",
        "expiration_month": 11,
        "expiration_year": 2030,
        "security_code": "123",
        "cardholder": {"name": "APRO"},
    }

    created = httpx.post(f"{mp_url}/v1/card_tokens", params={"public_key": PUBLIC_KEY}, json=card)

    assert created.status_code == 201
    assert card_payment(sdk, created.json()["id"])["response"]["status"] == "approved"


def test_same_idempotency_key_returns_the_same_payment_and_notifies_once(
    sdk: mercadopago.SDK, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    token = card_token(sdk)
    key = str(uuid.uuid4())

    first = card_payment(sdk, token, idempotency_key=key)["response"]
    second = card_payment(sdk, token, idempotency_key=key)["response"]

    assert second["id"] == first["id"]
    assert sdk.payment().search({"external_reference": "order-42"})["response"]["paging"]["total"] == 1
    assert fake.webhooks.wait_idle()
    assert [n.body["action"] for n in receiver.received] == ["payment.created"]


def test_a_card_token_pays_only_once(sdk: mercadopago.SDK) -> None:
    token = card_token(sdk)
    card_payment(sdk, token)

    again = card_payment(sdk, token)

    assert again["status"] == 400


def test_search_finds_payments_by_external_reference(sdk: mercadopago.SDK) -> None:
    mine = card_payment(sdk, card_token(sdk), external_reference="order-7")["response"]
    card_payment(sdk, card_token(sdk), external_reference="order-8")

    found = sdk.payment().search({"external_reference": "order-7"})["response"]

    assert found["paging"]["total"] == 1
    assert [p["id"] for p in found["results"]] == [mine["id"]]


def test_lost_notifications_are_recorded_and_never_sent_while_the_payment_is_still_found(
    sdk: mercadopago.SDK, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    fake.webhooks.lose()
    paid = card_payment(sdk, card_token(sdk), external_reference="order-9")["response"]
    fake.webhooks.lose(False)

    assert fake.webhooks.wait_idle()
    assert receiver.received == []
    assert [d["status"] for d in fake.webhooks.deliveries()] == ["lost"]
    found = sdk.payment().search({"external_reference": "order-9", "sort": "date_created", "criteria": "desc"})
    assert [(p["id"], p["status"]) for p in found["response"]["results"]] == [(paid["id"], "approved")]


# --------------------------------------------------------------------------- refunds and chargebacks


def test_refund_works_once_and_a_second_refund_is_refused(
    sdk: mercadopago.SDK, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    payment_id = approved_payment_id(sdk)

    first = sdk.refund().create(payment_id)
    second = sdk.refund().create(payment_id)

    assert first["status"] == 201
    assert first["response"]["amount"] == 45.5
    assert second["status"] == 400
    payment = sdk.payment().get(payment_id)["response"]
    assert (payment["status"], payment["status_detail"]) == ("refunded", "refunded")
    assert [refund["id"] for refund in payment["refunds"]] == [first["response"]["id"]]
    assert fake.webhooks.wait_idle()
    assert [n.body["action"] for n in receiver.received] == ["payment.created", "payment.updated"]


def test_refund_with_the_same_idempotency_key_returns_the_same_refund(sdk: mercadopago.SDK) -> None:
    payment_id = approved_payment_id(sdk)
    options = RequestOptions(custom_headers={"X-Idempotency-Key": "refund-order-42"})

    first = sdk.refund().create(payment_id, None, options)
    replay = sdk.refund().create(payment_id, None, options)

    assert (first["status"], replay["status"]) == (201, 201)
    assert replay["response"]["id"] == first["response"]["id"]


def test_rejected_payment_cannot_be_refunded(sdk: mercadopago.SDK) -> None:
    payment_id = card_payment(sdk, card_token(sdk, "OTHE"))["response"]["id"]

    assert sdk.refund().create(payment_id)["status"] == 400


def test_chargeback_marks_the_payment_charged_back_and_notifies(
    sdk: mercadopago.SDK, mp_url: str, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    payment_id = approved_payment_id(sdk)

    answer = httpx.post(f"{mp_url}/_fake/payments/{payment_id}/chargeback")

    assert answer.status_code == 200
    assert sdk.payment().get(payment_id)["response"]["status"] == "charged_back"
    assert fake.webhooks.wait_idle()
    assert receiver.received[-1].body["action"] == "payment.updated"
    assert receiver.received[-1].query["data.id"] == str(payment_id)


# --------------------------------------------------------------------------- webhook delivery


def test_receiver_failing_twice_gets_three_attempts_each_signed(
    sdk: mercadopago.SDK, mp_url: str, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [500, 500]

    approved_payment_id(sdk)

    assert fake.webhooks.wait_idle()
    assert len(receiver.received) == 3
    assert len({n.headers["x-request-id"] for n in receiver.received}) == 3
    assert all(signature_is_valid(n, SECRET) for n in receiver.received)
    [delivery] = httpx.get(f"{mp_url}/_fake/webhooks").json()
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [500, 500, 200]
    assert delivery["status"] == "delivered"


def test_only_200_or_201_confirms_a_notification_as_mercado_pago_documents(
    sdk: mercadopago.SDK, mp_url: str, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [202, 204, 201]

    approved_payment_id(sdk)

    assert fake.webhooks.wait_idle()
    [delivery] = httpx.get(f"{mp_url}/_fake/webhooks").json()
    assert [attempt["status_code"] for attempt in delivery["attempts"]] == [202, 204, 201]
    assert delivery["status"] == "delivered"


def test_a_time_scale_divides_the_waits_of_mercado_pagos_six_attempts_over_four_days() -> None:
    # The documented table: the first dispatch, then 15 min, 30 min, 6 h, 48 h and 96 h after it
    assert RETRIES_AFTER_FIRST_DISPATCH == (900, 1800, 21_600, 172_800, 345_600)
    assert ATTEMPTS == 6

    # The local cloud's scale: each wait between two attempts 900 times shorter
    scaled = WebhookDispatcher(time_scale=900, workers=1)
    scaled.close()

    assert scaled.retry_delays == (1, 1, 22, 168, 192)


def test_receiver_that_never_confirms_gets_six_attempts_on_the_scaled_schedule_then_none(
    sdk: mercadopago.SDK, mp_url: str, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [503] * (ATTEMPTS + 2)

    approved_payment_id(sdk)

    assert fake.webhooks.wait_idle()
    [delivery] = httpx.get(f"{mp_url}/_fake/webhooks").json()
    assert len(delivery["attempts"]) == len(receiver.received) == ATTEMPTS
    assert delivery["status"] == "failed"
    # Each retry came no sooner than the schedule says (to the millisecond the attempts are recorded in)
    started = [datetime.fromisoformat(attempt["at"]) for attempt in delivery["attempts"]]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(started)]
    documented = [later - earlier for earlier, later in itertools.pairwise((0, *RETRIES_AFTER_FIRST_DISPATCH))]
    for gap, delay in zip(gaps, documented, strict=True):
        assert gap >= delay / TIME_SCALE - 0.001
    # and the schedule's shape holds: the first three retries come closer together than the fourth after them
    assert sum(gaps[:3]) < gaps[3]


def test_a_slow_endpoint_gets_several_notifications_at_once(
    sdk: mercadopago.SDK, fake: FakeMercadoPago, receiver: WebhookReceiver
) -> None:
    # Given a webhook endpoint that takes half a second to answer each notification
    receiver.answer_after = 0.5

    # When four payments are made one after the other
    for _ in range(4):
        approved_payment_id(sdk)

    # Then their notifications do not wait for each other's answers: several were in flight at once
    assert fake.webhooks.wait_idle()
    assert len(receiver.received) == 4
    assert receiver.most_in_flight >= 2
    assert [d["status"] for d in fake.webhooks.deliveries()] == ["delivered"] * 4


def test_only_the_most_recent_deliveries_are_kept() -> None:
    # Given a dispatcher that keeps the last three deliveries (losing them: no HTTP needed)
    dispatcher = WebhookDispatcher(keep=3)
    dispatcher.lose()
    try:
        # When five notifications are sent
        for notification_id in range(1, 6):
            dispatcher.send(notification(notification_id))

        # Then only the last three are listed, oldest first
        assert [d["id"] for d in dispatcher.deliveries()] == [3, 4, 5]
    finally:
        dispatcher.close()


# --------------------------------------------------------------------------- accounts and the SDK helper


def test_unknown_access_token_gets_401(mp_url: str) -> None:
    stranger = sdk_for("TEST-unknown-token", mp_url)

    assert stranger.payment().search({"external_reference": "order-42"})["status"] == 401
    assert stranger.preference().create(preference_body())["status"] == 401


def test_account_registered_over_http_can_use_the_api(mp_url: str) -> None:
    registered = httpx.post(
        f"{mp_url}/_fake/accounts",
        json={"access_token": "TEST-new-seller", "webhook_secret": "s3cret", "public_key": "TEST-pk-new"},
    )

    assert registered.status_code == 201
    assert sdk_for("TEST-new-seller", mp_url).preference().create(preference_body())["status"] == 201


def test_payments_of_another_account_are_not_found(sdk: mercadopago.SDK, fake: FakeMercadoPago, mp_url: str) -> None:
    payment_id = approved_payment_id(sdk)
    fake.add_account("TEST-other-seller", "other-secret")

    other = sdk_for("TEST-other-seller", mp_url)

    assert other.payment().get(payment_id)["status"] == 404


def test_sdk_for_uses_the_stock_client_for_the_real_api_and_rewrites_urls_otherwise(mp_url: str) -> None:
    assert type(sdk_for(TOKEN, "https://api.mercadopago.com").http_client) is HttpClient
    local = sdk_for(TOKEN, mp_url)
    assert isinstance(local.http_client, BaseUrlHttpClient)
    assert local.http_client.base_url == mp_url
