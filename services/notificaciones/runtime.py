"""Settings and collaborators of the email notifier, built on first use and kept while warm."""

from __future__ import annotations

from core.runtime import Caches
from core.settings import EnvironmentSettings
from notificaciones.complaint_mails import ComplaintMailDirectory
from notificaciones.dal import LedgerConfig, SecretCredentials, SentLedger
from notificaciones.mailer import SmtpConfig, SmtpMailer
from notificaciones.order_mails import OrderMailDirectory
from notificaciones.staff_mails import StaffDirectory
from notificaciones.summaries import PageQueue, SummaryBus, TenantList

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
    locations_table: str
    metrics_table: str


settings = cached(Settings)  # read from the environment once per container


class SchedulerSettings(EnvironmentSettings):
    """The environment of the daily summary's scheduler (``stacks/notification_services.py``)."""

    tenants_table: str
    event_bus_name: str
    summary_queue_url: str


scheduler_settings = cached(SchedulerSettings)


@cached
def credentials() -> SecretCredentials:
    """The SMTP login, read once from its secret and kept (forgotten after a failed login)."""
    return SecretCredentials(cached.client("secretsmanager"), settings().smtp_secret_name)


@cached
def ledger() -> SentLedger:
    return SentLedger(cached.client("dynamodb"), LedgerConfig(table=settings().dedup_table))


@cached
def directory() -> OrderMailDirectory:
    """The reads of the order emails (the order's customer, the tenant)."""
    s = settings()
    return OrderMailDirectory(cached.client("dynamodb"), orders_table=s.orders_table, tenants_table=s.tenants_table)


@cached
def complaints() -> ComplaintMailDirectory:
    """The reads of the complaint e-mails (the entry, the tenant's name)."""
    s = settings()
    return ComplaintMailDirectory(
        cached.client("dynamodb"), complaints_table=s.complaints_table, tenants_table=s.tenants_table
    )


@cached
def staff() -> StaffDirectory:
    """The reads of the staff e-mails (employees by role, the tenant, its locations, the metrics' day rows)."""
    s = settings()
    return StaffDirectory(
        cached.client("dynamodb"),
        employees_table=s.employees_table,
        tenants_table=s.tenants_table,
        locations_table=s.locations_table,
        metrics_table=s.metrics_table,
    )


@cached
def tenant_list() -> TenantList:
    return TenantList(cached.client("dynamodb"), scheduler_settings().tenants_table)


@cached
def summary_bus() -> SummaryBus:
    return SummaryBus(cached.client("events"), scheduler_settings().event_bus_name)


@cached
def page_queue() -> PageQueue:
    return PageQueue(cached.client("sqs"), scheduler_settings().summary_queue_url)


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
