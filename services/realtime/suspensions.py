"""SQS consumer of ``TenantSuspended`` (a tenant removed from the stage's tenants): closes all its sockets.

Logins and orders of a suspended tenant are refused already (``core.tenants``); its open WebSocket connections
are closed here (``DELETE @connections/{id}`` and their rows, ``core.sockets``), so nobody of the tenant hears
of or sends anything more. Idempotent: a second event finds no connection left. A failure to list them fails the
record (the queue retries it); a socket that will not close is logged and counted, its row deleted anyway.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field

from core import contracts
from core.models import BaseModel
from core.observability import entry_point, logger, process_records
from core.sockets import SessionSockets
from realtime import runtime

processor = BatchProcessor(event_type=EventType.SQS)


class TenantEventDetail(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    tenant_id: str = Field(min_length=1, max_length=63)


def tenant_suspended(tenant_id: str, sockets: SessionSockets) -> int:
    """Close every socket of the tenant; returns how many closed."""
    closed = sockets.close(tenant_id, sockets.tenant_connection_ids(tenant_id))
    logger.info("suspended tenant's sockets closed", extra={"tenant_id": tenant_id, "closed": closed})
    return closed


def record_handler(record: SQSRecord) -> None:
    event = json.loads(record.body)
    if event.get("detail-type") != contracts.TENANT_SUSPENDED:
        logger.info("not a suspension: ignored", extra={"detail_type": event.get("detail-type")})
        return
    detail = TenantEventDetail.model_validate(event["detail"])
    tenant_suspended(detail.tenant_id, runtime.sockets())


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
