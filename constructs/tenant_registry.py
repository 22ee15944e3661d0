"""``TenantRegistry``: every tenant of a stage, applied by one custom resource from one asset.

``Tenant(registry, ...)`` registers a tenant (``constructs/tenant.py``); ``publish()`` (once, after the last
tenant) writes all of them as one JSON file (sorted tenants and keys: the same tenants give the same bytes, so
the same asset hash) and makes the one ``Custom::Tenants`` resource whose properties name that asset. A change of
any tenant changes the hash, so CloudFormation sends the provisioner an Update with the previous asset in its
``OldResourceProperties``; the provisioner (``services/tenants``) applies the difference. The properties also
carry the tier plans' ids (``UsagePlans``): a change of them is an Update that puts every tenant's key in its new
plan. One more tenant adds
no resource: the stack's size does not depend on the number of tenants.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
import jsii
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct, IValidation
from constructs.grants import allow
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.tenant import tenants_asset
from constructs.usage_plans import UsagePlans

if TYPE_CHECKING:
    from constructs.tenant import Tenant

RESOURCE_TYPE = "Custom::Tenants"
# A function runs at most 15 minutes. API Gateway creates 5 API keys a second per account, so one deploy onboards
# at most about 4,000 new tenants; more take several deploys (README: "Tenants at scale").
PROVISIONER_TIMEOUT = cdk.Duration.minutes(15)
# How long CloudFormation waits for the provisioner's answer (its default is an hour): a provisioner that timed out
# without answering fails the stack a minute after the function's end.
SERVICE_TIMEOUT = cdk.Duration.minutes(16)


@dataclass(frozen=True)
class TenantTables:
    tenants: dynamodb.ITable
    locations: dynamodb.ITable
    employees: dynamodb.ITable


def asset_bytes(tenants: list[Tenant]) -> bytes:
    """The tenants asset of ``tenants`` (``constructs.tenant.tenants_asset``)."""
    return tenants_asset(t.asset_entry() for t in tenants)


class TenantRegistry(Construct):
    """The stage's tenants, their provisioner function and the custom resource that applies them."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        tables: TenantTables,
        bus: events.IEventBus,
        layer: lambda_.ILayerVersion,
        usage_plans: UsagePlans,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.usage_plans = usage_plans
        self.tables = tables
        self.bus = bus
        self._tenants: dict[str, Tenant] = {}
        self._ids: set[str] = set()
        self.resource: cdk.CustomResource | None = None
        self.asset: s3_assets.Asset | None = None
        self.provisioner = self._provisioner(layer)
        self.node.add_validation(_Published(self))

    @property
    def tenants(self) -> list[Tenant]:
        return list(self._tenants.values())

    def register(self, tenant: Tenant) -> None:
        """``Tenant(self, ...)`` calls this: ids are unique in the registry, tenant ids in the stage."""
        if self.resource is not None:
            raise RuntimeError(f"tenant {tenant.tenant_id!r} registered after the tenants were published")
        if tenant.node_id in self._ids:
            raise ValueError(f"There is already a Construct with name '{tenant.node_id}' in {self.node.path}")
        if tenant.tenant_id in self._tenants:
            raise ValueError(f"tenant {tenant.tenant_id!r} is onboarded twice")
        self._ids.add(tenant.node_id)
        self._tenants[tenant.tenant_id] = tenant

    def publish(self) -> cdk.CustomResource:
        """The asset of every registered tenant and the custom resource that applies it (call it once, last)."""
        if self.resource is not None:
            return self.resource
        body = asset_bytes(self.tenants)
        folder = Path(tempfile.mkdtemp(prefix="tenants-asset-"))
        path = folder / f"tenants-{hashlib.sha256(body).hexdigest()[:16]}.json"
        path.write_bytes(body)
        self.asset = s3_assets.Asset(self, "Asset", path=str(path))
        allow(self.provisioner.role, ["s3:GetObject"], [self._asset_objects_arn()])
        self.resource = cdk.CustomResource(
            self,
            "Apply",
            service_token=self.provisioner.function.function_arn,
            resource_type=RESOURCE_TYPE,
            service_timeout=SERVICE_TIMEOUT,
            properties={
                "AssetBucket": self.asset.s3_bucket_name,
                "AssetKey": self.asset.s3_object_key,
                "TenantCount": str(len(self._tenants)),
                # The tier plans' ids: when they change (a plan replaced), the Update re-keys every tenant, not
                # only the changed ones (services/tenants/logic.py).
                "UsagePlans": cdk.Stack.of(self).to_json_string(self.usage_plans.plan_ids_for(self)),
            },
        )
        return self.resource

    def _provisioner(self, layer: lambda_.ILayerVersion) -> ServiceFunction:
        tables = self.tables
        function = ServiceFunction(
            self,
            "Provisioner",
            stage=self.stage,
            service="tenants-provisioner",
            handler="tenants.handler.lambda_handler",
            layer=layer,
            timeout=PROVISIONER_TIMEOUT,
            memory_size=512,
            description=f"Applies the tenants asset of {self.stage.name} (custom resource)",
            environment={
                "TENANTS_TABLE": tables.tenants.table_name,
                "LOCATIONS_TABLE": tables.locations.table_name,
                "EMPLOYEES_TABLE": tables.employees.table_name,
                "EVENT_BUS_NAME": self.bus.event_bus_name,
                "STAGE_PREFIX": self.stage.prefix,
                # Each tenant's API key joins its tier's usage plan (services/tenants/usage_keys.py).
                "USAGE_PLANS": cdk.Stack.of(self).to_json_string(self.usage_plans.plan_ids_for(self)),
            },
        )
        role = function.role
        self.usage_plans.grant_key_management(role)
        # A transaction is authorized item by item: PutItem on each table it writes.
        allow(role, ["dynamodb:PutItem"], [tables.tenants.table_arn, tables.locations.table_arn,
                                           tables.employees.table_arn])  # fmt: skip
        # A tenant's settings read back (a changed entry), its suspension and its invitation's bookkeeping.
        allow(role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [tables.tenants.table_arn])
        allow(role, ["events:PutEvents"], [self.bus.event_bus_arn])
        return function

    def _asset_objects_arn(self) -> str:
        """The tenants assets in the stage's asset bucket: this deploy's, and the previous deploy's (an Update
        names it in ``OldResourceProperties``, known only at run time), so every ``.json`` object of the bucket."""
        assert self.asset is not None
        bucket_arn = cdk.Stack.of(self).format_arn(
            service="s3", region="", account="", resource=self.asset.s3_bucket_name
        )
        arn = f"{bucket_arn}/*.json"
        acknowledge(
            self.provisioner.role,
            f"AwsSolutions-IAM5[Resource::arn:aws:s3:::{self._bucket_name_in_finding()}/*.json]",
            "The previous tenants asset's key is known only when CloudFormation sends the Update; read only, "
            "only the assets bucket's JSON objects (the tenants assets).",
        )
        return arn

    def _bucket_name_in_finding(self) -> str:
        """The bootstrap's assets bucket as cdk-nag names it (the region is the stack's, the account a token)."""
        region = cdk.Stack.of(self).region
        return f"cdk-hnb659fds-assets-<AWS::AccountId>-{'<AWS::Region>' if cdk.Token.is_unresolved(region) else region}"


@jsii.implements(IValidation)
class _Published:
    """A registry whose tenants were never published would deploy none of them: fail the synthesis instead."""

    def __init__(self, registry: TenantRegistry) -> None:
        self._registry = registry

    def validate(self) -> list[str]:
        if self._registry.resource is None and self._registry.tenants:
            return ["TenantRegistry: tenants were registered but publish() was never called"]
        return []
