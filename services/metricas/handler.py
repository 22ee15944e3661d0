"""Metrics API for the tenant's admins: ``GET /metricas`` (the dashboard's summary), ``/metricas/empleados`` (the
employee ranking) and ``/metricas/horas`` (orders per hour of the day). The tenant is the caller's; a location of
another tenant simply has no data.

The query parameters are checked by the logic, not the resolver, so that every bad value is the contract's 400
(``invalid_date``, ``invalid_range``, ``range_too_long``, ``invalid_location``); the document still states the
patterns a client must follow.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.api import create_resolver
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from core.validation import CATALOG_ID_PATTERN, ISO_DAY_PATTERN
from metricas import logic, runtime
from metricas.models import EmployeeRanking, HourSeries, MetricsSummary

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


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
