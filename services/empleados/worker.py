"""SQS consumer of ``EmployeeInvitationRequested`` (tenant onboarding): invites the employee.

EventBridge delivers each event into the ``invitaciones`` queue; a batch is processed with
Powertools' BatchProcessor so that only the failed messages come back (and, after the
queue's retries, land in its DLQ). Idempotent: an employee that is no longer ``invited``,
or that was already invited for this event id, is left alone.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.clock import utc_now
from core.identity_events import EmployeeInvitationRequestedDetail
from core.observability import entry_point, process_records
from empleados import logic, runtime

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    event = json.loads(record.body)
    detail = EmployeeInvitationRequestedDetail.model_validate(event["detail"])
    logic.invitation_requested(
        detail.tenant_id,
        detail.employee_id,
        str(event.get("id") or record.message_id),
        dal=runtime.dal(),
        inviter=runtime.inviter(),
        now=utc_now(),
    )


@entry_point()
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_records(event, context, record_handler, processor)
