"""Applying a Mercado Pago payment to its order: shared by the card-payment route and the webhook.

``settle(payment, ...)`` takes a payment *as Mercado Pago returned it* (never a webhook body)
and records it on the order in Pedidos:

- ``approved``: one conditional ``UpdateItem`` is the gate. It succeeds only while the order is
  PENDIENTE_PAGO, its total and currency equal the payment's, and no payment is approved yet;
  the writer that wins publishes to SNS "payment approved", then records ``payment.published_at``.
  A later delivery of the same payment sees ``published_at`` and does nothing. If the winner died
  between its write and ``published_at`` (no mark after ``IN_FLIGHT_SECONDS``), the next delivery
  publishes: at least once, and the order starter is idempotent (conditional PAGADO, execution
  named after the order). A delivery racing a live winner gets ``PaymentInFlight`` (retried later).
- ``rejected`` and other non-final statuses: recorded on the order, which stays PENDIENTE_PAGO.
- ``refunded`` / ``charged_back``: recorded; unless the platform refunded it itself (cancel),
  the order gets ``needs_admin`` and the admins an event.
- an approved payment of the right amount that the order cannot take (paid already by another
  payment: two checkouts; or cancelled meanwhile) is refunded at once, once: Mercado Pago's refund
  with an idempotency key named after the payment, then ``extra_refunded`` on the order (a retry
  after a crash repeats the same refund, never a second one). With no refunder, or a payment of
  another amount, the order is flagged ``needs_admin`` for a person, never silently accepted.
- before an approval is published, the order's counted combos are taken from stock (``pagos.stock``,
  once per payment); a combo sold out since the order was priced cancels the order and refunds the
  payment (the kitchen cannot make it; the customer is told at once, not left waiting for a person).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.clock import iso
from core.dynamo import from_item, to_item
from core.errors import DependencyFailed, DomainError
from core.models import BaseModel
from core.observability import about_order, logger
from core.orders import HistoryEntry, StoredOrder
from pagos.events import status_detail
from pagos.gateway import soles_to_cents

# A live winner cannot run longer than its function: after that, the next delivery publishes. Short, so that
# Mercado Pago's webhook retries (and the card route's) are not all refused as "in flight" meanwhile.
IN_FLIGHT_SECONDS = contracts.SETTLING_FUNCTION_MAX_SECONDS + 5
REQUIRES_ADMIN = contracts.REQUIRES_ADMIN
STOCK_ACTOR = "plataforma"  # who the timeline names when a sold-out combo cancelled the order
Outcome = Literal["published", "duplicate", "recorded", "ignored", "needs_admin", "refunded"]


class PaymentInFlight(DomainError):
    """Another delivery of this payment is publishing it right now: try again in a moment."""

    status = 503
    code = "payment_in_flight"


class PaymentFacts(BaseModel):
    """What the platform reads from a Mercado Pago payment."""

    payment_id: str
    status: str
    status_detail: str | None = None
    amount_cents: int | None = None
    currency: str | None = None
    external_reference: str | None = None
    preference_id: str | None = None

    @classmethod
    def from_mercadopago(cls, payment: dict[str, Any]) -> PaymentFacts:
        return cls(
            payment_id=str(payment.get("id")),
            status=str(payment.get("status") or ""),
            status_detail=payment.get("status_detail"),
            amount_cents=soles_to_cents(payment.get("transaction_amount")),
            currency=payment.get("currency_id"),
            external_reference=payment.get("external_reference"),
            preference_id=payment.get("preference_id"),
        )

    def order_ref(self, tenant_id: str) -> str | None:
        """The order id when ``external_reference`` is ``<tenant>:<order>`` of this tenant."""
        ref_tenant, _, order_id = (self.external_reference or "").partition(":")
        return order_id if ref_tenant == tenant_id and order_id else None


def external_reference(tenant_id: str, order_id: str) -> str:
    return f"{tenant_id}:{order_id}"


@dataclass(frozen=True)
class Approval:
    won: bool
    order: StoredOrder | None  # ALL_NEW when won, ALL_OLD when not (None: no such order)


class SettlementStore(Protocol):
    def approve(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> Approval: ...
    def mark_published(self, tenant_id: str, order_id: str, now: str) -> None: ...
    def record_status(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> None: ...
    def record_reversal(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> StoredOrder | None: ...
    def flag(self, tenant_id: str, order_id: str, reason: str, now: str) -> bool: ...
    def record_extra_refund(self, tenant_id: str, order_id: str, payment_id: str, now: str) -> None: ...


class ApprovedTopic(Protocol):
    def publish(self, message: dict[str, Any]) -> None: ...


class Bus(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...


class Refunds(Protocol):
    """Mercado Pago's refund of a whole payment (``MercadoPagoGateway.refund``)."""

    def refund(self, payment_id: str, idempotency_key: str) -> dict[str, Any]: ...


