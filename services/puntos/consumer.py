"""Points consumer: the order events that move points (``OrderStatusChanged`` ENTREGADO; ``OrderOverdue``
REQUIERE_ADMIN for a refunded payment: EventBridge -> SQS ``<prefix>-puntos``), each applied once
(``logic.handle_event``). A standard queue, partial batch failures: a record that fails is retried alone (and reaches
the DLQ after five receives) while the rest of its batch is applied."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.observability import entry_point, process_records
from puntos import logic, runtime
from puntos.models import EventEnvelope

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    return logic.handle_event(EventEnvelope.model_validate_json(record.body), dal=runtime.dal())


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
