"""Settings and collaborators of the realtime functions (the WebSocket routes and the notifier), built on
first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core.settings import EnvironmentSettings
from realtime.dal import ConnectionStore, TopicConnections


class Settings(EnvironmentSettings):
    """The environment of the WebSocket routes (``stacks/api.py``) and of the realtime notifier
    (``stacks/notification_services.py``); only the notifier is given the orders table."""

    connections_table: str
    websocket_callback_url: str
    orders_table: str = ""


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def _management() -> object:
    """The WebSocket API's management endpoint (``post_to_connection``)."""
    return boto3.client("apigatewaymanagementapi", endpoint_url=settings().websocket_callback_url)


@functools.cache
def store() -> ConnectionStore:
    return ConnectionStore(_dynamodb(), settings().connections_table, _management())


@functools.cache
def connections() -> TopicConnections:
    s = settings()
    return TopicConnections(_dynamodb(), s.connections_table, _management(), s.orders_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, _dynamodb, _management, store, connections):
        cached.cache_clear()
