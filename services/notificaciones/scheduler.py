"""The daily summary's scheduler: the schedule's events (and its own next-page messages) from its SQS queue
(partial batch failures), each one ``summaries.request_summaries``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, ConfigDict

from core.models import BaseModel
from core.observability import entry_point, process_records
from notificaciones import runtime, summaries

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class ScheduledEvent(BaseModel):
    """What an EventBridge schedule delivers (``detail-type: Scheduled Event``; its ``time`` is when it fired), or
    the next page's message (that ``time`` and the tenants' Scan ``cursor``)."""

    model_config = ConfigDict(extra="ignore")

    time: AwareDatetime
    cursor: dict[str, Any] | None = None


def record_handler(record: SQSRecord) -> int:
    fired = ScheduledEvent.model_validate_json(record.body)
    return summaries.request_summaries(
        fired.time,
        fired.cursor,
        tenants=runtime.tenant_list(),
        bus=runtime.summary_bus(),
        next_page=runtime.page_queue(),
    )


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
