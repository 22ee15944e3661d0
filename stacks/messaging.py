"""MessagingStack: the event bus, the payment-approved topic and every queue of the platform."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct
from constructs.stage import StageConfig
from constructs.work_queue import WorkQueue

from core import contracts

DAILY_SUMMARY_SCHEDULE = "cron(0 12 * * ? *)"  # 12:00 UTC is 07:00 in Lima all year


class MessagingStack(cdk.Stack):
    """Every asynchronous hop lands in an SQS queue (retries, DLQ, partial batch failures)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        self.alarm_topic = self._alarm_topic()
        if stage.alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(stage.alarm_email))
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{stage.prefix}-eventos")

        # SNS "payment approved" -> SQS -> order starter.
        self.payment_approved_topic = self._topic("PaymentApproved", "pago-aprobado")
        self.payment_approved = self._queue("PaymentApprovedQueue", "pago-aprobado", fifo=False)
        self.payment_approved_topic.add_subscription(
            subscriptions.SqsSubscription(self.payment_approved.queue, raw_message_delivery=True)
        )

        # The work trays, one FIFO queue per staff role (group = tenant#location).
        self.work_queues = {
            stage.state: self._queue(f"{stage.slug.capitalize()}Queue", stage.slug, fifo=True)
            for stage in contracts.STAGES.values()
        }

        # EventBridge -> SQS for the two notifiers.
        self.email_notifications = self._queue("EmailQueue", "notificaciones-email", fifo=False)
        self.realtime_notifications = self._queue("RealtimeQueue", "notificaciones-realtime", fifo=False)
        self._rule(
            "EmailRule",
            self.email_notifications,
            sources=[
                contracts.EVENT_SOURCE_ORDERS,
                contracts.EVENT_SOURCE_IDENTITY,
                contracts.EVENT_SOURCE_COMPLAINTS,
                contracts.EVENT_SOURCE_NOTIFICATIONS,
            ],
            detail_types=[
                contracts.ORDER_STATUS_CHANGED,
                contracts.ORDER_OVERDUE,
                contracts.CUSTOMER_REGISTERED,
                contracts.CUSTOMER_VERIFICATION_REQUESTED,
                contracts.CUSTOMER_PASSWORD_RESET_REQUESTED,
                contracts.CUSTOMER_REGISTRATION_REPEATED,
                contracts.EMPLOYEE_INVITED,
                contracts.COMPLAINT_FILED,  # the consumer's dated copy of the entry
                contracts.COMPLAINT_ANSWERED,  # the business's answer
                contracts.DAILY_SUMMARY_REQUESTED,  # a tenant's daily summary for its admins
            ],
        )
        # The admins' daily summary: a schedule each morning in Lima -> SQS -> the scheduler, which asks the e-mail
        # notifier for each tenant's summary of the previous day (notificaciones.summaries).
        self.daily_summaries = self._queue("DailySummaryQueue", "resumen-diario", fifo=False)
        events.Rule(
            self,
            "DailySummarySchedule",
            description="07:00 in Lima (UTC-5, no daylight saving): the admins' summary of the previous day",
            schedule=events.Schedule.expression(DAILY_SUMMARY_SCHEDULE),
            targets=[
                targets.SqsQueue(self.daily_summaries.queue, dead_letter_queue=self.daily_summaries.dead_letter_queue)
            ],
        )
        # Tenant onboarding -> EventBridge -> SQS -> invitations worker (the first admin's invitation).
        self.invitation_requests = self._queue("InvitationsQueue", "invitaciones", fifo=False)
        # A staff completion asks to be checked a little later: if its SendTaskSuccess never happened
        # (a timeout after the tracking row was written), the checker tells the workflow (etapas.checker).
        self.completion_checks = self._queue(
            "CompletionChecksQueue",
            "etapas-verificacion",
            fifo=False,
            delivery_delay=cdk.Duration.seconds(contracts.COMPLETION_CHECK_DELAY_SECONDS),
        )
        # Each order's payment review (pagos.reconciliation): delayed per message, by the sender (at most 15 min), so
        # a delayed message is older than the age alarm's default when it is read: that alarm waits longer here.
        self.payment_reviews = self._queue(
            "PaymentReviewsQueue",
            "pagos-revision",
            fifo=False,
            max_age=cdk.Duration.seconds(contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS + 15 * 60),
        )
        # The tenants' provisioner (stacks/tenants.py) deploys after this stack: the rule and the queue's policies
        # exist before any first admin's invitation is asked for.
        self._rule(
            "InvitationsRule",
            self.invitation_requests,
            sources=[contracts.EVENT_SOURCE_IDENTITY],
            detail_types=[contracts.EMPLOYEE_INVITATION_REQUESTED],
        )
        # A tenant removed from the stage's tenants is suspended: EventBridge -> SQS -> its sockets closed.
        self.tenant_suspensions = self._queue("TenantSuspensionsQueue", "tenants-suspendidos", fifo=False)
        self._rule(
            "TenantSuspensionsRule",
            self.tenant_suspensions,
            sources=[contracts.EVENT_SOURCE_TENANTS],
            detail_types=[contracts.TENANT_SUSPENDED],
        )
        self._rule(
            "RealtimeRule",
            self.realtime_notifications,
            sources=[contracts.EVENT_SOURCE_ORDERS, contracts.EVENT_SOURCE_COMPLAINTS],
            detail_types=[
                contracts.ORDER_STATUS_CHANGED,
                contracts.ORDER_OVERDUE,
                contracts.COMPLAINT_FILED,
                contracts.COMPLAINT_ANSWERED,
            ],
        )
        # EventBridge -> SQS -> the metrics consumer: the admins' business metrics, aggregated on write.
        self.metrics = self._queue("MetricsQueue", "metricas", fifo=False)
        self._rule(
            "MetricsRule",
            self.metrics,
            sources=[contracts.EVENT_SOURCE_ORDERS],
            detail_types=[contracts.ORDER_STATUS_CHANGED, contracts.ORDER_OVERDUE],
        )
        # EventBridge -> SQS -> the points consumer: only the events that move points reach its queue (an order
        # delivered; a refund the payments service hands to the admins), so the consumer runs for nothing else.
        self.points = self._queue("PointsQueue", "puntos", fifo=False)
        self._rule(
            "PointsDeliveredRule",
            self.points,
            sources=[contracts.EVENT_SOURCE_ORDERS],
            detail_types=[contracts.ORDER_STATUS_CHANGED],
            detail={"estado_pedido": [contracts.ENTREGADO]},
        )
        self._rule(
            "PointsRefundedRule",
            self.points,
            sources=[contracts.EVENT_SOURCE_ORDERS],
            detail_types=[contracts.ORDER_OVERDUE],
            detail={"estado_pedido": [contracts.REQUIRES_ADMIN], "reason": list(contracts.POINTS_REVERSAL_REASONS)},
        )

    def _alarm_topic(self) -> sns.Topic:
        """The topic every alarm notifies. CloudWatch publishes to it as a service, which the AWS-managed
        SNS key does not allow: the topic has its own key that lets CloudWatch encrypt, and a policy that
        lets CloudWatch alarms of this account publish (beside the TLS-only Deny)."""
        key = kms.Key(
            self,
            "AlarmsKey",
            description=f"{self.stage.prefix}: encrypts the alarm topic (CloudWatch alarms publish to it)",
            enable_key_rotation=True,
            removal_policy=self.stage.removal_policy,
        )
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[cloudwatch],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        topic = sns.Topic(self, "Alarms", topic_name=f"{self.stage.prefix}-alarmas", master_key=key, enforce_ssl=True)
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=[cloudwatch],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{self.partition}:cloudwatch:{self.region}:{self.account}:alarm:*"
                    },
                },
            )
        )
        return topic

    def _topic(self, logical_id: str, name: str) -> sns.Topic:
        return sns.Topic(
            self,
            logical_id,
            topic_name=f"{self.stage.prefix}-{name}",
            master_key=kms.Alias.from_alias_name(self, f"{logical_id}Key", "alias/aws/sns"),
            enforce_ssl=True,
        )

    def _queue(
        self,
        logical_id: str,
        name: str,
        *,
        fifo: bool,
        delivery_delay: cdk.Duration | None = None,
        max_age: cdk.Duration | None = None,
    ) -> WorkQueue:
        return WorkQueue(
            self,
            logical_id,
            stage=self.stage,
            name=name,
            fifo=fifo,
            alarm_topic=self.alarm_topic,
            delivery_delay=delivery_delay,
            max_age=max_age,
        )

    def _rule(
        self,
        logical_id: str,
        work_queue: WorkQueue,
        *,
        sources: list[str],
        detail_types: list[str],
        detail: dict[str, list[str]] | None = None,
    ) -> events.Rule:
        return events.Rule(
            self,
            logical_id,
            event_bus=self.bus,
            event_pattern=events.EventPattern(source=sources, detail_type=detail_types, detail=detail),
            targets=[targets.SqsQueue(work_queue.queue, dead_letter_queue=work_queue.dead_letter_queue)],
        )
