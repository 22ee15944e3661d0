"""Stage consumer: one function for the three role queues (PagadoACocina, CocinaAEmpaquetamiento,
EmpaquetamientoADelivery). Each message is an order entering a stage with its task token.

FIFO queues, partial batch failures: a failed message fails the rest of its group in the batch
(``SqsFifoPartialProcessor(skip_group_on_error=True)``), so the order within a location holds,
while other locations' messages of the same batch go on.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import utc_now
from core.observability import entry_point, process_records
from etapas import logic, runtime
from etapas.models import StageMessage

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> str:
    message = StageMessage.model_validate_json(record.body)
    return logic.record_entry(
        message,
        dal=runtime.dal(),
        publisher=runtime.publisher(),
        now=utc_now(),
        sequence_number=record.attributes.sequence_number,
        sent_timestamp=int(record.attributes.sent_timestamp),
    )


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
