"""Orders and payments, added to the ApiStack: the orders API, the Mercado Pago webhook, the order starter.

- ``pedidos``: ``/pedidos`` (create, list, read), ``/pedidos/{id}/pago``, ``/pedidos/{id}/cancelar``;
- ``pagos``: ``POST /pagos/webhook/{tenant}`` (public, HMAC-signed by Mercado Pago);
- ``pedidos-iniciador``: SNS "payment approved" -> SQS -> PAGADO + ``StartExecution`` + receipt event.

Every statement names the exact actions on the exact tables, indexes, topic, bus, state machine
and the tenants' Mercado Pago secrets (``<prefix>/mercadopago/<tenant>``, created by the operator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs.grants import allow, index_arn, parameter_arn
from constructs.microservice import Route
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from services.core import contracts
from services.core.mercadopago_client import MERCADOPAGO_API_URL

if TYPE_CHECKING:  # the ApiStack calls add_order_services at the end of its __init__
    from stacks.api import ApiStack

STARTER_BATCH_SIZE = 10


def _secrets_arn(api: ApiStack) -> str:
    """Every tenant's Mercado Pago secret (tenants are data: one statement covers them all)."""
    return api.format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=f"{api.stage.prefix}/mercadopago/*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def grant_mercadopago_secrets(api: ApiStack, role: iam.IRole) -> None:
    """Read every tenant's Mercado Pago secret (and nothing else of Secrets Manager)."""
    allow(role, ["secretsmanager:GetSecretValue"], [_secrets_arn(api)])
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:{api.region}:<AWS::AccountId>:"
        f"secret:{api.stage.prefix}/mercadopago/*]",
        "One Mercado Pago secret per tenant (<prefix>/mercadopago/<tenant>); tenants are onboarded as data, "
        "so the statement covers that prefix only, read-only.",
    )


def _customer_app_url(api: ApiStack) -> str:
    """The customer app's base when the operator set one (``-c customer_app_url=https://...``, a custom
    domain); else empty, and the functions read the Amplify app's address that FrontendStack publishes."""
    origin = str(api.node.try_get_context("customer_app_url") or "")
    return f"{origin.rstrip('/')}/{contracts.WEB_APP_PATHS['customer']}" if origin else ""


def add_order_services(api: ApiStack) -> None:
    _orders_api(api)
    _webhook(api)
    _starter(api)


def _orders_api(api: ApiStack) -> None:
    data, messaging = api.data, api.messaging
    stages = data.stage_tables
    service = api.add_microservice(
        "pedidos",
        handler="pedidos.handler.lambda_handler",
        routes=[
            Route("POST", "/pedidos"),
            Route("GET", "/pedidos"),
            Route("GET", "/pedidos/{order_id}"),
            Route("POST", "/pedidos/{order_id}/pago"),
            Route("POST", "/pedidos/{order_id}/cancelar"),
            Route("GET", "/locales/{location_id}/pedidos"),
        ],
        environment={
            "ORDERS_TABLE": data.orders.table_name,
            "PRODUCTS_TABLE": data.products.table_name,
            "COMBOS_TABLE": data.combos.table_name,
            "LOCATIONS_TABLE": data.locations.table_name,
            "USERS_TABLE": data.users.table_name,
            "TENANTS_TABLE": data.tenants.table_name,
            "COCINA_TABLE": stages["cocina"].table_name,
            "DESPACHADOR_TABLE": stages["despachador"].table_name,
            "DELIVERY_TABLE": stages["delivery"].table_name,
            "PAYMENT_APPROVED_TOPIC_ARN": messaging.payment_approved_topic.topic_arn,
            "EVENT_BUS_NAME": messaging.bus.event_bus_name,
            "STATE_MACHINE_ARN": api.workflow.state_machine.state_machine_arn,
            "MERCADOPAGO_API_URL": MERCADOPAGO_API_URL,
            "CUSTOMER_APP_URL": _customer_app_url(api),
            "CUSTOMER_APP_URL_PARAMETER": api.stage.web_parameter("customer-url"),
            "REST_API_URL": api.rest_api_url,
        },
        timeout=cdk.Duration.seconds(20),  # Mercado Pago calls: 5 s timeout, one retry
    )
    role = service.role
    # Pricing an order: tenant, location, customer, products and combos in one BatchGetItem.
    allow(
        role,
        ["dynamodb:BatchGetItem"],
        [t.table_arn for t in (data.tenants, data.locations, data.users, data.products, data.combos)],
    )
    allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn, *(t.table_arn for t in stages.values())])
    # A cancel takes the order off its stage's staff queue.
    allow(role, ["dynamodb:UpdateItem"], [t.table_arn for t in stages.values()])
    allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
    # A customer's own orders; an admin's list of a location's orders by state and day.
    allow(role, ["dynamodb:Query"], [index_arn(data.orders, i) for i in ("by_customer", "by_location_state")])
    allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
    allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
    state_machine = api.workflow.state_machine
    allow(role, ["states:SendTaskFailure"], [state_machine.state_machine_arn])
    grant_stop_order_executions(api, role)
    grant_mercadopago_secrets(api, role)
    # The customer app's address, published by FrontendStack (read by name: no reference to that stack).
    allow(role, ["ssm:GetParameter"], [parameter_arn(api, api.stage.web_parameter("customer-url"))])