class Stock(Protocol):
    """The combos' stock and the order's stock marks (``pagos.stock.DynamoStock``)."""

    def take(self, tenant_id: str, order: StoredOrder, payment_id: str) -> str | None: ...
    def cancel_sold_out(
        self, tenant_id: str, order: StoredOrder, payment_id: str, sold_out: str, entry: HistoryEntry
    ) -> StoredOrder | None: ...
    def record_refund(self, tenant_id: str, order_id: str, refund_id: str, now: str) -> None: ...


def extra_refund_key(payment_id: str) -> str:
    """The idempotency key of the refund of a payment its order could not take (one refund per payment)."""
    return f"refund-extra-{payment_id}"


def _approved_at_age(order: StoredOrder, now: datetime) -> float:
    approved = order.payment.approved_at if order.payment else None
    if not approved:
        return float("inf")
    return (now - datetime.fromisoformat(approved)).total_seconds()


def settle(
    tenant_id: str,
    facts: PaymentFacts,
    *,
    store: SettlementStore,
    topic: ApprovedTopic,
    bus: Bus,
    now: datetime,
    refunds: Refunds | None = None,
    stock: Stock | None = None,
) -> Outcome:
    """Record the payment on its order (stamped ``iso(now)``); see the module's docstring."""
    order_id = facts.order_ref(tenant_id)
    if order_id is not None:
        about_order(order_id)
    log = {"payment_id": facts.payment_id, "payment_status": facts.status, "order_id": order_id}
    if order_id is None:
        logger.warning("payment of another tenant or order: ignored", extra=log)
        return "ignored"
    if facts.status == "approved":
        return _approved(
            tenant_id, order_id, facts, store=store, topic=topic, bus=bus, now=now, refunds=refunds, stock=stock
        )
    at = iso(now)
    if facts.status in ("refunded", "charged_back"):
        order = store.record_reversal(tenant_id, order_id, facts, at)
        if order is None or (order.payment and order.payment.refund_id):
            return "recorded"  # our own refund (admin cancel), or a payment that never was the order's
        return _needs_admin(tenant_id, order, f"payment_{facts.status}", store=store, bus=bus, at=at)
    store.record_status(tenant_id, order_id, facts, at)
    logger.info("payment recorded, order stays payable", extra=log)
    return "recorded"


def _publish(
    tenant_id: str, order: StoredOrder, facts: PaymentFacts, *, store: SettlementStore, topic: ApprovedTopic, at: str
) -> Outcome:
    topic.publish(
        {
            "type": contracts.PAYMENT_APPROVED,
            "tenant_id": tenant_id,
            "order_id": order.order_id,
            "location_id": order.location_id,
            "payment_id": facts.payment_id,
        }
    )
    store.mark_published(tenant_id, order.order_id, at)
    logger.info("payment approved and published", extra={"order_id": order.order_id, "payment_id": facts.payment_id})
    return "published"


def _approved(
    tenant_id: str,
    order_id: str,
    facts: PaymentFacts,
    *,
    store: SettlementStore,
    topic: ApprovedTopic,
    bus: Bus,
    now: datetime,
    refunds: Refunds | None,
    stock: Stock | None,
) -> Outcome:
    at = iso(now)
    approval = store.approve(tenant_id, order_id, facts, at)
    order = approval.order
    if approval.won and order is not None:
        return _publish_in_stock(
            tenant_id, order, facts, store=store, topic=topic, bus=bus, at=at, stock=stock, refunds=refunds
        )
    if order is None:
        logger.warning("approved payment for an unknown order", extra={"order_id": order_id})
        return "ignored"
    payment = order.payment
    if payment and payment.payment_id == facts.payment_id and payment.status == "approved":
        if payment.published_at:
            return "duplicate"
        if _approved_at_age(order, now) < IN_FLIGHT_SECONDS:
            raise PaymentInFlight("This payment is being recorded; try again shortly")
        return _publish_in_stock(
            tenant_id, order, facts, store=store, topic=topic, bus=bus, at=at, stock=stock, refunds=refunds
        )
    if facts.amount_cents != order.total_cents or facts.currency != order.currency:
        reason = "payment_amount_mismatch"
    elif order.estado_pedido == contracts.CANCELADO:
        reason = "payment_after_cancel"
    else:
        reason = "duplicate_payment"
    if refunds is not None and reason != "payment_amount_mismatch":
        return _refund_extra(tenant_id, order, facts, reason, refunds=refunds, store=store, at=at)
    return _needs_admin(tenant_id, order, reason, store=store, bus=bus, at=at)


