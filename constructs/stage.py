"""A stage's settings (dev, staging, prod), read once from the CDK context (``cdk.json`` -> ``stages``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

PROJECT = "bembos"
VERSION = "0.1.0"

# Log retention values CloudWatch accepts, by day count.
_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


@dataclass(frozen=True)
class TierLimits:
    """A tenant tier's API limits (its usage plan): each tenant's own token bucket, and optionally its requests per
    day. The stage's throttle (``api_throttle_rate``/``_burst``) applies to each method on its own, so it bounds
    neither one tenant nor all tenants together (on AWS the account's 10,000 requests a second per Region is the
    aggregate); no tier may exceed the stage's per-method limit, which would make the tier's surplus unusable on
    any one method."""

    tier: str
    rate_limit: float  # requests per second, steady state
    burst_limit: int  # the bucket's size: requests at once
    daily_quota: int | None = None  # requests per day (UTC), or no quota

    @classmethod
    def parse(cls, tier: str, raw: Any, *, stage_rate: int, stage_burst: int) -> TierLimits:
        where = f"tenant_tiers.{tier}"
        if not isinstance(raw, Mapping) or set(raw) - {"rate_limit", "burst_limit", "daily_quota"}:
            raise ValueError(f"{where} must be an object of rate_limit, burst_limit and optionally daily_quota")
        rate, burst, quota = raw.get("rate_limit"), raw.get("burst_limit"), raw.get("daily_quota")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= stage_rate:
            raise ValueError(f"{where}.rate_limit must be above 0 and at most the stage's per-method {stage_rate}")
        if isinstance(burst, bool) or not isinstance(burst, int) or not 0 < burst <= stage_burst:
            raise ValueError(
                f"{where}.burst_limit must be a whole number above 0 and at most the stage's per-method {stage_burst}"
            )
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota <= 0):
            raise ValueError(f"{where}.daily_quota must be a whole number above 0, or null for none")
        return cls(tier=tier, rate_limit=float(rate), burst_limit=burst, daily_quota=quota)


def _tenant_tiers(raw: Any, *, stage_rate: int, stage_burst: int) -> tuple[TierLimits, ...]:
    """``stages.<stage>.tenant_tiers``: exactly one entry per tier of ``contracts.TENANT_TIERS``."""
    # Here, not at the top: every construct imports this module, and they import without services/ on the path.
    from core import contracts

    if not isinstance(raw, Mapping) or set(raw) != set(contracts.TENANT_TIERS):
        found = sorted(raw) if isinstance(raw, Mapping) else raw
        raise ValueError(f"tenant_tiers must define exactly the tiers {list(contracts.TENANT_TIERS)}, not {found}")
    return tuple(
        TierLimits.parse(tier, raw[tier], stage_rate=stage_rate, stage_burst=stage_burst)
        for tier in contracts.TENANT_TIERS
    )


@dataclass(frozen=True)
class StageConfig:
    """What differs between stages; everything else is the same app.

    ``production_like`` stages (staging, prod) run as prod does: point-in-time recovery, versioned images,
    INFO logs, no customer data in the workflow's logs, an alarm e-mail required. ``retain_data`` alone decides
    whether a deploy may destroy data (retained tables and buckets, deletion and termination protection):
    staging behaves like prod and can still be torn down and rebuilt."""

    name: str
    retain_data: bool
    production_like: bool
    log_retention_days: int
    alarm_email: str
    allowed_origins: tuple[str, ...]
    api_throttle_rate: int
    api_throttle_burst: int
    # Each tenant tier's API limits (one usage plan per tier), in contracts.TENANT_TIERS' order.
    tenant_tiers: tuple[TierLimits, ...] = ()
    # Business metrics per tenant too (a CloudWatch metric per name and tenant), or the platform's totals only.
    metrics_tenant_dimension: bool = True

    @property
    def prefix(self) -> str:
        """Prefix of every physical name of the stage, e.g. ``bembos-dev``."""
        return f"{PROJECT}-{self.name}"

    @property
    def amplify_stage(self) -> str:
        """Amplify Hosting's label of the stage's branches (it tunes nothing; the console shows it)."""
        return {"prod": "PRODUCTION", "staging": "BETA"}.get(self.name, "DEVELOPMENT")

    @property
    def metrics_namespace(self) -> str:
        """The CloudWatch namespace of the stage's own metrics (two stages in one account never mix)."""
        return f"{PROJECT}/{self.name}"

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        return cdk.RemovalPolicy.RETAIN if self.retain_data else cdk.RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION[self.log_retention_days]

    @property
    def order_workflow_name(self) -> str:
        """The order state machine's name; its executions are named after the orders."""
        return f"{self.prefix}-pedido"

    def secret_name(self, purpose: str) -> str:
        """The name of a secret the operator creates: ``smtp/gmail``, ``mercadopago/<tenant>``."""
        return f"{self.prefix}/{purpose}"

    def web_parameter(self, name: str) -> str:
        """The SSM parameter where FrontendStack publishes what only exists once the web apps do:
        ``origins`` (every origin they are served from), ``customer-url`` and ``staff-url``. Functions read
        it at cold start by name, so no stack holds a reference to the frontend (which refers to the API)."""
        return f"/{self.prefix}/web/{name}"

    def stack_name(self, short: str) -> str:
        return f"{self.prefix}-{short}"

    @classmethod
    def from_context(cls, scope: Construct) -> StageConfig:
        node = scope.node
        name = str(node.try_get_context("stage") or "dev")
        stages = node.try_get_context("stages") or {}
        if name not in stages:
            raise ValueError(f"unknown stage {name!r}: cdk.json defines {sorted(stages)}")
        raw = stages[name]
        if raw["log_retention_days"] not in _RETENTION:
            raise ValueError(f"log_retention_days must be one of {sorted(_RETENTION)}")
        rate, burst = int(raw["api_throttle_rate"]), int(raw["api_throttle_burst"])
        return cls(
            name=name,
            retain_data=bool(raw["retain_data"]),
            production_like=bool(raw["production_like"]),
            log_retention_days=int(raw["log_retention_days"]),
            alarm_email=str(raw.get("alarm_email", "")),
            allowed_origins=tuple(raw["allowed_origins"]),
            api_throttle_rate=rate,
            api_throttle_burst=burst,
            tenant_tiers=_tenant_tiers(raw.get("tenant_tiers"), stage_rate=rate, stage_burst=burst),
            metrics_tenant_dimension=bool(raw.get("metrics_tenant_dimension", True)),
        )
