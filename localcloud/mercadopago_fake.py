"""A fake Mercado Pago API that the real ``mercadopago`` SDK talks to.

``FakeMercadoPago`` holds the state (seller accounts, preferences, card tokens,
payments, refunds) behind one lock, and a ``WebhookDispatcher`` that delivers
signed notifications from a small pool of threads, retrying on Mercado Pago's schedule.
``create_app(state)`` exposes it over HTTP with the paths of the real API:

- ``GET /``: a page for people: what this is and the test cardholder names
- ``POST /checkout/preferences``, ``GET /checkout/preferences/{id}``
- ``GET|POST /checkout/{preference_id}``: the buyer's checkout page (Spanish)
- ``POST /v1/card_tokens``, ``GET /v1/card_tokens/{id}``
- ``POST /v1/payments``, ``GET /v1/payments/search``, ``GET /v1/payments/{id}``
- ``GET|POST /v1/payments/{id}/refunds``
- ``GET /v1/payment_methods/search?public_key=&bins=``: the card brand of a BIN
- ``GET /js/v2``: a stand-in for Mercado Pago's browser SDK (``static/mercadopago-sdk.js``), the
  subset the customer app uses (Secure Fields, ``createCardToken``, ``getPaymentMethods``)

and a few test-only paths under ``/_fake`` (register an account, list webhook
deliveries, simulate a chargeback).

Card payments follow Mercado Pago's test convention: the first word of the
cardholder name decides the outcome (``APRO`` approved, ``OTHE`` rejected, ...,
see ``CARDHOLDER_OUTCOMES``); any other name is approved.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import html
import itertools
import json
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CURRENCY_ID = "PEN"
_T = TypeVar("_T")

# First word of the cardholder name -> (status, status_detail), as in Mercado Pago's test cards.
SDK_SCRIPT = Path(__file__).resolve().parent / "static" / "mercadopago-sdk.js"
CARDHOLDER_OUTCOMES: dict[str, tuple[str, str]] = {
    "APRO": ("approved", "accredited"),
    "OTHE": ("rejected", "cc_rejected_other_reason"),
    "CONT": ("pending", "pending_contingency"),
    "CALL": ("rejected", "cc_rejected_call_for_authorize"),
    "FUND": ("rejected", "cc_rejected_insufficient_amount"),
    "SECU": ("rejected", "cc_rejected_bad_filled_security_code"),
    "EXPI": ("rejected", "cc_rejected_bad_filled_date"),
    "FORM": ("rejected", "cc_rejected_bad_filled_other"),
}
DEFAULT_OUTCOME = CARDHOLDER_OUTCOMES["APRO"]
CHECKOUT_OUTCOMES: dict[str, tuple[str, str]] = {
    "approve": CARDHOLDER_OUTCOMES["APRO"],
    "reject": CARDHOLDER_OUTCOMES["OTHE"],
}
# Where the checkout page sends the buyer back, by payment status.
BACK_URL_BY_STATUS = {"approved": "success", "pending": "pending", "rejected": "failure"}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


class MercadoPagoApiError(Exception):
    """An error answered the way Mercado Pago does: ``{"message", "error", "status", "cause"}``."""

    def __init__(self, status: int, message: str, error: str = "bad_request", cause: list[Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error
        self.cause = cause or []

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"message": self.message, "error": self.error, "status": self.status, "cause": self.cause}


def _bad_request(message: str, code: int | None = None) -> MercadoPagoApiError:
    cause = [{"code": code, "description": message}] if code is not None else []
    return MercadoPagoApiError(400, message, "bad_request", cause)


def _not_found(message: str) -> MercadoPagoApiError:
    return MercadoPagoApiError(404, message, "not_found")


# --------------------------------------------------------------------------- webhooks


def signature_manifest(data_id: str, request_id: str, ts: str) -> str:
    """The string Mercado Pago signs: ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``."""
    return f"id:{data_id};request-id:{request_id};ts:{ts};"


def webhook_signature(secret: str, data_id: str, request_id: str, ts: str) -> str:
    """The ``x-signature`` header value, ``ts=<ts>,v1=<hex hmac-sha256 of the manifest>``."""
    manifest = signature_manifest(data_id, request_id, ts)
    digest = hmac.new(secret.encode(), manifest.encode(), hashlib.sha256).hexdigest()
    return f"ts={ts},v1={digest}"


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit(parts._replace(query=query))


@dataclass
class WebhookAttempt:
    """One HTTP attempt at delivering a notification."""

    number: int
    at: str
    request_id: str
    status_code: int | None = None
    error: str | None = None


@dataclass
class WebhookDelivery:
    """A notification and every attempt made to deliver it."""

    id: int  # the notification id, as in the body
    url: str  # notification_url plus ``data.id`` and ``type``
    action: str
    data_id: str
    body: dict[str, Any]
    secret: str = field(repr=False)
    status: str = "pending"  # pending | delivered | failed | lost (never sent: WebhookDispatcher.lose)
    attempts: list[WebhookAttempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The delivery as listed by ``GET /_fake/webhooks`` (without the secret)."""
        return {
            "id": self.id,
            "url": self.url,
            "action": self.action,
            "data_id": self.data_id,
            "body": self.body,
            "status": self.status,
            "attempts": [asdict(attempt) for attempt in self.attempts],
        }


