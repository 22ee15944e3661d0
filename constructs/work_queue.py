"""``WorkQueue``: an SQS queue with its dead-letter queue and alarms."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import StageConfig


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
    ) -> None:
        super().__init__(scope, construct_id)
        suffix = ".fifo" if fifo else ""
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
            queue_name=f"{stage.prefix}-{name}-dlq{suffix}",
            retention_period=cdk.Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=stage.removal_policy,
            **fifo_settings,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=f"{stage.prefix}-{name}{suffix}",
            visibility_timeout=visibility_timeout or cdk.Duration.seconds(60),
            retention_period=cdk.Duration.days(4),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=stage.removal_policy,
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=max_receive_count),
            **fifo_settings,
        )
        self._alarms(name, alarm_topic, max_age or cdk.Duration.minutes(15))

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
