"""Order starter: SNS "payment approved" -> SQS -> PAGADO + the order's execution + the receipt event.

A batch with partial failures: a record that fails (a throttled call, a dependency down) is
retried by the queue alone, then lands in the DLQ. Redeliveries are harmless (see
``logic.start_paid_order``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import utc_now
from core.observability import entry_point, process_records
from pedidos import logic, runtime

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    message = logic.PaymentApprovedMessage.model_validate_json(record.body)
    return logic.start_paid_order(
        message,
        dal=runtime.dal(),
        workflow=runtime.workflow(),
        tenants=runtime.tenants(),
        bus=runtime.bus(),
        now=utc_now(),
    )


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_records(event, context, record_handler, processor))