MINUTE, HOUR = 60.0, 3600.0
RETRIES_AFTER_FIRST_DISPATCH = (15 * MINUTE, 30 * MINUTE, 6 * HOUR, 48 * HOUR, 96 * HOUR)
# The same schedule as the wait before each retry, counted from the start of the attempt before it.
RETRY_DELAYS = tuple(later - earlier for earlier, later in itertools.pairwise((0.0, *RETRIES_AFTER_FIRST_DISPATCH)))
ATTEMPTS = 1 + len(RETRY_DELAYS)
FIRST_ATTEMPT_TIMEOUT = 22.0
RETRY_TIMEOUT = 5.0
RECEIVED = (200, 201)  # the answers that confirm a notification; any other is retried


class WebhookDispatcher:
    """Delivers notifications on Mercado Pago's retry schedule, from a small pool of worker threads.

    Mercado Pago's developer documentation for Peru (Notifications > IPN, "After receiving the
    notification", on mercadopago.com.pe/developers) gives the schedule: a notification counts as
    received when the endpoint answers 200 or 201. The first dispatch waits 22 s for that answer;
    without it, the notification is sent again 15 minutes, 30 minutes, 6 hours, 48 hours and 96 hours
    after the first dispatch (``RETRIES_AFTER_FIRST_DISPATCH``: six attempts in all), each retry
    waiting 5 s for its answer. An older version of the same table, still on other countries' sites,
    retries at 5 min, 45 min, 6 h, 2 days and 4 days: the same waits and the same six attempts.

    The workers share one heap of due attempts, so an endpoint that is slow to answer holds up one
    worker, not the notifications behind it. An attempt without a 200 or 201 is tried again after
    the next of ``RETRY_DELAYS`` (counted from its own start), ``ATTEMPTS`` attempts in all, then the
    delivery is ``failed``. Every attempt is recorded on its delivery; ``deliveries()`` lists the last
    ``keep`` deliveries (a long run's memory stays bounded).

    ``time_scale`` divides the delays: 1 is Mercado Pago's own four days; the local cloud runs it 900
    times faster (the retries 1 s, 2 s, 24 s, 3.2 min and 6.4 min after the first attempt) and tests
    faster still, the shape and the number of attempts unchanged. The time each attempt waits for its
    answer (22 s, then 5 s) is never scaled: it bounds the receiver's real work (a payments function
    answering in a second or two under load), which does not get faster with the clock, and a scaled
    wait would time out every attempt.
    """

    def __init__(self, time_scale: float = 1.0, workers: int = 8, keep: int = 1000) -> None:
        if time_scale <= 0 or workers < 1 or keep < 1:
            raise ValueError("time_scale must be positive, workers and keep at least 1")
        self.retry_delays = tuple(delay / time_scale for delay in RETRY_DELAYS)
        self._deliveries: deque[WebhookDelivery] = deque(maxlen=keep)
        self._queue: list[tuple[float, int, WebhookDelivery]] = []
        self._sequence = itertools.count()
        self._in_flight = 0
        self._stopped = False
        self._losing = False
        self._condition = threading.Condition()
        self._client = httpx.Client()  # shared by the workers: "it can be shared between threads"
        self._threads = [
            threading.Thread(target=self._run, name=f"mercadopago-webhooks-{number}", daemon=True)
            for number in range(1, workers + 1)
        ]
        for thread in self._threads:
            thread.start()

    def send(self, delivery: WebhookDelivery) -> None:
        """Queue a delivery for its first attempt, now (or record it as ``lost``, see ``lose``)."""
        with self._condition:
            self._deliveries.append(delivery)
            if self._losing:
                delivery.status = "lost"
                return
            self._push(delivery, time.monotonic())

    def lose(self, losing: bool = True) -> None:
        """While ``losing``, notifications are recorded as ``lost`` and never sent: a webhook that never arrives."""
        with self._condition:
            self._losing = losing

    def deliveries(self) -> list[dict[str, Any]]:
        """The most recent deliveries (the last ``keep``), oldest first, as JSON-ready dicts."""
        with self._condition:
            return [delivery.to_json() for delivery in self._deliveries]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is queued or in flight; False if ``timeout`` passed first."""
        with self._condition:
            return self._condition.wait_for(lambda: not self._queue and not self._in_flight, timeout)

    def close(self) -> None:
        """Stop the worker threads; queued retries are dropped."""
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        deadline = time.monotonic() + RETRY_TIMEOUT + 1  # then an attempt still waiting on its answer is cut off
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._client.close()

    def _push(self, delivery: WebhookDelivery, due: float) -> None:
        heapq.heappush(self._queue, (due, next(self._sequence), delivery))
        self._condition.notify_all()

    def _next_due(self) -> WebhookDelivery | None:
        with self._condition:
            while not self._stopped:
                now = time.monotonic()
                if self._queue and self._queue[0][0] <= now:
                    self._in_flight += 1
                    return heapq.heappop(self._queue)[2]
                self._condition.wait(self._queue[0][0] - now if self._queue else None)
            return None

    def _run(self) -> None:
        while (delivery := self._next_due()) is not None:
            started = time.monotonic()
            self._record(delivery, self._attempt(delivery), started)

    def _attempt(self, delivery: WebhookDelivery) -> WebhookAttempt:
        request_id = str(uuid.uuid4())
        ts = str(int(time.time() * 1000))
        attempt = WebhookAttempt(number=len(delivery.attempts) + 1, at=_iso(_now()), request_id=request_id)
        headers = {
            "content-type": "application/json",
            "user-agent": "MercadoPago WebHook v1.0 payment",
            "x-request-id": request_id,
            "x-signature": webhook_signature(delivery.secret, delivery.data_id, request_id, ts),
        }
        try:
            timeout = FIRST_ATTEMPT_TIMEOUT if attempt.number == 1 else RETRY_TIMEOUT
            response = self._client.post(
                delivery.url, content=json.dumps(delivery.body), headers=headers, timeout=timeout
            )
            attempt.status_code = response.status_code
        except httpx.HTTPError as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
        return attempt

    def _record(self, delivery: WebhookDelivery, attempt: WebhookAttempt, started: float) -> None:
        with self._condition:
            self._in_flight -= 1
            delivery.attempts.append(attempt)
            if attempt.status_code in RECEIVED:
                delivery.status = "delivered"
            elif attempt.number >= ATTEMPTS:
                delivery.status = "failed"
            else:
                self._push(delivery, started + self.retry_delays[attempt.number - 1])
            self._condition.notify_all()


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class AccountConfig:
    """A seller account of the fake, found by its access token.

    ``webhook_url`` plays the part of the webhook URL configured in the Mercado Pago
    developer panel: it is used when a payment or preference has no ``notification_url``.
    """

    webhook_secret: str
    public_key: str
    user_id: str
    webhook_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The account without its secret."""
        return {"public_key": self.public_key, "user_id": self.user_id, "webhook_url": self.webhook_url}