def _publish_in_stock(
    tenant_id: str,
    order: StoredOrder,
    facts: PaymentFacts,
    *,
    store: SettlementStore,
    topic: ApprovedTopic,
    bus: Bus,
    at: str,
    stock: Stock | None,
    refunds: Refunds | None,
) -> Outcome:
    """Publish the approval once the order's combos are taken from stock; sold out: cancel, then refund."""
    sold_out = stock and (order.sold_out or stock.take(tenant_id, order, facts.payment_id))
    if not stock or not sold_out:
        return _publish(tenant_id, order, facts, store=store, topic=topic, at=at)
    if refunds is None:
        return _needs_admin(tenant_id, order, "out_of_stock", store=store, bus=bus, at=at)
    reason = f"Se agotó {sold_out}; te devolvimos el pago"
    entry = HistoryEntry(estado=contracts.CANCELADO, at=at, by=STOCK_ACTOR, reason=reason)
    order = stock.cancel_sold_out(tenant_id, order, facts.payment_id, sold_out, entry) or order
    if not order.sold_out:  # cancelled by someone else meanwhile: a person looks at the payment
        return _needs_admin(tenant_id, order, "out_of_stock", store=store, bus=bus, at=at)
    if order.payment and order.payment.refund_id:
        return "duplicate"
    refund_id = str(refunds.refund(facts.payment_id, f"refund-{order.order_id}").get("id"))  # as an admin cancel's
    cancelled = next((h for h in reversed(order.history) if h.estado == contracts.CANCELADO), entry)
    detail = status_detail(order, estado=contracts.CANCELADO, at=cancelled.at, by=cancelled.by, tenant_name=None,
                           reason=cancelled.reason, refund_id=refund_id)  # fmt: skip
    bus.publish(contracts.EVENT_SOURCE_ORDERS, contracts.ORDER_STATUS_CHANGED, detail)
    stock.record_refund(tenant_id, order.order_id, refund_id, at)
    logger.warning("combo sold out: order cancelled, payment refunded", extra={"order_id": order.order_id})
    return "refunded"


def _refund_extra(
    tenant_id: str,
    order: StoredOrder,
    facts: PaymentFacts,
    reason: str,
    *,
    refunds: Refunds,
    store: SettlementStore,
    at: str,
) -> Outcome:
    """Give back a payment the order cannot take, once (see the module)."""
    if facts.payment_id in order.extra_refunded:
        return "duplicate"
    refund = refunds.refund(facts.payment_id, extra_refund_key(facts.payment_id))
    store.record_extra_refund(tenant_id, order.order_id, facts.payment_id, at)
    logger.warning(
        "payment refunded: its order could not take it",
        extra={
            "order_id": order.order_id,
            "payment_id": facts.payment_id,
            "reason": reason,
            "refund_id": refund.get("id"),
        },
    )
    return "refunded"


def _needs_admin(
    tenant_id: str, order: StoredOrder, reason: str, *, store: SettlementStore, bus: Bus, at: str
) -> Outcome:
    logger.warning("order needs an admin", extra={"order_id": order.order_id, "reason": reason})
    if store.flag(tenant_id, order.order_id, reason, at):
        bus.publish(
            contracts.EVENT_SOURCE_ORDERS,
            contracts.ORDER_OVERDUE,
            {
                "tenant_id": tenant_id,
                "order_id": order.order_id,
                "location_id": order.location_id,
                "estado_pedido": REQUIRES_ADMIN,
                "at": at,
                "by": "mercadopago",
                "reason": reason,
            },
        )
    return "needs_admin"


