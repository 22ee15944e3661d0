"""The metrics service (``metricas``): the admins' business metrics, aggregated on write.

- ``metricas-consumidor``: consumes the order events (EventBridge -> SQS ``<prefix>-metricas``) and counts each
  once into the metrics table: it reads the tracking row of the stage an order left (the attributes it needs, never
  the task token) and the tenant's time limits, and writes the table's counter rows and marks (one transaction per
  event, and the maxima), with each location's quote state (``metricas.quotes``; read at PAGADO and ENTREGADO);
- ``metricas``: ``GET /metricas``, ``/metricas/empleados``, ``/metricas/horas`` for the tenant's admins: Queries of
  the metrics table (one per chart; the ranking's up to three), and the tenant's time limits; and the ready-time
  quotes, ``GET /locales/{location_id}/espera`` (public) and ``/locales/{location_id}/espera/{order_id}`` (the
  customer's order): one GetItem of the location's quote state each.

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
TRACKING_ROW_ATTRIBUTES = contracts.METRICS_TRACKING_ROW_ATTRIBUTES  # the consumer's GetItem projects exactly these


class MetricsServices:
    def __init__(self, scope: Construct, *, endpoint: RestEndpoint, data: DataStack, messaging: MessagingStack) -> None:
        self.data, self.messaging = data, messaging
        self.environment = {"METRICS_TABLE": data.metrics.table_name, "TENANTS_TABLE": data.tenants.table_name}
        self.consumer = self._consumer(scope, endpoint)
        self.api = self._routes(scope, endpoint)

    def _consumer(self, scope: Construct, endpoint: RestEndpoint) -> ServiceFunction:
        data = self.data
        consumer = ServiceFunction(
            scope,
            "MetricsConsumer",
            stage=endpoint.stage,
            service="metricas-consumidor",
            handler="metricas.consumer.lambda_handler",
            layer=endpoint.layer,
            timeout=CONSUMER_TIMEOUT,
            environment={**self.environment, **data.stage_table_settings()},
            description="Counts each order event once into the admins' metrics",
        )
        consumer.consume(self.messaging.metrics, batch_size=CONSUMER_BATCH_SIZE)
        # The tracking row of the stage an order left (its times and who completed it), only the attributes its
        # GetItem projects: never the task token. (The local cloud's IAM proxy does not evaluate conditions.)
        allow_projected(
            consumer.role,
            ["dynamodb:GetItem"],
            [t.table_arn for t in data.stage_tables.values()],
            TRACKING_ROW_ATTRIBUTES,
        )
        allow(consumer.role, ["dynamodb:GetItem"], [data.tenants.table_arn])  # the tenant's time limits
        # One transaction per event: the mark (a conditional Put) and the counters (Updates); then the maxima. PAGADO
        # and ENTREGADO read the location's quote state first (GetItem: the quote given, then its error).
        allow(consumer.role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.metrics.table_arn])
        return consumer

    def _routes(self, scope: Construct, endpoint: RestEndpoint) -> Microservice:
        service = Microservice(
            scope,
            "Metricas",
            endpoint=endpoint,
            service="metricas",
            handler="metricas.handler.lambda_handler",
            routes=[
                Route("GET", "/metricas"),
                Route("GET", "/metricas/empleados"),
                Route("GET", "/metricas/horas"),
                Route("GET", "/locales/{location_id}/espera", public=True),
                Route("GET", "/locales/{location_id}/espera/{order_id}"),
            ],
            environment=self.environment,
        )
        # The reports' Queries; a quote's GetItem of its location's quote state.
        allow(service.role, ["dynamodb:GetItem", "dynamodb:Query"], [self.data.metrics.table_arn])
        allow(service.role, ["dynamodb:GetItem"], [self.data.tenants.table_arn])
        return service
