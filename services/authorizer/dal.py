"""The authorizer's only read: one token record by (tenant_id, token_hash)."""

from __future__ import annotations

from typing import Any


class TokenStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, tenant_id: str, token_hash: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table,
            Key={"tenant_id": {"S": tenant_id}, "token_hash": {"S": token_hash}},
            ConsistentRead=True,  # a token written a moment ago (login) must work at once
        )
        item = response.get("Item")
        if not item:
            return None
        from boto3.dynamodb.types import TypeDeserializer  # boto3 is loaded by now (the client): not at cold start

        deserialize = TypeDeserializer().deserialize
        return {k: deserialize(v) for k, v in item.items()}
