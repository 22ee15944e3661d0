"""``make load``: rush hour through the local cloud, over HTTP only, the way people use the platform.

``python -m scripts.load [--orders 500] [--rate 80] [--clients 8] [--customers 4] [--workers 2] [--no-synth]``

Set-up, as people do it: each tenant's admin invites more employees per stage through ``POST /empleados``
(they activate from the mailed link), so every stage of both tenants has ``--workers`` people working it;
``--customers`` customers per tenant register, verify from the mailed link and log in.

The rush: customers arrive at ``--rate`` orders a minute (80) and ``--clients`` threads of them place the
orders (half delivery, half pickup; at the two tenants' staffed locations) and pay them, every other one by
card (a token from Mercado Pago's card-token API with the tenant's public key, as Mercado Pago JS makes it in
the browser, then ``POST /pedidos/{id}/pago``) and the rest through Checkout Pro (the checkout page opened and
its form submitted, as the buyer does). Meanwhile
each worker polls their board (``GET /cocina`` ...), claims one of the oldest pending tickets (``tomar``;
losing the race for it to a colleague is a 409, as it must be) and completes it (``completar``).

Checked at the end (exit status 1 if any check fails): every order ENTREGADO with each state entered exactly
once; no 5xx and no request that got no answer; no board ever listed another tenant's order and no tracking
row belongs to another tenant; no ticket claimed by two people; nothing stuck (no execution still running,
every queue drained but for delayed messages, no dead letter). Printed, and written to ``bench/results/load.json``:
throughput, p50/p95 per hop (create, pay, approved -> COCINA, each stage, paid -> ENTREGADO), the HTTP
status counts per route and the local cloud's memory (the AWS emulator, the Lambda workers, this process).
The speed and memory targets of issue 15 are reported, not enforced: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import logging
import os
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import httpx

from core import contracts
from core.dynamo import from_item
from localcloud.cloud import ROOT, LocalCloud, free_port
from localcloud.seed import mercadopago_credentials

RESULTS = ROOT / "bench" / "results" / "load.json"
TENANTS = {"bembos-miraflores": "larco", "bembos-san-isidro": "camino-real"}  # each tenant's staffed location
PASSWORD = "Hora-Punta-2026"  # noqa: S105 (the load's own accounts, on the local cloud only)
ADDRESS = "Av. José Larco 345, Miraflores"
MENU = [("clasica", "regular"), ("queso-tocino", "mediana"), ("papas-fritas", "medianas"), ("inca-kola", "500 ml")]
CARD = {"card_number": "4009175332806176", "security_code": "123", "expiration_month": 11, "expiration_year": 2030}
TARGETS = {"orders_per_minute": 60.0, "paid_to_entregado_p95_s": 30.0, "memory_mb": 2048.0}
NAMES = ("Rosa", "Jorge", "Lucía", "Miguel", "Carmen", "Luis", "Ana", "Pedro", "Julia", "César")
POLL_SECONDS = 0.25  # a worker whose board shows nothing to take looks again after this
LINK_TOKEN = re.compile(r"#token=(\S+)")

log = logging.getLogger("load")
_rng = random.Random(20261128)  # noqa: S311 (which ticket, customer and dishes: not a secret)


def _seconds(start: str, end: str) -> float:
    return (
        datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(start.replace("Z", "+00:00"))
    ).total_seconds()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- HTTP, counted --------------------------------------------------------------------------------------------


class Http:
    """The platform as a browser reaches it; every answer counted by route (its template) and status."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.api = cloud.urls.api
        self.mercadopago = cloud.urls.mercadopago
        self.client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=100, max_keepalive_connections=100))
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.failures: list[str] = []  # 5xx answers and requests that got none
        self._lock = threading.Lock()

    def api_call(
        self, method: str, route: str, *, token: str | None = None, tenant: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """``route`` is the API's path template (``pedidos/{order_id}/pago``), filled from ``ids``."""
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if tenant:
            headers["X-Tenant-Id"] = tenant
        url = self.api + route.format(**kwargs.pop("ids", {}))
        return self._send(f"{method} /{route}", method, url, headers=headers, **kwargs)

    def page(self, method: str, name: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request outside the REST API (Mercado Pago's pages and APIs), counted under ``name``."""
        return self._send(f"{method} {name}", method, url, **kwargs)

    def _send(self, name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self._count(name, 0, f"{name}: no answer ({type(exc).__name__}: {exc})")
            raise
        self._count(name, response.status_code, f"{name}: {response.status_code} {response.text[:300]}")
        return response

    def _count(self, name: str, status: int, failure: str) -> None:
        with self._lock:
            self.statuses[(name, status)] += 1
            if status == 0 or status >= 500:
                self.failures.append(failure)


def expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in statuses:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return dict(response.json()) if response.headers.get("content-type", "").startswith("application/json") else {}


# -- people ---------------------------------------------------------------------------------------------------


def mailed_token(cloud: LocalCloud, email: str) -> str:
    messages = cloud.mailbox.wait_for(to=email, count=1, timeout=60)
    found = [m for message in messages for m in LINK_TOKEN.findall(message.text or "")]
    if not found:
        raise RuntimeError(f"no link mailed to {email}")
    return unquote(found[-1])


def login(http: Http, tenant: str, email: str, password: str) -> str:
    answer = http.api_call("POST", "usuarios/login", tenant=tenant, json={"email": email, "password": password})
    return str(expect(answer, 200)["token"])


def new_customer(cloud: LocalCloud, http: Http, tenant: str, n: int) -> str:
    email = f"hora-punta-{n}-{uuid.uuid4().hex[:6]}@clientes.pe"
    body = {"email": email, "password": PASSWORD, "name": f"Cliente {NAMES[n % len(NAMES)]}", "phone": "987654321"}
    expect(http.api_call("POST", "usuarios", tenant=tenant, json=body), 202)
    expect(http.api_call("POST", "usuarios/verificacion", json={"token": mailed_token(cloud, email)}), 200)
    return login(http, tenant, email, PASSWORD)


def new_employee(cloud: LocalCloud, http: Http, tenant: str, *, admin: str, rol: str, n: int) -> str:
    email = f"{rol}-{n}-{uuid.uuid4().hex[:6]}@{tenant}.pe"
    body = {
        "name": f"{rol.capitalize()} {NAMES[n % len(NAMES)]}",
        "email": email,
        "rol": rol,
        "location_id": TENANTS[tenant],
    }
    expect(http.api_call("POST", "empleados", token=admin, json=body), 201)
    activation = {"token": mailed_token(cloud, email), "password": PASSWORD}
    expect(http.api_call("POST", "empleados/activar", json=activation), 200)
    return login(http, tenant, email, PASSWORD)


# -- the rush -------------------------------------------------------------------------------------------------


@dataclass
class Order:
    index: int
    tenant: str
    dispatch: str
    method: str  # card | checkout
    order_id: str = ""
    create_s: float = 0.0
    pay_s: float = 0.0


@dataclass
class Board:
    """What the workers saw and did: claims per (stage, order), foreign orders, lost races."""

    orders: dict[str, set[str]]  # tenant -> its order ids (filled as they are created)
    claims: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    foreign: list[str] = field(default_factory=list)
    lost_races: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Worker(threading.Thread):
    """One person at one stage's board: look, take one of the oldest pending tickets, complete it."""

    def __init__(self, http: Http, board: Board, *, tenant: str, stage: str, token: str, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.http, self.board, self.tenant, self.stage, self.token = http, board, tenant, stage, token
        self.path = contracts.STAGES[stage].slug
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.unfinished: set[str] = set()  # claimed by me, completar not yet answered 200

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if not self._step():
                    self.stop.wait(POLL_SECONDS)
            except Exception as exc:  # reported at the end; the worker keeps going, as a person would
                self.errors.append(f"{self.name}: {exc}")
                self.stop.wait(POLL_SECONDS)

    def _step(self) -> bool:
        for order_id in list(self.unfinished):
            self._complete(order_id)
        answer = self.http.api_call("GET", self.path, token=self.token)
        tickets = expect(answer, 200)["orders"]
        known = self.board.orders[self.tenant]
        with self.board.lock:
            self.board.foreign.extend(f"{self.name} saw {t['order_id']}" for t in tickets if t["order_id"] not in known)
        pending = [t["order_id"] for t in tickets if t["status"] == "pending"]
        if not pending:
            return False
        order_id = _rng.choice(pending[:2])  # the top of the board: colleagues race for the same tickets
        claimed = self.http.api_call(
            "POST", f"{self.path}/{{order_id}}/tomar", token=self.token, ids={"order_id": order_id}
        )
        if claimed.status_code == 409:
            with self.board.lock:
                self.board.lost_races += 1
            return True
        expect(claimed, 200)
        with self.board.lock:
            self.board.claims[(self.stage, order_id)].append(self.name)
        self.unfinished.add(order_id)
        self._complete(order_id)
        return True

    def _complete(self, order_id: str) -> None:
        done = self.http.api_call(
            "POST", f"{self.path}/{{order_id}}/completar", token=self.token, ids={"order_id": order_id}
        )
        if done.status_code != 409:  # 409: not (or no longer) this person's ticket; the checks catch a double claim
            expect(done, 200)
        self.unfinished.discard(order_id)


class Customers:
    """The customers' side: place and pay an order (card or Checkout Pro), timing each step."""

    def __init__(self, http: Http, tokens: dict[str, list[str]], board: Board) -> None:
        self.http, self.tokens, self.board = http, tokens, board
        self.public_keys = {tenant: mercadopago_credentials(tenant)["public_key"] for tenant in TENANTS}

    def place_and_pay(self, order: Order) -> Order:
        token = _rng.choice(self.tokens[order.tenant])
        items = [
            {"kind": "producto", "item_id": item, "size": size, "quantity": 1 + (order.index + k) % 2}
            for k, (item, size) in enumerate(_rng.sample(MENU, 2))
        ]
        body: dict[str, Any] = {"location_id": TENANTS[order.tenant], "dispatch": order.dispatch, "items": items}
        if order.dispatch == "delivery":
            body["address"] = ADDRESS
        started = time.monotonic()
        created = self.http.api_call(
            "POST", "pedidos", token=token, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        order.order_id = str(expect(created, 201)["order_id"])
        order.create_s = time.monotonic() - started
        with self.board.lock:
            self.board.orders[order.tenant].add(order.order_id)
        started = time.monotonic()
        if order.method == "card":
            self._pay_by_card(order, token)
        else:
            self._pay_at_checkout(order, token)
        order.pay_s = time.monotonic() - started
        return order

    def _pay_by_card(self, order: Order, token: str) -> None:
        card = {**CARD, "cardholder": {"name": "APRO"}}
        tokenized = self.http.page(
            "POST",
            "mercadopago /v1/card_tokens",
            f"{self.http.mercadopago}/v1/card_tokens",
            params={"public_key": self.public_keys[order.tenant]},
            json=card,
        )
        payment = {"card_token": expect(tokenized, 201)["id"], "payment_method_id": "visa", "installments": 1}
        paid = self.http.api_call(
            "POST", "pedidos/{order_id}/pago", token=token, json=payment, ids={"order_id": order.order_id}
        )
        result = expect(paid, 200, 201)
        if result.get("status") != "approved":
            raise RuntimeError(f"card payment of {order.order_id} not approved: {result}")

    def _pay_at_checkout(self, order: Order, token: str) -> None:
        started = self.http.api_call("POST", "pedidos/{order_id}/pago", token=token, ids={"order_id": order.order_id})
        checkout_url = expect(started, 200, 201)["checkout_url"]
        expect(self.http.page("GET", "mercadopago checkout page", checkout_url), 200)
        submitted = self.http.page(
            "POST", "mercadopago checkout page", checkout_url, data={"decision": "approve"}, follow_redirects=False
        )
        expect(submitted, 200, 303)


# -- memory ---------------------------------------------------------------------------------------------------


def _memory_mb(pid: int) -> float:
    """A process's proportional set size (its own pages, plus its share of pages it shares with others: the
    Lambda workers share the interpreter and the native libraries), in MB; its resident size where the kernel
    gives no PSS."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        field = "Pss"
    except OSError:
        try:
            rollup, field = Path(f"/proc/{pid}/status").read_text(), "VmRSS"
        except OSError:
            return 0.0
    match = re.search(rf"^{field}:\s+(\d+) kB", rollup, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else 0.0


def memory(cloud: LocalCloud) -> dict[str, float]:
    """Memory (MB, PSS) of the AWS emulator, the Lambda workers and this process (gateway, pollers, fakes, load)."""
    emulator = cloud.emulator_pid()
    workers = cloud.runtime.worker_pids()
    used = {
        "aws_emulator": _memory_mb(emulator),
        "lambda_workers": sum(_memory_mb(pid) for pid in workers),
        "local_cloud_and_load": _memory_mb(os.getpid()),
    }
    return {**{k: round(v, 1) for k, v in used.items()}, "total": round(sum(used.values()), 1), "workers": len(workers)}


class MemoryWatch(threading.Thread):
    def __init__(self, cloud: LocalCloud, every: float = 5.0) -> None:
        super().__init__(name="memory-watch", daemon=True)
        self.cloud, self.every = cloud, every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stop = threading.Event()
        self.started = time.monotonic()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.samples.append((round(time.monotonic() - self.started, 1), memory(self.cloud)))


# -- the run --------------------------------------------------------------------------------------------------


@dataclass
class Run:
    cloud: LocalCloud
    orders: int
    clients: int
    customers: int
    workers: int
    stall_seconds: float
    rate: float
    http: Http = field(init=False)
    board: Board = field(init=False)
    crew: list[Worker] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = Http(self.cloud)
        self.board = Board(orders={tenant: set() for tenant in TENANTS})

    def set_up(self) -> dict[str, list[str]]:
        """The staff (``workers`` per stage and tenant) and the customers: their sessions."""
        customer_tokens: dict[str, list[str]] = {}
        for tenant, location in TENANTS.items():
            seeded = self.cloud.credentials["tenants"][tenant]["accounts"]["staff"]
            account = {s["rol"]: s for s in seeded if s["location_id"] == location}
            admin = login(self.http, tenant, account["admin"]["email"], account["admin"]["password"])
            for stage, rol in ((s.state, s.role) for s in contracts.STAGES.values()):
                tokens = [login(self.http, tenant, account[rol]["email"], account[rol]["password"])]
                tokens += [
                    new_employee(self.cloud, self.http, tenant, admin=admin, rol=rol, n=n)
                    for n in range(1, self.workers)
                ]
                for n, token in enumerate(tokens):
                    self.crew.append(
                        Worker(
                            self.http, self.board, tenant=tenant, stage=stage, token=token, name=f"{tenant}/{rol}-{n}"
                        )
                    )
            with ThreadPoolExecutor(4) as pool:
                customer_tokens[tenant] = list(
                    pool.map(lambda n, t=tenant: new_customer(self.cloud, self.http, t, n), range(self.customers))
                )
        return customer_tokens

    def rush(self, customer_tokens: dict[str, list[str]]) -> tuple[list[Order], float]:
        """Every order placed and paid by the customers while the crew works; the seconds it took to place them."""
        plan = [
            Order(i, list(TENANTS)[i % 2], ("delivery", "pickup")[(i // 2) % 2], ("card", "checkout")[(i // 4) % 2])
            for i in range(self.orders)
        ]
        for worker in self.crew:
            worker.start()
        customers = Customers(self.http, customer_tokens, self.board)
        started = time.monotonic()

        def arrive(order: Order) -> Order:
            """Customers arrive at ``rate`` orders a minute (as fast as the threads go when it is 0)."""
            if self.rate > 0:
                time.sleep(max(0.0, started + order.index * 60 / self.rate - time.monotonic()))
            return customers.place_and_pay(order)

        with ThreadPoolExecutor(self.clients) as pool:
            placed = list(pool.map(self._safely(arrive), plan))
        return [o for o in placed if o is not None], time.monotonic() - started

    def _safely(self, place: Any) -> Any:
        def run(order: Order) -> Order | None:
            try:
                return place(order)
            except Exception as exc:
                log.error("order %s: %s", order.index, exc)
                self.errors.append(f"order {order.index}: {exc}")
                return None

        return run

    def wait_delivered(self, orders: list[Order]) -> dict[str, dict[str, Any]]:
        """Poll the orders table until every order is ENTREGADO or nothing moved for ``stall_seconds``."""
        dynamodb = boto3.client("dynamodb")
        table = self.cloud.table("pedidos")
        waiting = {o.order_id: o.tenant for o in orders}
        final: dict[str, dict[str, Any]] = {}
        last_progress = time.monotonic()
        while waiting and time.monotonic() - last_progress < self.stall_seconds:
            for item in self._read(dynamodb, table, waiting, "order_id, estado_pedido"):
                if item["estado_pedido"] in ("ENTREGADO", "CANCELADO"):
                    waiting.pop(item["order_id"], None)
                    last_progress = time.monotonic()
            if waiting:
                time.sleep(2.0)
        for item in self._read(dynamodb, table, {o.order_id: o.tenant for o in orders}):
            final[item["order_id"]] = item
        for worker in self.crew:
            worker.stop.set()
        for worker in self.crew:
            worker.join(10)
        return final

    @staticmethod
    def _read(dynamodb: Any, table: str, orders: dict[str, str], projection: str = "") -> list[dict[str, Any]]:
        """The orders (only the ``projection``'s attributes, if given), 100 to a BatchGetItem."""
        keys = [{"tenant_id": {"S": t}, "order_id": {"S": o}} for o, t in orders.items()]
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            batch = {"Keys": keys[start : start + 100], **({"ProjectionExpression": projection} if projection else {})}
            request: dict[str, Any] = {table: batch}
            while request:
                answer = dynamodb.batch_get_item(RequestItems=request)
                found += [from_item(item) for item in answer["Responses"][table]]
                request = answer.get("UnprocessedKeys") or {}
        return found


# -- checks and figures ---------------------------------------------------------------------------------------


def quote_accuracy(cloud: LocalCloud, placed: list[Order], final: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ready-time quotes given at payment against the actual delivery (services/metricas/quotes.py), per
    tenant, from the metrics' day rows of the staffed locations (today and yesterday in Lima: a run across
    midnight); and the metrics consumer's AWS requests per event it received (every status event of the placed
    orders, and the overdue alerts)."""
    from metricas import counters, quotes  # the services' package, as the local cloud runs it

    dynamodb = boto3.client("dynamodb")
    today = counters.lima_day(datetime.now().astimezone())
    days = [today.fromordinal(today.toordinal() - 1), today]
    found: dict[str, Any] = {}
    events = overdue = 0
    for tenant, location in TENANTS.items():
        rows = []
        for day in days:
            key = {"tenant_id": {"S": tenant}, "metric_key": {"S": counters.day_key(location, day)}}
            item = dynamodb.get_item(TableName=cloud.table("metricas"), Key=key).get("Item")
            rows.append(from_item(item) if item else {})
        summed: Counter[str] = Counter()
        for row in rows:
            summed.update({k: int(v) for k, v in row.items() if k.startswith(("quote_", "overdue"))})
        overdue += summed["overdue"]
        quoted = summed["quote_n"]
        found[tenant] = {
            "quoted": quoted,
            "median_abs_error_minutes": quotes.median_minutes(summed),
            "mean_abs_error_minutes": round(summed["quote_err_ms"] / quoted / 60000, 1) if quoted else None,
        }
    for order in placed:
        if final.get(order.order_id, {}).get("estado_pedido") == contracts.ENTREGADO:
            events += len(expected_states(order.dispatch)) - 1  # every state but PENDIENTE_PAGO is an event
    consumer = next((n for n in cloud.assembly.functions if n.endswith("metricas-consumidor")), "")
    calls = cloud.aws_proxy.calls.get(consumer, 0)
    received = events + overdue
    per_event = round(calls / received, 2) if received else None
    found["metrics_consumer"] = {"aws_calls": calls, "events": received, "per_event": per_event}
    return found


def expected_states(dispatch: str) -> list[str]:
    stages = [s.state for s in contracts.STAGES.values() if dispatch == "delivery" or s.state != contracts.DELIVERY]
    return [contracts.PENDIENTE_PAGO, contracts.PAGADO, *stages, contracts.ENTREGADO]


def _staff_line(entry: dict[str, Any]) -> bool:
    """A person's line of the timeline (a stage completed), beside the state changes themselves."""
    return str(entry.get("by", "")).startswith("empleado:")


def not_delivered_once(placed: list[Order], final: dict[str, dict[str, Any]]) -> list[str]:
    """The orders not ENTREGADO, or whose timeline skips, repeats or reorders a state: what each shows."""
    wrong = []
    for order in placed:
        item = final.get(order.order_id)
        entered = [e["estado"] for e in (item or {}).get("history", []) if not _staff_line(e)]
        if item is None or item["estado_pedido"] != "ENTREGADO" or entered != expected_states(order.dispatch):
            wrong.append(f"{order.order_id} {item['estado_pedido'] if item else 'unknown'}: {entered}")
    return wrong


def check(run: Run, placed: list[Order], final: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Every failed check with its evidence (an empty list: the check passed)."""
    return {
        "every order placed and paid": run.errors[:20],
        "every order ENTREGADO, each state entered once": not_delivered_once(placed, final),
        "no 5xx, no request unanswered": run.http.failures[:20],
        "no other tenant's order on a board or in a tracking row": run.board.foreign[:20] + foreign_rows(run),
        "no ticket claimed twice": [
            f"{stage} {order_id}: {who}" for (stage, order_id), who in run.board.claims.items() if len(who) > 1
        ],
        "workers never failed": [e for w in run.crew for e in w.errors][:20],
        "nothing stuck": stuck(run.cloud),
    }


def foreign_rows(run: Run) -> list[str]:
    dynamodb = boto3.client("dynamodb")
    owner = {order_id: tenant for tenant, ids in run.board.orders.items() for order_id in ids}
    found = []
    for stage in (s.table for s in contracts.STAGES.values()):
        for page in dynamodb.get_paginator("scan").paginate(TableName=run.cloud.table(stage)):
            for row in page["Items"]:
                tenant, order_id = row["tenant_id"]["S"], row["order_id"]["S"]
                if owner.get(order_id, tenant) != tenant:
                    found.append(f"{stage}: {order_id} of {owner[order_id]} under {tenant}")
    return found


def resting_state(sqs: Any) -> dict[str, dict[str, int]]:
    """What the emulator holds at the end: items per table, messages per queue (any left)."""
    dynamodb = boto3.client("dynamodb")
    items = {
        name: sum(page["Count"] for page in dynamodb.get_paginator("scan").paginate(TableName=name, Select="COUNT"))
        for name in dynamodb.list_tables()["TableNames"]
    }
    return {"table_items": items, "queue_messages": messages_left(sqs, delayed=True)}


def messages_left(sqs: Any, *, delayed: bool) -> dict[str, int]:
    """The queues holding messages (visible or in flight, and the delayed ones if ``delayed``): how many."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    names += ["ApproximateNumberOfMessagesDelayed"] if delayed else []
    left = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if count := sum(int(attributes.get(n, 0)) for n in names):
            left[url.rsplit("/", 1)[-1]] = count
    return left


def stuck(cloud: LocalCloud, settle_seconds: float = 30.0) -> list[str]:
    """Running or failed executions, and messages left to process in any queue (a notifier that fell behind, a
    dead-letter queue that received something); delayed messages (payment reviews, completion checks) wait their
    turn and are not counted."""
    sfn, sqs = boto3.client("stepfunctions"), boto3.client("sqs")
    machines = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    deadline = time.monotonic() + settle_seconds
    while True:  # the last executions end a moment after their order's ENTREGADO
        found = []
        for machine in machines:
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING"):
                found += [f"execution still running: {e['name']}" for e in page["executions"]]
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="FAILED"):
                found += [f"execution failed: {e['name']}" for e in page["executions"]]
        found += [f"{n} messages left in {queue}" for queue, n in messages_left(sqs, delayed=False).items()]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(1.0)


def hops(placed: list[Order], final: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = defaultdict(list)
    for order in placed:
        samples["create (POST /pedidos)"].append(order.create_s)
        samples[f"pay ({order.method})"].append(order.pay_s)
        item = final.get(order.order_id)
        if not item or item["estado_pedido"] != "ENTREGADO":
            continue
        at = {e["estado"]: e["at"] for e in item["history"] if not _staff_line(e)}
        states = expected_states(order.dispatch)[1:]
        samples["approved -> COCINA"].append(_seconds(at["PAGADO"], at["COCINA"]))
        for here, then in itertools.pairwise(states[1:]):
            samples[f"{here} -> {then}"].append(_seconds(at[here], at[then]))
        samples["paid -> ENTREGADO"].append(_seconds(at["PAGADO"], at["ENTREGADO"]))
    return {
        name: {"p50": round(statistics.median(v), 2), "p95": round(percentile(v, 0.95), 2), "n": len(v)}
        for name, v in samples.items()
    }


def throughput(placed: list[Order], final: dict[str, dict[str, Any]]) -> float:
    """Delivered orders per minute, from the first order's creation to the last one's ENTREGADO."""
    delivered = [final[o.order_id] for o in placed if final.get(o.order_id, {}).get("estado_pedido") == "ENTREGADO"]
    if len(delivered) < 2:
        return 0.0
    first = min(d["created_at"] for d in delivered)
    last = max(next(e["at"] for e in d["history"] if e["estado"] == "ENTREGADO") for d in delivered)
    return round(len(delivered) / (_seconds(first, last) / 60), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=int(os.environ.get("ORDERS", "500")))
    parser.add_argument("--clients", type=int, default=8, help="customer threads placing and paying orders")
    parser.add_argument("--rate", type=float, default=80.0, help="orders a minute the customers place (0: no pause)")
    parser.add_argument("--customers", type=int, default=4, help="registered customers per tenant")
    parser.add_argument("--workers", type=int, default=2, help="people per stage and tenant (the seeded one + invited)")
    parser.add_argument("--stall-seconds", type=float, default=120.0, help="give up when no order moved this long")
    parser.add_argument("--no-synth", action="store_true", help="reuse cdk.out")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # the SMTP server's notices
    importlib.import_module("core.observability").logger.setLevel("WARNING")  # seeding's INFO lines
    cloud = LocalCloud(port=free_port(), synth=not args.no_synth, quiet_functions=True)
    cloud.start()
    try:
        run = Run(cloud, args.orders, args.clients, args.customers, args.workers, args.stall_seconds, args.rate)
        tokens = run.set_up()
        watch = MemoryWatch(cloud)
        memory_before = memory(cloud)
        watch.start()
        print(
            f"rush: {args.orders} orders at {args.rate:g} a minute, {args.clients} customer threads, "
            f"{len(run.crew)} workers",
            flush=True,
        )
        placed, placing_s = run.rush(tokens)
        final = run.wait_delivered(placed)
        problems = check(run, placed, final)
        watch.stop.set()
        report = {
            "orders": args.orders,
            "placed": len(placed),
            "delivered": sum(1 for o in placed if final.get(o.order_id, {}).get("estado_pedido") == "ENTREGADO"),
            "placing_seconds": round(placing_s, 1),
            "orders_per_minute": throughput(placed, final),
            "hops_seconds": hops(placed, final),
            "lost_claim_races": run.board.lost_races,
            "http": {f"{name} {status}": n for (name, status), n in sorted(run.http.statuses.items())},
            "memory_mb": {"before_rush": memory_before, "end": memory(cloud), "samples": watch.samples},
            "lambda": {
                name: {"invocations": st.invocations, "p50_ms": round(statistics.median(st.durations_ms), 1)}
                for name, st in sorted(cloud.runtime.stats().items())
                if st.durations_ms
            },
            "lambda_workers": {
                name: n for name in sorted(cloud.assembly.functions) if (n := cloud.runtime.warm_workers(name))
            },
            "at_rest": resting_state(boto3.client("sqs")),
            "quotes": quote_accuracy(cloud, placed, final),
            "checks": {name: not found for name, found in problems.items()},
            "problems": {name: found for name, found in problems.items() if found},
        }
    finally:
        cloud.stop()
    paid_p95 = report["hops_seconds"].get("paid -> ENTREGADO", {}).get("p95", float("inf"))
    report["targets"] = {
        f"orders_per_minute>={TARGETS['orders_per_minute']:.0f}": report["orders_per_minute"]
        >= TARGETS["orders_per_minute"],
        f"paid_to_entregado_p95<{TARGETS['paid_to_entregado_p95_s']:.0f}s": paid_p95
        < TARGETS["paid_to_entregado_p95_s"],
        f"memory<{TARGETS['memory_mb']:.0f}MB": report["memory_mb"]["end"]["total"] < TARGETS["memory_mb"],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"\nJSON: {RESULTS.relative_to(ROOT)}")
    return 0 if all(report["checks"].values()) else 1


def print_report(report: dict[str, Any]) -> None:
    print(f"\n{report['delivered']}/{report['orders']} orders delivered; {report['orders_per_minute']} orders/min")
    print(f"placing took {report['placing_seconds']} s; {report['lost_claim_races']} claims lost to a colleague (409)")
    print("\nhop                                   p50 s    p95 s      n")
    for name, hop in report["hops_seconds"].items():
        print(f"  {name:<34} {hop['p50']:>7} {hop['p95']:>8} {hop['n']:>6}")
    print("\nHTTP")
    for line, n in report["http"].items():
        print(f"  {line:<52} {n:>6}")
    print("\nmemory (MB)     " + "  ".join(f"{k}" for k in report["memory_mb"]["end"]))
    for when in ("before_rush", "end"):
        print(f"  {when:<13} " + "  ".join(f"{v:>{len(k)}}" for k, v in report["memory_mb"][when].items()))
    print("\nready-time quotes (|actual - quoted|, minutes)")
    for name, figures in report.get("quotes", {}).items():
        print(f"  {name:<22} {figures}")
    print("\nchecks")
    for name, ok in report["checks"].items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
        for problem in report["problems"].get(name, [])[:10]:
            print(f"         {problem}")
    print("\ntargets (reported, not enforced)")
    for name, ok in report["targets"].items():
        print(f"  {'ok    ' if ok else 'missed'} {name}")


if __name__ == "__main__":
    sys.exit(main())
