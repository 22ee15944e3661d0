"""Every AWS call of the loyalty points: the points table (balances, ledgers, the marks of each order's movements),
and what the consumer reads of a delivered order and the admins' route of a customer. Keys always start from the
tenant the caller hands in (the event's, or the principal's).

Items of ``puntos`` (``tenant_id`` / ``points_key``):

- ``C#<customer>#B``: the customer's balance (``balance``, ``updated_at``);
- ``C#<customer>#L#<at>#<order>#<movement>``: one ledger row per movement (``order_id``, ``movement``, ``points``,
  ``at``), so a customer's ledger, newest first, is one Query;
- ``O#<order>``: the mark of the order's movements (``customer_id``, ``credited``, ``credited_at``,
  ``reversed_at``). Each movement is one ``TransactWriteItems`` whose first item updates the mark only if that
  movement has not happened: a redelivery or an EventBridge replay (a new event id, the same fact) is cancelled
  there and writes nothing.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.dynamo import decode_cursor, encode_cursor, error_code, from_item, to_item
from core.errors import DependencyFailed, ValidationFailed
from puntos.models import DeliveredOrder, LedgerEntry, Movement, OrderMark

ORDER_ATTRIBUTES = contracts.POINTS_ORDER_ATTRIBUTES


def balance_key(customer_id: str) -> str:
    return f"C#{customer_id}#B"


def ledger_prefix(customer_id: str) -> str:
    return f"C#{customer_id}#L#"


def ledger_key(customer_id: str, at: str, order_id: str, movement: Movement) -> str:
    return f"{ledger_prefix(customer_id)}{at}#{order_id}#{movement}"


def mark_key(order_id: str) -> str:
    return f"O#{order_id}"


def _mark_failed(exc: ClientError) -> bool:
    """The transaction was cancelled by its first item's condition (the mark): the movement happened before."""
    reasons = [str(r.get("Code", "")) for r in exc.response.get("CancellationReasons") or []]
    return error_code(exc) == "TransactionCanceledException" and reasons[:1] == ["ConditionalCheckFailed"]


