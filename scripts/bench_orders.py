"""The customer and payment side of ``make bench``: the orders service's and the payments webhook's own logic.

Used by ``scripts/bench.py``. Like the staff actions there, every action here is the service's own
logic function (``pedidos.logic``, ``pagos.logic``) with its own collaborators (DAL, tenant configs,
credential store, Mercado Pago gateway, settlement store, SNS topic, EventBridge publisher, workflow
client) built over boto3 clients whose API calls are counted, in this process, against the local
cloud's AWS APIs, with the environment of the function that runs it in AWS (table names, topic,
bus, state machine: read from the synthesized template). One set of collaborators per function
plays one warm container: its caches (tenant config 60 s, Mercado Pago secret 5 min) are filled
before the counting starts; what a cold container adds is measured once, as a row of its own.

Mercado Pago's HTTP calls (the ``mercadopago`` SDK, pointed at the local cloud's fake Mercado
Pago as the functions are) are counted apart, at ``requests.Session.request``: they are not AWS
calls. The notification URL of the bench's payments points at ``WebhookSink``, a small HTTP server
of this process, so each signed notification of the fake Mercado Pago is captured and then handled
by the webhook's own logic here (counted) and, for card payments, also forwarded to the real
``POST /pagos/webhook/{tenant}`` of the local cloud (the Lambda function: it must answer
``duplicate``). Without the sink, the webhook's Lambda would race the card route for the same
payment and the counts of both would depend on who won.
"""

from __future__ import annotations

import importlib
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import httpx
import requests

from localcloud.cloud import LocalCloud
from localcloud.seed import mercadopago_credentials
from scripts.order_driver import card_token

ITEMS = [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 2, "notes": "sin cebolla"}]
ADDRESS = "Av. José Larco 345, Miraflores"


def _service(module: str) -> Any:
    """A module of ``services/``, imported as Lambda imports it (``services/`` on the path)."""
    return importlib.import_module(module)


def _env_settings(settings_class: Any, environment: Mapping[str, str], **overrides: str) -> Any:
    """The function's ``Settings`` from its template environment (as ``core.settings`` reads it in AWS)."""
    return settings_class(environment, **overrides)


# -- Mercado Pago HTTP calls ------------------------------------------------------------------------

_NUMBER = re.compile(r"/\d+(?=/|$)")
_PREFERENCE_OR_TOKEN = re.compile(r"/(checkout/preferences|v1/card_tokens)/[^/]+$")


def _route(method: str, url: str) -> str:
    path = urlsplit(url).path
    path = path.split("/mercadopago", 1)[-1]  # the fake's mount point; the real API has none
    path = _PREFERENCE_OR_TOKEN.sub(r"/\1/{id}", _NUMBER.sub("/{id}", path))
    return f"{method.upper()} {path}"


