"""DataStack: the tables of the data model and the menu images bucket."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct
from constructs.nag import acknowledge
from constructs.stage import StageConfig
from constructs.tenant import TenantTables

from core import contracts

S = dynamodb.AttributeType.STRING
N = dynamodb.AttributeType.NUMBER


@dataclass(frozen=True)
class Gsi:
    name: str
    partition_key: str
    sort_key: str | None = None
    sort_key_type: dynamodb.AttributeType = S


class DataStack(cdk.Stack):
    """Every table is partitioned by ``tenant_id``; each access pattern is a GetItem or a Query."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        self.tenants = self._table("Tenants", "tenants", sort_key=None)
        self.users = self._table("Users", "usuarios", "user_id", gsis=[Gsi("by_email", "tenant_id", "email")])
        self.tokens = self._table(
            "Tokens", "tokens", "token_hash", ttl="expires_at", gsis=[Gsi("by_subject", "subject_key", "expires_at", N)]
        )
        self.employees = self._table(
            "Employees",
            "empleados",
            "employee_id",
            gsis=[Gsi("by_email", "tenant_id", "email"), Gsi("by_location", "tenant_location", "rol")],
        )
        self.products = self._table("Products", "productos", "product_id")
        self.combos = self._table("Combos", "combos", "combo_id")
        self.locations = self._table("Locations", "locales", "location_id")
        self.orders = self._table(
            "Orders",
            "pedidos",
            "order_id",
            ttl="expires_at",
            gsis=[
                # a customer's orders, newest first: tenant#customer / created_at
                Gsi("by_customer", "customer_key", "created_at"),
                # a location's orders in one state: tenant#location#estado / created_at
                Gsi("by_location_state", "location_state_key", "created_at"),
            ],
        )
        # Stage tracking tables (Cocina, Despachador, Delivery), by stage. The sparse GSI holds only the
        # orders still waiting (pending or claimed), so a staff queue view is one Query.
        self.stage_tables = {
            stage.state: self._table(
                stage.table.capitalize(),
                stage.table,
                "order_id",
                ttl="expires_at",
                gsis=[Gsi("by_queue", "queue_key", "enqueued_at")],
            )
            for stage in contracts.STAGES.values()
        }
        self.connections = self._table(
            "Connections",
            "conexiones",
            "connection_id",
            ttl="expires_at",
            gsis=[Gsi("by_topic", "topic", "connection_id")],
        )
        # Dedup records of asynchronous side effects (e.g. one email per event id), short-lived.
        self.idempotency = self._table("Idempotency", "idempotencia", "idempotency_key", ttl="expires_at")
        self.images = self._images_bucket()
        self.tenant_tables = TenantTables(tenants=self.tenants, locations=self.locations, employees=self.employees)

    def stage_table_settings(self) -> dict[str, str]:
        """The environment naming each stage's tracking table (``COCINA_TABLE``, ...)."""
        return {stage.table_setting: self.stage_tables[stage.state].table_name for stage in contracts.STAGES.values()}

    def _table(
        self,
        logical_id: str,
        name: str,
        sort_key: str | None,
        *,
        ttl: str | None = None,
        gsis: list[Gsi] | None = None,
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            logical_id,
            table_name=f"{self.stage.prefix}-{name}",
            partition_key=dynamodb.Attribute(name="tenant_id", type=S),
            sort_key=dynamodb.Attribute(name=sort_key, type=S) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=self.stage.is_prod
            ),
            deletion_protection=self.stage.is_prod,
            removal_policy=self.stage.removal_policy,
            time_to_live_attribute=ttl,
        )
        for gsi in gsis or []:
            table.add_global_secondary_index(
                index_name=gsi.name,
                partition_key=dynamodb.Attribute(name=gsi.partition_key, type=S),
                sort_key=dynamodb.Attribute(name=gsi.sort_key, type=gsi.sort_key_type) if gsi.sort_key else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        if not self.stage.is_prod:
            acknowledge(
                table,
                "AwsSolutions-DDB3",
                "dev stage: data is disposable demo data; prod enables point-in-time recovery.",
            )
        return table

    def _images_bucket(self) -> s3.Bucket:
        logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            removal_policy=self.stage.removal_policy,
            auto_delete_objects=not self.stage.retain_data,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
        )
        acknowledge(
            logs_bucket,
            "AwsSolutions-S1",
            "This is the access-log destination of the images bucket; logging it would recurse.",
        )
        return s3.Bucket(
            self,
            "Images",
            bucket_name=None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=self.stage.is_prod,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="images/",
            removal_policy=self.stage.removal_policy,
            auto_delete_objects=not self.stage.retain_data,
            # CORS: set by FrontendStack, where the web apps' origins exist (see FrontendStack._allow_uploads).
        )
