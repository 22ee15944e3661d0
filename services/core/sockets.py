"""Sockets end with the session: a person's open WebSocket connections, closed at once.

Logout, a customer's deactivation or password change, an employee's deactivation or role/location change
revoke the person's tokens (``core.sessions``) and then call ``SessionSockets.close_all``: every connection
of the subject (the connections table's ``by_subject`` index, ``subject_key = <tenant>#<subject>``) is closed
through the WebSocket management API (``DELETE @connections/{id}``) and its row deleted, so the notifier and
the messages stop reaching it; the client's next connect runs the authorizer again, which refuses a revoked
token and admits a changed role with its new topic.

A logout ends one session: only the sockets opened with its token close (``$connect`` stores the token's
hash on the row); the person's other devices keep theirs.

Closing is best effort: the tokens are already revoked, so a failure here must not fail the logout or the
change. It is logged and counted (``SocketCloseFailed``); a socket left open still cannot send a message (its
row is gone: ``realtime.messages`` refuses it) and API Gateway closes it within two hours anyway.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from core.dynamo import query_all
from core.observability import logger, metrics

METRIC_CLOSE_FAILED = "SocketCloseFailed"


def subject_key(tenant_id: str, subject_id: str) -> str:
    """The ``by_subject`` key of a connection row (``realtime.handler`` writes it at ``$connect``)."""
    return f"{tenant_id}#{subject_id}"


class SessionSockets:
    """The connections of one person: list them (``by_subject``), close them, forget them."""

    def __init__(self, dynamodb: Any, table_name: str, management: Any) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management

    def connection_ids(self, tenant_id: str, subject_id: str, *, token_hash: str | None = None) -> list[str]:
        """The subject's connections; with ``token_hash``, only those opened with that session token."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_subject",
            "KeyConditionExpression": "subject_key = :k",
            "ExpressionAttributeValues": {":k": {"S": subject_key(tenant_id, subject_id)}},
            "ProjectionExpression": "connection_id",
        }
        if token_hash is not None:
            params["FilterExpression"] = "token_hash = :h"
            params["ExpressionAttributeValues"][":h"] = {"S": token_hash}
        return [item["connection_id"]["S"] for item in query_all(self._dynamodb, **params)]

    def tenant_connection_ids(self, tenant_id: str) -> list[str]:
        """Every connection of the tenant (the table's partition: a tenant's suspension closes them all)."""
        return [
            item["connection_id"]["S"]
            for item in query_all(
                self._dynamodb,
                TableName=self._table,
                KeyConditionExpression="tenant_id = :t",
                ExpressionAttributeValues={":t": {"S": tenant_id}},
                ProjectionExpression="connection_id",
            )
        ]

    def close_all(self, tenant_id: str, subject_id: str, *, token_hash: str | None = None) -> int:
        """Close every open socket of the subject (with ``token_hash``: of that one session, a logout) and delete
        their rows; returns how many were closed. Never raises: a failure is logged and counted, and the
        caller's request goes on."""
        try:
            connection_ids = self.connection_ids(tenant_id, subject_id, token_hash=token_hash)
        except (ClientError, BotoCoreError):
            self._failed(tenant_id, "could not list the subject's sockets")
            return 0
        return self.close(tenant_id, connection_ids)

    def close(self, tenant_id: str, connection_ids: list[str]) -> int:
        """Close these sockets of the tenant and delete their rows (best effort, as ``close_all``)."""
        closed = 0
        for connection_id in connection_ids:
            try:
                self._management.delete_connection(ConnectionId=connection_id)
            except self._management.exceptions.GoneException:
                pass  # already closed by its client: its row still goes
            except (ClientError, BotoCoreError):
                # Its row still goes: a socket left open hears no more pushes and cannot send (realtime.messages).
                self._failed(tenant_id, "could not close a socket", connection_id)
            else:
                closed += 1
            try:
                self._dynamodb.delete_item(
                    TableName=self._table,
                    Key={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}},
                )
            except (ClientError, BotoCoreError):
                self._failed(tenant_id, "could not delete a socket's row", connection_id)
        if connection_ids:
            logger.info("sockets closed with the session", extra={"sockets": len(connection_ids), "closed": closed})
        return closed

    @staticmethod
    def _failed(tenant_id: str, message: str, connection_id: str | None = None) -> None:
        logger.exception(message, extra={"tenant_id": tenant_id, "connection_id": connection_id})
        metrics.add_metric(name=METRIC_CLOSE_FAILED, unit=MetricUnit.Count, value=1)