@dataclass
class _Stored:
    """A stored API object (preference, card token, payment) and the account that owns it."""

    owner: str  # access token
    data: dict[str, Any]


def _amount(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _bad_request(f"{name} must be a positive number")
    return round(float(value), 2)


def _preference_total(preference: dict[str, Any]) -> float:
    total: float = sum(item["quantity"] * item["unit_price"] for item in preference["items"])
    return round(total, 2)


def _validate_items(items: Any) -> None:
    if not isinstance(items, list) or not items:
        raise MercadoPagoApiError(400, "items needed", "invalid_items")
    for item in items:
        if not isinstance(item, dict) or not item.get("title"):
            raise MercadoPagoApiError(400, "item.title needed", "invalid_items")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise MercadoPagoApiError(400, "item.quantity must be a positive integer", "invalid_items")
        item["unit_price"] = _amount(item.get("unit_price"), "item.unit_price")
        item.setdefault("currency_id", CURRENCY_ID)


def _parse_date(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _bad_request(f"{name} must be an ISO 8601 date") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_expired(preference: dict[str, Any]) -> bool:
    expiration = preference.get("expiration_date_to")
    if not preference.get("expires") or not expiration:
        return False
    return _parse_date(expiration, "expiration_date_to") < _now()


class FakeMercadoPago:
    """The state of the fake API; every public method is safe to call from any thread.

    The methods raise ``MercadoPagoApiError`` for anything the real API would refuse.
    """

    def __init__(
        self,
        public_url: str | None = None,
        webhook_time_scale: float = 1.0,
        webhook_workers: int = 8,
    ) -> None:
        """``public_url`` is the base of ``init_point``; by default, the URL the request came in on.

        ``webhook_time_scale`` divides Mercado Pago's webhook retry schedule (see ``WebhookDispatcher``).
        """
        self.public_url = public_url
        self.webhooks = WebhookDispatcher(time_scale=webhook_time_scale, workers=webhook_workers)
        self._lock = threading.RLock()
        self._accounts: dict[str, AccountConfig] = {}
        self._preferences: dict[str, _Stored] = {}
        self._card_tokens: dict[str, _Stored] = {}
        self._payments: dict[int, _Stored] = {}
        self._idempotent: dict[tuple[str, str, str], Any] = {}
        self._payment_ids = itertools.count(1_300_000_001)
        self._refund_ids = itertools.count(2_100_000_001)
        self._notification_ids = itertools.count(120_000_000_001)
        self._user_ids = itertools.count(1_900_000_001)

    def close(self) -> None:
        """Stop the webhook threads."""
        self.webhooks.close()

    # ----- accounts

    def add_account(
        self,
        access_token: str,
        webhook_secret: str,
        public_key: str | None = None,
        user_id: str | None = None,
        webhook_url: str | None = None,
    ) -> AccountConfig:
        """Register (or replace) the seller account that ``access_token`` authenticates."""
        with self._lock:
            account = AccountConfig(
                webhook_secret=webhook_secret,
                public_key=public_key or f"TEST-{uuid.uuid4()}",
                user_id=user_id or str(next(self._user_ids)),
                webhook_url=webhook_url,
            )
            self._accounts[access_token] = account
            return account

    def authenticate(self, authorization: str | None) -> str:
        """Return the access token of an ``Authorization: Bearer`` header, or raise 401."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            if scheme.lower() != "bearer" or token not in self._accounts:
                raise MercadoPagoApiError(401, "invalid access token", "unauthorized")
            return token

    def _account_by_public_key(self, public_key: str) -> str:
        with self._lock:
            for token, account in self._accounts.items():
                if account.public_key == public_key:
                    return token
        raise MercadoPagoApiError(401, "invalid public key", "unauthorized")

    # ----- preferences

    def create_preference(self, owner: str, body: dict[str, Any], base_url: str) -> dict[str, Any]:
        """Store a Checkout Pro preference and return it with its id and init points."""
        _validate_items(body.get("items"))
        if body.get("expiration_date_to"):
            _parse_date(body["expiration_date_to"], "expiration_date_to")
        with self._lock:
            account = self._accounts[owner]
            preference_id = f"{account.user_id}-{uuid.uuid4()}"
            checkout_url = f"{(self.public_url or base_url).rstrip('/')}/checkout/{preference_id}"
            preference = {
                "back_urls": {},
                "metadata": {},
                "operation_type": "regular_payment",
                **body,
                "id": preference_id,
                "collector_id": _numeric(account.user_id),
                "client_id": account.user_id,
                "date_created": _iso(_now()),
                "init_point": checkout_url,
                "sandbox_init_point": checkout_url,
            }
            self._preferences[preference_id] = _Stored(owner, preference)
            return _copy(preference)

    def get_preference(self, owner: str | None, preference_id: str) -> dict[str, Any]:
        """A stored preference (``owner=None``: whoever owns it, for the checkout page)."""
        with self._lock:
            stored = self._preferences.get(preference_id)
            if stored is None or (owner is not None and stored.owner != owner):
                raise _not_found("Preference not found")
            return _copy(stored.data)

    def pay_preference(self, preference_id: str, decision: str, payer_email: str | None) -> dict[str, Any]:
        """The buyer approved or rejected the checkout: create the payment and notify it."""
        if decision not in CHECKOUT_OUTCOMES:
            raise _bad_request("decision must be 'approve' or 'reject'")
        with self._lock:
            stored = self._preferences.get(preference_id)
            if stored is None:
                raise _not_found("Preference not found")
            preference = stored.data
            if _is_expired(preference):
                raise MercadoPagoApiError(400, "Preference expired", "preference_expired")
            email = payer_email or (preference.get("payer") or {}).get("email") or "comprador@test.local"
            fields = {
                "transaction_amount": _preference_total(preference),
                "description": preference["items"][0]["title"],
                "external_reference": preference.get("external_reference"),
                "metadata": preference.get("metadata") or {},
                "payer": {"email": email},
                "payment_method_id": "visa",
                "installments": 1,
                "preference_id": preference_id,
            }
            payment = self._new_payment(
                stored.owner, fields, CHECKOUT_OUTCOMES[decision], preference.get("notification_url")
            )
            return _copy(payment)

    # ----- payment methods (what the browser SDK's getPaymentMethods asks)

    def search_payment_methods(self, public_key: str, bins: str) -> dict[str, Any]:
        """The card brand of a BIN, for the account of ``public_key``; no results for an unknown BIN."""
        self._account_by_public_key(public_key)
        method = _card_brand(bins)
        results = [method] if method else []
        return {"paging": {"total": len(results), "limit": 30, "offset": 0}, "results": results}

    # ----- card tokens and payments

    def create_card_token(
        self, body: dict[str, Any], owner: str | None = None, public_key: str | None = None
    ) -> dict[str, Any]:
        """Tokenize a card for the account of ``public_key`` (browser) or ``owner`` (bearer token)."""
        if public_key:
            owner = self._account_by_public_key(public_key)
        if owner is None:
            raise MercadoPagoApiError(401, "public_key or access token needed", "unauthorized")
        number = str(body.get("card_number") or "")
        if not number.isdigit() or not 13 <= len(number) <= 19:
            raise _bad_request("invalid parameter card_number", 3017)
        if not str(body.get("security_code") or "").isdigit():
            raise _bad_request("invalid parameter security_code", 3018)
        month, year = body.get("expiration_month"), body.get("expiration_year")
        if not str(month).isdigit() or not 1 <= int(str(month)) <= 12 or not str(year).isdigit():
            raise _bad_request("invalid parameter expiration_month or expiration_year", 3019)
        created = _now()
        with self._lock:
            token: dict[str, Any] = {
                "id": uuid.uuid4().hex,
                "public_key": self._accounts[owner].public_key,
                "first_six_digits": number[:6],
                "last_four_digits": number[-4:],
                "card_number_length": len(number),
                "security_code_length": len(str(body["security_code"])),
                "expiration_month": int(str(month)),
                "expiration_year": int(str(year)),
                "cardholder": body.get("cardholder") or {},
                "status": "active",
                "luhn_validation": True,
                "live_mode": False,
                "date_created": _iso(created),
                "date_last_updated": _iso(created),
                "date_due": _iso(created + timedelta(days=7)),
            }
            self._card_tokens[token["id"]] = _Stored(owner, token)
            return _copy(token)

    def get_card_token(self, owner: str, token_id: str) -> dict[str, Any]:
        """A card token of this account."""
        with self._lock:
            stored = self._card_tokens.get(token_id)
            if stored is None or stored.owner != owner:
                raise _not_found("Card Token not found")
            return _copy(stored.data)

    def create_payment(self, owner: str, body: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
        """Pay with a card token; the same idempotency key returns the same payment."""
        with self._lock:
            replay = self._idempotent.get((owner, "payment", idempotency_key or ""))
            if idempotency_key and replay is not None:
                return _copy(self._payments[replay].data)
            token = self._use_card_token(owner, body.get("token"))
            fields = self._card_payment_fields(body, token)
            outcome = CARDHOLDER_OUTCOMES.get(_first_word(token["cardholder"].get("name")), DEFAULT_OUTCOME)
            payment = self._new_payment(owner, fields, outcome, body.get("notification_url"))
            if idempotency_key:
                self._idempotent[(owner, "payment", idempotency_key)] = payment["id"]
            return _copy(payment)

    def _use_card_token(self, owner: str, token_id: Any) -> dict[str, Any]:
        stored = self._card_tokens.get(str(token_id or ""))
        if stored is None or stored.owner != owner or stored.data["status"] != "active":
            raise _bad_request("Card Token not found", 2006)
        stored.data["status"] = "used"
        return stored.data

    @staticmethod
    def _card_payment_fields(body: dict[str, Any], token: dict[str, Any]) -> dict[str, Any]:
        payer = body.get("payer")
        if not isinstance(payer, dict) or not payer.get("email"):
            raise _bad_request("payer.email must be a valid email", 4050)
        if not body.get("payment_method_id"):
            raise _bad_request("payment_method_id attribute can't be null", 4020)
        return {
            "transaction_amount": _amount(body.get("transaction_amount"), "transaction_amount"),
            "description": body.get("description"),
            "external_reference": body.get("external_reference"),
            "metadata": body.get("metadata") or {},
            "payer": payer,
            "payment_method_id": body["payment_method_id"],
            "installments": int(body.get("installments") or 1),
            "card": {
                "first_six_digits": token["first_six_digits"],
                "last_four_digits": token["last_four_digits"],
                "expiration_month": token["expiration_month"],
                "expiration_year": token["expiration_year"],
                "cardholder": token["cardholder"],
            },
        }

    def _new_payment(
        self, owner: str, fields: dict[str, Any], outcome: tuple[str, str], notification_url: str | None
    ) -> dict[str, Any]:
        status, status_detail = outcome
        created = _iso(_now())
        amount = fields["transaction_amount"]
        payment = {
            "id": next(self._payment_ids),
            "status": status,
            "status_detail": status_detail,
            "currency_id": CURRENCY_ID,
            "operation_type": "regular_payment",
            "payment_type_id": "credit_card",
            "collector_id": _numeric(self._accounts[owner].user_id),
            "live_mode": False,
            "captured": True,
            "date_created": created,
            "date_last_updated": created,
            "date_approved": created if status == "approved" else None,
            "money_release_date": created if status == "approved" else None,
            "transaction_amount_refunded": 0,
            "transaction_details": {
                "total_paid_amount": amount,
                "net_received_amount": amount,
                "installment_amount": amount,
            },
            "notification_url": notification_url,
            "refunds": [],
            **fields,
        }
        self._payments[payment["id"]] = _Stored(owner, payment)
        self._notify(owner, payment, "payment.created")
        return payment

    def get_payment(self, owner: str, payment_id: str | int) -> dict[str, Any]:
        """A payment of this account, with its current status and refunds."""
        with self._lock:
            return _copy(self._stored_payment(owner, payment_id).data)

    def _stored_payment(self, owner: str, payment_id: str | int) -> _Stored:
        stored = self._payments.get(int(payment_id)) if str(payment_id).isdigit() else None
        if stored is None or stored.owner != owner:
            raise MercadoPagoApiError(404, "Payment not found", "not_found", [{"code": 2000}])
        return stored

    def search_payments(self, owner: str, filters: dict[str, str]) -> dict[str, Any]:
        """``/v1/payments/search``: filter by ``external_reference`` and/or ``status``, paged."""
        limit = int(filters.get("limit") or 30)
        offset = int(filters.get("offset") or 0)
        wanted = {key: filters[key] for key in ("external_reference", "status", "id") if key in filters}
        with self._lock:
            matches = [
                stored.data
                for stored in self._payments.values()
                if stored.owner == owner and all(str(stored.data.get(k)) == v for k, v in wanted.items())
            ]
            if filters.get("sort") == "date_created" and filters.get("criteria") == "desc":
                matches.reverse()
            return {
                "paging": {"total": len(matches), "limit": limit, "offset": offset},
                "results": _copy(matches[offset : offset + limit]),
            }

    # ----- refunds and chargebacks

    def refund_payment(
        self, owner: str, payment_id: str | int, body: dict[str, Any], idempotency_key: str | None
    ) -> dict[str, Any]:
        """Refund an approved payment in full; a second refund is refused (400)."""
        with self._lock:
            payment = self._stored_payment(owner, payment_id).data
            replay = self._idempotent.get((owner, f"refund:{payment['id']}", idempotency_key or ""))
            if idempotency_key and replay is not None:
                return _copy(replay)
            if payment["status"] == "refunded":
                raise _bad_request("Payment already refunded")
            if payment["status"] != "approved":
                raise _bad_request(f"Invalid payment status: {payment['status']}")
            amount = payment["transaction_amount"]
            if body.get("amount") is not None and _amount(body["amount"], "amount") != amount:
                raise _bad_request("The fake only supports full refunds")
            refund = self._refund(owner, payment, amount, body)
            if idempotency_key:
                self._idempotent[(owner, f"refund:{payment['id']}", idempotency_key)] = refund
            return _copy(refund)

    def _refund(self, owner: str, payment: dict[str, Any], amount: float, body: dict[str, Any]) -> dict[str, Any]:
        refund = {
            "id": next(self._refund_ids),
            "payment_id": payment["id"],
            "amount": amount,
            "amount_refunded_to_payer": amount,
            "metadata": body.get("metadata") or {},
            "source": {
                "id": self._accounts[owner].user_id,
                "name": "Vendedor de prueba",
                "type": "collector",
            },
            "date_created": _iso(_now()),
            "unique_sequence_number": None,
            "refund_mode": "standard",
            "adjustment_amount": 0,
            "status": "approved",
            "reason": body.get("reason"),
            "labels": [],
        }
        payment["refunds"].append(refund)
        payment["transaction_amount_refunded"] = amount
        self._update_status(owner, payment, "refunded", "refunded")
        return refund

    def list_refunds(self, owner: str, payment_id: str | int) -> list[dict[str, Any]]:
        """The refunds of a payment."""
        with self._lock:
            return _copy(self._stored_payment(owner, payment_id).data["refunds"])

    def chargeback(self, payment_id: str | int) -> dict[str, Any]:
        """Simulate the buyer's bank reversing an approved payment (``charged_back``)."""
        with self._lock:
            stored = self._payments.get(int(payment_id)) if str(payment_id).isdigit() else None
            if stored is None:
                raise _not_found("Payment not found")
            if stored.data["status"] != "approved":
                raise _bad_request(f"Invalid payment status: {stored.data['status']}")
            self._update_status(stored.owner, stored.data, "charged_back", "settled")
            return _copy(stored.data)

    def _update_status(self, owner: str, payment: dict[str, Any], status: str, status_detail: str) -> None:
        payment.update(status=status, status_detail=status_detail, date_last_updated=_iso(_now()))
        self._notify(owner, payment, "payment.updated")

    # ----- notifications

    def _notify(self, owner: str, payment: dict[str, Any], action: str) -> None:
        account = self._accounts[owner]
        url = payment.get("notification_url") or account.webhook_url
        if not url:
            return
        data_id = str(payment["id"])
        data_id = data_id.lower() if data_id.isalnum() else data_id
        notification_id = next(self._notification_ids)
        body = {
            "action": action,
            "api_version": "v1",
            "data": {"id": data_id},
            "date_created": _iso(_now()),
            "id": notification_id,
            "live_mode": False,
            "type": "payment",
            "user_id": account.user_id,
        }
        self.webhooks.send(
            WebhookDelivery(
                id=notification_id,
                url=_with_query(url, {"data.id": data_id, "type": "payment"}),
                action=action,
                data_id=data_id,
                body=body,
                secret=account.webhook_secret,
            )
        )


# BIN prefixes of the test cards' brands (Mercado Pago Peru's test cards are Visa, Mastercard, Amex).
_BRANDS: list[tuple[tuple[str, ...], str, str]] = [
    (("4",), "visa", "Visa"),
    (("51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"), "master", "Mastercard"),
    (("34", "37"), "amex", "American Express"),
    (("36", "38"), "diners", "Diners"),
]


def _card_brand(bin_digits: str) -> dict[str, Any] | None:
    if not bin_digits.isdigit() or len(bin_digits) < 6:
        return None
    for prefixes, method_id, name in _BRANDS:
        if bin_digits.startswith(prefixes):
            return {"id": method_id, "name": name, "payment_type_id": "credit_card", "status": "active"}
    return None


def _copy(value: _T) -> _T:
    """A deep copy of JSON-like data, so callers never share state with the fake."""
    copied: _T = json.loads(json.dumps(value))
    return copied


def _numeric(user_id: str) -> int | str:
    return int(user_id) if user_id.isdigit() else user_id


def _first_word(name: Any) -> str:
    words = str(name or "").split()
    return words[0].upper() if words else ""


# --------------------------------------------------------------------------- checkout page

_PAGE = """<!doctype html>
<html lang="es-PE">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ width: 100%; border-collapse: collapse; }} td, th {{ padding: .4rem; border-bottom: 1px solid #ddd; }}
.num {{ text-align: right; }} .aviso {{ background: #fff4d6; padding: .5rem; }}
button {{ font-size: 1rem; padding: .6rem 1.2rem; margin-right: .5rem; }}
</style></head>
<body><p class="aviso">Mercado Pago de prueba (nube local): no se cobra dinero real.</p>
<h1>{title}</h1>
{content}
</body></html>
"""


def _soles(amount: float) -> str:
    return f"S/ {amount:,.2f}"


def _page(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), content=content), status_code=status_code)


