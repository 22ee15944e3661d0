"""``WorkQueue``: an SQS queue with its dead-letter queue and alarms."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from constructs.stage import StageConfig

# How long any queue consumer may run, and how long its queue hides a received message: six times
# that, AWS's guidance for Lambda event sources, so a slow batch is never handed out twice.
CONSUMER_TIMEOUT = cdk.Duration.seconds(30)
VISIBILITY_TIMEOUT = cdk.Duration.seconds(6 * 30)
DEFAULT_MAX_CONCURRENCY = 5


class WorkQueue(Construct):
    """A queue (FIFO or standard), its DLQ with a redrive policy, and two alarms.

    FIFO queues use explicit deduplication ids (content-based dedup off) and
    high-throughput mode (dedup and throughput per message group). The alarms
    fire when anything lands in the DLQ and when the oldest message waits longer
    than ``max_age``; both notify the stage's alarm topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        name: str,
        fifo: bool,
        alarm_topic: sns.ITopic,
        visibility_timeout: cdk.Duration | None = None,
        max_receive_count: int = 5,
        max_age: cdk.Duration | None = None,
        delivery_delay: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        suffix = ".fifo" if fifo else ""
        # The physical names as plain strings: what CloudWatch names the queues' metrics by (see ServiceFunction).
        self.name = name
        self.queue_name = f"{stage.prefix}-{name}{suffix}"
        self.dead_letter_queue_name = f"{stage.prefix}-{name}-dlq{suffix}"
        fifo_settings = (
            dict(
                fifo=True,
                content_based_deduplication=False,
                deduplication_scope=sqs.DeduplicationScope.MESSAGE_GROUP,
                fifo_throughput_limit=sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
            )
            if fifo
            else {}
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "Dlq",
            queue_name=self.dead_letter_queue_name,
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=stage.removal_policy,
            **fifo_settings,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=self.queue_name,
            visibility_timeout=visibility_timeout or VISIBILITY_TIMEOUT,
            retention_period=cdk.Duration.days(4),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=stage.removal_policy,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=max_receive_count),
            delivery_delay=delivery_delay,
            **fifo_settings,
        )
        self.visibility_timeout = visibility_timeout or VISIBILITY_TIMEOUT
        self._alarms(name, alarm_topic, max_age or cdk.Duration.minutes(15))

    def consumed_by(
        self,
        function: lambda_.Function,
        *,
        batch_size: int,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        timeout: cdk.Duration = CONSUMER_TIMEOUT,
    ) -> None:
        """Deliver this queue to ``function`` (partial batch failures), never faster than it can take.

        ``max_concurrency`` caps the pollers' concurrent invocations: throttled receives would
        otherwise count toward ``maxReceiveCount`` and push good messages (a stage's task token)
        into the DLQ. ``timeout`` is the function's; the queue's visibility must be six times it.
        """
        if self.visibility_timeout.to_seconds() < 6 * timeout.to_seconds():
            raise ValueError(
                f"{self.node.path}: visibility timeout below 6x the consumer's {timeout.to_human_string()}"
            )
        function.add_event_source(
            event_sources.SqsEventSource(
                self.queue, batch_size=batch_size, report_batch_item_failures=True, max_concurrency=max_concurrency
            )
        )

    def _alarms(self, name: str, topic: sns.ITopic, max_age: cdk.Duration) -> None:
        action = cw_actions.SnsAction(topic)
        dlq_alarm = cloudwatch.Alarm(
            self,
            "DlqNotEmpty",
            alarm_description=f"{name}: messages reached the dead-letter queue",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(1), statistic="Maximum"
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        age_alarm = cloudwatch.Alarm(
            self,
            "OldestMessageAge",
            alarm_description=f"{name}: a message has waited longer than {max_age.to_human_string()}",
            metric=self.queue.metric_approximate_age_of_oldest_message(
                period=cdk.Duration.minutes(1), statistic="Maximum"
            ),
            threshold=max_age.to_seconds(),
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for alarm in (dlq_alarm, age_alarm):
            alarm.add_alarm_action(action)
