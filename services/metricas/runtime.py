"""Settings and collaborators of the metrics functions (the consumer and the routes), built on first use and kept
while warm."""

from __future__ import annotations

from core.runtime import Caches
from core.settings import StageTablesSettings
from core.tenant_config import TenantConfigs
from metricas.dal import MetricsDal

cached = Caches()


class Settings(StageTablesSettings):
    """The environment of both metrics functions (``stacks/metrics_services.py``); only the consumer is given the
    stage tracking tables (``COCINA_TABLE``, ...)."""

    metrics_table: str
    tenants_table: str


settings = cached(Settings)  # read from the environment once per container


@cached
def dal() -> MetricsDal:
    s = settings()
    return MetricsDal(cached.client("dynamodb"), metrics_table=s.metrics_table, stage_tables=s.stage_tables())


@cached
def tenants() -> TenantConfigs:
    """The tenants' time limits per stage (one GetItem per tenant, cached a minute)."""
    return TenantConfigs(cached.client("dynamodb"), settings().tenants_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
