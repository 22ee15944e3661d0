"""Settings and collaborators of the tenants' provisioner (``stacks/tenants.py``), built on first use."""

from __future__ import annotations

import json
from typing import Any

from core.runtime import Caches
from core.settings import EnvironmentSettings
from tenants.dal import TenantsDal
from tenants.logic import DEFAULT_WORKERS, TierApplier
from tenants.usage_keys import apply_tier

cached = Caches()
APIGATEWAY_RETRIES = {"mode": "adaptive", "max_attempts": 10}


class Settings(EnvironmentSettings):
    tenants_table: str
    locations_table: str
    employees_table: str
    event_bus_name: str
    # The stage's prefix (its tenants' API key names) and {tier: usage plan id} (constructs/usage_plans.py).
    stage_prefix: str
    usage_plans: str
    workers: int = DEFAULT_WORKERS


settings = cached(Settings)


@cached
def store() -> TenantsDal:
    s = settings()
    return TenantsDal(
        dynamodb=cached.client("dynamodb"),
        s3=cached.client("s3"),
        events=cached.client("events"),
        tenants_table=s.tenants_table,
        locations_table=s.locations_table,
        employees_table=s.employees_table,
        event_bus_name=s.event_bus_name,
    )


@cached
def apigateway() -> Any:
    """API Gateway's management calls are throttled per account (CreateApiKey: 5 a second): adaptive retries wait
    out a ``TooManyRequestsException`` and pace the client's later calls instead of failing the deploy."""
    from botocore.config import Config  # with the client, as every runtime loads botocore

    return cached.client("apigateway", Config(retries=APIGATEWAY_RETRIES))


def tiers() -> TierApplier:
    """Each tenant's API key in its tier's usage plan (``USAGE_PLANS``)."""
    s = settings()
    plans = json.loads(s.usage_plans)
    client = apigateway()

    def apply(tenant_id: str, tier: str) -> None:
        apply_tier(client, prefix=s.stage_prefix, tenant_id=tenant_id, tier=tier, usage_plans=plans)

    return apply


def reset() -> None:
    cached.reset()
