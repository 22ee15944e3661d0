"""DataStack: the tables of the data model and the menu images bucket."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct
from constructs.nag import acknowledge
from constructs.stage import StageConfig
from constructs.tenant_registry import TenantTables

from core import contracts

S = dynamodb.AttributeType.STRING
ATTRIBUTE_TYPES = {"S": S, "N": dynamodb.AttributeType.NUMBER}


class DataStack(cdk.Stack):
    """Every table is partitioned by ``tenant_id``; each access pattern is a GetItem or a Query."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        tables = {name: self._table(schema) for name, schema in contracts.TABLES.items()}
        self.tables = tables
        self.tenants, self.users, self.tokens = tables["tenants"], tables["usuarios"], tables["tokens"]
        self.employees, self.products, self.combos = tables["empleados"], tables["productos"], tables["combos"]
        self.locations, self.orders = tables["locales"], tables["pedidos"]
        self.connections, self.idempotency = tables["conexiones"], tables["idempotencia"]
        self.metrics = tables["metricas"]  # the admins' business metrics (services/metricas)
        self.complaints = tables["reclamaciones"]  # the Libro de Reclamaciones (services/reclamos)
        self.messages = tables["mensajes"]  # the staff messages (services/realtime)
        self.points = tables["puntos"]  # loyalty points: balances, ledgers, marks (services/puntos)
        # Stage tracking tables (Cocina, Despachador, Delivery), by stage state.
        self.stage_tables = {stage.state: tables[stage.table] for stage in contracts.STAGES.values()}
        self.images = self._images_bucket()
        self.tenant_tables = TenantTables(tenants=self.tenants, locations=self.locations, employees=self.employees)

    def stage_table_settings(self) -> dict[str, str]:
        """The environment naming each stage's tracking table (``COCINA_TABLE``, ...)."""
        return {stage.table_setting: self.stage_tables[stage.state].table_name for stage in contracts.STAGES.values()}

    def _table(self, schema: contracts.Table) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            schema.logical_id,
            table_name=f"{self.stage.prefix}-{schema.name}",
            partition_key=dynamodb.Attribute(name="tenant_id", type=S),
            sort_key=dynamodb.Attribute(name=schema.sort_key, type=S) if schema.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=self.stage.production_like
            ),
            deletion_protection=self.stage.retain_data,
            removal_policy=self.stage.removal_policy,
            time_to_live_attribute=schema.ttl,
        )
        for index in schema.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=dynamodb.Attribute(name=index.partition_key, type=S),
                sort_key=dynamodb.Attribute(name=index.sort_key, type=ATTRIBUTE_TYPES[index.sort_key_type])
                if index.sort_key
                else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        if not self.stage.production_like:
            acknowledge(
                table,
                "AwsSolutions-DDB3",
                "dev stage: data is disposable demo data; staging and prod enable point-in-time recovery.",
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
            versioned=self.stage.production_like,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="images/",
            removal_policy=self.stage.removal_policy,
            auto_delete_objects=not self.stage.retain_data,
            # CORS: set by FrontendStack, where the web apps' origins exist (see FrontendStack._allow_uploads).
        )
