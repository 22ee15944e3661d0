"""Connections table and the WebSocket management API."""

from __future__ import annotations

import json
from typing import Any


class ConnectionStore:
    def __init__(self, dynamodb: Any, table_name: str, management: Any) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management

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


class ConnectionGone(Exception):
    """The client of a connection went away (the management API answered 410)."""


class TopicConnections:
    """The realtime notifier's side of the connections table and the management API."""

    def __init__(self, dynamodb: Any, table_name: str, management: Any, orders_table: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management
        self._orders = orders_table

    def connections(self, topic: str) -> list[tuple[str, str]]:
        """``(tenant_id, connection_id)`` of every connection subscribed to ``topic`` (the ``by_topic`` index)."""
        found: list[tuple[str, str]] = []
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_topic",
            "KeyConditionExpression": "topic = :t",
            "ExpressionAttributeValues": {":t": {"S": topic}},
            "ProjectionExpression": "tenant_id, connection_id",
        }
        while True:
            page = self._dynamodb.query(**params)
            found.extend((i["tenant_id"]["S"], i["connection_id"]["S"]) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        try:
            self._management.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())
        except self._management.exceptions.GoneException as exc:
            raise ConnectionGone(connection_id) from exc

    def forget(self, tenant_id: str, connection_id: str) -> None:
        self._dynamodb.delete_item(
            TableName=self._table, Key={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}}
        )

    def customer_of(self, tenant_id: str, order_id: str) -> str | None:
        """The customer of an order whose event does not name it (the workflow's final states)."""
        item = self._dynamodb.get_item(
            TableName=self._orders,
            Key={"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            ProjectionExpression="customer_id",
        ).get("Item")
        return item["customer_id"]["S"] if item and "customer_id" in item else None
