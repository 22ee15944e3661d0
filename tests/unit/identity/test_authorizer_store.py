"""The authorizer reads a token strongly consistently: a token written by a login a moment ago works at once."""

from __future__ import annotations

from typing import Any

from authorizer.dal import TokenStore


class _RecordingClient:
    def __init__(self, item: dict[str, Any] | None) -> None:
        self.calls: list[dict[str, Any]] = []
        self._item = item

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"Item": self._item} if self._item else {}


def test_the_token_read_is_strongly_consistent() -> None:
    client = _RecordingClient({"tenant_id": {"S": "bembos"}, "token_hash": {"S": "h"}, "role": {"S": "CLIENTE"}})

    found = TokenStore(client, "tokens").get("bembos", "h")

    assert found == {"tenant_id": "bembos", "token_hash": "h", "role": "CLIENTE"}
    assert client.calls == [
        {
            "TableName": "tokens",
            "Key": {"tenant_id": {"S": "bembos"}, "token_hash": {"S": "h"}},
            "ConsistentRead": True,
        }
    ]


def test_an_unknown_token_is_none() -> None:
    assert TokenStore(_RecordingClient(None), "tokens").get("bembos", "missing") is None
