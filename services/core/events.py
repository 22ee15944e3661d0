"""Publishing domain events to the platform's EventBridge bus."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.errors import DependencyFailed


class EventPublisher:
    """``publish(source, detail_type, detail)``: one PutEvents call; a partial failure raises."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def publish(self, source: str, detail_type: str, detail: Mapping[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, default=str),
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise DependencyFailed(f"EventBridge rejected {detail_type}: {response['Entries']}")
