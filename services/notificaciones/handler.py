"""Email notifier: consumes EventBridge events from its SQS queue and sends emails (partial batch failures)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from core.observability import logger, tracer
from notificaciones import logic
from notificaciones.dal import LedgerConfig, SecretCredentials, SentLedger
from notificaciones.mailer import SmtpConfig, SmtpMailer
from notificaciones.models import EventEnvelope
from notificaciones.order_mails import with_order_mails
from notificaciones.receipts import with_receipts
from notificaciones.templates import RENDERERS


class Settings(BaseSettings):
    smtp_host: str = "smtp.gmail.com"
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_secret_name: str = ""
    smtp_timeout_seconds: float = 10.0
    mail_from: str
    dedup_table: str


@functools.cache
def settings() -> Settings:
    return Settings()


@functools.cache
def credentials() -> SecretCredentials:
    return SecretCredentials(boto3.client("secretsmanager"), settings().smtp_secret_name)


@functools.cache
def ledger() -> SentLedger:
    return SentLedger(boto3.client("dynamodb"), LedgerConfig(table=settings().dedup_table))


def mailer() -> SmtpMailer:
    current = settings()
    config = SmtpConfig(
        host=current.smtp_host,
        port=current.smtp_port,
        starttls=current.smtp_starttls,
        mail_from=current.mail_from,
        timeout=current.smtp_timeout_seconds,
    )
    secret = credentials()
    return SmtpMailer(config, secret, on_auth_failure=secret.forget)


def reset() -> None:
    """Forget settings, clients and the cached secret (tests)."""
    for cached in (settings, credentials, ledger):
        cached.cache_clear()


processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def record_handler(record: SQSRecord, *, mail: SmtpMailer) -> str:
    event = EventEnvelope.model_validate_json(record.body)
    return logic.deliver(event, renderers=with_order_mails(with_receipts(RENDERERS)), ledger=ledger(), mailer=mail)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    with mailer() as mail:  # one SMTP connection for the whole batch
        return process_partial_response(
            event=event,
            record_handler=functools.partial(record_handler, mail=mail),
            processor=processor,
            context=context,
        )
