"""Staff routes of the three waiting stages.

``GET /cocina``, ``POST /cocina/{id}/tomar``, ``POST /cocina/{id}/completar``, and the same for
``/empaquetamiento`` and ``/delivery``. Cooks work the kitchen, packers the packing, drivers the
delivery, each at their own location; admins of the tenant work every stage at any location.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver
from core.clock import utc_now
from core.observability import logger
from core.principal import caller, requires
from core.request_limits import unreadable
from etapas import logic, runtime
from etapas.models import LOCATION_ID_PATTERN, ORDER_ID_PATTERN, QueueView, StageAction

OrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN)]
LocationId = Annotated[str | None, Query(pattern=LOCATION_ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=1024)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _queue(stage: str, location_id: str | None, cursor: str | None, limit: int) -> QueueView:
    return logic.queue_view(
        caller(app), stage, location_id=location_id, cursor=cursor, limit=limit, dal=runtime.dal(), now=utc_now()
    )


def _claim(stage: str, order_id: str) -> StageAction:
    return logic.claim(caller(app), stage, order_id, dal=runtime.dal(), now=utc_now())


def _complete(stage: str, order_id: str) -> StageAction:
    return logic.complete(caller(app), stage, order_id, dal=runtime.dal(), now=utc_now())


cocina = APIGatewayRouter()
empaquetamiento = APIGatewayRouter()
delivery = APIGatewayRouter()


@cocina.get("/cocina", middlewares=requires("cocinero"))
def kitchen_queue(location_id: LocationId = None, cursor: Cursor = None, limit: Limit = 50) -> QueueView:
    return _queue(contracts.COCINA, location_id, cursor, limit)


@cocina.post("/cocina/<order_id>/tomar", middlewares=requires("cocinero"))
def kitchen_claim(order_id: OrderId) -> StageAction:
    return _claim(contracts.COCINA, order_id)


@cocina.post("/cocina/<order_id>/completar", middlewares=requires("cocinero"))
def kitchen_complete(order_id: OrderId) -> StageAction:
    return _complete(contracts.COCINA, order_id)


@empaquetamiento.get("/empaquetamiento", middlewares=requires("empaquetador"))
def packing_queue(location_id: LocationId = None, cursor: Cursor = None, limit: Limit = 50) -> QueueView:
    return _queue(contracts.EMPAQUETAMIENTO, location_id, cursor, limit)


@empaquetamiento.post("/empaquetamiento/<order_id>/tomar", middlewares=requires("empaquetador"))
def packing_claim(order_id: OrderId) -> StageAction:
    return _claim(contracts.EMPAQUETAMIENTO, order_id)


@empaquetamiento.post("/empaquetamiento/<order_id>/completar", middlewares=requires("empaquetador"))
def packing_complete(order_id: OrderId) -> StageAction:
    return _complete(contracts.EMPAQUETAMIENTO, order_id)


@delivery.get("/delivery", middlewares=requires("repartidor"))
def delivery_queue(location_id: LocationId = None, cursor: Cursor = None, limit: Limit = 50) -> QueueView:
    return _queue(contracts.DELIVERY, location_id, cursor, limit)


@delivery.post("/delivery/<order_id>/tomar", middlewares=requires("repartidor"))
def delivery_claim(order_id: OrderId) -> StageAction:
    return _claim(contracts.DELIVERY, order_id)


@delivery.post("/delivery/<order_id>/completar", middlewares=requires("repartidor"))
def delivery_complete(order_id: OrderId) -> StageAction:
    return _complete(contracts.DELIVERY, order_id)


app = create_resolver("etapas")
for router in (cocina, empaquetamiento, delivery):
    app.include_router(router)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
