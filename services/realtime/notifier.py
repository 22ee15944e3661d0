"""Realtime notifier: ``OrderStatusChanged``, ``OrderOverdue``, ``ComplaintFiled`` and ``ComplaintAnswered``
(EventBridge -> SQS) pushed over WebSocket.

Who hears an event (topics of ``realtime.handler.topic_for``):

- the customer of the order (``<tenant>#cliente#<customer>``), of every status change;
- the staff of the order's location whose tray changed: the role of the new stage, and the role of
  the stage the order left (``<tenant>#<location>#<rol>``); for an overdue stage, that stage's role;
  for a cancellation that does not say which stage it left, every stage's role;
- the tenant's admins (``<tenant>#admin``), of everything;
- of a complaint (the Libro de Reclamaciones), the tenant's admins and the customer who filed it:
  ``{"type", "numero", "estado", "at"}``.

A connection whose client went away (410 Gone) is deleted. Every topic starts with the event's
tenant, so a push never crosses tenants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field

from core import contracts
from core.models import BaseModel
from core.observability import entry_point, logger, process_records
from realtime import runtime
from realtime.dal import ConnectionGone


class Connections(Protocol):
    def connections(self, topic: str) -> list[tuple[str, str]]: ...
    def post(self, connection_id: str, message: dict[str, Any]) -> None: ...
    def forget(self, tenant_id: str, connection_id: str) -> None: ...
    def customer_of(self, tenant_id: str, order_id: str) -> str | None: ...


class OrderEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


def _role(estado: str | None) -> str | None:
    stage = contracts.STAGES.get(estado or "")
    return stage.role if stage else None


def topics(detail_type: str, detail: Mapping[str, Any], customer_id: str | None) -> list[str]:
    tenant = str(detail["tenant_id"])
    location = detail.get("location_id")
    estado = detail.get("estado_pedido")
    roles = [_role(estado)]
    if detail_type == contracts.ORDER_STATUS_CHANGED:
        roles.append(_role(detail.get("previous")))
        if estado == contracts.CANCELADO and not detail.get("previous"):
            # The workflow's cancel does not say which tray the order left: every board of the location
            # re-reads its queue, so the ticket disappears wherever it was.
            roles += [_role(stage) for stage in contracts.STAGES]
    found = [f"{tenant}#admin"]
    if location:
        found += [f"{tenant}#{location}#{rol}" for rol in dict.fromkeys(roles) if rol]
    if customer_id and detail_type == contracts.ORDER_STATUS_CHANGED:
        found.append(f"{tenant}#cliente#{customer_id}")
    return found


def message_for(detail_type: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    """What the web apps receive: the order, its state, when; never customer details."""
    keys = ("order_id", "location_id", "estado_pedido", "previous", "at", "reason", "dispatch")
    return {"type": detail_type, **{k: detail[k] for k in keys if detail.get(k) is not None}}


COMPLAINT_EVENTS = (contracts.COMPLAINT_FILED, contracts.COMPLAINT_ANSWERED)


def complaint_push(detail_type: str, detail: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """A complaint event's topics (the tenant's admins, the customer who filed it) and message: the entry's number,
    its state and when; the apps re-read the entry over REST (no consumer data on the socket)."""
    tenant = str(detail["tenant_id"])
    found = [f"{tenant}#admin"]
    if detail.get("customer_id"):
        found.append(f"{tenant}#cliente#{detail['customer_id']}")
    at = detail.get("answered_at") if detail_type == contracts.COMPLAINT_ANSWERED else None
    message = {
        "type": detail_type,
        "numero": detail["numero"],
        "estado": detail.get("estado"),
        "at": at or detail.get("filed_at"),
    }
    return found, message


def push(event: OrderEvent, connections: Connections) -> int:
    """Push one event to every subscribed connection; returns how many received it."""
    detail = event.detail
    tenant_id = str(detail["tenant_id"])
    if event.detail_type in COMPLAINT_EVENTS:
        found, message = complaint_push(event.detail_type, detail)
        return _post_all(found, message, connections)
    if event.detail_type not in (contracts.ORDER_STATUS_CHANGED, contracts.ORDER_OVERDUE):
        logger.warning("not an order event", extra={"detail_type": event.detail_type})
        return 0
    customer_id = detail.get("customer_id")
    if not customer_id and event.detail_type == contracts.ORDER_STATUS_CHANGED:
        customer_id = connections.customer_of(tenant_id, str(detail["order_id"]))
    message = message_for(event.detail_type, detail)
    return _post_all(topics(event.detail_type, detail, customer_id), message, connections)


def _post_all(found: list[str], message: dict[str, Any], connections: Connections) -> int:
    delivered = 0
    for topic in found:
        for connection_tenant, connection_id in connections.connections(topic):
            try:
                connections.post(connection_id, message)
            except ConnectionGone:
                connections.forget(connection_tenant, connection_id)
                logger.info("connection gone: forgotten", extra={"connection_id": connection_id})
            else:
                delivered += 1
    return delivered


processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> int:
    return push(OrderEvent.model_validate_json(record.body), runtime.connections())


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
