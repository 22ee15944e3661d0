"""Settings and collaborators of the realtime functions (the WebSocket routes, the notifier and the messages' REST
routes), built on first use and kept while warm."""

from __future__ import annotations

from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.sockets import SessionSockets
from realtime.dal import ConnectionStore, MessageConnections, MessagesDal, TopicConnections

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the WebSocket routes (``stacks/api.py``), of the realtime notifier
    (``stacks/notification_services.py``) and of the messages' REST routes (``stacks/message_services.py``): only
    the notifier is given the orders table; the REST routes have no connections table nor callback URL; the
    notifier has no messages table."""

    connections_table: str = ""
    websocket_callback_url: str = ""
    orders_table: str = ""
    messages_table: str = ""
    employees_table: str = ""
    locations_table: str = ""


settings = cached(Settings)  # read from the environment once per container


def _management() -> object:
    """The WebSocket API's management endpoint (``post_to_connection``)."""
    return cached.client("apigatewaymanagementapi", endpoint_url=settings().websocket_callback_url)


@cached
def store() -> ConnectionStore:
    return ConnectionStore(cached.client("dynamodb"), settings().connections_table, _management())


@cached
def connections() -> TopicConnections:
    s = settings()
    return TopicConnections(cached.client("dynamodb"), s.connections_table, _management(), s.orders_table)


@cached
def message_connections() -> MessageConnections:
    return MessageConnections(cached.client("dynamodb"), settings().connections_table, _management())


@cached
def messages() -> MessagesDal:
    s = settings()
    return MessagesDal(
        cached.client("dynamodb"),
        messages_table=s.messages_table,
        employees_table=s.employees_table,
        locations_table=s.locations_table,
    )


@cached
def sockets() -> SessionSockets:
    """The sockets a tenant's suspension closes (``realtime.suspensions``)."""
    return SessionSockets(cached.client("dynamodb"), settings().connections_table, _management())


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
