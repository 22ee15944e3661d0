"""The order state machine: COCINA -> EMPAQUETAMIENTO -> (DELIVERY) -> ENTREGADO.

Execution input (written by the order starter when the payment is approved)::

    {"tenant_id": "...", "order_id": "...", "location_id": "...", "dispatch": "delivery" | "pickup",
     "sla": {"cocina": 900, "empaquetamiento": 300, "delivery": 2700}}   # seconds, per tenant

Each waiting stage sends one message with the task token to its role's FIFO queue
and waits (``sqs:sendMessage.waitForTaskToken``). The stage consumer records the
order in the stage's tracking table; a staff member's "complete" calls
``SendTaskSuccess``. Only direct service integrations, no Lambda task.

Timers: the heartbeat of a stage is the tenant's time limit (SLA). When it passes,
``OrderOverdue`` goes to the bus and the stage is entered again (a new message with
a new token; the consumer keeps the claim). Each re-entry starts a new task, so the
task's timeout alone would never end an order nobody completes: the workflow counts
the overdue alerts of the order (``$.avisos.n``) and after ``MAX_OVERDUE_ALERTS`` hands
it to the admins as abandoned and ends, long before Step Functions' 25,000-event
history limit. An admin cancel is ``SendTaskFailure(error=OrderCancelled)``, caught on
every stage.

A delivered order costs 6 state transitions (COCINA, EMPAQUETAMIENTO, ¿Recojo?,
DELIVERY, DeliveryAEntregado, AnunciarEntregado); a pickup order 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct
from constructs.grants import allow_stop_executions
from constructs.stage import StageConfig

from core import contracts

JsonPath = sfn.JsonPath
Attr = tasks.DynamoAttributeValue

# The longest one entry into a stage may wait before the order is handed to an admin.
STAGE_HARD_LIMIT = cdk.Duration.hours(6)
# Overdue alerts an order may raise before it is handed to the admins as abandoned.
MAX_OVERDUE_ALERTS = 12
ORDER_ABANDONED_ERROR = "OrderAbandoned"
WORKFLOW_ACTOR = contracts.WORKFLOW_ACTOR


@dataclass(frozen=True)
class WorkflowResources:
    orders: dynamodb.ITable
    bus: events.IEventBus
    queues: dict[str, sqs.IQueue]  # stage (COCINA, ...) -> its FIFO work queue


def _order_key() -> dict[str, tasks.DynamoAttributeValue]:
    return {
        "tenant_id": Attr.from_string(JsonPath.string_at("$.tenant_id")),
        "order_id": Attr.from_string(JsonPath.string_at("$.order_id")),
    }


def _event(
    bus: events.IEventBus, detail_type: str, estado: str, *, reason_path: str | None = None
) -> tasks.EventBridgePutEventsEntry:
    detail = {
        "tenant_id": JsonPath.string_at("$.tenant_id"),
        "order_id": JsonPath.string_at("$.order_id"),
        "location_id": JsonPath.string_at("$.location_id"),
        "estado_pedido": estado,
        "dispatch": JsonPath.string_at("$.dispatch"),  # an ENTREGADO after packing was a pickup (the metrics)
        "at": JsonPath.string_at("$$.State.EnteredTime"),
        "by": WORKFLOW_ACTOR,
    }
    if reason_path:
        detail["reason"] = JsonPath.string_at(reason_path)
    return tasks.EventBridgePutEventsEntry(
        event_bus=bus,
        source=contracts.EVENT_SOURCE_ORDERS,
        detail_type=detail_type,
        detail=sfn.TaskInput.from_object(detail),
    )


class OrderWorkflow(Construct):
    """Builds the chain; ``definition`` is what the state machine runs."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: WorkflowResources) -> None:
        super().__init__(scope, construct_id)
        self.resources = resources
        needs_admin = self._needs_admin()
        cancelled = self._finish(contracts.CANCELADO, "Cancelado", needs_admin, reason_path="$.error.Cause")
        delivered = self._finish(contracts.ENTREGADO, "DeliveryAEntregado", needs_admin)
        delivery = self._stage(contracts.DELIVERY, cancelled, needs_admin).next(delivered)
        is_pickup = (
            sfn.Choice(self, "¿Recojo en tienda?")
            .when(sfn.Condition.string_equals("$.dispatch", "pickup"), delivered)
            .otherwise(delivery)
        )
        packing = self._stage(contracts.EMPAQUETAMIENTO, cancelled, needs_admin).next(is_pickup)
        kitchen = self._stage(contracts.COCINA, cancelled, needs_admin).next(packing)
        self.definition: sfn.IChainable = kitchen

    def _stage(self, stage: str, cancelled: sfn.IChainable, needs_admin: sfn.IChainable) -> tasks.SqsSendMessage:
        """One waiting stage: a message with the task token to the role's queue, then wait."""
        sla_path = f"$.sla.{stage.lower()}"
        task = tasks.SqsSendMessage(
            self,
            stage,
            queue=self.resources.queues[stage],
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            message_body=sfn.TaskInput.from_object(
                {
                    "tenant_id": JsonPath.string_at("$.tenant_id"),
                    "order_id": JsonPath.string_at("$.order_id"),
                    "location_id": JsonPath.string_at("$.location_id"),
                    "dispatch": JsonPath.string_at("$.dispatch"),
                    "stage": stage,
                    "task_token": JsonPath.task_token,
                    "entered_at": JsonPath.string_at("$$.State.EnteredTime"),
                }
            ),
            message_group_id=JsonPath.format(
                "{}#{}", JsonPath.string_at("$.tenant_id"), JsonPath.string_at("$.location_id")
            ),
            # order#stage, qualified by this entry into the state: a retried send of the same
            # entry is deduplicated, the re-entry after an overdue heartbeat is not.
            message_deduplication_id=JsonPath.format(
                "{}#{}#{}", JsonPath.string_at("$.order_id"), stage, JsonPath.string_at("$$.State.EnteredTime")
            ),
            heartbeat_timeout=sfn.Timeout.at(sla_path),
            task_timeout=sfn.Timeout.duration(STAGE_HARD_LIMIT),
            result_path=JsonPath.DISCARD,
        )
        task.add_retry(errors=["SQS.SdkClientException", "SQS.AmazonSQSException"], max_attempts=3)
        overdue = tasks.EventBridgePutEvents(
            self,
            f"{stage} vencido",
            entries=[_event(self.resources.bus, contracts.ORDER_OVERDUE, stage)],
            result_path=JsonPath.DISCARD,
        )
        overdue.next(task)
        task.add_catch(
            self._count_alert(stage, overdue, needs_admin),
            errors=["States.HeartbeatTimeout"],
            result_path=JsonPath.DISCARD,
        )
        task.add_catch(cancelled, errors=[contracts.ORDER_CANCELLED_ERROR], result_path="$.error")
        task.add_catch(needs_admin, errors=["States.ALL"], result_path="$.error")
        return task

    def _finish(
        self, estado: str, name: str, needs_admin: sfn.IChainable, *, reason_path: str | None = None
    ) -> sfn.IChainable:
        """Record the final state in Pedidos (guarded by the previous state), then announce it on the bus.

        An order that is no longer in a state that allows this end (say, cancelled meanwhile)
        fails the condition and goes to the admins instead of being overwritten.
        """
        previous = (
            [contracts.DELIVERY, contracts.EMPAQUETAMIENTO]
            if estado == contracts.ENTREGADO
            else [contracts.COCINA, contracts.EMPAQUETAMIENTO, contracts.DELIVERY, contracts.PAGADO]
        )
        values = {f":prev{i}": Attr.from_string(s) for i, s in enumerate(previous)}
        history_entry: dict[str, tasks.DynamoAttributeValue] = {
            "estado": Attr.from_string(estado),
            "at": Attr.from_string(JsonPath.string_at("$$.State.EnteredTime")),
            "by": Attr.from_string(WORKFLOW_ACTOR),
        }
        if reason_path:
            history_entry["reason"] = Attr.from_string(JsonPath.string_at(reason_path))
        record = tasks.DynamoUpdateItem(
            self,
            name,
            table=self.resources.orders,
            key=_order_key(),
            update_expression=(
                "SET estado_pedido = :estado, updated_at = :at, location_state_key = :lsk, "
                "history = list_append(history, :entry)"
            ),
            condition_expression=f"estado_pedido IN ({', '.join(values)})",
            expression_attribute_values={
                ":estado": Attr.from_string(estado),
                ":at": Attr.from_string(JsonPath.string_at("$$.State.EnteredTime")),
                ":lsk": Attr.from_string(
                    JsonPath.format(
                        "{}#{}#{}", JsonPath.string_at("$.tenant_id"), JsonPath.string_at("$.location_id"), estado
                    )
                ),
                ":entry": Attr.from_list([Attr.from_map(history_entry)]),
                **values,
            },
            result_path=JsonPath.DISCARD,
        )
        record.add_catch(needs_admin, errors=["States.ALL"], result_path="$.error")
        announce = tasks.EventBridgePutEvents(
            self,
            f"Anunciar {estado}",
            entries=[_event(self.resources.bus, contracts.ORDER_STATUS_CHANGED, estado, reason_path=reason_path)],
            result_path=JsonPath.DISCARD,
        )
        return record.next(announce)

    def _count_alert(self, stage: str, overdue: sfn.IChainable, needs_admin: sfn.IChainable) -> sfn.IChainable:
        """One more overdue alert of the order; past ``MAX_OVERDUE_ALERTS`` the order is abandoned: admins."""
        first = sfn.Pass(
            self, f"{stage}: primer aviso", result=sfn.Result.from_object({"n": 1}), result_path="$.avisos"
        )
        another = sfn.Pass(
            self,
            f"{stage}: otro aviso",
            parameters={"n.$": "States.MathAdd($.avisos.n, 1)"},
            result_path="$.avisos",
        )
        abandoned = sfn.Pass(
            self,
            f"{stage}: abandonado",
            result=sfn.Result.from_object(
                {"Error": ORDER_ABANDONED_ERROR, "Cause": f"{MAX_OVERDUE_ALERTS} overdue alerts and still in {stage}"}
            ),
            result_path="$.error",
        ).next(needs_admin)
        too_many = (
            sfn.Choice(self, f"{stage}: ¿abandonado?")
            .when(sfn.Condition.number_greater_than("$.avisos.n", MAX_OVERDUE_ALERTS), abandoned)
            .otherwise(overdue)
        )
        first.next(too_many)
        another.next(too_many)
        return (
            sfn.Choice(self, f"{stage}: ¿avisos previos?")
            .when(sfn.Condition.is_present("$.avisos.n"), another)
            .otherwise(first)
        )

    def _needs_admin(self) -> sfn.IChainable:
        """An unexpected failure or the hard limit: tell the admins, then fail visibly."""
        alert = tasks.EventBridgePutEvents(
            self,
            "Requiere administrador",
            entries=[
                _event(self.resources.bus, contracts.ORDER_OVERDUE, "REQUIERE_ADMIN", reason_path="$.error.Error")
            ],
            result_path=JsonPath.DISCARD,
        )
        return alert.next(sfn.Fail(self, "Fallido", error="OrderNeedsAdmin", cause="See the OrderOverdue event"))


def allow_stopping_orders(role: iam.IRole, stage: StageConfig, *, also_describe: bool = False) -> None:
    """``states:StopExecution`` on the order workflow's executions: a cancelled order's must not go on; with
    ``also_describe``, ``DescribeExecution`` too (an admin's cancel asks whether an order's workflow still runs)."""
    allow_stop_executions(
        role,
        stage.order_workflow_name,
        reason="Executions are named after orders at run time; StopExecution (and DescribeExecution) is limited to "
        "the order state machine's executions (a cancelled order whose workflow must not go on).",
        also_describe=also_describe,
    )
