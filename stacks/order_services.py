"""Orders and payments: the orders API, the Mercado Pago webhook, the order starter.

- ``pedidos``: ``/pedidos`` (create, list, read), ``/pedidos/{id}/pago``, ``/pedidos/{id}/cancelar``,
  ``/locales/{id}/pedidos``;
- ``pagos``: ``POST /pagos/webhook/{tenant}`` (public, HMAC-signed by Mercado Pago);
- ``pedidos-iniciador``: SNS "payment approved" -> SQS -> PAGADO + ``StartExecution`` + receipt event.

Every statement names the exact actions on the exact tables, indexes, topic, bus, state machine
and the tenants' Mercado Pago secrets (``<prefix>/mercadopago/<tenant>``, created by the operator).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from constructs.grants import allow, allow_secrets, index_arn, parameter_arn
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.work_queue import CONSUMER_TIMEOUT

from core import contracts
from stacks.data import DataStack
from stacks.messaging import MessagingStack
from workflow.order_workflow import allow_stopping_orders

STARTER_BATCH_SIZE = 10


def allow_mercadopago_secrets(role: iam.IRole, stage: StageConfig) -> None:
    """Read every tenant's Mercado Pago secret (and nothing else of Secrets Manager)."""
    allow_secrets(
        role,
        stage.secret_name("mercadopago/*"),
        reason="One Mercado Pago secret per tenant (<prefix>/mercadopago/<tenant>); tenants are onboarded as "
        "data, so the statement covers that prefix only, read-only.",
    )


def _customer_app_url(scope: Construct) -> str:
    """The customer app's base when the operator set one (``-c customer_app_url=https://...``, a custom
    domain); else empty, and the functions read the Amplify app's address that FrontendStack publishes."""
    origin = str(scope.node.try_get_context("customer_app_url") or "")
    return f"{origin.rstrip('/')}/{contracts.WEB_APP_PATHS['customer']}" if origin else ""


class OrderServices:
    def __init__(
        self,
        scope: Construct,
        *,
        endpoint: RestEndpoint,
        data: DataStack,
        messaging: MessagingStack,
        state_machine: sfn.IStateMachine,
        rest_api_url: str,
    ) -> None:
        self.stage = endpoint.stage
        self.data, self.messaging, self.state_machine = data, messaging, state_machine
        self.orders = self._orders_api(scope, endpoint, rest_api_url)
        self.webhook = self._webhook(scope, endpoint)
        self.starter = self._starter(scope, endpoint)

    def _orders_api(self, scope: Construct, endpoint: RestEndpoint, rest_api_url: str) -> Microservice:
        data, messaging = self.data, self.messaging
        customer_url = self.stage.web_parameter("customer-url")
        service = Microservice(
            scope,
            "Pedidos",
            endpoint=endpoint,
            service="pedidos",
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
                **data.stage_table_settings(),
                "PAYMENT_APPROVED_TOPIC_ARN": messaging.payment_approved_topic.topic_arn,
                "EVENT_BUS_NAME": messaging.bus.event_bus_name,
                "STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
                "MERCADOPAGO_API_URL": contracts.MERCADOPAGO_API_URL,
                "CUSTOMER_APP_URL": _customer_app_url(scope),
                "CUSTOMER_APP_URL_PARAMETER": customer_url,
                "REST_API_URL": rest_api_url,
            },
            # Mercado Pago calls: 5 s timeout, one retry; it settles card payments (see the contract)
            timeout=cdk.Duration.seconds(contracts.SETTLING_FUNCTION_MAX_SECONDS),
        )
        role = service.role
        stage_tables = [t.table_arn for t in data.stage_tables.values()]
        # Pricing an order: tenant, location, customer, products and combos in one BatchGetItem; of the
        # customer, only what the order copies (never the password hash).
        allow(
            role,
            ["dynamodb:BatchGetItem"],
            [t.table_arn for t in (data.tenants, data.locations, data.products, data.combos)],
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:BatchGetItem"],
                resources=[data.users.table_arn],
                conditions={
                    "ForAllValues:StringEquals": {"dynamodb:Attributes": list(contracts.ORDER_CUSTOMER_ATTRIBUTES)},
                    "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
                },
            )
        )
        allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn, *stage_tables])
        allow(role, ["dynamodb:UpdateItem"], stage_tables)  # a cancel takes the order off its stage's tray
        allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(role, ["dynamodb:UpdateItem"], [data.combos.table_arn])  # an approved card payment takes combo stock
        # A customer's own orders; an admin's list of a location's orders by state and day.
        allow(role, ["dynamodb:Query"], [index_arn(data.orders, i) for i in ("by_customer", "by_location_state")])
        allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
        allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        allow(role, ["states:SendTaskFailure"], [self.state_machine.state_machine_arn])
        allow_stopping_orders(role, self.stage)
        allow_mercadopago_secrets(role, self.stage)
        # The customer app's address, published by FrontendStack (read by name: no reference to that stack).
        allow(role, ["ssm:GetParameter"], [parameter_arn(cdk.Stack.of(scope), customer_url)])
        return service

    def _webhook(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        data, messaging = self.data, self.messaging
        service = Microservice(
            scope,
            "Pagos",
            endpoint=endpoint,
            service="pagos",
            handler="pagos.handler.lambda_handler",
            routes=[Route("POST", "/pagos/webhook/{tenant}", public=True)],
            environment={
                "ORDERS_TABLE": data.orders.table_name,
                "COMBOS_TABLE": data.combos.table_name,
                "TENANTS_TABLE": data.tenants.table_name,
                "PAYMENT_APPROVED_TOPIC_ARN": messaging.payment_approved_topic.topic_arn,
                "EVENT_BUS_NAME": messaging.bus.event_bus_name,
                "MERCADOPAGO_API_URL": contracts.MERCADOPAGO_API_URL,
            },
            timeout=cdk.Duration.seconds(min(15, contracts.SETTLING_FUNCTION_MAX_SECONDS)),
        )
        role = service.role
        allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn])
        allow(role, ["dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(role, ["dynamodb:UpdateItem"], [data.combos.table_arn])  # an approved payment takes combo stock
        allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
        allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        allow_mercadopago_secrets(role, self.stage)
        return service

    def _starter(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data, messaging = self.data, self.messaging
        starter = ServiceFunction(
            scope,
            "OrderStarter",
            stage=self.stage,
            service="pedidos-iniciador",
            handler="pedidos.starter.lambda_handler",
            layer=endpoint.layer,
            timeout=CONSUMER_TIMEOUT,
            environment={
                "ORDERS_TABLE": data.orders.table_name,
                "TENANTS_TABLE": data.tenants.table_name,
                "EVENT_BUS_NAME": messaging.bus.event_bus_name,
                "STATE_MACHINE_ARN": self.state_machine.state_machine_arn,
            },
            description="SNS payment approved -> PAGADO, StartExecution(name = order id), receipt event",
        )
        starter.consume(messaging.payment_approved, batch_size=STARTER_BATCH_SIZE)
        allow(starter.role, ["dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(starter.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
        allow(starter.role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        allow(starter.role, ["states:StartExecution"], [self.state_machine.state_machine_arn])
        return starter
