"""The payment review of an unpaid order: settle what Mercado Pago approved, expire what nobody paid.

A webhook can be lost (a timeout, every retry refused while a dead winner's mark was fresh), and an
order nobody pays must not stay payable for ever. So every order carries a timer, with no Scan
anywhere: a delayed message on the ``<prefix>-pagos-revision`` queue (``PaymentReview``), sent before
the order is written, and read by ``pagos.reviewer``:

- the order is no longer PENDIENTE_PAGO, or its approval is already published: done (one read);
- else Mercado Pago's own records are searched by the order's ``external_reference`` with the
  tenant's credentials, and every approved payment goes through ``settlement.settle``, exactly as a
  webhook's would (the SNS publish happens once; a second approved payment is refunded there);
- none approved and the order is past ``payable_until`` (plus ``IN_FLIGHT_SECONDS``, so a card payment
  being made at the last second is settled first): CANCELADO with ``EXPIRED_UNPAID_REASON``,
  conditional on still PENDIENTE_PAGO with no approved payment (``dal.cancel_unpaid``), then the
  ``OrderStatusChanged`` event the customer's page and mail follow; a payment approved after that is
  refunded by the settlement (``payment_after_cancel``);
- else the timer sends itself again, ``timer_delay`` later (SQS delays at most 15 minutes).

A payment attempt also asks for one look a little later (``timer=False``): it settles, never expires
nor sends itself again. Mercado Pago down: the record fails, the queue retries it, then the DLQ
(and its alarm). Every step tolerates a redelivery: a second look finds the order settled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict

from core import contracts
from core.clock import iso
from core.errors import DependencyFailed
from core.models import BaseModel
from core.observability import logger
from core.orders import HistoryEntry, StoredOrder
from core.tenant_config import TenantConfig, TenantConfigs, UnknownTenant
from pagos.events import status_detail
from pagos.settlement import (
    IN_FLIGHT_SECONDS,
    ApprovedTopic,
    Bus,
    PaymentFacts,
    Refunds,
    SettlementStore,
    Stock,
    external_reference,
    settle,
)

Review = Literal["settled", "done", "unknown_order", "unknown_tenant", "unpaid", "rescheduled", "expired"]


class PaymentReview(BaseModel):
    """The message on the review queue."""

    model_config = ConfigDict(extra="forbid")

    tenant_id: str
    order_id: str
    timer: bool = True  # the order's timer (sends itself again, expires the order); False: one look only


class Reviews(Protocol):
    def schedule(self, tenant_id: str, order_id: str, *, delay_seconds: int, timer: bool) -> None: ...


class ReviewStore(Protocol):
    """The orders DAL's part the review uses (``pedidos.dal.OrdersDal``)."""

    def get_order(self, tenant_id: str, order_id: str) -> StoredOrder | None: ...
    def cancel_unpaid(
        self, tenant_id: str, order: StoredOrder, entry: HistoryEntry, undecided: frozenset[str]
    ) -> tuple[bool, StoredOrder | None]: ...
    def record_cancel_announced(self, tenant_id: str, order_id: str, now: str) -> None: ...


class PaymentSearch(Refunds, Protocol):
    """Mercado Pago's payment search of one tenant's account, and its refunds (``MercadoPagoGateway``)."""

    def search_payments(self, external_reference: str) -> list[dict[str, Any]]: ...


def expires_at(until: datetime) -> datetime:
    """When an order payable until ``until`` expires: a card payment started at the last second is settled first."""
    return until + timedelta(seconds=IN_FLIGHT_SECONDS)


def timer_delay(until: datetime, now: datetime, max_delay_seconds: int) -> int:
    """The next look of an order's timer: at its expiry, or ``max_delay_seconds`` from now if that is sooner."""
    left = math.ceil((expires_at(until) - now).total_seconds())
    return max(0, min(max_delay_seconds, left))


def review(
    request: PaymentReview,
    *,
    dal: ReviewStore,
    tenants: TenantConfigs,
    gateways: Callable[[TenantConfig], PaymentSearch],
    store: SettlementStore,
    topic: ApprovedTopic,
    bus: Bus,
    reviews: Reviews,
    now: datetime,
    max_delay_seconds: int = contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS,
    stock: Stock | None = None,
) -> Review:
    """Look at one order as the module says; the answer names what happened."""
    tenant_id, order_id = request.tenant_id, request.order_id
    order = dal.get_order(tenant_id, order_id)
    if order is None:  # the order's creation stopped after it asked for its timer
        return "unknown_order"
    if _expiry_unannounced(order):  # an expiry stopped before its event went out: finish it
        _announce_expiry(order, tenants.get(tenant_id), dal=dal, bus=bus, at=iso(now))
        return "expired"
    payment = order.payment
    if order.estado_pedido != contracts.PENDIENTE_PAGO or (payment and payment.published_at):
        return "done"
    try:
        tenant = tenants.get(tenant_id)
    except UnknownTenant:
        logger.warning("payment review of an unknown or suspended tenant: dropped", extra={"order_id": order_id})
        return "unknown_tenant"
    gateway = gateways(tenant)
    if _settle_approved(order, gateway, store=store, topic=topic, bus=bus, stock=stock, now=now):
        return "settled"
    return _unpaid(request, order, tenant, dal=dal, bus=bus, reviews=reviews, now=now, max_delay=max_delay_seconds)


