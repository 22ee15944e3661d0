"""The points service (``puntos``): the customers' loyalty points.

- ``puntos-consumidor``: consumes the events that move points (EventBridge -> SQS ``<prefix>-puntos``: an order
  ENTREGADO; a refund handed to the admins) and applies each once: it reads the delivered order (only the
  attributes its GetItem projects) and writes the points table (one transaction per movement);
- ``puntos``: ``GET /perfil/puntos`` (a customer's own balance and ledger) and ``GET /clientes/{customer_id}/puntos``
  (the tenant's admins): a GetItem and a Query of the points table, and an admin's customer looked up by key.

Every statement names the exact actions on the exact tables; neither function may scan.
"""

from __future__ import annotations

from constructs import Construct
from constructs.grants import allow, allow_projected
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from core import contracts
from stacks.data import DataStack
from stacks.messaging import MessagingStack

CONSUMER_BATCH_SIZE = 10
ORDER_ATTRIBUTES = contracts.POINTS_ORDER_ATTRIBUTES  # the consumer's GetItem of an order projects exactly these


class PointsServices:
    def __init__(self, scope: Construct, *, endpoint: RestEndpoint, data: DataStack, messaging: MessagingStack) -> None:
        self.data, self.messaging = data, messaging
        self.consumer = self._consumer(scope, endpoint)
        self.api = self._routes(scope, endpoint)

    def _consumer(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data = self.data
        consumer = ServiceFunction(
            scope,
            "PointsConsumer",
            stage=endpoint.stage,
            service="puntos-consumidor",
            handler="puntos.consumer.lambda_handler",
            layer=endpoint.layer,
            timeout=CONSUMER_TIMEOUT,
            environment={"POINTS_TABLE": data.points.table_name, "ORDERS_TABLE": data.orders.table_name},
            description="Credits a delivered order's loyalty points once, and takes them back on a refund",
        )
        consumer.consume(self.messaging.points, batch_size=CONSUMER_BATCH_SIZE)
        # The delivered order: its customer, lines, state and payment, only the attributes its GetItem projects.
        allow_projected(consumer.role, ["dynamodb:GetItem"], [data.orders.table_arn], ORDER_ATTRIBUTES)
        # The order's mark (GetItem); one transaction per movement: the mark, the ledger row, the balance.
        allow(consumer.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.points.table_arn])
        return consumer

    def _routes(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        data = self.data
        service = Microservice(
            scope,
            "Puntos",
            endpoint=endpoint,
            service="puntos",
            handler="puntos.handler.lambda_handler",
            routes=[Route("GET", "/perfil/puntos"), Route("GET", "/clientes/{customer_id}/puntos")],
            environment={"POINTS_TABLE": data.points.table_name, "USERS_TABLE": data.users.table_name},
        )
        allow(service.role, ["dynamodb:GetItem", "dynamodb:Query"], [data.points.table_arn])
        # An admin's customer, by key: the key only (user_id), never the account's other attributes.
        allow_projected(service.role, ["dynamodb:GetItem"], [data.users.table_arn], ["tenant_id", "user_id"])
        return service
