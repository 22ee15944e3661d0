"""TenantsStack: the stage's tenants as data (one asset, one custom resource) and what a suspension closes.

- ``TenantRegistry``: the provisioner function and the ``Custom::Tenants`` resource that applies every
  ``Tenant(...)`` of ``app.py`` and of the stage's tenants file (``constructs/tenant_registry.py``);
- ``TenantSockets``: the consumer of ``TenantSuspended`` (EventBridge -> SQS) that closes the suspended tenant's
  WebSocket connections (``realtime.suspensions``); it is built in the Api stack, beside the WebSocket API.

The stack deploys after Data and Messaging (the bus, the invitations rule and queue), so the first admins'
invitations always find their way, and after Api, whose usage plans each tenant's API key joins by its tier.
Its size does not depend on the number of tenants.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from constructs.dependencies_layer import DependenciesLayer
from constructs.grants import allow
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.tenant_registry import TenantRegistry
from constructs.usage_plans import UsagePlans
from constructs.work_queue import CONSUMER_TIMEOUT

from stacks.data import DataStack
from stacks.messaging import MessagingStack
from stacks.notification_services import allow_connection_pushes

BATCH_SIZE = 10


class TenantsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        data: DataStack,
        messaging: MessagingStack,
        usage_plans: UsagePlans,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        layer = DependenciesLayer(self, "Dependencies").layer
        self.registry = TenantRegistry(
            self,
            "Tenants",
            stage=stage,
            tables=data.tenant_tables,
            bus=messaging.bus,
            layer=layer,
            usage_plans=usage_plans,
        )


class TenantSockets:
    """The consumer of ``TenantSuspended`` that closes the tenant's sockets, built in ``scope``: the stack of the
    WebSocket API (its grant names that API's stage; the Api stack, which has the layer)."""

    def __init__(
        self,
        scope: Construct,
        *,
        stage: StageConfig,
        layer: lambda_.ILayerVersion,
        data: DataStack,
        messaging: MessagingStack,
        websocket: apigwv2.WebSocketApi,
        ws_stage: apigwv2.WebSocketStage,
    ) -> None:
        sockets = ServiceFunction(
            scope,
            "TenantSockets",
            stage=stage,
            service="tenant-sockets",
            handler="realtime.suspensions.lambda_handler",
            layer=layer,
            timeout=CONSUMER_TIMEOUT,
            environment={
                "CONNECTIONS_TABLE": data.connections.table_name,
                "WEBSOCKET_CALLBACK_URL": ws_stage.callback_url,
            },
        )
        sockets.consume(messaging.tenant_suspensions, batch_size=BATCH_SIZE)
        allow(sockets.role, ["dynamodb:Query", "dynamodb:DeleteItem"], [data.connections.table_arn])
        allow_connection_pushes(sockets, websocket, ws_stage)
        self.function = sockets
