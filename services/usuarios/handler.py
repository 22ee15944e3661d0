"""Users API: ``/usuarios`` (register, login, logout) and ``/perfil`` (the customer's own profile).

Unauthenticated calls (register, login) name their tenant with the ``X-Tenant-Id`` header
that the tenant's web app sends; every other route takes the tenant from the session.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic_settings import BaseSettings

from core import contracts
from core.api import create_resolver, public_tenant
from core.events import EventPublisher
from core.observability import logger, tracer
from core.principal import caller, requires
from core.request_limits import unreadable
from core.sessions import SessionStore
from core.tenants import TenantDirectory
from usuarios import logic
from usuarios.dal import UsersDal
from usuarios.models import (
    Deactivated,
    LoginRequest,
    LoginResponse,
    LogoutResponse,
    Profile,
    ProfilePatch,
    ProfileReplace,
    RegisterRequest,
)

CUSTOMER = contracts.CUSTOMER_ROLE


class Settings(BaseSettings):
    tenants_table: str
    users_table: str
    employees_table: str
    tokens_table: str
    event_bus_name: str
    customer_session_hours: int = 12
    staff_session_hours: int = 12


@dataclass(frozen=True)
class Collaborators:
    tenants: TenantDirectory
    dal: UsersDal
    sessions: SessionStore
    publisher: EventPublisher
    policy: logic.LoginPolicy


@functools.cache
def collaborators() -> Collaborators:
    """Built on first use and kept for the warm container (clients and the tenant cache)."""
    settings = Settings()  # read from the environment
    client = boto3.client("dynamodb")
    return Collaborators(
        tenants=TenantDirectory(client, settings.tenants_table),
        dal=UsersDal(client, users_table=settings.users_table, employees_table=settings.employees_table),
        sessions=SessionStore(client, settings.tokens_table),
        publisher=EventPublisher(boto3.client("events"), settings.event_bus_name),
        policy=logic.LoginPolicy(
            customer_session_hours=settings.customer_session_hours,
            staff_session_hours=settings.staff_session_hours,
        ),
    )


usuarios = APIGatewayRouter()
perfil = APIGatewayRouter()


@usuarios.post("/usuarios")
def register(body: RegisterRequest) -> tuple[Profile, int]:
    c = collaborators()
    profile = logic.register(
        body, tenant_id=public_tenant(app), tenants=c.tenants, dal=c.dal, publisher=c.publisher, now=logic.utc_now()
    )
    return profile, 201


@usuarios.post("/usuarios/login")
def login(body: LoginRequest) -> LoginResponse:
    c = collaborators()
    return logic.login(
        body,
        tenant_id=public_tenant(app),
        tenants=c.tenants,
        dal=c.dal,
        sessions=c.sessions,
        policy=c.policy,
        now=logic.utc_now(),
    )


@usuarios.post("/usuarios/logout")
def logout() -> LogoutResponse:
    authorization = usuarios.current_event.headers.get("Authorization") or usuarios.current_event.headers.get(
        "authorization"
    )
    return logic.logout(caller(app), authorization, sessions=collaborators().sessions)


@perfil.get("/perfil", middlewares=requires(CUSTOMER))
def get_profile() -> Profile:
    return logic.get_profile(caller(app), dal=collaborators().dal)


@perfil.put("/perfil", middlewares=requires(CUSTOMER))
def replace_profile(body: ProfileReplace) -> Profile:
    return logic.replace_profile(caller(app), body, dal=collaborators().dal, now=logic.utc_now())


@perfil.patch("/perfil", middlewares=requires(CUSTOMER))
def patch_profile(body: ProfilePatch) -> Profile:
    return logic.patch_profile(caller(app), body, dal=collaborators().dal, now=logic.utc_now())


@perfil.delete("/perfil", middlewares=requires(CUSTOMER))
def deactivate() -> Deactivated:
    c = collaborators()
    return logic.deactivate(caller(app), dal=c.dal, sessions=c.sessions, now=logic.utc_now())


app = create_resolver("usuarios")
app.include_router(usuarios)
app.include_router(perfil)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
