"""Settings and collaborators of the realtime functions (the WebSocket routes and the notifier), built on
first use and kept while warm."""

from __future__ import annotations

import boto3

from core.runtime import Caches
from core.settings import EnvironmentSettings
from realtime.dal import ConnectionStore, TopicConnections

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the WebSocket routes (``stacks/api.py``) and of the realtime notifier
    (``stacks/notification_services.py``); only the notifier is given the orders table."""

    connections_table: str
    websocket_callback_url: str
    orders_table: str = ""


settings = cached(Settings)  # read from the environment once per container


@cached
def _management() -> object:
    """The WebSocket API's management endpoint (``post_to_connection``)."""
    return boto3.client("apigatewaymanagementapi", endpoint_url=settings().websocket_callback_url)


@cached
def store() -> ConnectionStore:
    return ConnectionStore(cached.client("dynamodb"), settings().connections_table, _management())


@cached
def connections() -> TopicConnections:
    s = settings()
    return TopicConnections(cached.client("dynamodb"), s.connections_table, _management(), s.orders_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