def _checkout_html(preference: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(item['title']))}</td><td class='num'>{item['quantity']}</td>"
        f"<td class='num'>{_soles(item['unit_price'])}</td>"
        f"<td class='num'>{_soles(item['quantity'] * item['unit_price'])}</td></tr>"
        for item in preference["items"]
    )
    email = html.escape(str((preference.get("payer") or {}).get("email") or ""))
    return (
        "<table><thead><tr><th>Producto</th><th class='num'>Cant.</th><th class='num'>Precio</th>"
        f"<th class='num'>Subtotal</th></tr></thead><tbody>{rows}</tbody>"
        f"<tfoot><tr><th colspan='3'>Total</th><th class='num' id='total'>{_soles(_preference_total(preference))}"
        f"</th></tr></tfoot></table>"
        # No action: the form posts back to this page's own URL, wherever the fake is mounted.
        "<form method='post'>"
        f"<p><label>Correo del comprador <input type='email' name='email' value='{email}'></label></p>"
        "<button type='submit' name='decision' value='approve'>Aprobar pago</button>"
        "<button type='submit' name='decision' value='reject'>Rechazar pago</button>"
        "</form>"
    )


def _index_html() -> str:
    rows = "".join(
        f"<tr><td><code>{name}</code></td><td>{status}</td><td><code>{detail}</code></td></tr>"
        for name, (status, detail) in CARDHOLDER_OUTCOMES.items()
    )
    return (
        "<p>Responde al SDK oficial de Mercado Pago (preferencias de Checkout Pro, tokens de tarjeta, pagos, "
        "reembolsos) y envía las notificaciones firmadas a cada vendedor.</p>"
        "<h2>Tarjetas de prueba</h2><p>Cualquier número de tarjeta; el nombre del titular decide el resultado:</p>"
        "<table><thead><tr><th>Titular</th><th>Estado</th><th>Detalle</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<p>En Checkout Pro, la página de pago ofrece «Aprobar pago» y «Rechazar pago».</p>"
        # Relative: the notifications sent, under wherever the fake is mounted.
        "<p><a href='_fake/webhooks'>Notificaciones enviadas (JSON)</a></p>"
    )


