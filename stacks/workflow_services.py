"""The workflow's Lambda side, added to the ApiStack: the stage consumer, the staff routes, the realtime notifier.

- ``etapas-consumidor``: one function consuming the three role FIFO queues (PagadoACocina,
  CocinaAEmpaquetamiento, EmpaquetamientoADelivery): the tracking row and Pedidos in one
  transaction, then ``OrderStatusChanged``;
- ``etapas``: ``/cocina``, ``/empaquetamiento``, ``/delivery`` (queue view, ``tomar``, ``completar``);
- ``realtime-notifier``: order events (EventBridge -> SQS) pushed to WebSocket connections.

Every statement names the exact actions on the exact tables, indexes, bus and state machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import aws_cdk as cdk
from constructs.grants import allow, index_arn
from constructs.microservice import Route
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from services.core import contracts
from stacks.order_services import grant_stop_order_executions

if TYPE_CHECKING:  # the ApiStack calls add_workflow_services at the end of its __init__
    from stacks.api import ApiStack

STAGE_PATHS = ("cocina", "empaquetamiento", "delivery")
CONSUMER_BATCH_SIZE = 10
NOTIFIER_BATCH_SIZE = 10


def _stage_environment(api: ApiStack) -> dict[str, str]:
    tables = api.data.stage_tables
    return {
        "ORDERS_TABLE": api.data.orders.table_name,
        "COCINA_TABLE": tables["cocina"].table_name,
        "DESPACHADOR_TABLE": tables["despachador"].table_name,
        "DELIVERY_TABLE": tables["delivery"].table_name,
    }


def add_workflow_services(api: ApiStack) -> None:
    _stage_consumer(api)
    _staff_routes(api)
    _realtime_notifier(api)
    email_notifier = api.node.try_find_child("EmailNotifier")
    if isinstance(email_notifier, ServiceFunction):
        grant_order_mails(api, email_notifier)


def _stage_consumer(api: ApiStack) -> ServiceFunction:
    data = api.data
    consumer = ServiceFunction(
        api,
        "StageConsumer",
        stage=api.stage,
        service="etapas-consumidor",
        handler="etapas.consumer.lambda_handler",
        layer=api.layer,
        timeout=CONSUMER_TIMEOUT,
        environment={
            **_stage_environment(api),
            "EVENT_BUS_NAME": api.messaging.bus.event_bus_name,
            "STATE_MACHINE_ARN": api.workflow.state_machine.state_machine_arn,
        },
        description="PagadoACocina, CocinaAEmpaquetamiento, EmpaquetamientoADelivery",
    )
    for stage in (contracts.COCINA, contracts.EMPAQUETAMIENTO, contracts.DELIVERY):
        api.messaging.work_queues[stage].consumed_by(consumer.function, batch_size=CONSUMER_BATCH_SIZE)
    stage_arns = [t.table_arn for t in data.stage_tables.values()]
    allow(consumer.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
    allow(consumer.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], stage_arns)
    allow(consumer.role, ["events:PutEvents"], [api.messaging.bus.event_bus_arn])
    # An overdue re-entry of a stage completed meanwhile is completed with its new token.
    allow(consumer.role, ["states:SendTaskSuccess"], [api.workflow.state_machine.state_machine_arn])
    grant_stop_order_executions(api, consumer.role)  # an order cancelled before its stage took it
    return consumer


def _staff_routes(api: ApiStack) -> None:
    data = api.data
    routes = []
    for path in STAGE_PATHS:
        routes += [
            Route("GET", f"/{path}"),
            Route("POST", f"/{path}/{{order_id}}/tomar"),
            Route("POST", f"/{path}/{{order_id}}/completar"),
        ]
    staff = api.add_microservice(
        "etapas", handler="etapas.handler.lambda_handler", routes=routes, environment=_stage_environment(api)
    )
    tables = list(data.stage_tables.values())
    allow(staff.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
    allow(staff.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [t.table_arn for t in tables])
    allow(staff.role, ["dynamodb:Query"], [index_arn(t, "by_queue") for t in tables])
    allow(staff.role, ["states:SendTaskSuccess"], [api.workflow.state_machine.state_machine_arn])


def _realtime_notifier(api: ApiStack) -> None:
    data = api.data
    notifier = ServiceFunction(
        api,
        "RealtimeNotifier",
        stage=api.stage,
        service="realtime-notifier",
        handler="realtime.notifier.lambda_handler",
        layer=api.layer,
        timeout=CONSUMER_TIMEOUT,
        environment={
            "CONNECTIONS_TABLE": data.connections.table_name,
            "ORDERS_TABLE": data.orders.table_name,
            "WEBSOCKET_CALLBACK_URL": api.websocket_stage.callback_url,
        },
    )
    api.messaging.realtime_notifications.consumed_by(notifier.function, batch_size=NOTIFIER_BATCH_SIZE)
    allow(notifier.role, ["dynamodb:Query"], [index_arn(data.connections, "by_topic")])
    allow(notifier.role, ["dynamodb:DeleteItem"], [data.connections.table_arn])
    allow(notifier.role, ["dynamodb:GetItem"], [data.orders.table_arn])
    api.websocket_stage.grant_management_api_access(notifier.function)
    api_logical_id = api.get_logical_id(cast(cdk.CfnElement, api.websocket.node.default_child))
    acknowledge(
        notifier.role,
        f"AwsSolutions-IAM5[Resource::arn:aws:execute-api:{api.region}:<AWS::AccountId>:"
        f"<{api_logical_id}>/{api.stage.name}/*/@connections/*]",
        "Connection ids exist only at run time; the grant is limited to this API's stage.",
    )


def grant_order_mails(api: ApiStack, notifier: ServiceFunction) -> None:
    """What the email notifier's order mails read: the order (customer), the tenant and its admins."""
    data = api.data
    notifier.function.add_environment("ORDERS_TABLE", data.orders.table_name)
    notifier.function.add_environment("TENANTS_TABLE", data.tenants.table_name)
    notifier.function.add_environment("EMPLOYEES_TABLE", data.employees.table_name)
    allow(notifier.role, ["dynamodb:GetItem"], [data.orders.table_arn, data.tenants.table_arn])
    allow(notifier.role, ["dynamodb:Query"], [index_arn(data.employees, "by_location")])
