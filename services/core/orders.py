"""The order as it is stored (Pedidos) and the stage tracking rows (Cocina, Despachador, Delivery).

Shared by the orders/payments service, the workflow consumers and the staff routes,
and by the state machine (``workflow/order_workflow.py`` writes ``estado_pedido``,
``updated_at``, ``location_state_key`` and appends to ``history`` in its final states).
Keys always start from the principal's tenant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field

from core import contracts
from core.models import BaseModel

Estado = Literal["PENDIENTE_PAGO", "PAGADO", "COCINA", "EMPAQUETAMIENTO", "DELIVERY", "ENTREGADO", "CANCELADO"]
Dispatch = Literal["delivery", "pickup"]
Stage = Literal["COCINA", "EMPAQUETAMIENTO", "DELIVERY"]  # the waiting stages (contracts.STAGES)
Cents = Annotated[int, Field(ge=0)]


def customer_key(tenant_id: str, customer_id: str) -> str:
    """Partition key of the ``by_customer`` GSI of Pedidos (sort key ``created_at``)."""
    return f"{tenant_id}#{customer_id}"


def location_state_key(tenant_id: str, location_id: str, estado: str) -> str:
    """Partition key of the ``by_location_state`` GSI of Pedidos (sort key ``created_at``)."""
    return f"{tenant_id}#{location_id}#{estado}"


def queue_key(tenant_id: str, location_id: str) -> str:
    """Partition key of a tracking table's sparse ``by_queue`` GSI (sort key ``enqueued_at``).

    Present only while the order waits in the stage (pending or claimed): removing it on
    completion takes the order out of the staff queue view.
    """
    return f"{tenant_id}#{location_id}"


class HistoryEntry(BaseModel):
    """One state change of the order's timeline: what, when (ISO 8601 UTC), who."""

    estado: Estado
    at: str
    by: str  # "workflow", "cliente:<id>", "empleado:<id>", "mercadopago", "plataforma" (a sold-out combo)
    rol: str | None = None
    note: str | None = None
    reason: str | None = None


class OrderLine(BaseModel):
    kind: Literal["producto", "combo"]
    item_id: str
    name: str
    size: str
    quantity: Annotated[int, Field(ge=1, le=50)]
    unit_price_cents: Cents
    line_total_cents: Cents
    notes: str | None = None
    # The loyalty points per unit the menu promised when the order was created (the credit on delivery is
    # quantity x points); None on orders created before points were recorded (they earn nothing).
    points: Annotated[int, Field(ge=0)] | None = None


class Payment(BaseModel):
    provider: Literal["mercadopago"] = "mercadopago"
    payment_id: str | None = None
    preference_id: str | None = None
    status: str | None = None  # Mercado Pago's status: approved, rejected, pending, refunded, charged_back
    status_detail: str | None = None
    approved_at: str | None = None
    refund_id: str | None = None
    # Set once the payment-approved message is out (the gate that makes the SNS publish happen once).
    published_at: str | None = None
    # Set once OrderStatusChanged PAGADO (with the receipt) is on the bus.
    receipt_at: str | None = None


class StoredOrder(BaseModel):
    """An item of Pedidos (``tenant_id`` / ``order_id``)."""

    tenant_id: str
    order_id: str
    customer_id: str
    customer_key: str
    customer_email: str
    customer_name: str
    customer_phone: str | None = None  # for the driver (the delivery ticket only)
    location_id: str
    location_state_key: str
    dispatch: Dispatch
    address: str | None = None
    items: list[OrderLine]
    subtotal_cents: Cents
    delivery_fee_cents: Cents
    total_cents: Cents
    currency: Literal["PEN"] = "PEN"
    estado_pedido: Estado
    created_at: str
    updated_at: str
    payable_until: str | None = None  # PENDIENTE_PAGO orders: no payment is taken after this instant
    history: list[HistoryEntry]
    payment: Payment | None = None
    needs_admin: str | None = None  # set when a refund/charge-back needs a person
    cancel_announced_at: str | None = None  # a direct cancel's CANCELADO event went out (retries finish it)
    card_failures: int = 0  # card payments Mercado Pago refused for this order (capped: card testing)
    # approved payments the order could not take, refunded (pagos.settlement)
    extra_refunded: set[str] = Field(default_factory=set)

    def payment_deadline(self) -> datetime:
        """The last instant the order takes a payment; orders stored before ``payable_until`` existed get the
        same lifetime from their ``created_at``."""
        if self.payable_until:
            return datetime.fromisoformat(self.payable_until)
        return datetime.fromisoformat(self.created_at) + timedelta(minutes=contracts.UNPAID_ORDER_MINUTES)

    # Combo stock (pagos.stock): the tracked combos' quantities the order takes when its payment is approved, the
    # payment that took them (once), or the combos that had sold out by then (the order is refunded and cancelled).
    stock_combos: dict[str, int] = Field(default_factory=dict)
    stock_taken_by: str | None = None
    sold_out: str | None = None


class TrackingRow(BaseModel):
    """An item of a stage tracking table (``tenant_id`` / ``order_id``)."""

    tenant_id: str
    order_id: str
    stage: Stage
    location_id: str
    dispatch: Dispatch
    status: Literal["pending", "claimed", "completed"]
    queue_key: str | None = None  # removed on completion (sparse GSI)
    enqueued_at: str
    task_token: str
    claimed_by: str | None = None
    claimed_by_name: str | None = None
    claimed_at: str | None = None
    completed_by: str | None = None
    completed_at: str | None = None
    expires_at: int | None = None  # TTL: completed rows go away after a while
