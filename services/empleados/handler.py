"""Employees API: ``/empleados`` (admins of the tenant only), ``POST /empleados/activar`` (public) and
``/empleados/yo/preferencias`` (every employee: their own e-mail choice).

Role checks are declared on each route with ``@requires("admin")``; a customer's or another
role's token gets a 403 before any logic runs. An admin's tenant comes from its session only.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from empleados import logic, runtime
from empleados.models import (
    EMPLOYEE_ID_PATTERN,
    LOCATION_ID_PATTERN,
    Activated,
    ActivateRequest,
    AlertPreferences,
    AlertPreferencesPatch,
    Employee,
    EmployeeCreate,
    EmployeeCreated,
    EmployeeDeactivated,
    EmployeePage,
    EmployeePatch,
)

EmployeeId = Annotated[str, Path(pattern=EMPLOYEE_ID_PATTERN)]


empleados = APIGatewayRouter()


@empleados.post("/empleados", status_code=201, middlewares=requires("admin"))
def create_employee(body: EmployeeCreate) -> EmployeeCreated:
    return logic.create_employee(
        caller(app),
        body,
        dal=runtime.dal(),
        inviter=runtime.inviter(),
        now=utc_now(),
    )


@empleados.get("/empleados", middlewares=requires("admin"))
def list_employees(
    location_id: Annotated[str | None, Query(pattern=LOCATION_ID_PATTERN)] = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> EmployeePage:
    return logic.list_employees(caller(app), location_id=location_id, cursor=cursor, limit=limit, dal=runtime.dal())


@empleados.get("/empleados/yo/preferencias", middlewares=requires(*contracts.ROLES))
def my_alert_preferences() -> AlertPreferences:
    return logic.alert_preferences(caller(app), dal=runtime.dal())


@empleados.patch("/empleados/yo/preferencias", middlewares=requires(*contracts.ROLES))
def update_my_alert_preferences(body: AlertPreferencesPatch) -> AlertPreferences:
    return logic.update_alert_preferences(caller(app), body, dal=runtime.dal(), now=utc_now())


@empleados.get("/empleados/<employee_id>", middlewares=requires("admin"))
def get_employee(employee_id: EmployeeId) -> Employee:
    return logic.get_employee(caller(app), employee_id, dal=runtime.dal())


@empleados.patch("/empleados/<employee_id>", middlewares=requires("admin"))
def update_employee(employee_id: EmployeeId, body: EmployeePatch) -> Employee:
    return logic.update_employee(
        caller(app),
        employee_id,
        body,
        dal=runtime.dal(),
        sessions=runtime.sessions(),
        sockets=runtime.sockets(),
        now=utc_now(),
    )


@empleados.delete("/empleados/<employee_id>", middlewares=requires("admin"))
def deactivate_employee(employee_id: EmployeeId) -> EmployeeDeactivated:
    return logic.deactivate_employee(
        caller(app),
        employee_id,
        dal=runtime.dal(),
        sessions=runtime.sessions(),
        sockets=runtime.sockets(),
        now=utc_now(),
    )


@empleados.post("/empleados/<employee_id>/invitacion", middlewares=requires("admin"))
def reinvite_employee(employee_id: EmployeeId) -> EmployeeCreated:
    return logic.reinvite_employee(
        caller(app),
        employee_id,
        dal=runtime.dal(),
        inviter=runtime.inviter(),
        now=utc_now(),
    )


@empleados.post("/empleados/activar")
def activate(body: ActivateRequest) -> Activated:
    return logic.activate(body, dal=runtime.dal(), sessions=runtime.sessions(), now=utc_now())


app = create_resolver("empleados")
app.include_router(empleados)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
