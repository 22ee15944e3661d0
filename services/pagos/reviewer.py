"""Payment reviewer: ``<prefix>-pagos-revision`` (delayed messages) -> settle, expire or look again later.

See ``pagos.reconciliation``. A batch with partial failures: a record that fails (Mercado Pago down,
a payment in flight, a throttled call) is retried by the queue alone, then lands in the DLQ (alarmed).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import utc_now
from core.observability import entry_point, logger, process_records
from pagos import reconciliation, runtime

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord) -> str:
    request = reconciliation.PaymentReview.model_validate_json(record.body)
    outcome = reconciliation.review(
        request,
        dal=runtime.orders(),
        tenants=runtime.tenants(),
        gateways=runtime.gateway,
        store=runtime.settlement(),
        topic=runtime.topic(),
        bus=runtime.bus(),
        reviews=runtime.reviews(),
        stock=runtime.stock(),
        now=utc_now(),
        max_delay_seconds=runtime.settings().payment_review_max_delay_seconds,
    )
    logger.info("payment review", extra={"outcome": outcome, "timer": request.timer})
    return outcome


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_records(event, context, record_handler, processor))
