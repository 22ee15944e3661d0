"""The rules of orders: pricing from the catalog, idempotent creation, paying, reading, cancelling.

Plain functions over models; collaborators (DAL, Mercado Pago gateway, buses, workflow) come in
as arguments. The tenant always comes from the principal.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from pydantic import ConfigDict

from core import contracts
from core.clock import iso
from core.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from core.models import BaseModel
from core.observability import about_order, logger, tenant_metric
from core.orders import HistoryEntry, OrderLine, Payment, StoredOrder, customer_key, location_state_key
from core.principal import Principal
from core.tenant_config import TenantConfig, TenantConfigs
from pagos.events import receipt_for, status_detail
from pagos.gateway import MercadoPagoGateway, PaymentRejectedByProvider, cents_to_soles
from pagos.reconciliation import Reviews, timer_delay
from pagos.settlement import (
    ApprovedTopic,
    Bus,
    PaymentFacts,
    PaymentInFlight,
    SettlementStore,
    Stock,
    external_reference,
    settle,
)
from pedidos import hours
from pedidos.dal import IdempotencyKeyTaken, IdempotencyRecord, OrderContext, OrdersDal, WorkflowClient
from pedidos.models import (
    CancelOrder,
    CancelResult,
    CardPayment,
    CardPaymentResult,
    CheckoutStarted,
    CreateOrder,
    LocationOrderPage,
    LocationOrderSummary,
    OrderItemIn,
    OrderPage,
    OrderSummary,
    OrderView,
    PaymentView,
)

CHECKOUT_MINUTES = 30
CANCEL_ATTEMPTS = 3
ORDER_ACTOR_CUSTOMER = "cliente"
ORDER_ACTOR_EMPLOYEE = "empleado"


class GatewayFactory(Protocol):
    def __call__(self, tenant: TenantConfig) -> MercadoPagoGateway: ...


@dataclass(frozen=True)
class Links:
    customer_app_url: str  # the app's base, every tenant's app is below it: <base>/<tenant>/
    rest_api_url: str  # with trailing slash

    def order_page(self, tenant_id: str, order_id: str, result: str) -> str:
        """The order's live page in the tenant's app, where Checkout Pro sends the buyer back."""
        return f"{self.customer_app_url.rstrip('/')}/{tenant_id}/pedido/{order_id}?pago={result}"

    def webhook(self, tenant_id: str) -> str:
        return f"{self.rest_api_url.rstrip('/')}/pagos/webhook/{tenant_id}"


# -- views ------------------------------------------------------------------------------------------


def view(order: StoredOrder) -> OrderView:
    payment = order.payment or Payment()
    return OrderView(
        order_id=order.order_id,
        estado_pedido=order.estado_pedido,
        location_id=order.location_id,
        dispatch=order.dispatch,
        address=order.address,
        items=order.items,
        subtotal_cents=order.subtotal_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        currency=order.currency,
        created_at=order.created_at,
        updated_at=order.updated_at,
        payable_until=order.payable_until if order.estado_pedido == contracts.PENDIENTE_PAGO else None,
        history=order.history,
        payment=PaymentView(
            status=payment.status,
            status_detail=payment.status_detail,
            payment_id=payment.payment_id,
            approved_at=payment.approved_at,
            refund_id=payment.refund_id,
        ),
        needs_admin=order.needs_admin,
    )


def _summary(order: StoredOrder) -> OrderSummary:
    return OrderSummary(
        order_id=order.order_id,
        estado_pedido=order.estado_pedido,
        location_id=order.location_id,
        dispatch=order.dispatch,
        total_cents=order.total_cents,
        created_at=order.created_at,
        items_count=sum(line.quantity for line in order.items),
    )


# -- creating ---------------------------------------------------------------------------------------


def _request_hash(body: CreateOrder) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _price(item: OrderItemIn, record: dict[str, Any] | None, location_id: str) -> OrderLine:
    label = f"{item.kind} {item.item_id!r}"
    if record is None or record.get("archived_at"):
        raise ValidationFailed(f"There is no {label} in this store's menu", code="unknown_item")
    if record.get("available") is False or location_id in (record.get("unavailable_at") or []):
        raise Conflict(f"{record.get('name', label)} is not available at this store now", code="item_unavailable")
    sizes = {str(s.get("size", "")).lower(): s for s in record.get("sizes") or []}
    size = sizes.get(item.size.lower())
    if size is None:
        raise ValidationFailed(f"{record.get('name', label)} has no size {item.size!r}", code="unknown_size")
    unit = int(size["price_cents"])
    return OrderLine(
        kind=item.kind,
        item_id=item.item_id,
        name=str(record.get("name", item.item_id)),
        size=str(size["size"]),
        quantity=item.quantity,
        unit_price_cents=unit,
        line_total_cents=unit * item.quantity,
        notes=item.notes or None,
        points=int(record.get("points") or 0),  # per unit, as the menu promises it now (credited on delivery)
    )


def _check_location(context: OrderContext, body: CreateOrder, now: datetime) -> None:
    location = context.location
    if location is None:
        raise NotFound(f"There is no store {body.location_id!r}", code="location_not_found")
    if location.get("paused"):
        raise Conflict("This store is not taking orders right now", code="location_paused")
    _check_open(location, now)
    if body.dispatch not in (location.get("dispatch_types") or []):
        raise ValidationFailed(f"This store does not offer {body.dispatch}", code="dispatch_not_offered")


def _check_open(location: dict[str, Any], now: datetime) -> None:
    """Orders only while the location is open (Lima time). A location stored without hours (none written
    through the catalog or onboarding, which both require them) is not held to any."""
    opening_hours = location.get("opening_hours")
    if opening_hours is None or hours.is_open(opening_hours, now):
        return
    opens = hours.next_opening(opening_hours, now)
    when = f"; it opens {hours.DAYS[opens.weekday()]} {opens:%H:%M} (Lima time)" if opens else ""
    raise Conflict(
        f"This store is closed now{when}",
        code="location_closed",
        details={"opens_at": iso(opens) if opens else None},
    )


def _check_stock(body: CreateOrder, context: OrderContext) -> None:
    wanted = Counter[str]()
    for item in body.items:
        if item.kind == "combo":
            wanted[item.item_id] += item.quantity
    for combo_id, quantity in wanted.items():
        stock = (context.combos.get(combo_id) or {}).get("stock")
        if stock is not None and int(stock) < quantity:
            raise Conflict(f"Only {stock} of combo {combo_id!r} left", code="out_of_stock")


def tracked_stock(items: list[OrderLine], context: OrderContext) -> dict[str, int]:
    """The combos whose stock is counted, with how many the order takes when its payment is approved."""
    taken = Counter[str]()
    for line in items:
        if line.kind == "combo" and (context.combos.get(line.item_id) or {}).get("stock") is not None:
            taken[line.item_id] += line.quantity
    return dict(taken)


def price_order(
    body: CreateOrder, context: OrderContext, delivery_fee_cents: int, *, now: datetime
) -> tuple[list[OrderLine], int, int]:
    """(lines, subtotal, delivery fee), every price from the catalog records, at an open location."""
    _check_location(context, body, now)
    lines = [
        _price(
            item, (context.products if item.kind == "producto" else context.combos).get(item.item_id), body.location_id
        )
        for item in body.items
    ]
    _check_stock(body, context)
    subtotal = sum(line.line_total_cents for line in lines)
    return lines, subtotal, delivery_fee_cents if body.dispatch == "delivery" else 0


def create_order(
    principal: Principal,
    body: CreateOrder,
    idempotency_key: str | None,
    *,
    dal: OrdersDal,
    reviews: Reviews,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    review_max_delay_seconds: int = contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS,
) -> tuple[OrderView, bool]:
    """(the order, created now). A repeated ``Idempotency-Key`` with the same body returns the first order.

    Before the order is written, its payment review timer is set (``pagos.reconciliation``): an order
    written is never left without one; a timer whose order was never written finds nothing and stops."""
    at = iso(now)
    tenant_id, customer_id = principal.tenant_id, principal.subject_id
    request_hash = _request_hash(body)
    if idempotency_key:
        previous = dal.idempotency_record(tenant_id, customer_id, idempotency_key)
        if previous is not None:
            return _replay(principal, previous, request_hash, dal), False
    products = {i.item_id for i in body.items if i.kind == "producto"}
    combos = {i.item_id for i in body.items if i.kind == "combo"}
    context = dal.order_context(tenant_id, customer_id, body.location_id, products, combos)
    if context.tenant is None or context.tenant.status != "active":  # a suspended tenant takes no orders
        raise NotFound("Unknown tenant", code="unknown_tenant")
    customer = context.customer
    if not customer or customer.get("status", "active") != "active" or not customer.get("email"):
        raise Forbidden("Only an active customer account can order", code="customer_inactive")
    lines, subtotal, fee = price_order(body, context, context.tenant.delivery_fee_cents, now=now)
    order_id = new_id()
    about_order(order_id)
    pay_before = now + timedelta(minutes=contracts.UNPAID_ORDER_MINUTES)
    order = StoredOrder(
        tenant_id=tenant_id,
        order_id=order_id,
        customer_id=customer_id,
        customer_key=customer_key(tenant_id, customer_id),
        customer_email=str(customer["email"]),
        customer_name=str(customer.get("name") or customer["email"]),
        customer_phone=customer.get("phone"),
        location_id=body.location_id,
        location_state_key=location_state_key(tenant_id, body.location_id, contracts.PENDIENTE_PAGO),
        dispatch=body.dispatch,
        address=body.address,
        items=lines,
        subtotal_cents=subtotal,
        delivery_fee_cents=fee,
        total_cents=subtotal + fee,
        estado_pedido=contracts.PENDIENTE_PAGO,
        created_at=at,
        updated_at=at,
        payable_until=iso(pay_before),
        stock_combos=tracked_stock(lines, context),
        history=[
            HistoryEntry(
                estado=contracts.PENDIENTE_PAGO,
                at=at,
                by=f"{ORDER_ACTOR_CUSTOMER}:{customer_id}",
                rol=contracts.CUSTOMER_ROLE,
            )
        ],
        payment=Payment(),
    )
    record = IdempotencyRecord(idempotency_key, order_id, request_hash) if idempotency_key else None
    delay = timer_delay(pay_before, now, review_max_delay_seconds)
    reviews.schedule(tenant_id, order_id, delay_seconds=delay, timer=True)
    try:
        dal.create_order(order, idempotency=record, ttl=int(now.timestamp()) + 24 * 3600)
    except IdempotencyKeyTaken as taken:  # a concurrent retry won the key
        previous = taken.record or (dal.idempotency_record(tenant_id, customer_id, idempotency_key or ""))
        if previous is None:
            raise Conflict("This Idempotency-Key is being used; retry", code="idempotency_in_progress") from taken
        return _replay(principal, previous, request_hash, dal), False
    logger.info("order created", extra={"order_id": order_id, "total_cents": order.total_cents})
    tenant_metric(contracts.METRIC_ORDERS_CREATED, tenant_id)  # a replayed request is not a new order
    return view(order), True


def _replay(principal: Principal, record: IdempotencyRecord, request_hash: str, dal: OrdersDal) -> OrderView:
    if record.request_hash != request_hash:
        raise Conflict("This Idempotency-Key was used for a different order", code="idempotency_key_reused")
    order = dal.get_order(principal.tenant_id, record.order_id)
    if order is None:
        raise Conflict("This Idempotency-Key is being used; retry", code="idempotency_in_progress")
    return view(order)


# -- reading ----------------------------------------------------------------------------------------


def _readable(principal: Principal, order: StoredOrder | None) -> StoredOrder:
    """The order if the principal may see it: its customer, an admin, staff of its location."""
    if order is not None:
        if principal.kind == "customer" and order.customer_id == principal.subject_id:
            return order
        if principal.kind == "employee" and (principal.is_admin or principal.location_id == order.location_id):
            return order
    raise NotFound("There is no such order", code="order_not_found")


def get_order(principal: Principal, order_id: str, *, dal: OrdersDal) -> OrderView:
    return view(_readable(principal, dal.get_order(principal.tenant_id, order_id)))


def list_orders(principal: Principal, *, limit: int, cursor: str | None, dal: OrdersDal) -> OrderPage:
    orders, next_cursor = dal.customer_orders(
        principal.tenant_id, customer_key(principal.tenant_id, principal.subject_id), limit=limit, cursor=cursor
    )
    return OrderPage(items=[_summary(o) for o in orders], next_cursor=next_cursor)


def lima_today(now: datetime) -> date:
    return now.astimezone(hours.LIMA).date()


def lima_day_bounds(day: date) -> tuple[str, str]:
    """The first and last instant of a Lima calendar day, as ``created_at`` stores them (UTC ISO 8601)."""
    start = datetime(day.year, day.month, day.day, tzinfo=hours.LIMA).astimezone(UTC)
    end = start + timedelta(days=1) - timedelta(milliseconds=1)
    return iso(start), iso(end)


def list_location_orders(
    principal: Principal,
    location_id: str,
    *,
    estado: str,
    day: date,
    limit: int,
    cursor: str | None,
    dal: OrdersDal,
) -> LocationOrderPage:
    """An admin's view of one location's orders in one state on one (Lima) day: one Query per page."""
    created_from, created_to = lima_day_bounds(day)
    orders, next_cursor = dal.location_orders(
        location_state_key(principal.tenant_id, location_id, estado),
        created_from=created_from,
        created_to=created_to,
        limit=limit,
        cursor=cursor,
    )
    items = [
        LocationOrderSummary(
            **_summary(order).model_dump(),
            customer_name=order.customer_name,
            address=order.address,
            needs_admin=order.needs_admin,
        )
        for order in orders
    ]
    return LocationOrderPage(
        location_id=location_id, estado_pedido=estado, dia=day.isoformat(), items=items, next_cursor=next_cursor
    )


# -- paying -----------------------------------------------------------------------------------------


def _payable(principal: Principal, order_id: str, dal: OrdersDal, now: datetime) -> StoredOrder:
    order = dal.get_order(principal.tenant_id, order_id)
    if order is None or order.customer_id != principal.subject_id:
        raise NotFound("There is no such order", code="order_not_found")
    if order.estado_pedido != contracts.PENDIENTE_PAGO or (order.payment and order.payment.status == "approved"):
        raise Conflict(f"This order is {order.estado_pedido}: nothing to pay", code="order_not_payable")
    if now >= order.payment_deadline():
        raise Conflict(
            f"This order could be paid until {iso(order.payment_deadline())}: it expired; please order again",
            code="order_expired",
        )
    return order


def _priced_again(order: StoredOrder, dal: OrdersDal, now: datetime) -> None:
    """Price the unpaid order again from the catalog, as creating it did (one ``BatchGetItem``), before
    any money is taken: a location closed or paused, an item taken off the menu or unavailable, a combo
    sold out is a 409 naming it. A new total is a 409 ``prices_changed`` with it (``details``), and the
    order takes the new prices (one conditional write, only while nothing is being paid): the customer
    sees them on the order and pays again to accept them, rather than ordering again."""
    again = CreateOrder.model_construct(
        location_id=order.location_id,
        dispatch=order.dispatch,
        address=order.address,
        items=[
            OrderItemIn.model_construct(
                kind=line.kind, item_id=line.item_id, size=line.size, quantity=line.quantity, notes=line.notes
            )
            for line in order.items
        ],
    )
    products = {line.item_id for line in order.items if line.kind == "producto"}
    combos = {line.item_id for line in order.items if line.kind == "combo"}
    context = dal.order_context(order.tenant_id, order.customer_id, order.location_id, products, combos)
    if context.tenant is None or context.tenant.status != "active":
        raise NotFound("Unknown tenant", code="unknown_tenant")
    try:
        lines, subtotal, fee = price_order(again, context, context.tenant.delivery_fee_cents, now=now)
    except ValidationFailed as exc:  # a request that was valid when the order was made: the menu changed since
        code = "item_unavailable" if exc.code in ("unknown_item", "unknown_size") else exc.code
        raise Conflict(exc.message, code=code) from exc
    total = subtotal + fee
    if total == order.total_cents:
        return
    blocking = frozenset({"approved", *PAYMENT_UNDECIDED})
    if not dal.reprice(order, lines, subtotal, fee, iso(now), blocking=blocking):
        raise Conflict("The order changed meanwhile; look at it again", code="order_in_transition")
    raise Conflict(
        f"Prices changed since the order was made: the total is now S/ {total / 100:.2f} "
        f"(was S/ {order.total_cents / 100:.2f}). The order has the new prices: pay again to accept them",
        code="prices_changed",
        details={"total_cents": total, "previous_total_cents": order.total_cents},
    )


def _mp_items(order: StoredOrder) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "id": line.item_id,
            "title": f"{line.name} ({line.size})",
            "quantity": line.quantity,
            "unit_price": cents_to_soles(line.unit_price_cents),
            "currency_id": "PEN",
        }
        for line in order.items
    ]
    if order.delivery_fee_cents:
        items.append(
            {
                "id": "delivery",
                "title": "Costo de envío",
                "quantity": 1,
                "unit_price": cents_to_soles(order.delivery_fee_cents),
                "currency_id": "PEN",
            }
        )
    return items


def start_checkout(
    principal: Principal,
    order_id: str,
    *,
    dal: OrdersDal,
    tenants: TenantConfigs,
    gateways: GatewayFactory,
    links: Links,
    reviews: Reviews,
    now: datetime,
    check_delay_seconds: int = contracts.PAYMENT_CHECK_DELAY_SECONDS,
) -> CheckoutStarted:
    """A Checkout Pro preference for the order (30 minutes, never past the order's ``payable_until``),
    recorded on the order; and one payment review ``check_delay_seconds`` later, in case the buyer pays at
    once and the webhook is lost."""
    order = _payable(principal, order_id, dal, now)
    _priced_again(order, dal, now)
    tenant = tenants.get(principal.tenant_id)
    reviews.schedule(order.tenant_id, order.order_id, delay_seconds=check_delay_seconds, timer=False)
    # Mercado Pago itself refuses a payment after the order expires: the link never outlives the order.
    at, expires = iso(now), iso(min(now + timedelta(minutes=CHECKOUT_MINUTES), order.payment_deadline()))
    preference = gateways(tenant).create_preference(
        {
            "items": _mp_items(order),
            "payer": {"email": order.customer_email, "name": order.customer_name},
            "external_reference": external_reference(order.tenant_id, order.order_id),
            "back_urls": {
                "success": links.order_page(order.tenant_id, order.order_id, "aprobado"),
                "failure": links.order_page(order.tenant_id, order.order_id, "rechazado"),
                "pending": links.order_page(order.tenant_id, order.order_id, "pendiente"),
            },
            "auto_return": "approved",
            "notification_url": links.webhook(order.tenant_id),
            "expires": True,
            "expiration_date_from": at,
            "expiration_date_to": expires,
            "statement_descriptor": tenant.name[:22],
            "metadata": {"tenant_id": order.tenant_id, "order_id": order.order_id},
        }
    )
    preference_id = str(preference.get("id") or "")
    checkout_url = str(preference.get("init_point") or "")
    if not preference_id or not checkout_url:
        raise Conflict("Mercado Pago returned no checkout link", code="checkout_unavailable")
    dal.record_preference(order.tenant_id, order.order_id, preference_id, at)
    return CheckoutStarted(checkout_url=checkout_url, preference_id=preference_id)


CARD_FAILURES_PER_ORDER = 5
CARD_FAILURES_PER_CUSTOMER_HOUR = 10


def card_payment_key(order_id: str, card_token: str) -> str:
    """``X-Idempotency-Key`` of a card payment: the same order and card token never pay twice (<= 64 chars)."""
    return f"pay-{order_id}-{hashlib.sha256(card_token.encode()).hexdigest()[:16]}"


def pay_with_card(
    principal: Principal,
    order_id: str,
    card: CardPayment,
    *,
    dal: OrdersDal,
    tenants: TenantConfigs,
    gateways: GatewayFactory,
    links: Links,
    store: SettlementStore,
    stock: Stock,
    topic: ApprovedTopic,
    bus: Bus,
    reviews: Reviews,
    now: datetime,
    check_delay_seconds: int = contracts.PAYMENT_CHECK_DELAY_SECONDS,
) -> CardPaymentResult:
    """Pay now with a card token; an approved payment goes through the same settlement as a webhook.

    Card testing is capped: after ``CARD_FAILURES_PER_ORDER`` refused payments on an order, or
    ``CARD_FAILURES_PER_CUSTOMER_HOUR`` by one customer in an hour, the next attempt is a 429 before
    Mercado Pago is called (concurrent attempts can overshoot by their number; each still needs a
    card token of its own).

    Before Mercado Pago is called, one payment review is asked for ``check_delay_seconds`` later: a payment
    approved there whose settlement here was cut short (a timeout, a lost webhook) is settled by it."""
    order = _payable(principal, order_id, dal, now)
    hour = now.astimezone(UTC).strftime("%Y%m%d%H")
    if order.card_failures >= CARD_FAILURES_PER_ORDER:
        raise TooManyRequests("Too many refused card payments for this order", code="card_attempts_exceeded")
    if dal.card_failures_in_hour(order.tenant_id, order.customer_id, hour) >= CARD_FAILURES_PER_CUSTOMER_HOUR:
        raise TooManyRequests("Too many refused card payments this hour", code="card_attempts_exceeded")
    _priced_again(order, dal, now)
    tenant = tenants.get(principal.tenant_id)
    gateway = gateways(tenant)
    reviews.schedule(order.tenant_id, order.order_id, delay_seconds=check_delay_seconds, timer=False)

    def refused() -> None:
        expires_at = int(now.timestamp()) + 2 * 3600
        dal.record_card_failure(order.tenant_id, order.order_id, order.customer_id, hour, expires_at)

    try:
        payment = _create_card_payment(order, card, tenant, gateway, links)
    except PaymentRejectedByProvider:
        refused()
        raise
    facts = PaymentFacts.from_mercadopago(payment)
    if facts.status == "rejected":
        refused()
    with contextlib.suppress(PaymentInFlight):  # the webhook of this very payment is publishing it
        settle(order.tenant_id, facts, store=store, topic=topic, bus=bus, now=now, refunds=gateway, stock=stock)
    return CardPaymentResult(
        payment_id=facts.payment_id,
        status=facts.status,
        status_detail=facts.status_detail,
        estado_pedido=order.estado_pedido,
    )


def _create_card_payment(
    order: StoredOrder, card: CardPayment, tenant: TenantConfig, gateway: MercadoPagoGateway, links: Links
) -> dict[str, Any]:
    return gateway.create_payment(
        {
            "transaction_amount": cents_to_soles(order.total_cents),
            "token": card.card_token,
            "description": f"Pedido {order.order_id[:8]} - {tenant.name}",
            "installments": card.installments,
            "payment_method_id": card.payment_method_id,
            "payer": {"email": order.customer_email},
            "external_reference": external_reference(order.tenant_id, order.order_id),
            "notification_url": links.webhook(order.tenant_id),
            "statement_descriptor": tenant.name[:22],
            "metadata": {"tenant_id": order.tenant_id, "order_id": order.order_id},
        },
        idempotency_key=card_payment_key(order.order_id, card.card_token),
    )


# -- cancelling -------------------------------------------------------------------------------------


def _announcement_owed(order: StoredOrder) -> bool:
    """A direct cancel (not the workflow's, which announces itself) whose CANCELADO event has not gone out."""
    last = order.history[-1] if order.history else None
    cancelled_here = last is not None and last.estado == contracts.CANCELADO and last.by != contracts.WORKFLOW_ACTOR
    return cancelled_here and order.cancel_announced_at is None


def _announce_cancel(
    order: StoredOrder, bus: Bus, dal: OrdersDal, tenant_name: str, at: str, *, reason: str, refund_id: str | None
) -> None:
    last = order.history[-1] if order.history else None
    bus.publish(
        contracts.EVENT_SOURCE_ORDERS,
        contracts.ORDER_STATUS_CHANGED,
        status_detail(
            order,
            estado=contracts.CANCELADO,
            at=last.at if last else at,
            by=last.by if last else "admin",
            tenant_name=tenant_name,
            reason=reason,
            refund_id=refund_id,
        ),
    )
    dal.record_cancel_announced(order.tenant_id, order.order_id, at)


def _refund_owed(order: StoredOrder) -> bool:
    payment = order.payment
    return bool(payment and payment.payment_id and payment.status == "approved" and not payment.refund_id)


def _refund(order: StoredOrder, gateway: MercadoPagoGateway, dal: OrdersDal, at: str) -> str | None:
    """Refund the approved payment once: Mercado Pago dedups on ``refund-<order>``, Pedidos keeps the id."""
    if not _refund_owed(order):
        return order.payment.refund_id if order.payment else None
    assert order.payment and order.payment.payment_id
    refund = gateway.refund(order.payment.payment_id, idempotency_key=f"refund-{order.order_id}")
    refund_id = str(refund.get("id"))
    dal.record_refund(order.tenant_id, order.order_id, refund_id, at)
    logger.info("payment refunded", extra={"order_id": order.order_id, "refund_id": refund_id})
    return refund_id


def _finish_cancel(
    order: StoredOrder,
    body: CancelOrder,
    *,
    dal: OrdersDal,
    workflow: WorkflowClient,
    tenant: TenantConfig,
    gateways: GatewayFactory,
    bus: Bus,
    at: str,
) -> CancelResult:
    """An order already CANCELADO: finish what an earlier cancel stopped half-way at (stop, refund, announcement)."""
    if not (_refund_owed(order) or _announcement_owed(order)):
        raise Conflict("This order is already cancelled", code="order_cancelled")
    workflow.stop(order.order_id, body.reason)
    refund_id = _refund(order, gateways(tenant), dal, at)
    if _announcement_owed(order):
        _announce_cancel(order, bus, dal, tenant.name, at, reason=body.reason, refund_id=refund_id)
    return CancelResult(order_id=order.order_id, estado_pedido=order.estado_pedido, via="direct", refund_id=refund_id)


def cancel_order(
    principal: Principal,
    order_id: str,
    body: CancelOrder,
    *,
    dal: OrdersDal,
    workflow: WorkflowClient,
    tenants: TenantConfigs,
    gateways: GatewayFactory,
    bus: Bus,
    now: datetime,
    pause: Callable[[float], None] = time.sleep,
) -> CancelResult:
    """Admin cancel: fail the waiting stage (the workflow records CANCELADO) or cancel here; refund once. An order
    in a stage whose workflow has ended (handed to the admins: abandoned, or failed) is cancelled here too."""
    at = iso(now)
    tenant = tenants.get(principal.tenant_id)
    actor = f"{ORDER_ACTOR_EMPLOYEE}:{principal.subject_id}"
    for attempt in range(CANCEL_ATTEMPTS):
        if attempt:
            pause(0.2 * attempt)
        order = dal.get_order(principal.tenant_id, order_id)
        if order is None:
            raise NotFound("There is no such order", code="order_not_found")
        estado = order.estado_pedido
        if estado == contracts.ENTREGADO:
            raise Conflict("This order was already delivered", code="order_delivered")
        if estado == contracts.CANCELADO:
            return _finish_cancel(
                order, body, dal=dal, workflow=workflow, tenant=tenant, gateways=gateways, bus=bus, at=at
            )
        stage = estado if estado in contracts.STAGES else (contracts.COCINA if estado == contracts.PAGADO else None)
        row = dal.tracking_row(stage, principal.tenant_id, order_id) if stage else None
        orphan = False  # in a stage that no workflow holds any more: handed to the admins (abandoned, failed)
        if row is not None and row.status != "completed":
            if workflow.fail_task(row.task_token, body.reason):
                dal.withdraw_from_tray(row.stage, principal.tenant_id, order_id, at)
                refund_id = _refund(order, gateways(tenant), dal, at)
                return CancelResult(order_id=order_id, estado_pedido=estado, via="workflow", refund_id=refund_id)
            if estado not in contracts.STAGES or workflow.running(order_id):
                continue  # the stage moved on meanwhile: look again
            orphan = True  # its token is dead with its execution: nobody else will ever record the cancel
        if estado in contracts.STAGES and not orphan:
            continue  # between two stages (completed here, not yet recorded in the next): look again
        entry = HistoryEntry(estado=contracts.CANCELADO, at=at, by=actor, rol=principal.rol, reason=body.reason)
        changed, current = dal.cancel(principal.tenant_id, order, entry)
        if not changed:
            continue
        if orphan and row is not None:
            dal.withdraw_from_tray(row.stage, principal.tenant_id, order_id, at)
        if estado == contracts.PAGADO:
            workflow.stop(order_id, body.reason)
        refund_id = _refund(order, gateways(tenant), dal, at)
        _announce_cancel(current or order, bus, dal, tenant.name, at, reason=body.reason, refund_id=refund_id)
        return CancelResult(order_id=order_id, estado_pedido=contracts.CANCELADO, via="direct", refund_id=refund_id)
    raise Conflict("The order is changing stage right now; try again", code="order_in_transition")


# A Mercado Pago payment in one of these states may still be approved: the order is not the customer's to cancel.
PAYMENT_UNDECIDED = frozenset({"pending", "in_process", "authorized"})


def cancel_own_order(
    principal: Principal,
    order_id: str,
    body: CancelOrder,
    *,
    dal: OrdersDal,
    tenants: TenantConfigs,
    bus: Bus,
    now: datetime,
) -> CancelResult:
    """A customer cancels their own order, only while unpaid and with no payment under way: nothing to refund."""
    at = iso(now)
    order = dal.get_order(principal.tenant_id, order_id)
    if order is None or order.customer_id != principal.subject_id:
        raise NotFound("There is no such order", code="order_not_found")
    if order.estado_pedido == contracts.CANCELADO:
        raise Conflict("This order is already cancelled", code="order_cancelled")
    paid = order.payment is not None and order.payment.status == "approved"  # PAGADO follows within seconds
    if order.estado_pedido != contracts.PENDIENTE_PAGO or paid:
        raise Conflict("A paid order can only be cancelled by the restaurant", code="order_paid")
    if order.payment and order.payment.status in PAYMENT_UNDECIDED:
        raise Conflict("A payment for this order is still being processed", code="payment_pending")
    entry = HistoryEntry(
        estado=contracts.CANCELADO,
        at=at,
        by=f"{ORDER_ACTOR_CUSTOMER}:{principal.subject_id}",
        rol=contracts.CUSTOMER_ROLE,
        reason=body.reason,
    )
    changed, current = dal.cancel_unpaid(principal.tenant_id, order, entry, PAYMENT_UNDECIDED)
    if not changed:  # paid, a payment started, or cancelled in the meantime
        raise Conflict("The order changed meanwhile; look at it again", code="order_in_transition")
    _announce_cancel(
        current or order, bus, dal, tenants.get(principal.tenant_id).name, at, reason=body.reason, refund_id=None
    )
    return CancelResult(order_id=order_id, estado_pedido=contracts.CANCELADO, via="direct", refund_id=None)


# -- starting the workflow (SNS "payment approved" -> SQS -> order starter) --------------------------


class PaymentApprovedMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    order_id: str
    location_id: str
    payment_id: str


def start_paid_order(
    message: PaymentApprovedMessage,
    *,
    dal: OrdersDal,
    workflow: WorkflowClient,
    tenants: TenantConfigs,
    bus: Bus,
    now: datetime,
) -> str:
    """PAGADO (conditional on PENDIENTE_PAGO), the execution named after the order, the receipt event.

    Every step tolerates a redelivery: the transition is conditional, a second start finds the
    execution, and the PAGADO event (with the receipt) goes out until ``payment.receipt_at`` says so.
    """
    at = iso(now)
    entry = HistoryEntry(estado=contracts.PAGADO, at=at, by="mercadopago", note=f"pago {message.payment_id}")
    changed, order = dal.mark_paid(message.tenant_id, message.order_id, message.location_id, entry)
    if order is None:
        logger.warning("payment approved for an unknown order", extra={"order_id": message.order_id})
        return "ignored"
    if order.estado_pedido == contracts.PENDIENTE_PAGO:
        logger.warning("order not approved yet: message ignored", extra={"order_id": message.order_id})
        return "ignored"
    if order.estado_pedido == contracts.CANCELADO:
        logger.info("order cancelled before its workflow started", extra={"order_id": message.order_id})
        return "cancelled"
    tenant = tenants.get(message.tenant_id)
    started = workflow.start(
        order.order_id,
        {
            "tenant_id": order.tenant_id,
            "order_id": order.order_id,
            "location_id": order.location_id,
            "dispatch": order.dispatch,
            "sla": tenant.sla_minutes.seconds(),
        },
    )
    if not (order.payment and order.payment.receipt_at):
        paid_at = next((h.at for h in reversed(order.history) if h.estado == contracts.PAGADO), at)
        bus.publish(
            contracts.EVENT_SOURCE_ORDERS,
            contracts.ORDER_STATUS_CHANGED,
            status_detail(
                order,
                estado=contracts.PAGADO,
                at=paid_at,
                by="mercadopago",
                tenant_name=tenant.name,
                receipt=receipt_for(order, tenant.name, paid_at),
            ),
        )
        dal.record_receipt_sent(order.tenant_id, order.order_id, at)
    logger.info("order paid", extra={"order_id": order.order_id, "changed": changed, "started": started})
    return "started" if started else "duplicate"