# -- DynamoDB ----------------------------------------------------------------------------------------


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoSettlementStore:
    """The settlement's writes on Pedidos; each is one ``UpdateItem``."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def _key(tenant_id: str, order_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}}

    def _update(self, tenant_id: str, order_id: str, **kwargs: Any) -> tuple[bool, dict[str, Any] | None]:
        """(condition held, item): ALL_NEW when it held, ALL_OLD (or None) when it did not."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id, order_id),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **kwargs,
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                item = exc.response.get("Item")
                return False, from_item(item) if item else None
            raise DependencyFailed(f"Pedidos update failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Pedidos update failed") from exc
        attributes = response.get("Attributes")
        return True, from_item(attributes) if attributes else None

    def approve(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> Approval:
        held, item = self._update(
            tenant_id,
            order_id,
            UpdateExpression=(
                "SET payment.payment_id = :pid, payment.#st = :approved, payment.status_detail = :detail, "
                "payment.approved_at = :now, updated_at = :now"
            ),
            ConditionExpression=(
                "estado_pedido = :pending AND total_cents = :amount AND currency = :currency "
                "AND (attribute_not_exists(payment.#st) OR payment.#st <> :approved)"
            ),
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues=to_item(
                {
                    ":pid": facts.payment_id,
                    ":approved": "approved",
                    ":detail": facts.status_detail or "",
                    ":now": now,
                    ":pending": contracts.PENDIENTE_PAGO,
                    ":amount": facts.amount_cents if facts.amount_cents is not None else -1,
                    ":currency": facts.currency or "",
                }
            ),
            ReturnValues="ALL_NEW",
        )
        return Approval(won=held, order=StoredOrder.model_validate(item) if item else None)

    def mark_published(self, tenant_id: str, order_id: str, now: str) -> None:
        self._update(
            tenant_id,
            order_id,
            UpdateExpression="SET payment.published_at = :now",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeValues=to_item({":now": now}),
        )

    def record_status(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> None:
        self._update(
            tenant_id,
            order_id,
            UpdateExpression=(
                "SET payment.payment_id = :pid, payment.#st = :status, payment.status_detail = :detail, "
                "updated_at = :now"
            ),
            ConditionExpression=(
                "estado_pedido = :pending AND (attribute_not_exists(payment.#st) OR payment.#st <> :approved)"
            ),
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues=to_item(
                {
                    ":pid": facts.payment_id,
                    ":status": facts.status,
                    ":detail": facts.status_detail or "",
                    ":now": now,
                    ":pending": contracts.PENDIENTE_PAGO,
                    ":approved": "approved",
                }
            ),
        )

    def record_reversal(self, tenant_id: str, order_id: str, facts: PaymentFacts, now: str) -> StoredOrder | None:
        held, item = self._update(
            tenant_id,
            order_id,
            UpdateExpression="SET payment.#st = :status, payment.status_detail = :detail, updated_at = :now",
            ConditionExpression="payment.payment_id = :pid",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues=to_item(
                {":pid": facts.payment_id, ":status": facts.status, ":detail": facts.status_detail or "", ":now": now}
            ),
            ReturnValues="ALL_NEW",
        )
        return StoredOrder.model_validate(item) if held and item else None

    def record_extra_refund(self, tenant_id: str, order_id: str, payment_id: str, now: str) -> None:
        """Add ``payment_id`` to the order's refunded extra payments (a string set: adding twice is a no-op)."""
        self._update(
            tenant_id,
            order_id,
            UpdateExpression="ADD extra_refunded :ids SET updated_at = :now",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeValues={":ids": {"SS": [payment_id]}, ":now": {"S": now}},
        )

    def flag(self, tenant_id: str, order_id: str, reason: str, now: str) -> bool:
        held, _ = self._update(
            tenant_id,
            order_id,
            UpdateExpression="SET needs_admin = :reason, updated_at = :now",
            ConditionExpression="attribute_exists(order_id) AND attribute_not_exists(needs_admin)",
            ExpressionAttributeValues=to_item({":reason": reason, ":now": now}),
        )
        return held


class SnsApprovedTopic:
    """SNS "payment approved": one ``Publish``; the subscription delivers the raw message to SQS."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, message: dict[str, Any]) -> None:
        try:
            self._client.publish(
                TopicArn=self._topic_arn,
                Message=json.dumps(message, separators=(",", ":")),
                MessageAttributes={"type": {"DataType": "String", "StringValue": str(message.get("type", ""))}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not publish the payment approval") from exc
