"""What every service's ``runtime`` module is made of: factories run once per warm container, the AWS
clients they share, and one ``reset()`` that forgets all of them (tests, a new environment).

    cached = Caches()
    settings = cached(Settings)

    @cached
    def dal() -> OrdersDal:
        return OrdersDal(cached.client("dynamodb"), settings().orders_table)

    reset = cached.reset
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Caches:
    """The caches of one runtime module: a factory registers itself by being decorated."""

    def __init__(self) -> None:
        self._factories: list[functools._lru_cache_wrapper[Any]] = []
        self._clients: dict[tuple[str, Any, str | None], Any] = {}

    def __call__(self, factory: Callable[[], T]) -> functools._lru_cache_wrapper[T]:
        """``factory`` run on first use, its result kept until ``reset``."""
        wrapped = functools.cache(factory)
        self._factories.append(wrapped)
        return wrapped

    def client(self, service: str, config: Any = None, *, endpoint_url: str | None = None) -> Any:
        """The boto3 client of ``service`` (one per service, config and endpoint in the container); ``endpoint_url``
        for an API with its own endpoint (the WebSocket management API's callback URL)."""
        key = (service, config, endpoint_url)
        if key not in self._clients:
            import boto3  # loaded with the first client, not at cold start: a route that calls no AWS API never pays

            self._clients[key] = boto3.client(service, config=config, endpoint_url=endpoint_url)
        return self._clients[key]

    def reset(self) -> None:
        """Forget every factory's result and every client."""
        for factory in self._factories:
            factory.cache_clear()
        self._clients.clear()
