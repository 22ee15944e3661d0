"""Metrics consumer: the order events (``OrderStatusChanged``, ``OrderOverdue``: EventBridge -> SQS), each counted
once into the metrics table (``logic.count_event``). A standard queue, partial batch failures: a record that fails
is retried alone (and reaches the DLQ after five receives) while the rest of its batch is counted."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import utc_now
from core.observability import entry_point, process_records
from metricas import logic, runtime
from metricas.models import EventEnvelope

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    envelope = EventEnvelope.model_validate_json(record.body)
    return logic.count_event(envelope, dal=runtime.dal(), tenants=runtime.tenants(), now=utc_now())


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
