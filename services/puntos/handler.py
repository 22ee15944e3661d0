"""Points API: ``GET /perfil/puntos`` (the customer's own balance and ledger) and ``GET /clientes/{customer_id}/puntos``
(an admin's view of a customer of the tenant). The tenant, and the customer of ``/perfil``, come from the session."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from core.validation import EntityId
from puntos import logic, runtime
from puntos.models import PointsStatement

Limit = Annotated[int, Query(ge=1, le=100, description="Ledger page size (1-100)")]
Cursor = Annotated[str | None, Query(max_length=1024, description="Opaque cursor of the previous page")]
CustomerId = Annotated[EntityId, Path(description="The customer's id (their account's user_id)")]

app = create_resolver("puntos")


@app.get("/perfil/puntos", middlewares=requires(contracts.CUSTOMER_ROLE))
def get_my_points(limit: Limit = 20, cursor: Cursor = None) -> PointsStatement:
    """The caller's balance and ledger (order, points, date), newest first."""
    return logic.my_points(caller(app), limit=limit, cursor=cursor, dal=runtime.dal())


@app.get("/clientes/<customer_id>/puntos", middlewares=requires("admin"))
def get_customer_points(customer_id: CustomerId, limit: Limit = 20, cursor: Cursor = None) -> PointsStatement:
    """A customer's balance and ledger, for the tenant's admins."""
    return logic.customer_points(caller(app), customer_id, limit=limit, cursor=cursor, dal=runtime.dal())


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
