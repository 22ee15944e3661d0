"""Settings and collaborators of the email notifier, built on first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core.settings import EnvironmentSettings
from notificaciones.dal import LedgerConfig, SecretCredentials, SentLedger
from notificaciones.mailer import SmtpConfig, SmtpMailer
from notificaciones.order_mails import OrderMailDirectory


class Settings(EnvironmentSettings):
    """The environment of the email notifier (``stacks/notification_services.py``)."""

    smtp_host: str = "smtp.gmail.com"
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_secret_name: str = ""
    smtp_timeout_seconds: float = 10.0
    mail_from: str
    dedup_table: str
    orders_table: str
    tenants_table: str
    employees_table: str


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def credentials() -> SecretCredentials:
    """The SMTP login, read once from its secret and kept (forgotten after a failed login)."""
    return SecretCredentials(boto3.client("secretsmanager"), settings().smtp_secret_name)


@functools.cache
def ledger() -> SentLedger:
    return SentLedger(_dynamodb(), LedgerConfig(table=settings().dedup_table))


@functools.cache
def directory() -> OrderMailDirectory:
    """The reads of the order emails (the order's customer, the tenant, the location's admins)."""
    s = settings()
    return OrderMailDirectory(
        _dynamodb(), orders_table=s.orders_table, tenants_table=s.tenants_table, employees_table=s.employees_table
    )


def mailer() -> SmtpMailer:
    """A new SMTP session (one per batch; it connects on the first send)."""
    s = settings()
    config = SmtpConfig(
        host=s.smtp_host,
        port=s.smtp_port,
        starttls=s.smtp_starttls,
        mail_from=s.mail_from,
        timeout=s.smtp_timeout_seconds,
    )
    secret = credentials()
    return SmtpMailer(config, secret, on_auth_failure=secret.forget)


def reset() -> None:
    """Forget settings, clients and the cached secret (tests)."""
    for cached in (settings, _dynamodb, credentials, ledger, directory):
        cached.cache_clear()
