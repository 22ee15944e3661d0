"""Email notifier: consumes EventBridge events from its SQS queue and sends emails (partial batch failures)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.observability import entry_point, process_records
from notificaciones import logic, runtime
from notificaciones.complaint_mails import with_complaint_mails
from notificaciones.mailer import SmtpMailer
from notificaciones.models import EventEnvelope
from notificaciones.order_mails import with_order_mails
from notificaciones.receipts import with_receipts
from notificaciones.staff_mails import STAFF_SCOPE, staff_renderers
from notificaciones.templates import RENDERERS

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, *, mail: SmtpMailer) -> str:
    event = EventEnvelope.model_validate_json(record.body)
    customer = with_complaint_mails(
        with_order_mails(with_receipts(RENDERERS), mails=runtime.directory), mails=runtime.complaints
    )
    staff = staff_renderers(staff=runtime.staff, entry=lambda: runtime.complaints().entry)
    audiences = (("", customer), (STAFF_SCOPE, staff))
    return logic.deliver_all(event, audiences=audiences, ledger=runtime.ledger(), mailer=mail)


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    with runtime.mailer() as mail:  # one SMTP connection for the whole batch
        return process_records(event, context, functools.partial(record_handler, mail=mail), processor)
