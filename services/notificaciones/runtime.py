"""Settings and collaborators of the email notifier, built on first use and kept while warm."""

from __future__ import annotations

from core.runtime import Caches
from core.settings import EnvironmentSettings
from notificaciones.complaint_mails import ComplaintMailDirectory
from notificaciones.dal import LedgerConfig, SecretCredentials, SentLedger
from notificaciones.mailer import SmtpConfig, SmtpMailer
from notificaciones.order_mails import OrderMailDirectory

cached = Caches()


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
    complaints_table: str


settings = cached(Settings)  # read from the environment once per container


@cached
def credentials() -> SecretCredentials:
    """The SMTP login, read once from its secret and kept (forgotten after a failed login)."""
    return SecretCredentials(cached.client("secretsmanager"), settings().smtp_secret_name)


@cached
def ledger() -> SentLedger:
    return SentLedger(cached.client("dynamodb"), LedgerConfig(table=settings().dedup_table))


@cached
def directory() -> OrderMailDirectory:
    """The reads of the order emails (the order's customer, the tenant, the location's admins)."""
    s = settings()
    return OrderMailDirectory(
        cached.client("dynamodb"),
        orders_table=s.orders_table,
        tenants_table=s.tenants_table,
        employees_table=s.employees_table,
    )


@cached
def complaints() -> ComplaintMailDirectory:
    """The reads of the complaint e-mails (the entry, the tenant's name)."""
    s = settings()
    return ComplaintMailDirectory(
        cached.client("dynamodb"), complaints_table=s.complaints_table, tenants_table=s.tenants_table
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
    cached.reset()
