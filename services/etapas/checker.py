"""Completion checker: a staff completion's delayed message -> tell the workflow if it never heard.

``completar`` asks for this check (``COMPLETION_CHECK_DELAY_SECONDS`` later, through a delayed SQS
queue) before it writes the completion. Normally the workflow has moved the order on by then and the
check does nothing (two reads); if the ``SendTaskSuccess`` after the write was lost (a timeout), the
check sends it, so the order waits seconds instead of the stage's whole SLA. Partial batch failures:
a record that fails is retried by the queue, then lands in the DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict

from core.models import BaseModel
from core.observability import entry_point, process_records
from etapas import logic, runtime

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class CompletionCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: str
    stage: str
    order_id: str


def record_handler(record: SQSRecord) -> bool:
    check = CompletionCheck.model_validate_json(record.body)
    return logic.check_completion(check.tenant_id, check.stage, check.order_id, dal=runtime.dal())


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_records(event, context, record_handler, processor))
