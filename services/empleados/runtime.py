"""Settings and collaborators of the employees functions (the API and the invitations worker), built on
first use and kept while warm."""

from __future__ import annotations

from core import web
from core.events import EventPublisher
from core.runtime import Caches
from core.sessions import SessionStore
from core.settings import EnvironmentSettings
from core.sockets import SessionSockets
from core.tenants import TenantDirectory
from empleados.dal import EmployeesDal
from empleados.logic import InvitationPolicy, Inviter

cached = Caches()


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
    # The sockets that end with the session (core.sockets); the invitations worker has neither.
    connections_table: str = ""
    websocket_callback_url: str = ""


settings = cached(Settings)  # read from the environment once per container


@cached
def dal() -> EmployeesDal:
    s = settings()
    return EmployeesDal(
        cached.client("dynamodb"),
        employees_table=s.employees_table,
        locations_table=s.locations_table,
        tokens_table=s.tokens_table,
    )


@cached
def sessions() -> SessionStore:
    return SessionStore(cached.client("dynamodb"), settings().tokens_table)


@cached
def sockets() -> SessionSockets:
    s = settings()
    management = cached.client("apigatewaymanagementapi", endpoint_url=s.websocket_callback_url)
    return SessionSockets(cached.client("dynamodb"), s.connections_table, management)


@cached
def tenants() -> TenantDirectory:
    """Known tenants, cached ~60 s in the warm container."""
    return TenantDirectory(cached.client("dynamodb"), settings().tenants_table)


@cached
def publisher() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


def inviter() -> Inviter:
    """Not cached: the staff app's address is read per call (the parameter itself is cached by ``web``)."""
    s = settings()
    app_url = web.value_or_parameter(s.staff_app_url, s.staff_app_url_parameter)
    policy = InvitationPolicy(staff_app_url=app_url, hours=s.invitation_hours)
    return Inviter(sessions(), tenants(), publisher(), policy)


def reset() -> None:
    """Forget settings, clients and the tenant cache (tests)."""
    cached.reset()