class PointsDal:
    """The only place the points talk to AWS."""

    def __init__(self, dynamodb: Any, *, points_table: str, orders_table: str = "", users_table: str = "") -> None:
        self._dynamodb = dynamodb
        self._table = points_table
        self._orders = orders_table
        self._users = users_table

    def _key(self, tenant_id: str, points_key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "points_key": {"S": points_key}}

    # -- the consumer ------------------------------------------------------------------------------------------
    def delivered_order(self, tenant_id: str, order_id: str) -> DeliveredOrder | None:
        """The order's customer, lines, state and payment (one strongly consistent, projected GetItem)."""
        names = {f"#a{i}": name for i, name in enumerate(ORDER_ATTRIBUTES)}
        item = self._call(
            "get_item",
            TableName=self._orders,
            Key={"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            ConsistentRead=True,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        ).get("Item")
        return DeliveredOrder.model_validate(from_item(item)) if item else None

    def mark(self, tenant_id: str, order_id: str) -> OrderMark | None:
        """The mark of the order's movements (one strongly consistent GetItem), or None: none happened."""
        item = self._call(
            "get_item", TableName=self._table, Key=self._key(tenant_id, mark_key(order_id)), ConsistentRead=True
        ).get("Item")
        return OrderMark.model_validate(from_item(item)) if item else None

    def credit(self, tenant_id: str, order_id: str, customer_id: str, points: int, at: str) -> bool:
        """One transaction: the mark (only if the order was neither credited nor reversed), the ledger row and the
        balance. False when the mark refused it: credited before, or its payment refunded first."""
        mark = {
            "Update": {
                "TableName": self._table,
                "Key": self._key(tenant_id, mark_key(order_id)),
                "UpdateExpression": "SET customer_id = :c, credited = :p, credited_at = :at",
                "ConditionExpression": "attribute_not_exists(credited) AND attribute_not_exists(reversed_at)",
                "ExpressionAttributeValues": to_item({":c": customer_id, ":p": points, ":at": at}),
            }
        }
        return self._movement(
            tenant_id, mark, customer_id=customer_id, order_id=order_id, movement="credit", points=points, at=at
        )

    def reverse(self, tenant_id: str, order_id: str, mark: OrderMark | None, at: str) -> bool:
        """Take back what the order's credit gave (as ``mark`` read it): one transaction of the mark (only if it is
        still as read), the ledger row and the balance. With no credit, one conditional UpdateItem marks the order
        reversed, so its credit never happens. False when the mark changed since it was read."""
        key = self._key(tenant_id, mark_key(order_id))
        if mark is None or mark.credited is None or mark.customer_id is None:
            try:
                self._dynamodb.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression="SET reversed_at = :at",
                    ConditionExpression="attribute_not_exists(credited) AND attribute_not_exists(reversed_at)",
                    ExpressionAttributeValues=to_item({":at": at}),
                )
            except ClientError as exc:
                if error_code(exc) == "ConditionalCheckFailedException":
                    return False
                raise DependencyFailed("The points could not be written") from exc
            except BotoCoreError as exc:
                raise DependencyFailed("The points could not be written") from exc
            return True
        update = {
            "Update": {
                "TableName": self._table,
                "Key": key,
                "UpdateExpression": "SET reversed_at = :at",
                "ConditionExpression": "credited = :p AND attribute_not_exists(reversed_at)",
                "ExpressionAttributeValues": to_item({":at": at, ":p": mark.credited}),
            }
        }
        return self._movement(
            tenant_id, update, customer_id=mark.customer_id, order_id=order_id, movement="reversal",
            points=-mark.credited, at=at,
        )  # fmt: skip

    def _movement(
        self, tenant_id: str, mark: dict[str, Any], *, customer_id: str, order_id: str, movement: Movement,
        points: int, at: str,
    ) -> bool:  # fmt: skip
        row = {
            "tenant_id": tenant_id,
            "points_key": ledger_key(customer_id, at, order_id, movement),
            "order_id": order_id,
            "movement": movement,
            "points": points,
            "at": at,
        }
        items = [
            mark,
            {"Put": {"TableName": self._table, "Item": to_item(row)}},
            {
                "Update": {
                    "TableName": self._table,
                    "Key": self._key(tenant_id, balance_key(customer_id)),
                    "UpdateExpression": "ADD balance :p SET updated_at = :at",
                    "ExpressionAttributeValues": to_item({":p": points, ":at": at}),
                }
            },
        ]
        try:
            self._dynamodb.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _mark_failed(exc):
                return False
            raise DependencyFailed("The points could not be written") from exc  # a conflict: SQS delivers it again
        except BotoCoreError as exc:
            raise DependencyFailed("The points could not be written") from exc
        return True

    # -- the routes --------------------------------------------------------------------------------------------
    def balance(self, tenant_id: str, customer_id: str) -> int:
        """The customer's balance (one GetItem; 0 before the first credit)."""
        item = self._call(
            "get_item",
            TableName=self._table,
            Key=self._key(tenant_id, balance_key(customer_id)),
            ProjectionExpression="balance",
        ).get("Item")
        return int(from_item(item).get("balance", 0)) if item else 0

    def ledger(
        self, tenant_id: str, customer_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[LedgerEntry], str | None]:
        """One page of the customer's ledger, newest first (one Query). A cursor of another customer's ledger, or
        of another tenant, is refused."""
        prefix = ledger_prefix(customer_id)
        kwargs: dict[str, Any] = {}
        start = decode_cursor(cursor, tenant_id=tenant_id)
        if start is not None:
            if set(start) != {"tenant_id", "points_key"} or not start["points_key"].get("S", "").startswith(prefix):
                raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
            kwargs["ExclusiveStartKey"] = start
        page = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="tenant_id = :t AND begins_with(points_key, :p)",
            ExpressionAttributeValues={":t": {"S": tenant_id}, ":p": {"S": prefix}},
            ScanIndexForward=False,
            Limit=limit,
            **kwargs,
        )
        entries = [LedgerEntry.model_validate(from_item(item)) for item in page.get("Items", [])]
        return entries, encode_cursor(page.get("LastEvaluatedKey"))

    def customer_exists(self, tenant_id: str, customer_id: str) -> bool:
        """Whether the tenant has this customer (one GetItem of its key only)."""
        item = self._call(
            "get_item",
            TableName=self._users,
            Key={"tenant_id": {"S": tenant_id}, "user_id": {"S": customer_id}},
            ProjectionExpression="user_id",
        ).get("Item")
        return item is not None

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._dynamodb, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The points are not available") from exc
        return response
