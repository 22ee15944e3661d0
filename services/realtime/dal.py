"""Connections table and the WebSocket management API."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


class ConnectionStore:
    def __init__(self, dynamodb: Any, table_name: str, management: Any) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management

    @classmethod
    def from_env(cls) -> ConnectionStore:
        management = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["WEBSOCKET_CALLBACK_URL"])
        return cls(boto3.client("dynamodb"), os.environ["CONNECTIONS_TABLE"], management)

    def put(self, tenant_id: str, connection_id: str, topic: str, expires_at: int) -> None:
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                "tenant_id": {"S": tenant_id},
                "connection_id": {"S": connection_id},
                "topic": {"S": topic},
                "expires_at": {"N": str(expires_at)},
            },
        )

    def delete(self, tenant_id: str, connection_id: str) -> None:
        self._dynamodb.delete_item(
            TableName=self._table, Key={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}}
        )

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        self._management.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())
