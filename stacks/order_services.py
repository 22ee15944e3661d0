"""Orders and payments: the orders API, the Mercado Pago webhook, the order starter.

- ``pedidos``: ``/pedidos`` (create, list, read), ``/pedidos/{id}/pago``, ``/pedidos/{id}/cancelar``,
  ``/locales/{id}/pedidos``;
- ``pagos``: ``POST /pagos/webhook/{tenant}`` (public, HMAC-signed by Mercado Pago);
- ``pedidos-iniciador``: SNS "payment approved" -> SQS -> PAGADO + ``StartExecution`` + receipt event;
- ``pagos-revisor``: each order's payment review (delayed SQS messages): settles an approved payment whose
  webhook was lost, from Mercado Pago's records, and expires an order left unpaid (``pagos.reconciliation``).

Every statement names the exact actions on the exact tables, indexes, topic, bus, state machine
and the tenants' Mercado Pago secrets (``<prefix>/mercadopago/<tenant>``, created by the operator).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from constructs.grants import allow, allow_projected, allow_secrets, index_arn, parameter_arn
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.work_queue import CONSUMER_TIMEOUT

from core import contracts
from stacks.data import DataStack
from stacks.identity_services import web_app_url
from stacks.messaging import MessagingStack
from workflow.order_workflow import allow_stopping_orders

STARTER_BATCH_SIZE = 10
# A review may wait on Mercado Pago (5 s, one retry): a few per batch keep a batch well inside the timeout.
REVIEWER_BATCH_SIZE = 2


def allow_mercadopago_secrets(role: iam.IRole, stage: StageConfig) -> None:
    """Read every tenant's Mercado Pago secret (and nothing else of Secrets Manager).

    A function shared by every tenant cannot be held to one tenant's secret by a static policy. Session tags
    (an ``sts:AssumeRole`` per tenant, the secret allowed by ``${aws:PrincipalTag/tenant_id}``) would not hold it
    either: the function itself would choose the tag, from the same tenant id it already reads the secret by.
    What keeps a tenant's request on its own secret is that the tenant comes from the principal (or the signed
    webhook's path) and that a tenant's secret is named after it (``core.tenant_config``, ``constructs/tenant.py``).
    """
    allow_secrets(
        role,
        stage.secret_name("mercadopago/*"),
        reason="One Mercado Pago secret per tenant (<prefix>/mercadopago/<tenant>); tenants are onboarded as "
        "data, so the statement covers that prefix only, read-only.",
    )


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
        self.reviewer = self._reviewer(scope, endpoint)

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
                "CUSTOMER_APP_URL": web_app_url(scope, "customer"),
                "CUSTOMER_APP_URL_PARAMETER": customer_url,
                "REST_API_URL": rest_api_url,
                "PAYMENT_REVIEWS_QUEUE_URL": messaging.payment_reviews.queue.queue_url,
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
        allow_projected(role, ["dynamodb:BatchGetItem"], [data.users.table_arn], contracts.ORDER_CUSTOMER_ATTRIBUTES)
        allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn, *stage_tables])
        allow(role, ["dynamodb:UpdateItem"], stage_tables)  # a cancel takes the order off its stage's tray
        allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(role, ["dynamodb:UpdateItem"], [data.combos.table_arn])  # an approved card payment takes combo stock
        # A customer's own orders; an admin's list of a location's orders by state and day.
        allow(role, ["dynamodb:Query"], [index_arn(data.orders, i) for i in ("by_customer", "by_location_state")])
        allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
        allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        # A new order's review timer, and one review after each payment attempt (pagos.reconciliation).
        allow(role, ["sqs:SendMessage"], [messaging.payment_reviews.queue.queue_arn])
        allow(role, ["states:SendTaskFailure"], [self.state_machine.state_machine_arn])
        allow_stopping_orders(role, self.stage, also_describe=True)  # an admin's cancel of an order handed to them
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

    def _reviewer(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data, messaging = self.data, self.messaging
        reviewer = ServiceFunction(
            scope,
            "PaymentReviewer",
            stage=self.stage,
            service="pagos-revisor",
            handler="pagos.reviewer.lambda_handler",
            layer=endpoint.layer,
            # It settles payments: no longer than the in-flight window allows (see the contract).
            timeout=cdk.Duration.seconds(contracts.SETTLING_FUNCTION_MAX_SECONDS),
            environment={
                "ORDERS_TABLE": data.orders.table_name,
                "TENANTS_TABLE": data.tenants.table_name,
                "PAYMENT_APPROVED_TOPIC_ARN": messaging.payment_approved_topic.topic_arn,
                "EVENT_BUS_NAME": messaging.bus.event_bus_name,
                "MERCADOPAGO_API_URL": contracts.MERCADOPAGO_API_URL,
                "PAYMENT_REVIEWS_QUEUE_URL": messaging.payment_reviews.queue.queue_url,
                "COMBOS_TABLE": data.combos.table_name,
            },
            description="Each order's payment review: settle an approval whose webhook was lost, expire the unpaid",
        )
        reviewer.consume(messaging.payment_reviews, batch_size=REVIEWER_BATCH_SIZE)
        role = reviewer.role
        allow(role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.orders.table_arn])
        allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn])
        allow(role, ["sns:Publish"], [messaging.payment_approved_topic.topic_arn])
        allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        allow(role, ["sqs:SendMessage"], [messaging.payment_reviews.queue.queue_arn])  # the timer's next look
        allow(role, ["dynamodb:UpdateItem"], [data.combos.table_arn])  # an approval it settles takes combo stock
        allow_mercadopago_secrets(role, self.stage)
        return reviewer