def _unpaid(
    request: PaymentReview,
    order: StoredOrder,
    tenant: TenantConfig,
    *,
    dal: ReviewStore,
    bus: Bus,
    reviews: Reviews,
    now: datetime,
    max_delay: int,
) -> Review:
    """No approved payment: a one-off look ends here; the timer expires the order, or looks again later."""
    if not request.timer:
        return "unpaid"
    until = order.payment_deadline()
    if now < expires_at(until):
        reviews.schedule(order.tenant_id, order.order_id, delay_seconds=timer_delay(until, now, max_delay), timer=True)
        return "rescheduled"
    return _expire(order, tenant, dal=dal, bus=bus, now=now)


def _settle_approved(
    order: StoredOrder,
    gateway: PaymentSearch,
    *,
    store: SettlementStore,
    topic: ApprovedTopic,
    bus: Bus,
    stock: Stock | None,
    now: datetime,
) -> bool:
    """Settle every payment Mercado Pago approved for the order, oldest first (the order takes the first, the
    settlement refunds any other); False when there is none."""
    found = gateway.search_payments(external_reference(order.tenant_id, order.order_id))
    oldest_first = sorted(found, key=lambda p: str(p.get("date_created") or ""))
    approved = [PaymentFacts.from_mercadopago(p) for p in oldest_first if p.get("status") == "approved"]
    for facts in approved:
        outcome = settle(
            order.tenant_id, facts, store=store, topic=topic, bus=bus, now=now, refunds=gateway, stock=stock
        )
        logger.info("approved payment found by the review", extra={"payment_id": facts.payment_id, "outcome": outcome})
    return bool(approved)


def _expire(order: StoredOrder, tenant: TenantConfig, *, dal: ReviewStore, bus: Bus, now: datetime) -> Review:
    entry = HistoryEntry(
        estado=contracts.CANCELADO, at=iso(now), by=contracts.EXPIRY_ACTOR, reason=contracts.EXPIRED_UNPAID_REASON
    )
    # Any payment not approved (rejected, or still pending: an approval after this is refunded) lets it expire.
    changed, current = dal.cancel_unpaid(order.tenant_id, order, entry, frozenset())
    if not changed:
        logger.info("order changed before it could expire", extra={"order_id": order.order_id})
        return "done"
    logger.info("unpaid order expired", extra={"order_id": order.order_id, "payable_until": order.payable_until})
    _announce_expiry(current or order, tenant, dal=dal, bus=bus, at=entry.at)
    return "expired"


def _expiry_unannounced(order: StoredOrder) -> bool:
    last = order.history[-1] if order.history else None
    expired = last is not None and last.estado == contracts.CANCELADO and last.by == contracts.EXPIRY_ACTOR
    return expired and order.cancel_announced_at is None


def _announce_expiry(order: StoredOrder, tenant: TenantConfig, *, dal: ReviewStore, bus: Bus, at: str) -> None:
    """``OrderStatusChanged`` CANCELADO, as every cancel of the orders service sends it, then its mark."""
    last = order.history[-1]
    bus.publish(
        contracts.EVENT_SOURCE_ORDERS,
        contracts.ORDER_STATUS_CHANGED,
        status_detail(
            order,
            estado=contracts.CANCELADO,
            at=last.at,
            by=last.by,
            tenant_name=tenant.name,
            reason=last.reason or contracts.EXPIRED_UNPAID_REASON,
        ),
    )
    dal.record_cancel_announced(order.tenant_id, order.order_id, at)


class ReviewQueue:
    """Asks for a look at an order later: one ``SendMessage`` with a per-message delay (at most 900 s)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def schedule(self, tenant_id: str, order_id: str, *, delay_seconds: int, timer: bool) -> None:
        body = PaymentReview(tenant_id=tenant_id, order_id=order_id, timer=timer).model_dump_json()
        delay = max(0, min(contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS, int(delay_seconds)))
        try:
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body, DelaySeconds=delay)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not schedule the order's payment review") from exc