@dataclass
class MercadoPagoCalls:
    """Counts the SDK's HTTP requests (the SDK sends each through a fresh ``requests.Session``)."""

    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def installed(self) -> Iterator[MercadoPagoCalls]:
        original = requests.Session.request

        def counted(session: requests.Session, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[_route(method, str(url))] += 1
            return original(session, method, url, *args, **kwargs)

        requests.Session.request = counted  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            requests.Session.request = original  # type: ignore[method-assign]

    def take(self) -> Counter[str]:
        with self._lock:
            taken = Counter(self.calls)
            self.calls.clear()
        return taken


# -- the webhook sink -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    """One notification as Mercado Pago sent it: the tenant of its URL, its query, headers and body."""

    tenant_id: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def action(self) -> str:
        return str(json.loads(self.body or b"{}").get("action", ""))

    @property
    def data_id(self) -> str:
        return self.query.get("data.id", "")


class WebhookSink:
    """Receives the fake Mercado Pago's notifications (``.../pagos/webhook/<tenant>``) and keeps them."""

    def __init__(self) -> None:
        sink = self
        self._received: list[Captured] = []
        self._condition = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                captured = Captured(
                    tenant_id=parts.path.rstrip("/").rsplit("/", 1)[-1],
                    query=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with sink._condition:
                    sink._received.append(captured)
                    sink._condition.notify_all()
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-webhook-sink", daemon=True)
        self._thread.start()

    def wait_for(self, data_id: str, action: str, timeout: float = 30.0) -> Captured:
        def found() -> Captured | None:
            return next((c for c in self._received if c.data_id == data_id and c.action == action), None)

        with self._condition:
            captured = self._condition.wait_for(found, timeout)
        if captured is None:
            raise TimeoutError(f"no {action} notification of payment {data_id}")
        return captured

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the orders and payments functions, in process --------------------------------------------------

Timed = Callable[[str, Callable[[], Any]], Any]


def _spec(cloud: LocalCloud, handler: str) -> Any:
    return next(s for s in cloud.assembly.functions.values() if s.handler == handler)


class OrderingSide:
    """The orders API, the payments webhook and the order starter, each as one warm container."""

    def __init__(self, cloud: LocalCloud, client: Callable[..., Any], sink: WebhookSink) -> None:
        logic = _service("pedidos.logic")
        dal_module = _service("pedidos.dal")
        runtime = _service("pedidos.runtime")
        events = _service("core.events")
        gateways = _service("pagos.gateway")
        credential_store = _service("pagos.credentials").CredentialStore
        settlement = _service("pagos.settlement")
        reconciliation = _service("pagos.reconciliation")
        stock = _service("pagos.stock")
        tenant_config = _service("core.tenant_config")
        payments = _service("pagos.runtime")
        self.cloud = cloud
        self.sink = sink
        self.logic = logic
        self.clock = _service("core.clock")
        self.models = _service("pedidos.models")
        self.pagos_logic = _service("pagos.logic")
        self.principal = _service("core.principal").Principal
        mp_url = cloud.urls.mercadopago  # MERCADOPAGO_API_URL, as the local cloud points the functions at it

        def payments_function(handler: str) -> dict[str, Any]:
            """The collaborators ``pagos.runtime`` builds in one function (with counted clients)."""
            p = _env_settings(payments.Settings, _spec(cloud, handler).environment, mercadopago_api_url=mp_url)
            dynamodb = client("dynamodb")
            credentials = credential_store(client("secretsmanager"))
            return {
                "tenants": tenant_config.TenantConfigs(dynamodb, p.tenants_table),
                "credentials": credentials,
                "gateways": lambda tenant: gateways.MercadoPagoGateway(
                    credentials, tenant.mercadopago_secret_name, p.mercadopago_api_url
                ),
                "store": settlement.DynamoSettlementStore(dynamodb, p.orders_table),
                "stock": stock.DynamoStock(dynamodb, p.orders_table, p.combos_table),
                "topic": settlement.SnsApprovedTopic(client("sns"), p.payment_approved_topic_arn),
                "bus": events.EventPublisher(client("events"), p.event_bus_name),
                "reviews": reconciliation.ReviewQueue(client("sqs"), p.payment_reviews_queue_url),
            }

        def orders_function(handler: str) -> dict[str, Any]:
            """The collaborators ``pedidos.runtime`` builds in one orders function (with counted clients)."""
            s = _env_settings(runtime.Settings, _spec(cloud, handler).environment)
            tables = dal_module.Tables(
                orders=s.orders_table,
                products=s.products_table,
                combos=s.combos_table,
                locations=s.locations_table,
                users=s.users_table,
                tenants=s.tenants_table,
                stages=s.stage_tables(),
            )
            dynamodb = client("dynamodb")
            return {
                "dal": dal_module.OrdersDal(dynamodb, tables),
                "tenants": tenant_config.TenantConfigs(dynamodb, s.tenants_table),
                "bus": events.EventPublisher(client("events"), s.event_bus_name),
                "workflow": dal_module.WorkflowClient(client("stepfunctions"), s.state_machine_arn),
                # the notification URL: the sink instead of the REST API (see the module's docstring)
                "links": logic.Links(customer_app_url=s.customer_app_url, rest_api_url=sink.url),
            }

        def orders_api() -> dict[str, Any]:
            """The orders API's own collaborators, and the payment ones it takes from ``pagos.runtime``."""
            handler = "pedidos.handler.lambda_handler"
            paying = payments_function(handler)
            return orders_function(handler) | {
                k: paying[k] for k in ("credentials", "gateways", "store", "stock", "topic", "reviews")
            }

        self._client = client
        self._orders_api = orders_api
        self.api = orders_api()
        self.starter = orders_function("pedidos.starter.lambda_handler")
        self.webhook = payments_function("pagos.handler.lambda_handler")
        self.customers: dict[str, Any] = {}

    # -- setup (not counted) ----------------------------------------------------------------------
    def warm(self, tenant_id: str) -> None:
        """Fill each container's caches for the tenant: its config and its Mercado Pago secret (if it pays)."""
        for container in (self.api, self.starter, self.webhook):
            tenant = container["tenants"].get(tenant_id)
            if "credentials" in container:  # the starter reads no secret
                container["credentials"].get(tenant.mercadopago_secret_name)

    def cold_container_extra(self, tenant_id: str) -> None:
        """What a new orders container reads before its first answer for a tenant (its caches empty)."""
        fresh = self._orders_api()
        tenant = fresh["tenants"].get(tenant_id)
        fresh["credentials"].get(tenant.mercadopago_secret_name)

    def customer(self, tenant_id: str) -> Any:
        """The bench's customer of a tenant: an active account in Usuarios (as verification leaves it)."""
        if tenant_id not in self.customers:
            user_id = f"bench-{uuid.uuid4().hex[:12]}"
            boto3.client("dynamodb").put_item(
                TableName=self.cloud.table("usuarios"),
                Item={
                    "tenant_id": {"S": tenant_id},
                    "user_id": {"S": user_id},
                    "email": {"S": f"{user_id}@bench.pe"},
                    "name": {"S": "Cliente Bench"},
                    "status": {"S": "active"},
                },
            )
            self.customers[tenant_id] = self.principal(
                tenant_id=tenant_id, subject_id=user_id, kind="customer", rol="cliente"
            )
        return self.customers[tenant_id]

    def admin(self, tenant_id: str) -> Any:
        return self.principal(tenant_id=tenant_id, subject_id="bench-admin", kind="employee", rol="admin")

    # -- the customer's and the platform's actions -------------------------------------------------
    def create(self, timed: Timed, tenant_id: str, location_id: str, dispatch: str, *, key: str | None) -> str:
        body = self.models.CreateOrder.model_validate(
            {
                "location_id": location_id,
                "dispatch": dispatch,
                "address": ADDRESS if dispatch == "delivery" else None,
                "items": ITEMS,
            }
        )
        who = self.customer(tenant_id)
        label = "with Idempotency-Key" if key else "no Idempotency-Key"

        def create() -> Any:
            return self.logic.create_order(
                who, body, key, dal=self.api["dal"], reviews=self.api["reviews"], now=self.clock.utc_now()
            )

        order, created = timed(f"POST /pedidos ({label})", create)
        assert created and order.estado_pedido == "PENDIENTE_PAGO", order
        if key:
            again, created = timed("POST /pedidos (retry, same Idempotency-Key)", create)
            assert not created and again.order_id == order.order_id
        return str(order.order_id)

    def pay_by_card(self, timed: Timed, tenant_id: str, order_id: str, holder: str = "APRO") -> str:
        """The card route; the browser's card token (Mercado Pago JS) is made first, not counted."""
        token = card_token(self.cloud.urls.mercadopago, mercadopago_credentials(tenant_id)["access_token"], holder)
        card = self.models.CardPayment(card_token=token, payment_method_id="visa", installments=1)
        a = self.api
        result = timed(
            "POST /pedidos/{id}/pago (card, approved)",
            lambda: self.logic.pay_with_card(
                self.customer(tenant_id),
                order_id,
                card,
                dal=a["dal"],
                tenants=a["tenants"],
                gateways=a["gateways"],
                links=a["links"],
                reviews=a["reviews"],
                store=a["store"],
                stock=a["stock"],
                topic=a["topic"],
                bus=a["bus"],
                now=self.clock.utc_now(),
            ),
        )
        assert result.status == "approved", result
        return str(result.payment_id)

    def start_checkout(self, timed: Timed, tenant_id: str, order_id: str) -> str:
        a = self.api
        started = timed(
            "POST /pedidos/{id}/pago (Checkout Pro preference)",
            lambda: self.logic.start_checkout(
                self.customer(tenant_id),
                order_id,
                dal=a["dal"],
                tenants=a["tenants"],
                gateways=a["gateways"],
                links=a["links"],
                reviews=a["reviews"],
                now=self.clock.utc_now(),
            ),
        )
        return str(started.checkout_url)

    def handle_webhook(self, timed: Timed, name: str, captured: Captured, topic: Any = None) -> str:
        """The webhook's own logic on a notification as Mercado Pago sent it."""
        w = self.webhook
        notification = self.pagos_logic.notification_from(
            captured.tenant_id, captured.query, captured.headers, json.loads(captured.body or b"{}")
        )
        return str(
            timed(
                name,
                lambda: self.pagos_logic.handle_notification(
                    notification,
                    tenants=w["tenants"],
                    gateways=w["gateways"],
                    store=w["store"],
                    stock=w["stock"],
                    topic=topic or w["topic"],
                    bus=w["bus"],
                    now=self.clock.utc_now(),
                ),
            )
        )

    def forward_webhook(self, captured: Captured) -> str:
        """The same notification to the real webhook route of the local cloud (its Lambda function)."""
        answer = httpx.post(
            f"{self.cloud.urls.api}pagos/webhook/{captured.tenant_id}",
            params=captured.query,
            content=captured.body,
            headers={k: v for k, v in captured.headers.items() if k in ("content-type", "x-request-id", "x-signature")},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["status"])

    def start_paid(self, timed: Timed, name: str, body: str) -> str:
        """The order starter's own logic on one "payment approved" message (the body SNS delivered raw)."""
        s = self.starter
        message = self.logic.PaymentApprovedMessage.model_validate_json(body)
        return str(
            timed(
                name,
                lambda: self.logic.start_paid_order(
                    message,
                    dal=s["dal"],
                    workflow=s["workflow"],
                    tenants=s["tenants"],
                    bus=s["bus"],
                    now=self.clock.utc_now(),
                ),
            )
        )

    def get_order(self, timed: Timed, tenant_id: str, order_id: str) -> Any:
        return timed(
            "GET /pedidos/{id}",
            lambda: self.logic.get_order(self.customer(tenant_id), order_id, dal=self.api["dal"]),
        )

    def list_orders(self, timed: Timed, tenant_id: str) -> Any:
        return timed(
            "GET /pedidos (20 per page)",
            lambda: self.logic.list_orders(self.customer(tenant_id), limit=20, cursor=None, dal=self.api["dal"]),
        )

    def cancel(self, timed: Timed, name: str, tenant_id: str, order_id: str) -> Any:
        a = self.api
        body = self.models.CancelOrder(reason="Cancelado por el bench")
        return timed(
            name,
            lambda: self.logic.cancel_order(
                self.admin(tenant_id),
                order_id,
                body,
                dal=a["dal"],
                workflow=a["workflow"],
                tenants=a["tenants"],
                gateways=a["gateways"],
                bus=a["bus"],
                now=self.clock.utc_now(),
            ),
        )

    def approved_topic_to_own_queue(self) -> tuple[Any, str]:
        """A "payment approved" topic of the bench, delivering raw to a queue of the bench.

        The payments probe's webhook publishes there (the same ``Publish`` call, counted) so that
        the bench, not the starter's Lambda, takes the message and runs the starter's logic on it.
        """
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic_arn = sns.create_topic(Name="bench-payment-approved")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="bench-payment-approved")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        settlement = _service("pagos.settlement")
        return settlement.SnsApprovedTopic(self._client("sns"), topic_arn), queue_url


def take_message(queue_url: str, timeout: float = 30.0) -> str:
    """The next message of the bench's queue (deleted), as the starter's event source would hand it."""
    sqs = boto3.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return str(messages[0]["Body"])
    raise TimeoutError("no payment-approved message")
