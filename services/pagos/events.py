"""The details of the order events the orders and payments functions put on the bus.

``OrderStatusChanged`` from these functions carries, besides the fields every producer sends
(``tenant_id``, ``order_id``, ``location_id``, ``estado_pedido``, ``at``, ``by``, ``reason``),
who the customer is and the tenant's name, so the email notifier needs no lookup, and the order's
``total_cents`` (the metrics' revenue). The PAGADO event also carries the ``receipt`` (boleta) the
notifier attaches as a ``.txt`` file.
"""

from __future__ import annotations

from pydantic import ConfigDict

from core.models import BaseModel
from core.orders import StoredOrder


class ReceiptLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    size: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    kind: str = "producto"
    notes: str | None = None


class Receipt(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_name: str
    order_id: str
    payment_id: str
    paid_at: str
    customer_name: str
    customer_email: str
    dispatch: str
    address: str | None = None
    location_id: str
    lines: list[ReceiptLine]
    subtotal_cents: int
    delivery_fee_cents: int
    total_cents: int
    currency: str = "PEN"


class OrderStatusDetail(BaseModel):
    """``OrderStatusChanged`` as the orders service sends it (PAGADO, and CANCELADO when it cancels itself)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    order_id: str
    location_id: str
    estado_pedido: str
    at: str
    by: str
    reason: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    tenant_name: str | None = None
    total_cents: int | None = None
    refund_id: str | None = None
    receipt: Receipt | None = None


def receipt_for(order: StoredOrder, tenant_name: str, paid_at: str) -> Receipt:
    payment_id = (order.payment.payment_id if order.payment else None) or ""
    return Receipt(
        tenant_name=tenant_name,
        order_id=order.order_id,
        payment_id=payment_id,
        paid_at=paid_at,
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        dispatch=order.dispatch,
        address=order.address,
        location_id=order.location_id,
        lines=[ReceiptLine.model_validate(line.model_dump()) for line in order.items],
        subtotal_cents=order.subtotal_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        currency=order.currency,
    )


def status_detail(
    order: StoredOrder,
    *,
    estado: str,
    at: str,
    by: str,
    tenant_name: str | None,
    reason: str | None = None,
    refund_id: str | None = None,
    receipt: Receipt | None = None,
) -> dict[str, object]:
    detail = OrderStatusDetail(
        tenant_id=order.tenant_id,
        order_id=order.order_id,
        location_id=order.location_id,
        estado_pedido=estado,
        at=at,
        by=by,
        reason=reason,
        customer_id=order.customer_id,
        customer_email=order.customer_email,
        customer_name=order.customer_name,
        tenant_name=tenant_name,
        total_cents=order.total_cents,
        refund_id=refund_id,
        receipt=receipt,
    )
    return detail.model_dump(mode="json", exclude_none=True)
