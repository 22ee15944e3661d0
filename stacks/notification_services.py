"""The two notifiers, each a consumer of the status events (EventBridge -> SQS).

- ``notificaciones``: e-mails through Gmail SMTP (welcome, invitations, order status, receipts, the complaints'
  copies, the staff's e-mails by role), one ledger row per sent event;
- ``resumen-diario``: each morning, asks the e-mail notifier for each tenant's daily summary (a schedule -> SQS);
- ``realtime-notifier``: order events pushed to the WebSocket connections subscribed to them.
"""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from constructs.grants import allow, allow_secrets, index_arn
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.work_queue import CONSUMER_TIMEOUT

from stacks.data import DataStack
from stacks.messaging import MessagingStack

DEFAULT_MAIL_FROM = "Bembos <notificaciones@bembos.com.pe>"
SMTP_SECRET = "smtp/gmail"  # noqa: S105 (a name, not a password): <prefix>/smtp/gmail, created by the operator (README: deployment checklist)
BATCH_SIZE = 10


def allow_connection_pushes(
    function: ServiceFunction, websocket: apigwv2.WebSocketApi, ws_stage: apigwv2.WebSocketStage
) -> None:
    """``execute-api:ManageConnections`` on the stage's connections (their ids exist only at run time)."""
    ws_stage.grant_management_api_access(function.function)
    stack = cdk.Stack.of(function)
    api = cast(cdk.CfnElement, websocket.node.default_child)
    # The API's id as this stack names it: its logical id, or (in a nested stack of the API's stack) the parameter
    # CDK passes it through (``referenceto<unique id>Ref``).
    api_logical_id = stack.get_logical_id(api) if api.stack is stack else f"referenceto{cdk.Names.unique_id(api)}Ref"
    acknowledge(
        function.role,
        f"AwsSolutions-IAM5[Resource::arn:aws:execute-api:{stack.region}:<AWS::AccountId>:"
        f"<{api_logical_id}>/{ws_stage.stage_name}/*/@connections/*]",
        "Connection ids exist only at run time; the grant is limited to this API's stage.",
    )


class NotificationServices:
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
        self.stage, self.layer, self.data, self.messaging = stage, layer, data, messaging
        self.email = self._email_notifier(scope)
        self.daily_summaries = self._daily_summary_scheduler(scope)
        self.realtime = self._realtime_notifier(scope, websocket, ws_stage)

    def _email_notifier(self, scope: Construct) -> ServiceFunction:
        """SQS (EventBridge events) -> Gmail SMTP; the app password is in the secret ``<prefix>/smtp/gmail``."""
        data, stage = self.data, self.stage
        notifier = ServiceFunction(
            scope,
            "EmailNotifier",
            stage=stage,
            service="notificaciones",
            handler="notificaciones.handler.lambda_handler",
            layer=self.layer,
            timeout=CONSUMER_TIMEOUT,  # below the 45 s claim lease of a send
            environment={
                "SMTP_HOST": "smtp.gmail.com",
                "SMTP_PORT": "587",
                "SMTP_STARTTLS": "true",
                "SMTP_SECRET_NAME": stage.secret_name(SMTP_SECRET),
                "MAIL_FROM": str(scope.node.try_get_context("mail_from") or DEFAULT_MAIL_FROM),
                "DEDUP_TABLE": data.idempotency.table_name,
                # Order mails: the order (its customer), the tenant and its admins.
                "ORDERS_TABLE": data.orders.table_name,
                "TENANTS_TABLE": data.tenants.table_name,
                "EMPLOYEES_TABLE": data.employees.table_name,
                # Complaint mails: the entry (the bus carries no consumer data).
                "COMPLAINTS_TABLE": data.complaints.table_name,
                # Staff mails: the daily summary's locations and their metrics day rows.
                "LOCATIONS_TABLE": data.locations.table_name,
                "METRICS_TABLE": data.metrics.table_name,
            },
        )
        notifier.consume(self.messaging.email_notifications, batch_size=BATCH_SIZE)
        allow(
            notifier.role,
            ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            [data.idempotency.table_arn],
        )
        allow_secrets(notifier.role, stage.secret_name(SMTP_SECRET))
        allow(
            notifier.role,
            ["dynamodb:GetItem"],
            [data.orders.table_arn, data.tenants.table_arn, data.complaints.table_arn],
        )
        # Staff mails: a location's role (by_location), the tenant's admins (by_email), the tenant's locations, and
        # the metrics day rows of the daily summary (one BatchGetItem; GetItem is the action it needs per key).
        by_location, by_email = index_arn(data.employees, "by_location"), index_arn(data.employees, "by_email")
        allow(notifier.role, ["dynamodb:Query"], [by_location, by_email, data.locations.table_arn])
        allow(notifier.role, ["dynamodb:BatchGetItem"], [data.metrics.table_arn])
        return notifier

    def _daily_summary_scheduler(self, scope: Construct) -> ServiceFunction:
        """The schedule's SQS queue -> one DailySummaryRequested per active tenant on the bus (the notifier sends)."""
        data = self.data
        scheduler = ServiceFunction(
            scope,
            "DailySummaryScheduler",
            stage=self.stage,
            service="resumen-diario",
            handler="notificaciones.scheduler.lambda_handler",
            layer=self.layer,
            timeout=CONSUMER_TIMEOUT,  # one page of tenants per message (notificaciones.summaries)
            environment={
                "TENANTS_TABLE": data.tenants.table_name,
                "EVENT_BUS_NAME": self.messaging.bus.event_bus_name,
                "SUMMARY_QUEUE_URL": self.messaging.daily_summaries.queue.queue_url,
            },
        )
        scheduler.consume(self.messaging.daily_summaries, batch_size=1, max_concurrency=2)
        # Once a day, outside any request: the tenants table has no other way to list its tenants.
        allow(scheduler.role, ["dynamodb:Scan"], [data.tenants.table_arn])
        allow(scheduler.role, ["events:PutEvents"], [self.messaging.bus.event_bus_arn])
        self.messaging.daily_summaries.queue.grant_send_messages(scheduler.role)  # the next page's message
        return scheduler

    def _realtime_notifier(
        self, scope: Construct, websocket: apigwv2.WebSocketApi, ws_stage: apigwv2.WebSocketStage
    ) -> ServiceFunction:
        data = self.data
        notifier = ServiceFunction(
            scope,
            "RealtimeNotifier",
            stage=self.stage,
            service="realtime-notifier",
            handler="realtime.notifier.lambda_handler",
            layer=self.layer,
            timeout=CONSUMER_TIMEOUT,
            environment={
                "CONNECTIONS_TABLE": data.connections.table_name,
                "ORDERS_TABLE": data.orders.table_name,
                "WEBSOCKET_CALLBACK_URL": ws_stage.callback_url,
            },
        )
        notifier.consume(self.messaging.realtime_notifications, batch_size=BATCH_SIZE)
        allow(notifier.role, ["dynamodb:Query"], [index_arn(data.connections, "by_topic")])
        allow(notifier.role, ["dynamodb:DeleteItem"], [data.connections.table_arn])
        allow(notifier.role, ["dynamodb:GetItem"], [data.orders.table_arn])
        allow_connection_pushes(notifier, websocket, ws_stage)
        return notifier
