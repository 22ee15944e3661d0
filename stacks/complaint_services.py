"""The complaints service (``reclamos``): the Libro de Reclamaciones of each tenant.

``reclamaciones``: ``POST /reclamaciones`` (a customer files an entry), ``GET /reclamaciones`` (a customer's own, or
the admins' book), ``GET /reclamaciones/{numero}``, ``POST /reclamaciones/{numero}/respuesta`` (the admins' answer)
and ``GET /reclamaciones/libro`` (the book as CSV). It writes the complaints table (an entry, its counter and its
Idempotency-Key record in one transaction; the answer, one conditional update), reads of the filing customer only
its status and address, of a named order only whose it is, whether a named location exists, and the tenant's term
to answer; and it puts ComplaintFiled / ComplaintAnswered on the bus. Every statement names the exact actions on
the exact tables and indexes; it may not scan.
"""

from __future__ import annotations

from constructs import Construct
from constructs.grants import allow, allow_projected, index_arn
from constructs.microservice import Microservice, RestEndpoint, Route

from core import contracts
from stacks.data import DataStack
from stacks.messaging import MessagingStack

ROUTES = (
    Route("POST", "/reclamaciones"),
    Route("GET", "/reclamaciones"),
    Route("GET", "/reclamaciones/libro"),
    Route("GET", "/reclamaciones/{numero}"),
    Route("POST", "/reclamaciones/{numero}/respuesta"),
)


class ComplaintServices:
    def __init__(self, scope: Construct, *, endpoint: RestEndpoint, data: DataStack, messaging: MessagingStack) -> None:
        self.api = self._routes(scope, endpoint, data, messaging)

    @staticmethod
    def _routes(scope: Construct, endpoint: RestEndpoint, data: DataStack, messaging: MessagingStack) -> Microservice:
        complaints = data.complaints
        service = Microservice(
            scope,
            "Reclamaciones",
            endpoint=endpoint,
            service="reclamaciones",
            handler="reclamos.handler.lambda_handler",
            routes=ROUTES,
            environment={
                "COMPLAINTS_TABLE": complaints.table_name,
                "USERS_TABLE": data.users.table_name,
                "ORDERS_TABLE": data.orders.table_name,
                "LOCATIONS_TABLE": data.locations.table_name,
                "TENANTS_TABLE": data.tenants.table_name,
                "EVENT_BUS_NAME": messaging.bus.event_bus_name,
            },
        )
        role = service.role
        # The entry, its counter and its key's record (one transaction of Update and Puts); the answer (Update).
        allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
              [complaints.table_arn])  # fmt: skip
        allow(role, ["dynamodb:Query"], [index_arn(complaints, "by_customer"), index_arn(complaints, "by_estado")])
        # Of the customer, their status and address; of a named order, whose it is (never anything else).
        for table, attributes in (
            (data.users, contracts.COMPLAINT_CUSTOMER_ATTRIBUTES),
            (data.orders, contracts.COMPLAINT_ORDER_ATTRIBUTES),
        ):
            allow_projected(role, ["dynamodb:GetItem"], [table.table_arn], attributes)
        allow(role, ["dynamodb:GetItem"], [data.locations.table_arn, data.tenants.table_arn])
        allow(role, ["events:PutEvents"], [messaging.bus.event_bus_arn])
        return service
