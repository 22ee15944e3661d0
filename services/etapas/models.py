"""What the stage consumer reads from a work queue, what it stores, and what the staff routes answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from core.models import BaseModel
from core.orders import Dispatch, Stage, TrackingRow

ORDER_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
LOCATION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class StageMessage(BaseModel):
    """The body the state machine sends to a role's FIFO queue (``sqs:sendMessage.waitForTaskToken``)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: Annotated[str, Field(min_length=1, max_length=64)]
    order_id: Annotated[str, Field(pattern=ORDER_ID_PATTERN)]
    location_id: Annotated[str, Field(min_length=1, max_length=64)]
    dispatch: Dispatch
    stage: Stage
    task_token: Annotated[str, Field(min_length=1, max_length=4096)]
    entered_at: str


class TicketLine(BaseModel):
    """What the staff needs to see of an order line (copied on entry: the queue view is one Query)."""

    name: str
    size: str
    quantity: int
    notes: str | None = None


class StageTicket(TrackingRow):
    """A tracking row plus the few order details the staff's queue view shows."""

    customer_name: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    lines: list[TicketLine] = Field(default_factory=list)
    sequence_number: str | None = None  # the SQS FIFO sequence number of the message that entered it
    sent_timestamp: int | None = None  # when that message was sent to the queue (epoch ms)
    announced_at: str | None = None  # when its OrderStatusChanged went out (a redelivery does not send it again)


class QueueEntry(BaseModel):
    order_id: str
    status: Literal["pending", "claimed"]
    dispatch: Dispatch
    enqueued_at: str
    elapsed_seconds: int
    claimed_by: str | None = None
    claimed_by_name: str | None = None
    claimed_at: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    lines: list[TicketLine]


class QueueView(BaseModel):
    stage: Stage
    location_id: str
    orders: list[QueueEntry]
    next_cursor: str | None = None


class StageAction(BaseModel):
    """The answer of ``tomar`` and ``completar``."""

    order_id: str
    stage: Stage
    status: Literal["claimed", "completed"]
    by: str
    at: str
    next_estado: str | None = None  # after completar: where the workflow takes the order next


EntryOutcome = Literal["entered", "redelivered", "token_rotated", "completed_meanwhile", "stale"]