def _webhook(api: ApiStack) -> None:
    data, messaging = api.data, api.messaging
    service = api.add_microservice(
        "pagos",
        handler="pagos.handler.lambda_handler",
        routes=[Route("POST", "/pagos/webhook/{tenant}", public=True)],
        environment={
            "ORDERS_TABLE": data.orders.table_name,
            "TENANTS_TABLE": data.tenants.table_name,
            "PAYMENT_APPROVED_TOPIC_ARN": messaging.payment_approved_topic.topic_arn,
            "EVENT_BUS_NAME": messaging.bus.event_bus_name,
            "MERCADOPAGO_API_URL": MERCADOPAGO_API_URL,
        },
        timeout=cdk.Duration.seconds(15),
    )
    role = service.role
    allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn])
    allow(role, ["dynamodb:UpdateItem"], [data.orders.table_arn])
    allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
    allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
    grant_mercadopago_secrets(api, role)


def _starter(api: ApiStack) -> None:
    data, messaging = api.data, api.messaging
    starter = ServiceFunction(
        api,
        "OrderStarter",
        stage=api.stage,
        service="pedidos-iniciador",
        handler="pedidos.starter.lambda_handler",
        layer=api.layer,
        timeout=CONSUMER_TIMEOUT,
        environment={
            "ORDERS_TABLE": data.orders.table_name,
            "TENANTS_TABLE": data.tenants.table_name,
            "EVENT_BUS_NAME": messaging.bus.event_bus_name,
            "STATE_MACHINE_ARN": api.workflow.state_machine.state_machine_arn,
        },
        description="SNS payment approved -> PAGADO, StartExecution(name = order id), receipt event",
    )
    messaging.payment_approved.consumed_by(starter.function, batch_size=STARTER_BATCH_SIZE)
    allow(starter.role, ["dynamodb:UpdateItem"], [data.orders.table_arn])
    allow(starter.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
    allow(starter.role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
    allow(starter.role, ["states:StartExecution"], [api.workflow.state_machine.state_machine_arn])


def grant_stop_order_executions(api: ApiStack, role: iam.IRole) -> None:
    """``states:StopExecution`` on the order state machine's executions (named after orders at run time)."""
    execution_arn = api.format_arn(
        service="states",
        resource="execution",
        resource_name=f"{api.stage.prefix}-pedido:*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    allow(role, ["states:StopExecution"], [execution_arn])
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::arn:aws:states:{api.region}:<AWS::AccountId>:"
        f"execution:{api.stage.prefix}-pedido:*]",
        "Executions are named after orders at run time; StopExecution is limited to the order state machine's "
        "executions (a cancelled order whose workflow must not go on).",
    )
