"""What the metrics consumer reads (the order events, as EventBridge hands them to SQS) and what the admins'
metrics routes answer (``GET /metricas``, ``/metricas/empleados``, ``/metricas/horas``: the dashboard's contract).

Durations are seconds (fractional, ``null`` when nothing was counted); money is integer céntimos.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from core.models import BaseModel
from core.orders import Stage
from core.validation import CATALOG_ID_PATTERN

TIMEZONE = "America/Lima"


class EventEnvelope(BaseModel):
    """An EventBridge event as its SQS target delivers it (the message body is the event's JSON)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=128)
    detail_type: str = Field(alias="detail-type")
    time: str | None = None
    detail: dict[str, Any]


class OrderEvent(BaseModel):
    """The detail of ``OrderStatusChanged`` and ``OrderOverdue``: the fields every producer sends, and those
    some add (``previous`` and ``dispatch``: the stage consumer's and the workflow's; ``total_cents``: the
    orders service's PAGADO; ``refund_id``: a cancel that refunded the payment)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=64)
    location_id: str = Field(pattern=CATALOG_ID_PATTERN)
    estado_pedido: str = Field(min_length=1, max_length=40)
    at: str = Field(min_length=10, max_length=40)
    by: str | None = None
    reason: str | None = None
    previous: str | None = None
    dispatch: Literal["delivery", "pickup"] | None = None
    total_cents: int | None = Field(default=None, ge=0)
    refund_id: str | None = None
    customer_id: str | None = None  # PAGADO: whose order (the quote state keeps it: their estimate only)
    receipt: dict[str, Any] | None = None  # PAGADO's receipt: its ``dispatch``

    @property
    def dispatched(self) -> str | None:
        """How the order is dispatched: the event's ``dispatch``, or PAGADO's receipt's."""
        found = self.dispatch or (self.receipt or {}).get("dispatch")
        return found if found in ("delivery", "pickup") else None


class LeftStage(BaseModel):
    """What the metrics read of a stage an order left: its tracking row (``core.orders.TrackingRow``), in part."""

    model_config = ConfigDict(extra="ignore")

    stage: Stage
    location_id: str
    status: str
    enqueued_at: str
    completed_at: str | None = None
    completed_by: str | None = None
    claimed_by: str | None = None
    claimed_by_name: str | None = None


# -- the routes' answers (the dashboard's contract) --------------------------------------------------------


class OrderCounts(BaseModel):
    paid: int = Field(description="Orders that became PAGADO in the range (by the Lima day of that change)")
    delivered: int = Field(description="Orders that became ENTREGADO")
    cancelled: int = Field(description="Paid orders that became CANCELADO (their payment refunded)")
    overdue: int = Field(description="OrderOverdue alerts of the three stages")


class Cancellation(BaseModel):
    reason: str = Field(description="admin, sold_out (paid, refunded); customer, expired_unpaid, admin_unpaid, other")
    count: int


class StageSummary(BaseModel):
    stage: Stage
    sla_seconds: int = Field(description="The tenant's time limit for the stage")
    entered: int
    completed: int = Field(description="Orders that left the stage completed by the staff")
    avg_seconds: float | None = Field(description="From entering the stage to its completion")
    p50_seconds: float | None = Field(description="From the histogram: within its bucket's width")
    p90_seconds: float | None
    max_seconds: float | None
    overdue: int


class DayStage(BaseModel):
    completed: int
    avg_seconds: float | None
    p90_seconds: float | None


class DaySeries(BaseModel):
    date: str = Field(description="Lima calendar day, YYYY-MM-DD")
    paid: int
    delivered: int
    cancelled: int
    revenue_cents: int
    stages: dict[Stage, DayStage]
    quote_median_error_minutes: int | None = Field(
        default=None, description="The ready-time quote's median absolute error that day (delivered orders)"
    )


class QuoteAccuracy(BaseModel):
    quoted: int = Field(description="Delivered orders that were quoted at payment (by the Lima day of delivery)")
    median_abs_error_minutes: int | None = Field(description="Median of |actual - quoted|, in whole minutes")
    mean_abs_error_minutes: float | None


class MetricsSummary(BaseModel):
    location_id: str | None = Field(description="The location; null: all the tenant's locations")
    from_: str = Field(alias="from", description="First Lima day of the range")
    to: str = Field(description="Last Lima day of the range (inclusive)")
    timezone: str = TIMEZONE
    orders: OrderCounts
    revenue_cents: int
    average_ticket_cents: int | None
    cancellations: list[Cancellation]
    stages: list[StageSummary]
    days: list[DaySeries] = Field(description="Every day of the range, in order, zeros included")
    quote: QuoteAccuracy | None = Field(default=None, description="The ready-time quotes' accuracy")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class EmployeeEntry(BaseModel):
    employee_id: str
    name: str = Field(description="As the tracking row has it (the name the employee claimed the order with)")
    stage: Stage
    completed: int
    avg_seconds: float | None
    p90_seconds: float | None
    overdue: int = Field(description="Completions that took longer than the stage's time limit")


class EmployeeRanking(BaseModel):
    location_id: str | None
    from_: str = Field(alias="from")
    to: str
    employees: list[EmployeeEntry] = Field(description="Most completed first, then fastest")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class HourEntry(BaseModel):
    hour: int = Field(ge=0, le=23, description="Hour of the day, Lima time")
    orders: int = Field(description="Orders paid in that hour")
    revenue_cents: int


class HourSeries(BaseModel):
    location_id: str | None
    from_: str = Field(alias="from")
    to: str
    hours: list[HourEntry] = Field(description="24 entries, hour 0 to 23")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# -- ready-time quotes (``quotes``) -------------------------------------------------------------------------


class StageBasis(BaseModel):
    stage: Stage
    mean_seconds: float = Field(description="Mean time in stage: the last hour's, else today's, else the time limit")
    source: Literal["hora", "dia", "sla"] = Field(description="Where mean_seconds comes from")
    in_stage: int = Field(description="Orders in the stage now")
    concurrency: float = Field(description="Orders that were in the stage at once over the last hour, on average")


class LocationQuote(BaseModel):
    """What a customer is told before ordering: when an order placed now would be ready or arrive."""

    location_id: str
    pickup_minutes: int = Field(description="Minutes until a pickup order placed now is ready (at least 1)")
    delivery_minutes: int = Field(description="Minutes until a delivery order placed now arrives (at least 1)")
    stages: list[StageBasis]


class OrderQuote(BaseModel):
    """An order's current estimate, from where it is now."""

    order_id: str
    location_id: str
    dispatch: Literal["delivery", "pickup"]
    estado_pedido: str = Field(description="PAGADO (not in the kitchen yet) or the stage it is in")
    minutes: int = Field(description="Minutes until it is ready (pickup) or arrives (delivery), at least 1")
    ready_at: str = Field(description="When, ISO 8601 UTC")
    quoted_minutes: int = Field(description="What it was quoted at payment")
