"""A stage's settings (dev, staging, prod), read once from the CDK context (``cdk.json`` -> ``stages``)."""

from __future__ import annotations

from dataclasses import dataclass

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
        return cls(
            name=name,
            retain_data=bool(raw["retain_data"]),
            production_like=bool(raw["production_like"]),
            log_retention_days=int(raw["log_retention_days"]),
            alarm_email=str(raw.get("alarm_email", "")),
            allowed_origins=tuple(raw["allowed_origins"]),
            api_throttle_rate=int(raw["api_throttle_rate"]),
            api_throttle_burst=int(raw["api_throttle_burst"]),
            metrics_tenant_dimension=bool(raw.get("metrics_tenant_dimension", True)),
        )
