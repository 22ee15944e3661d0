"""Settings and collaborators of the employees functions (the API and the invitations worker), built on
first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core import web
from core.events import EventPublisher
from core.sessions import SessionStore
from core.settings import EnvironmentSettings
from core.tenants import TenantDirectory
from empleados.dal import EmployeesDal
from empleados.logic import InvitationPolicy


class Settings(EnvironmentSettings):
    """The environment of the employees API and the invitations worker (``stacks/identity_services.py``)."""

    tenants_table: str
    employees_table: str
    locations_table: str
    tokens_table: str
    event_bus_name: str
    staff_app_url: str = ""  # the staff app's base; else read from the parameter below
    staff_app_url_parameter: str = ""
    invitation_hours: int = 72


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def dal() -> EmployeesDal:
    s = settings()
    return EmployeesDal(
        _dynamodb(),
        employees_table=s.employees_table,
        locations_table=s.locations_table,
        tokens_table=s.tokens_table,
    )


@functools.cache
def sessions() -> SessionStore:
    return SessionStore(_dynamodb(), settings().tokens_table)


@functools.cache
def tenants() -> TenantDirectory:
    """Known tenants, cached ~60 s in the warm container."""
    return TenantDirectory(_dynamodb(), settings().tenants_table)


@functools.cache
def publisher() -> EventPublisher:
    return EventPublisher(boto3.client("events"), settings().event_bus_name)


def invitations() -> InvitationPolicy:
    s = settings()
    app_url = web.value_or_parameter(s.staff_app_url, s.staff_app_url_parameter)
    return InvitationPolicy(staff_app_url=app_url, hours=s.invitation_hours)


def reset() -> None:
    """Forget settings, clients and the tenant cache (tests)."""
    for cached in (settings, _dynamodb, dal, sessions, tenants, publisher):
        cached.cache_clear()
