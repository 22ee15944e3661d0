"""Staff routes of the three waiting stages.

``GET /<stage>``, ``POST /<stage>/{id}/tomar`` and ``POST /<stage>/{id}/completar`` for each stage
of ``core.contracts.STAGES`` (cocina, empaquetamiento, delivery), for its role: cooks, packers and
drivers each at their own location; admins of the tenant work every stage at any location.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from etapas import logic, runtime
from etapas.models import LOCATION_ID_PATTERN, ORDER_ID_PATTERN, QueueView, StageAction

OrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN)]
LocationId = Annotated[str | None, Query(pattern=LOCATION_ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=1024)]
Limit = Annotated[int, Query(ge=1, le=100)]


app = create_resolver("etapas")


def _add_routes(stage: contracts.Stage) -> None:
    """``GET /<slug>``, ``POST /<slug>/{id}/tomar`` and ``/completar`` of one stage, for its role."""
    only_its_role = requires(stage.role)

    def queue(location_id: LocationId = None, cursor: Cursor = None, limit: Limit = 50) -> QueueView:
        principal = caller(app)
        return logic.queue_view(
            principal,
            stage.state,
            location_id=location_id,
            cursor=cursor,
            limit=limit,
            dal=runtime.dal(),
            now=utc_now(),
        )

    def claim(order_id: OrderId) -> StageAction:
        return logic.claim(caller(app), stage.state, order_id, dal=runtime.dal(), now=utc_now())

    def complete(order_id: OrderId) -> StageAction:
        return logic.complete(
            caller(app), stage.state, order_id, dal=runtime.dal(), now=utc_now(), checks=runtime.checks()
        )

    for route in (queue, claim, complete):  # the OpenAPI operation ids: cocina_queue, cocina_claim, ...
        route.__name__ = route.__qualname__ = f"{stage.slug}_{route.__name__}"
    app.get(f"/{stage.slug}", middlewares=only_its_role)(queue)
    app.post(f"/{stage.slug}/<order_id>/tomar", middlewares=only_its_role)(claim)
    app.post(f"/{stage.slug}/<order_id>/completar", middlewares=only_its_role)(complete)


for _stage in contracts.STAGES.values():
    _add_routes(_stage)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
