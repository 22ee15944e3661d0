"""Settings and collaborators of the complaints function, built on first use and kept while warm."""

from __future__ import annotations

from core.events import EventPublisher
from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.tenant_config import TenantConfigs
from reclamos.dal import ComplaintsDal

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the complaints API (``stacks/complaint_services.py``)."""

    complaints_table: str
    users_table: str
    orders_table: str
    locations_table: str
    tenants_table: str
    event_bus_name: str


settings = cached(Settings)  # read from the environment once per container


@cached
def dal() -> ComplaintsDal:
    s = settings()
    return ComplaintsDal(
        cached.client("dynamodb"),
        complaints_table=s.complaints_table,
        users_table=s.users_table,
        orders_table=s.orders_table,
        locations_table=s.locations_table,
    )


@cached
def tenants() -> TenantConfigs:
    """The tenants' term to answer (one GetItem per tenant, cached a minute)."""
    return TenantConfigs(cached.client("dynamodb"), settings().tenants_table)


@cached
def publisher() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
