"""OperationsStack: the stage's CloudWatch dashboard and alarms, watching the other stacks' resources by name."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from constructs import Construct
from constructs.operations import Operations, QueueNames, Watched
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.work_queue import WorkQueue

from stacks.api import ApiStack
from stacks.messaging import MessagingStack


class OperationsStack(cdk.Stack):
    """Every function and queue of ``watched`` stacks is found by its construct's type, so a new one is watched
    (and alarmed) without a line here. Nothing else refers to this stack: it deploys last and can change alone."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        watched: Sequence[cdk.Stack],
        messaging: MessagingStack,
        api: ApiStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        constructs = [c for stack in watched for c in stack.node.find_all()]
        self.operations = Operations(
            self,
            "Operations",
            stage=stage,
            watched=Watched(
                functions=[c.function_name for c in constructs if isinstance(c, ServiceFunction)],
                errors_are_answers=[
                    c.function_name for c in constructs if isinstance(c, ServiceFunction) and c.errors_are_answers
                ],
                queues=[
                    QueueNames(c.queue_name, c.dead_letter_queue_name) for c in constructs if isinstance(c, WorkQueue)
                ],
                stage_queues={state: queue.queue_name for state, queue in messaging.work_queues.items()},
                state_machine=stage.order_workflow_name,
                rest_api=api.api.rest_api_name,
            ),
            alarm_topic=messaging.alarm_topic,
        )
        for stack in watched:
            self.add_stack_dependency(stack, "watches its resources by name")
