"""Metrics API for the tenant's admins: ``GET /metricas`` (the dashboard's summary), ``/metricas/empleados`` (the
employee ranking) and ``/metricas/horas`` (orders per hour of the day). The tenant is the caller's; a location of
another tenant simply has no data. And the ready-time quotes (``quotes``): ``GET /locales/{id}/espera`` (public, by
``X-Tenant-Id``: the checkout's) and ``/locales/{id}/espera/{order_id}`` (the customer's own order, as it moves).

The query parameters are checked by the logic, not the resolver, so that every bad value is the contract's 400
(``invalid_date``, ``invalid_range``, ``range_too_long``, ``invalid_location``); the document still states the
patterns a client must follow.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver, public_tenant
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from core.validation import CATALOG_ID_PATTERN, ISO_DAY_PATTERN
from metricas import logic, runtime
from metricas.models import EmployeeRanking, HourSeries, LocationQuote, MetricsSummary, OrderQuote

_DAY = {"pattern": ISO_DAY_PATTERN}
Local = Annotated[
    str | None,
    Query(
        description="A location id; absent: all the tenant's locations",
        json_schema_extra={"pattern": CATALOG_ID_PATTERN},
    ),
]
Desde = Annotated[str | None, Query(description="First Lima day, YYYY-MM-DD (default: today)", json_schema_extra=_DAY)]
Hasta = Annotated[
    str | None,
    Query(
        description="Last Lima day, YYYY-MM-DD, inclusive (default: today; at most 400 days)", json_schema_extra=_DAY
    ),
]

app = create_resolver("metricas")


@app.get("/metricas", middlewares=requires("admin"))
def get_summary(local: Local = None, desde: Desde = None, hasta: Hasta = None) -> MetricsSummary:
    """Cards, stages against the time limits, and a series per day, for a location (or all) and a range."""
    query = logic.period(local, desde, hasta, now=utc_now())
    return logic.summary(caller(app), query, dal=runtime.dal(), tenants=runtime.tenants())


@app.get("/metricas/empleados", middlewares=requires("admin"))
def get_ranking(local: Local = None, desde: Desde = None, hasta: Hasta = None) -> EmployeeRanking:
    """Who completed each stage: most completed first, then fastest."""
    now = utc_now()
    return logic.ranking(caller(app), logic.period(local, desde, hasta, now=now), dal=runtime.dal(), now=now)


@app.get("/metricas/horas", middlewares=requires("admin"))
def get_hours(local: Local = None, desde: Desde = None, hasta: Hasta = None) -> HourSeries:
    """Orders paid and revenue per hour of the day (Lima), over the range."""
    return logic.hours(caller(app), logic.period(local, desde, hasta, now=utc_now()), dal=runtime.dal())


LocationId = Annotated[str, Path(description="The location id", json_schema_extra={"pattern": CATALOG_ID_PATTERN})]
OrderId = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$", description="The order id")]


@app.get("/locales/<location_id>/espera")
def get_location_quote(location_id: LocationId) -> LocationQuote:
    """Public (``X-Tenant-Id``): when an order placed now would be ready (pickup) or arrive (delivery)."""
    location = logic.location_id(location_id)
    return logic.location_quote(
        public_tenant(app), location, dal=runtime.dal(), tenants=runtime.tenants(), now=utc_now()
    )


@app.get("/locales/<location_id>/espera/<order_id>", middlewares=requires(contracts.CUSTOMER_ROLE))
def get_order_quote(location_id: LocationId, order_id: OrderId) -> OrderQuote:
    """The caller's own order's current estimate, from where it is now."""
    location = logic.location_id(location_id)
    return logic.order_quote(caller(app), location, order_id, dal=runtime.dal(), tenants=runtime.tenants(),
                             now=utc_now())  # fmt: skip


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
