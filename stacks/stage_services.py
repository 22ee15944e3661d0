"""The stage service (`etapas`): the stage consumer and the staff routes of the three waiting stages.

- ``etapas-consumidor``: one function consuming the three role FIFO queues (PagadoACocina,
  CocinaAEmpaquetamiento, EmpaquetamientoADelivery): the tracking row and Pedidos in one
  transaction, then ``OrderStatusChanged``;
- ``etapas``: ``/cocina``, ``/empaquetamiento``, ``/delivery`` (queue view, ``tomar``, ``completar``);
- ``etapas-verificador``: the delayed check of each completion (tells the workflow if it never heard).

Every statement names the exact actions on the exact tables, indexes, bus and state machine.
"""

from __future__ import annotations

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from constructs.grants import allow, index_arn
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from core import contracts
from stacks.data import DataStack
from stacks.messaging import MessagingStack
from workflow.order_workflow import allow_stopping_orders

CONSUMER_BATCH_SIZE = 10


class StageServices:
    def __init__(
        self,
        scope: Construct,
        *,
        endpoint: RestEndpoint,
        data: DataStack,
        messaging: MessagingStack,
        state_machine: sfn.IStateMachine,
    ) -> None:
        self.data, self.messaging, self.state_machine = data, messaging, state_machine
        self.environment = {"ORDERS_TABLE": data.orders.table_name, **data.stage_table_settings()}
        self.consumer = self._stage_consumer(scope, endpoint)
        self.staff = self._staff_routes(scope, endpoint)
        self.checker = self._completion_checker(scope, endpoint)

    def _stage_consumer(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data, bus = self.data, self.messaging.bus
        consumer = ServiceFunction(
            scope,
            "StageConsumer",
            stage=endpoint.stage,
            service="etapas-consumidor",
            handler="etapas.consumer.lambda_handler",
            layer=endpoint.layer,
            timeout=CONSUMER_TIMEOUT,
            environment={
                **self.environment,
                "EVENT_BUS_NAME": bus.event_bus_name,
                "STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
            },
            description=", ".join(stage.transition for stage in contracts.STAGES.values()),
        )
        for work in self.messaging.work_queues.values():
            consumer.consume(work, batch_size=CONSUMER_BATCH_SIZE)
        stage_arns = [t.table_arn for t in data.stage_tables.values()]
        allow(consumer.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(consumer.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], stage_arns)
        allow(consumer.role, ["events:PutEvents"], [bus.event_bus_arn])
        # An overdue re-entry of a stage completed meanwhile is completed with its new token.
        allow(consumer.role, ["states:SendTaskSuccess"], [self.state_machine.state_machine_arn])
        allow_stopping_orders(consumer.role, endpoint.stage)  # an order cancelled before its stage took it
        return consumer

    def _staff_routes(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        routes = []
        for stage in contracts.STAGES.values():
            routes += [
                Route("GET", f"/{stage.slug}"),
                Route("POST", f"/{stage.slug}/{{order_id}}/tomar"),
                Route("POST", f"/{stage.slug}/{{order_id}}/completar"),
            ]
        staff = Microservice(
            scope,
            "Etapas",
            endpoint=endpoint,
            service="etapas",
            handler="etapas.handler.lambda_handler",
            routes=routes,
            environment={
                **self.environment,
                "COMPLETION_CHECKS_QUEUE_URL": self.messaging.completion_checks.queue.queue_url,
            },
        )
        tables = list(self.data.stage_tables.values())
        # Each completar asks for its delayed check (etapas.checker) before it writes.
        allow(staff.role, ["sqs:SendMessage"], [self.messaging.completion_checks.queue.queue_arn])
        allow(staff.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [self.data.orders.table_arn])
        allow(staff.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [t.table_arn for t in tables])
        allow(staff.role, ["dynamodb:Query"], [index_arn(t, "by_queue") for t in tables])
        allow(staff.role, ["states:SendTaskSuccess"], [self.state_machine.state_machine_arn])
        return staff

    def _completion_checker(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data = self.data
        checker = ServiceFunction(
            scope,
            "CompletionChecker",
            stage=endpoint.stage,
            service="etapas-verificador",
            handler="etapas.checker.lambda_handler",
            layer=endpoint.layer,
            timeout=CONSUMER_TIMEOUT,
            environment=self.environment,
            description="Tells the workflow of a staff completion it never heard of",
        )
        checker.consume(self.messaging.completion_checks, batch_size=CONSUMER_BATCH_SIZE)
        stage_arns = [t.table_arn for t in data.stage_tables.values()]
        allow(checker.role, ["dynamodb:GetItem"], [data.orders.table_arn, *stage_arns])
        allow(checker.role, ["states:SendTaskSuccess"], [self.state_machine.state_machine_arn])
        return checker
