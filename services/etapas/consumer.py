"""Stage consumer: one function for the three role queues (PagadoACocina, CocinaAEmpaquetamiento,
EmpaquetamientoADelivery). Each message is an order entering a stage with its task token.

FIFO queues, partial batch failures: a failed message fails the rest of its group in the batch
(``SqsFifoPartialProcessor(skip_group_on_error=True)``), so the order within a location holds,
while other locations' messages of the same batch go on.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.events import EventPublisher
from core.observability import logger, tracer
from core.settings import StageTablesSettings
from etapas import logic
from etapas.dal import StageDal
from etapas.models import StageMessage


class Settings(StageTablesSettings):
    orders_table: str
    event_bus_name: str
    state_machine_arn: str


@functools.cache
def collaborators() -> tuple[StageDal, EventPublisher]:
    """Created on first use and kept for the warm container."""
    settings = Settings()  # read from the environment
    dal = StageDal(
        boto3.client("dynamodb"),
        boto3.client("stepfunctions"),
        orders_table=settings.orders_table,
        stage_tables=settings.stage_tables(),
        state_machine_arn=settings.state_machine_arn,
    )
    return dal, EventPublisher(boto3.client("events"), settings.event_bus_name)


processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> str:
    message = StageMessage.model_validate_json(record.body)
    dal, publisher = collaborators()
    return logic.record_entry(
        message,
        dal=dal,
        publisher=publisher,
        now=logic.utc_now(),
        sequence_number=record.attributes.sequence_number,
        sent_timestamp=int(record.attributes.sent_timestamp),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