def _back_url(preference: dict[str, Any], payment: dict[str, Any]) -> str | None:
    url = (preference.get("back_urls") or {}).get(BACK_URL_BY_STATUS.get(payment["status"], "failure"))
    if not url:
        return None
    return _with_query(
        url,
        {
            "collection_id": str(payment["id"]),
            "collection_status": payment["status"],
            "payment_id": str(payment["id"]),
            "status": payment["status"],
            "external_reference": payment.get("external_reference") or "null",
            "payment_type": payment["payment_type_id"],
            "merchant_order_id": "null",
            "preference_id": preference["id"],
            "site_id": "MPE",
            "processing_mode": "aggregator",
            "merchant_account_id": "null",
        },
    )


# --------------------------------------------------------------------------- HTTP


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise _bad_request("invalid JSON body") from exc
    if not isinstance(body, dict):
        raise _bad_request("the body must be a JSON object")
    return body


def _idempotency_key(request: Request) -> str | None:
    return request.headers.get("x-idempotency-key")


class _Api:
    """The HTTP endpoints, each a thin translation onto ``FakeMercadoPago``."""

    def __init__(self, state: FakeMercadoPago) -> None:
        self.state = state

    def _owner(self, request: Request) -> str:
        return self.state.authenticate(request.headers.get("authorization"))

    async def create_preference(self, request: Request) -> Response:
        owner = self._owner(request)
        # The fake's own base, wherever it is mounted (base_url is the server's: the mount is in root_path).
        here = str(request.base_url).rstrip("/") + str(request.scope.get("root_path", ""))
        preference = self.state.create_preference(owner, await _json_body(request), here)
        return JSONResponse(preference, status_code=201)

    async def get_preference(self, request: Request) -> Response:
        owner = self._owner(request)
        return JSONResponse(self.state.get_preference(owner, request.path_params["preference_id"]))

    async def index(self, request: Request) -> Response:
        return _page("Mercado Pago de prueba", _index_html())

    async def checkout_page(self, request: Request) -> Response:
        try:
            preference = self.state.get_preference(None, request.path_params["preference_id"])
        except MercadoPagoApiError:
            return _page("Pago no encontrado", "<p>No existe este enlace de pago.</p>", 404)
        if _is_expired(preference):
            return _page("Enlace de pago vencido", "<p>Este enlace de pago ya venció.</p>", 410)
        return _page("Pagar con Mercado Pago", _checkout_html(preference))

    async def checkout_submit(self, request: Request) -> Response:
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
        preference_id = request.path_params["preference_id"]
        try:
            payment = self.state.pay_preference(preference_id, form.get("decision", ""), form.get("email"))
        except MercadoPagoApiError as exc:
            return _page("No se pudo procesar el pago", f"<p>{html.escape(exc.message)}</p>", exc.status)
        back_url = _back_url(self.state.get_preference(None, preference_id), payment)
        if back_url:
            return RedirectResponse(back_url, status_code=303)
        title = "Pago aprobado" if payment["status"] == "approved" else "Pago rechazado"
        return _page(title, f"<p>Operación n.º {payment['id']}: {_soles(payment['transaction_amount'])}</p>")

    async def create_card_token(self, request: Request) -> Response:
        public_key = request.query_params.get("public_key")
        owner = None if public_key else self._owner(request)
        token = self.state.create_card_token(await _json_body(request), owner=owner, public_key=public_key)
        return JSONResponse(token, status_code=201)

    async def search_payment_methods(self, request: Request) -> Response:
        params = request.query_params
        return JSONResponse(self.state.search_payment_methods(params.get("public_key", ""), params.get("bins", "")))

    async def sdk(self, request: Request) -> Response:
        """The stand-in for Mercado Pago's browser SDK (``https://sdk.mercadopago.com/js/v2``)."""
        return FileResponse(SDK_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    async def get_card_token(self, request: Request) -> Response:
        return JSONResponse(self.state.get_card_token(self._owner(request), request.path_params["token_id"]))

    async def create_payment(self, request: Request) -> Response:
        owner = self._owner(request)
        payment = self.state.create_payment(owner, await _json_body(request), _idempotency_key(request))
        return JSONResponse(payment, status_code=201)

    async def search_payments(self, request: Request) -> Response:
        filters = dict(request.query_params)
        return JSONResponse(self.state.search_payments(self._owner(request), filters))

    async def get_payment(self, request: Request) -> Response:
        return JSONResponse(self.state.get_payment(self._owner(request), request.path_params["payment_id"]))

    async def refunds(self, request: Request) -> Response:
        owner = self._owner(request)
        payment_id = request.path_params["payment_id"]
        if request.method == "GET":
            return JSONResponse(self.state.list_refunds(owner, payment_id))
        body = await _json_body(request)
        refund = self.state.refund_payment(owner, payment_id, body, _idempotency_key(request))
        return JSONResponse(refund, status_code=201)

    async def add_account(self, request: Request) -> Response:
        body = await _json_body(request)
        if not body.get("access_token") or not body.get("webhook_secret"):
            raise _bad_request("access_token and webhook_secret are required")
        account = self.state.add_account(
            body["access_token"],
            body["webhook_secret"],
            public_key=body.get("public_key"),
            user_id=body.get("user_id"),
            webhook_url=body.get("webhook_url"),
        )
        return JSONResponse(account.to_json(), status_code=201)

    async def list_webhooks(self, request: Request) -> Response:
        return JSONResponse(self.state.webhooks.deliveries())

    async def chargeback(self, request: Request) -> Response:
        return JSONResponse(self.state.chargeback(request.path_params["payment_id"]))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MercadoPagoApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


def create_app(state: FakeMercadoPago) -> Starlette:
    """The fake Mercado Pago HTTP API over ``state``."""
    api = _Api(state)
    routes = [
        Route("/", api.index, methods=["GET"]),
        Route("/checkout/preferences", api.create_preference, methods=["POST"]),
        Route("/checkout/preferences/{preference_id}", api.get_preference, methods=["GET"]),
        Route("/checkout/{preference_id}", api.checkout_page, methods=["GET"]),
        Route("/checkout/{preference_id}", api.checkout_submit, methods=["POST"]),
        Route("/js/v2", api.sdk, methods=["GET"]),
        Route("/v1/payment_methods/search", api.search_payment_methods, methods=["GET"]),
        Route("/v1/card_tokens", api.create_card_token, methods=["POST"]),
        Route("/v1/card_tokens/{token_id}", api.get_card_token, methods=["GET"]),
        Route("/v1/payments", api.create_payment, methods=["POST"]),
        Route("/v1/payments/search", api.search_payments, methods=["GET"]),
        Route("/v1/payments/{payment_id}", api.get_payment, methods=["GET"]),
        Route("/v1/payments/{payment_id}/refunds", api.refunds, methods=["GET", "POST"]),
        Route("/_fake/accounts", api.add_account, methods=["POST"]),
        Route("/_fake/webhooks", api.list_webhooks, methods=["GET"]),
        Route("/_fake/payments/{payment_id}/chargeback", api.chargeback, methods=["POST"]),
    ]
    # Browsers tokenize cards with the public key from the web apps' origin, as with the real API.
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    return Starlette(routes=routes, middleware=[cors], exception_handlers={MercadoPagoApiError: _api_error})
