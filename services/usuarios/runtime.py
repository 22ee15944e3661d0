"""Settings and collaborators of the users function, built on first use and kept while warm."""

from __future__ import annotations

from core import web
from core.events import EventPublisher
from core.runtime import Caches
from core.sessions import SessionStore
from core.settings import EnvironmentSettings
from core.sockets import SessionSockets
from core.tenants import TenantDirectory
from usuarios.dal import Throttle, UsersDal
from usuarios.logic import LinkPolicy, LoginPolicy, Mailer

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the users function (``stacks/identity_services.py``)."""

    tenants_table: str
    users_table: str
    employees_table: str
    tokens_table: str
    event_bus_name: str
    customer_session_hours: int = 12
    staff_session_hours: int = 12
    customer_app_url: str = ""  # the customer app's base; else read from the parameter below
    customer_app_url_parameter: str = ""
    verification_hours: int = 24
    reset_minutes: int = 30
    # The sockets that end with the session (core.sockets): the connections table, the WebSocket management API.
    connections_table: str
    websocket_callback_url: str


settings = cached(Settings)  # read from the environment once per container


@cached
def tenants() -> TenantDirectory:
    """Known tenants, cached ~60 s in the warm container."""
    return TenantDirectory(cached.client("dynamodb"), settings().tenants_table)


@cached
def dal() -> UsersDal:
    s = settings()
    return UsersDal(
        cached.client("dynamodb"),
        users_table=s.users_table,
        employees_table=s.employees_table,
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
def throttle() -> Throttle:
    return Throttle(cached.client("dynamodb"), settings().tokens_table)


@cached
def publisher() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


def policy() -> LoginPolicy:
    s = settings()
    return LoginPolicy(customer_session_hours=s.customer_session_hours, staff_session_hours=s.staff_session_hours)


def mailer() -> Mailer:
    """Not cached: the customer app's address is read per call (the parameter itself is cached by ``web``)."""
    s = settings()
    app_url = web.value_or_parameter(s.customer_app_url, s.customer_app_url_parameter)
    policy = LinkPolicy(customer_app_url=app_url, verify_hours=s.verification_hours, reset_minutes=s.reset_minutes)
    return Mailer(sessions(), throttle(), publisher(), policy)


def reset() -> None:
    """Forget settings, clients and the tenant cache (tests)."""
    cached.reset()
