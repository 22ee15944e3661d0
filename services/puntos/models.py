"""What the points consumer reads (the order events, as EventBridge hands them to SQS; the delivered order) and what
the points routes answer (``GET /perfil/puntos``, ``GET /clientes/{customer_id}/puntos``).

Points are whole numbers; a movement's ``points`` is positive for a credit and negative for a reversal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from core.models import BaseModel
from core.orders import OrderLine, Payment

Movement = Literal["credit", "reversal"]


class EventEnvelope(BaseModel):
    """An EventBridge event as its SQS target delivers it (the message body is the event's JSON)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=128)
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


class OrderEvent(BaseModel):
    """The fields of ``OrderStatusChanged`` / ``OrderOverdue`` the points read (every producer sends them)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=64)
    estado_pedido: str = Field(min_length=1, max_length=40)
    at: str = Field(min_length=10, max_length=40)
    reason: str | None = None


class DeliveredOrder(BaseModel):
    """What the consumer reads of an order (``contracts.POINTS_ORDER_ATTRIBUTES``)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    order_id: str
    customer_id: str
    estado_pedido: str
    items: list[OrderLine]
    payment: Payment | None = None

    def points(self) -> int:
        """quantity x points of every line (a line stored before points were recorded earns nothing)."""
        return sum(line.quantity * (line.points or 0) for line in self.items)


class OrderMark(BaseModel):
    """The mark of an order's movements (``O#<order>``): what its credit gave and to whom, and whether it was taken
    back (``reversed_at``; a reversal before any credit leaves ``credited`` absent, and no credit follows)."""

    model_config = ConfigDict(extra="ignore")

    customer_id: str | None = None
    credited: int | None = None
    credited_at: str | None = None
    reversed_at: str | None = None


# -- the routes' answers ---------------------------------------------------------------------------------------


class LedgerEntry(BaseModel):
    order_id: str
    movement: Movement = Field(description="credit: the order was delivered; reversal: its payment was refunded")
    points: int = Field(description="Positive for a credit, negative for a reversal")
    at: str = Field(description="When it happened (ISO 8601, UTC)")


class PointsStatement(BaseModel):
    customer_id: str
    balance: int = Field(description="The points the customer holds now")
    items: list[LedgerEntry] = Field(description="One page of the ledger, newest first")
    next_cursor: str | None = Field(default=None, description="Pass as cursor for the next page; null: the last")
