"""Loyalty points: credited once when an order is delivered, taken back once when its payment is refunded.

**What earns points.** ``OrderStatusChanged`` ENTREGADO credits the order's customer with quantity x points of
every line, as the lines recorded them when the order was created (``OrderLine.points``: what the menu promised).
The order is read (one GetItem): only an order still ENTREGADO whose payment was not refunded earns anything, so a
cancelled order never does. A refund after delivery reaches the bus as the payments service's hand-over to the
admins (``OrderOverdue`` with ``estado_pedido`` REQUIERE_ADMIN and the reason ``payment_refunded`` or
``payment_charged_back``: a Mercado Pago refund the platform did not make; its own refunds are of cancelled,
never delivered, orders): that takes back exactly what the credit gave.

**Exactly once.** Each movement is one transaction whose first item is the order's mark (``dal``), updated only if
that movement has not happened; a redelivered message or an EventBridge replay (a new event id, the same fact)
finds it and writes nothing. A refund that arrives before the credit (a refund before delivery, or events out of
order) marks the order reversed with nothing to take back, and its credit is then refused by the same mark.

**AWS calls per event.** ENTREGADO: 1 GetItem of the order (projected) and 1 TransactWriteItems (3 items: the mark,
the ledger row, the balance); nothing more when its lines carry no points. A refund: 1 GetItem of the mark and 1
TransactWriteItems (3 items), or 1 UpdateItem when nothing was credited. The rule filters every other event out on
EventBridge: they never reach the queue. A duplicate makes the same calls; its transaction is cancelled.
"""

from __future__ import annotations

from typing import Literal

from core import contracts
from core.errors import DependencyFailed, NotFound
from core.observability import logger
from core.principal import Principal
from puntos.dal import PointsDal
from puntos.models import EventEnvelope, OrderEvent, PointsStatement

Outcome = Literal["credited", "reversed", "duplicate", "nothing", "ignored"]
REFUNDED_PAYMENT = frozenset({"refunded", "charged_back"})
REVERSAL_ATTEMPTS = 3  # the mark read and written again when a credit landed between the two


def handle_event(envelope: EventEnvelope, *, dal: PointsDal) -> Outcome:
    """Apply one order event to the points (see the module's docstring)."""
    event = OrderEvent.model_validate(envelope.detail)
    if envelope.detail_type == contracts.ORDER_STATUS_CHANGED and event.estado_pedido == contracts.ENTREGADO:
        return credit(event, dal=dal)
    if (
        envelope.detail_type == contracts.ORDER_OVERDUE
        and event.estado_pedido == contracts.REQUIRES_ADMIN
        and event.reason in contracts.POINTS_REVERSAL_REASONS
    ):
        return reverse(event, dal=dal)
    return "ignored"


def credit(event: OrderEvent, *, dal: PointsDal) -> Outcome:
    order = dal.delivered_order(event.tenant_id, event.order_id)
    if order is None or order.estado_pedido != contracts.ENTREGADO:
        logger.warning("not a delivered order: no points", extra={"estado": order and order.estado_pedido})
        return "ignored"
    if order.payment is not None and order.payment.status in REFUNDED_PAYMENT:
        logger.info("the order's payment was refunded: no points")
        return "nothing"
    points = order.points()
    if points <= 0:
        return "nothing"
    if not dal.credit(event.tenant_id, event.order_id, order.customer_id, points, event.at):
        logger.info("points of the order credited (or reversed) before: nothing written")
        return "duplicate"
    logger.info("points credited", extra={"customer_id": order.customer_id, "points": points})
    return "credited"


def reverse(event: OrderEvent, *, dal: PointsDal) -> Outcome:
    for _ in range(REVERSAL_ATTEMPTS):
        mark = dal.mark(event.tenant_id, event.order_id)
        if mark is not None and mark.reversed_at is not None:
            return "duplicate"
        if dal.reverse(event.tenant_id, event.order_id, mark, event.at):
            logger.info("points reversed", extra={"points": -(mark.credited or 0) if mark else 0})
            return "reversed"
    raise DependencyFailed("The order's points kept changing; the queue delivers the refund again")


def statement(tenant_id: str, customer_id: str, *, limit: int, cursor: str | None, dal: PointsDal) -> PointsStatement:
    entries, next_cursor = dal.ledger(tenant_id, customer_id, limit=limit, cursor=cursor)
    return PointsStatement(
        customer_id=customer_id, balance=dal.balance(tenant_id, customer_id), items=entries, next_cursor=next_cursor
    )


def my_points(principal: Principal, *, limit: int, cursor: str | None, dal: PointsDal) -> PointsStatement:
    """The customer's own balance and ledger (GetItem + Query)."""
    return statement(principal.tenant_id, principal.subject_id, limit=limit, cursor=cursor, dal=dal)


def customer_points(
    principal: Principal, customer_id: str, *, limit: int, cursor: str | None, dal: PointsDal
) -> PointsStatement:
    """An admin: a customer of the tenant (404 for anyone else's id), their balance and ledger."""
    if not dal.customer_exists(principal.tenant_id, customer_id):
        raise NotFound("There is no such customer", code="customer_not_found")
    return statement(principal.tenant_id, customer_id, limit=limit, cursor=cursor, dal=dal)
