"""Employees API: ``/empleados`` (admins of the tenant only) and ``POST /empleados/activar`` (public).

Role checks are declared on each route with ``@requires("admin")``; a customer's or another
role's token gets a 403 before any logic runs. An admin's tenant comes from its session only.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from core import web
from core.api import create_resolver
from core.events import EventPublisher
from core.observability import logger, tracer
from core.principal import caller, requires
from core.request_limits import unreadable
from core.sessions import SessionStore
from core.tenants import TenantDirectory
from empleados import logic
from empleados.dal import EmployeesDal
from empleados.models import (
    EMPLOYEE_ID_PATTERN,
    LOCATION_ID_PATTERN,
    Activated,
    ActivateRequest,
    Deactivated,
    Employee,
    EmployeeCreate,
    EmployeeCreated,
    EmployeePage,
    EmployeePatch,
)

EmployeeId = Annotated[str, Path(pattern=EMPLOYEE_ID_PATTERN)]


class Settings(BaseSettings):
    tenants_table: str
    employees_table: str
    locations_table: str
    tokens_table: str
    event_bus_name: str
    staff_app_url: str = ""  # the staff app's base; else read from the parameter below
    staff_app_url_parameter: str = ""
    invitation_hours: int = 72


def build_services(settings: Settings) -> logic.Services:
    client = boto3.client("dynamodb")
    return logic.Services(
        dal=EmployeesDal(
            client,
            employees_table=settings.employees_table,
            locations_table=settings.locations_table,
            tokens_table=settings.tokens_table,
        ),
        sessions=SessionStore(client, settings.tokens_table),
        tenants=TenantDirectory(client, settings.tenants_table),
        publisher=EventPublisher(boto3.client("events"), settings.event_bus_name),
        invitations=logic.InvitationPolicy(
            staff_app_url=web.value_or_parameter(settings.staff_app_url, settings.staff_app_url_parameter),
            hours=settings.invitation_hours,
        ),
    )


@functools.cache
def collaborators() -> logic.Services:
    """Built on first use and kept for the warm container."""
    return build_services(Settings())  # read from the environment


empleados = APIGatewayRouter()


@empleados.post("/empleados", middlewares=requires("admin"))
def create_employee(body: EmployeeCreate) -> tuple[EmployeeCreated, int]:
    created = logic.create_employee(caller(app), body, services=collaborators(), now=logic.utc_now())
    return created, 201


@empleados.get("/empleados", middlewares=requires("admin"))
def list_employees(
    location_id: Annotated[str | None, Query(pattern=LOCATION_ID_PATTERN)] = None,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> EmployeePage:
    return logic.list_employees(
        caller(app), location_id=location_id, cursor=cursor, limit=limit, services=collaborators()
    )


@empleados.get("/empleados/<employee_id>", middlewares=requires("admin"))
def get_employee(employee_id: EmployeeId) -> Employee:
    return logic.get_employee(caller(app), employee_id, services=collaborators())


@empleados.patch("/empleados/<employee_id>", middlewares=requires("admin"))
def update_employee(employee_id: EmployeeId, body: EmployeePatch) -> Employee:
    return logic.update_employee(caller(app), employee_id, body, services=collaborators(), now=logic.utc_now())


@empleados.delete("/empleados/<employee_id>", middlewares=requires("admin"))
def deactivate_employee(employee_id: EmployeeId) -> Deactivated:
    return logic.deactivate_employee(caller(app), employee_id, services=collaborators(), now=logic.utc_now())


@empleados.post("/empleados/<employee_id>/invitacion", middlewares=requires("admin"))
def reinvite_employee(employee_id: EmployeeId) -> EmployeeCreated:
    return logic.reinvite_employee(caller(app), employee_id, services=collaborators(), now=logic.utc_now())


@empleados.post("/empleados/activar")
def activate(body: ActivateRequest) -> Activated:
    return logic.activate(body, services=collaborators(), now=logic.utc_now())


app = create_resolver("empleados")
app.include_router(empleados)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
