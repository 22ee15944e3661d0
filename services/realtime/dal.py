"""The realtime service's AWS calls: the connections table, the messages table (and the employees and locations a
message names), and the WebSocket management API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from core.clock import from_iso
from core.dynamo import condition_failed, conditional_write, from_item, query_all, to_item
from core.sockets import subject_key
from realtime.models import Message


@dataclass(frozen=True)
class ConnectionRow:
    """What ``$connect`` writes: the connection's topic (``by_topic``: the notifier's pushes), its person
    (``subject_key``, the ``by_subject`` index: a message to one person, the sockets that end with the session),
    the hash of the session token it was opened with (a logout closes that session's sockets only), and its
    ``kind`` (a message to the whole tenant reaches the staff's connections, never a customer's)."""

    tenant_id: str
    connection_id: str
    topic: str
    subject_id: str
    kind: str
    token_hash: str | None
    expires_at: int

    def item(self) -> dict[str, Any]:
        item = {
            "tenant_id": {"S": self.tenant_id},
            "connection_id": {"S": self.connection_id},
            "topic": {"S": self.topic},
            "subject_key": {"S": subject_key(self.tenant_id, self.subject_id)},
            "kind": {"S": self.kind},
            "expires_at": {"N": str(self.expires_at)},
        }
        if self.token_hash:
            item["token_hash"] = {"S": self.token_hash}
        return item


class ConnectionStore:
    def __init__(self, dynamodb: Any, table_name: str, management: Any) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management

    def put(self, row: ConnectionRow) -> None:
        self._dynamodb.put_item(TableName=self._table, Item=row.item())

    def delete(self, tenant_id: str, connection_id: str) -> None:
        self._dynamodb.delete_item(
            TableName=self._table, Key={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}}
        )

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        self._management.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())


class ConnectionGone(Exception):
    """The client of a connection went away (the management API answered 410)."""


class _Pushes:
    """What the notifier and the messages both do with a connection: post a frame to it, forget its row."""

    def __init__(self, dynamodb: Any, table_name: str, management: Any) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._management = management

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        try:
            self._management.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())
        except self._management.exceptions.GoneException as exc:
            raise ConnectionGone(connection_id) from exc

    def forget(self, tenant_id: str, connection_id: str) -> None:
        self._dynamodb.delete_item(
            TableName=self._table, Key={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}}
        )


class TopicConnections(_Pushes):
    """The realtime notifier's side of the connections table and the management API."""

    def __init__(self, dynamodb: Any, table_name: str, management: Any, orders_table: str) -> None:
        super().__init__(dynamodb, table_name, management)
        self._orders = orders_table

    def connections(self, topic: str) -> list[tuple[str, str]]:
        """``(tenant_id, connection_id)`` of every connection subscribed to ``topic`` (the ``by_topic`` index)."""
        items = query_all(
            self._dynamodb,
            TableName=self._table,
            IndexName="by_topic",
            KeyConditionExpression="topic = :t",
            ExpressionAttributeValues={":t": {"S": topic}},
            ProjectionExpression="tenant_id, connection_id",
        )
        return [(i["tenant_id"]["S"], i["connection_id"]["S"]) for i in items]

    def customer_of(self, tenant_id: str, order_id: str) -> str | None:
        """The customer of an order whose event does not name it (the workflow's final states)."""
        item = self._dynamodb.get_item(
            TableName=self._orders,
            Key={"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            ProjectionExpression="customer_id",
        ).get("Item")
        return item["customer_id"]["S"] if item and "customer_id" in item else None


class RateLimit:
    """Outcomes of ``MessageConnections.count_frame``."""

    OK, LIMITED, GONE = "ok", "limited", "gone"


class MessageConnections(_Pushes):
    """The messages' side of the connections table and the management API (the ``mensaje`` route).

    The rate limit is a fixed window kept on the connection's own row (``rl_start``, ``rl_count``): one conditional
    UpdateItem per frame (two for the first frame of a window); a row that is gone (the session ended) refuses.
    """

    def count_frame(self, tenant_id: str, connection_id: str, *, now: int, window: int, limit: int) -> str:
        key = {"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}}
        start = {":start": {"N": str(now - window)}}
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET rl_count = rl_count + :one",
                ConditionExpression="attribute_exists(connection_id) AND rl_start > :start AND rl_count < :max",
                ExpressionAttributeValues={**start, ":one": {"N": "1"}, ":max": {"N": str(limit)}},
            )
            return RateLimit.OK
        except ClientError as exc:
            if not condition_failed(exc):
                raise
        try:  # no window yet, or the last one is over: a new window starts with this frame
            self._dynamodb.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET rl_start = :now, rl_count = :one",
                ConditionExpression="attribute_exists(connection_id) AND "
                "(attribute_not_exists(rl_start) OR rl_start <= :start)",
                ExpressionAttributeValues={**start, ":now": {"N": str(now)}, ":one": {"N": "1"}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return RateLimit.OK
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            return RateLimit.LIMITED if exc.response.get("Item") else RateLimit.GONE

    def connection_ids(self, tenant_id: str, *, topics: list[str], subjects: list[str], all_staff: bool) -> list[str]:
        """The connections of ``topics`` (``by_topic``), of ``subjects`` (``by_subject``), and with ``all_staff``
        every staff connection of the tenant (a Query of the tenant's rows, customers' filtered out)."""
        queries: list[dict[str, Any]] = [
            {
                "IndexName": "by_topic",
                "KeyConditionExpression": "topic = :k",
                "ExpressionAttributeValues": {":k": {"S": topic}},
            }
            for topic in topics
        ]
        queries += [
            {
                "IndexName": "by_subject",
                "KeyConditionExpression": "subject_key = :k",
                "ExpressionAttributeValues": {":k": {"S": subject_key(tenant_id, subject)}},
            }
            for subject in subjects
        ]
        if all_staff:
            queries.append(
                {
                    "KeyConditionExpression": "tenant_id = :k",
                    "FilterExpression": "kind = :e",
                    "ExpressionAttributeValues": {":k": {"S": tenant_id}, ":e": {"S": "employee"}},
                }
            )
        found: dict[str, None] = {}
        for query in queries:
            items = query_all(self._dynamodb, TableName=self._table, ProjectionExpression="connection_id", **query)
            found.update((i["connection_id"]["S"], None) for i in items)
        return list(found)


CLIENT_PREFIX = "client#"  # a sent frame's mark: <sender>#<client_id> -> the message it stored (a retry)
CLIENT_MARK_SECONDS = 24 * 3600
MESSAGE_TTL_SECONDS = 90 * 24 * 3600


class MessagesDal:
    """The messages table (history: one Query per channel and one of the sender's index), and the employees and
    locations a message names."""

    def __init__(self, dynamodb: Any, *, messages_table: str, employees_table: str, locations_table: str) -> None:
        self._dynamodb = dynamodb
        self._messages = messages_table
        self._employees = employees_table
        self._locations = locations_table

    def employee(self, tenant_id: str, employee_id: str) -> dict[str, Any] | None:
        item = self._dynamodb.get_item(
            TableName=self._employees,
            Key={"tenant_id": {"S": tenant_id}, "employee_id": {"S": employee_id}},
            ProjectionExpression="employee_id, #n, rol, location_id, #s",
            ExpressionAttributeNames={"#n": "name", "#s": "status"},
        ).get("Item")
        return from_item(item) if item and "rol" in item else None

    def location_exists(self, tenant_id: str, location_id: str) -> bool:
        item = self._dynamodb.get_item(
            TableName=self._locations,
            Key={"tenant_id": {"S": tenant_id}, "location_id": {"S": location_id}},
            ProjectionExpression="location_id",
        ).get("Item")
        return item is not None

    def store(self, tenant_id: str, message: Message, client_id: str) -> bool:
        """The message and its client mark, in one transaction; False when the mark exists (a retried frame)."""
        at_epoch = int(from_iso(message.at).timestamp())
        key = f"{message.to.channel}#{message.at}#{message.id}"
        item = to_item(
            {
                "tenant_id": tenant_id,
                "message_key": key,
                "sender_key": subject_key(tenant_id, message.sender.employee_id),
                "sent_key": f"{message.at}#{message.id}",
                "id": message.id,
                "at": message.at,
                "texto": message.texto,
                "from": message.sender.model_dump(),
                "to": message.to.model_dump(),
                "expires_at": at_epoch + MESSAGE_TTL_SECONDS,
            }
        )
        mark = to_item(
            {
                "tenant_id": tenant_id,
                "message_key": f"{CLIENT_PREFIX}{message.sender.employee_id}#{client_id}",
                "ref": key,
                "expires_at": at_epoch + CLIENT_MARK_SECONDS,
            }
        )
        written = conditional_write(
            self._dynamodb,
            "transact_write_items",
            failed="Could not store the message",
            TransactItems=[
                {
                    "Put": {
                        "TableName": self._messages,
                        "Item": mark,
                        "ConditionExpression": "attribute_not_exists(message_key)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._messages,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(message_key)",
                    }
                },
            ],
        )
        return written is not None

    def previous(self, tenant_id: str, sender_id: str, client_id: str) -> Message | None:
        """The message a frame with this ``client_id`` stored before (a retry after a lost answer)."""
        mark = self._get(tenant_id, f"{CLIENT_PREFIX}{sender_id}#{client_id}")
        if mark is None:
            return None
        item = self._get(tenant_id, str(mark["ref"]))
        return _message(item) if item else None

    def _get(self, tenant_id: str, message_key: str) -> dict[str, Any] | None:
        item = self._dynamodb.get_item(
            TableName=self._messages,
            Key={"tenant_id": {"S": tenant_id}, "message_key": {"S": message_key}},
            ConsistentRead=True,
        ).get("Item")
        return from_item(item) if item else None

    def channel_page(
        self, tenant_id: str, channel: str, *, before: str | None, limit: int
    ) -> tuple[list[Message], bool]:
        """Up to ``limit`` messages of a channel older than ``before`` (``<at>#<id>``), newest first; and whether
        there are more."""
        values: dict[str, Any] = {":t": {"S": tenant_id}, ":lo": {"S": f"{channel}#"}}
        if before is None:
            condition = "tenant_id = :t AND begins_with(message_key, :lo)"
        else:
            condition = "tenant_id = :t AND message_key BETWEEN :lo AND :hi"
            values[":hi"] = {"S": f"{channel}#{before}"}
        page = self._dynamodb.query(
            TableName=self._messages,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit + 1,
        )
        items = [from_item(i) for i in page.get("Items", [])]
        messages = [_message(i) for i in items if before is None or f"{i['at']}#{i['id']}" < before]
        return messages[:limit], len(messages) > limit or ("LastEvaluatedKey" in page and len(messages) >= limit)

    def sent_page(
        self, tenant_id: str, sender_id: str, *, before: str | None, limit: int
    ) -> tuple[list[Message], bool]:
        """The sender's own messages (``by_sender``), newest first, older than ``before``."""
        values: dict[str, Any] = {":s": {"S": subject_key(tenant_id, sender_id)}}
        condition = "sender_key = :s"
        if before is not None:
            condition += " AND sent_key < :b"
            values[":b"] = {"S": before}
        page = self._dynamodb.query(
            TableName=self._messages,
            IndexName="by_sender",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit + 1,
        )
        messages = [_message(from_item(i)) for i in page.get("Items", [])]
        return messages[:limit], len(messages) > limit

    def staff(self, tenant_id: str, *, location_id: str | None, admins_only: bool = False) -> list[dict[str, Any]]:
        """The active employees of a location (``by_location``), or of the tenant (``by_email``); with
        ``admins_only`` the tenant's admins."""
        values: dict[str, Any] = {":active": {"S": "active"}}
        filters = "#s = :active"
        if location_id:
            params: dict[str, Any] = {"IndexName": "by_location", "KeyConditionExpression": "tenant_location = :k"}
            values[":k"] = {"S": f"{tenant_id}#{location_id}"}
        else:
            params = {"IndexName": "by_email", "KeyConditionExpression": "tenant_id = :k"}
            values[":k"] = {"S": tenant_id}
        if admins_only:
            filters += " AND rol = :admin"
            values[":admin"] = {"S": "admin"}
        params.update(
            TableName=self._employees,
            FilterExpression=filters,
            ExpressionAttributeValues=values,
            ExpressionAttributeNames={"#s": "status", "#n": "name"},
            ProjectionExpression="employee_id, #n, rol, location_id",
        )
        return [from_item(i) for i in query_all(self._dynamodb, **params)]


def _message(item: dict[str, Any]) -> Message:
    return Message.model_validate({k: item[k] for k in ("id", "at", "texto", "from", "to")})
