"""What customers and admins send to ``/pedidos`` and what they read back. Money is integer céntimos.

Request bodies forbid unknown fields: a client cannot send a price, a total or a tenant.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from core.models import BaseModel
from core.orders import Dispatch, Estado, HistoryEntry, OrderLine

CatalogId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
MAX_LINES = 30


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderItemIn(Input):
    kind: Literal["producto", "combo"]
    item_id: CatalogId
    size: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    quantity: Annotated[int, Field(strict=True, ge=1, le=50)]
    notes: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=200)] = None


class CreateOrder(Input):
    location_id: CatalogId
    dispatch: Dispatch
    address: Annotated[str | None, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)] = None
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=MAX_LINES)]

    @model_validator(mode="after")
    def _address_for_delivery(self) -> CreateOrder:
        if self.dispatch == "delivery" and not self.address:
            raise ValueError("a delivery order needs an address")
        if self.dispatch == "pickup":
            self.address = None
        return self


class CardPayment(Input):
    """Pay now with a card tokenized in the browser (Mercado Pago's ``card_token``)."""

    card_token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")]
    payment_method_id: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,30}$")]
    installments: Annotated[int, Field(strict=True, ge=1, le=36)] = 1


class CancelOrder(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]


class PaymentView(BaseModel):
    status: str | None = None
    status_detail: str | None = None
    payment_id: str | None = None
    approved_at: str | None = None
    refund_id: str | None = None


class OrderView(BaseModel):
    order_id: str
    estado_pedido: Estado
    location_id: str
    dispatch: Dispatch
    address: str | None
    items: list[OrderLine]
    subtotal_cents: int
    delivery_fee_cents: int
    total_cents: int
    currency: Literal["PEN"]
    created_at: str
    updated_at: str
    payable_until: str | None = Field(None, description="An unpaid order: pay before this instant or it expires")
    history: list[HistoryEntry] = Field(description="Every state change: what, when, who")
    payment: PaymentView
    needs_admin: str | None = None


class OrderSummary(BaseModel):
    order_id: str
    estado_pedido: Estado
    location_id: str
    dispatch: Dispatch
    total_cents: int
    created_at: str
    items_count: int


class LocationOrderSummary(OrderSummary):
    """An order as the admins' order list shows it."""

    customer_name: str
    address: str | None
    needs_admin: str | None = None


class LocationOrderPage(BaseModel):
    location_id: str
    estado_pedido: Estado
    dia: str = Field(description="The Lima calendar day listed (YYYY-MM-DD)")
    items: list[LocationOrderSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")


class CheckoutStarted(BaseModel):
    checkout_url: str
    preference_id: str


class CardPaymentResult(BaseModel):
    payment_id: str
    status: str
    status_detail: str | None
    estado_pedido: Estado


class CancelResult(BaseModel):
    order_id: str
    estado_pedido: Estado
    via: Literal["workflow", "direct"] = Field(
        description="workflow: the waiting stage was failed and the workflow records CANCELADO; direct: cancelled here"
    )
    refund_id: str | None = None
