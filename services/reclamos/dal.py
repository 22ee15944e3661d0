"""Every AWS call of the complaints service (the Libro de Reclamaciones).

Items of the ``reclamaciones`` table (``tenant_id`` / ``entry_key``):

* an entry: ``entry_key = n#<numero, 12 digits>`` (the table's order is the book's), ``customer_key =
  <tenant>#<customer>`` (the ``by_customer`` index, by ``filed_at``), ``estado_key = <tenant>#<estado>`` (the
  ``by_estado`` index, by ``entry_key``), and the entry's fields (``reclamos.models.ComplaintRecord``);
* the tenant's counter: ``entry_key = counter``, ``last_numero``;
* an Idempotency-Key record: ``entry_key = idem#<customer>#<key>``, ``numero``, ``request_hash``, ``expires_at``.

An entry is written with its counter (and its key's record) in one transaction whose conditions say the counter
is still where the writer read it: two customers filing at once never share a number, and a crash writes all or
nothing, so the numbers have no gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.dynamo import decode_cursor, encode_cursor, from_item, to_item, to_value
from core.errors import DependencyFailed, ValidationFailed
from reclamos.models import ComplaintRecord, Estado

COUNTER_KEY = "counter"
ENTRY_PREFIX = "n#"
IDEMPOTENCY_PREFIX = "idem#"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_CURSOR_KEYS = {  # the keys of a page's LastEvaluatedKey, per listing: a cursor of another listing is refused
    None: {"tenant_id", "entry_key"},
    "by_estado": {"tenant_id", "entry_key", "estado_key"},
    "by_customer": {"tenant_id", "entry_key", "customer_key", "filed_at"},
}


def entry_key(numero: int) -> str:
    return f"{ENTRY_PREFIX}{numero:012d}"


def customer_key(tenant_id: str, customer_id: str) -> str:
    return f"{tenant_id}#{customer_id}"


def estado_key(tenant_id: str, estado: Estado) -> str:
    return f"{tenant_id}#{estado}"


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    numero: int
    request_hash: str


class CounterMoved(Exception):
    """Another entry took the number first: read the counter again and retry."""


class IdempotencyKeyTaken(Exception):
    """The customer used this key before; ``record`` says for which entry."""

    def __init__(self, record: IdempotencyRecord | None) -> None:
        super().__init__("idempotency key already used")
        self.record = record


class AlreadyAnswered(Exception):
    """The entry had its answer already."""


class ComplaintsDal:
    def __init__(
        self, client: Any, *, complaints_table: str, users_table: str, orders_table: str, locations_table: str
    ) -> None:
        self._client = client
        self._table = complaints_table
        self._users = users_table
        self._orders = orders_table
        self._locations = locations_table

    # -- what a new entry checks ----------------------------------------------------------------
    def customer(self, tenant_id: str, customer_id: str) -> dict[str, Any] | None:
        """The filing customer's status and address (only what the role may read of Usuarios)."""
        return self._get(
            self._users,
            {"tenant_id": {"S": tenant_id}, "user_id": {"S": customer_id}},
            contracts.COMPLAINT_CUSTOMER_ATTRIBUTES,
        )

    def order_customer(self, tenant_id: str, order_id: str) -> str | None:
        """Whose order ``order_id`` is (None: no such order in the tenant; the route's id pattern has no ``#``, so it
        never names the orders table's internal items)."""
        item = self._get(
            self._orders,
            {"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            contracts.COMPLAINT_ORDER_ATTRIBUTES,
        )
        return str(item["customer_id"]) if item and item.get("customer_id") else None

    def location_exists(self, tenant_id: str, location_id: str) -> bool:
        key = {"tenant_id": {"S": tenant_id}, "location_id": {"S": location_id}}
        return self._get(self._locations, key, ("location_id",)) is not None

    # -- numbering ------------------------------------------------------------------------------------
    def last_numero(self, tenant_id: str) -> int:
        """The tenant's last number given (0: none yet), read consistently."""
        item = self._call(
            "get_item", TableName=self._table, Key=self._key(tenant_id, COUNTER_KEY), ConsistentRead=True
        ).get("Item")
        return int(item["last_numero"]["N"]) if item else 0

    def file(self, record: ComplaintRecord, *, previous: int, idempotency: IdempotencyRecord | None, ttl: int) -> None:
        """The entry, its counter moved from ``previous`` to its number, and its key's record: all or nothing.

        ``CounterMoved``: another entry took the number; ``IdempotencyKeyTaken``: the key names an entry already.
        """
        tenant_id = record.tenant_id
        if previous:
            counter_condition = "last_numero = :previous"
            values = {":n": to_value(record.numero), ":previous": to_value(previous)}
        else:
            counter_condition = "attribute_not_exists(last_numero)"
            values = {":n": to_value(record.numero)}
        new_only = "attribute_not_exists(entry_key)"
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": self._key(tenant_id, COUNTER_KEY),
                    "UpdateExpression": "SET last_numero = :n",
                    "ConditionExpression": counter_condition,
                    "ExpressionAttributeValues": values,
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(record.model_dump(mode="json")),
                    "ConditionExpression": new_only,
                }
            },
        ]
        if idempotency is not None:
            key_item = {
                "tenant_id": tenant_id,
                "entry_key": _idempotency_id(record.customer_id, idempotency.key),
                "numero": idempotency.numero,
                "request_hash": idempotency.request_hash,
                "expires_at": ttl,
            }
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": to_item(key_item),
                        "ConditionExpression": new_only,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = [r or {} for r in exc.response.get("CancellationReasons") or []]
            codes = [str(r.get("Code", "None")) for r in reasons]
            if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
                old = reasons[2].get("Item")
                raise IdempotencyKeyTaken(_idempotency(old, idempotency.key) if old and idempotency else None) from exc
            if "ConditionalCheckFailed" in codes[:2] or "TransactionConflict" in codes:
                raise CounterMoved from exc
            raise DependencyFailed("The complaint could not be stored") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The complaint could not be stored") from exc

    def idempotency_record(self, tenant_id: str, customer_id: str, key: str) -> IdempotencyRecord | None:
        item = self._call(
            "get_item",
            TableName=self._table,
            Key=self._key(tenant_id, _idempotency_id(customer_id, key)),
            ConsistentRead=True,
        ).get("Item")
        return _idempotency(item, key) if item else None

    # -- reading -----------------------------------------------------------------------------------------
    def get(self, tenant_id: str, numero: int) -> ComplaintRecord | None:
        item = self._call(
            "get_item", TableName=self._table, Key=self._key(tenant_id, entry_key(numero)), ConsistentRead=True
        ).get("Item")
        return ComplaintRecord.model_validate(from_item(item)) if item else None

    def book(
        self, tenant_id: str, *, estado: Estado | None, limit: int, cursor: str | None
    ) -> tuple[list[ComplaintRecord], str | None]:
        """One page of the tenant's book by number (all, or one estado's): one Query."""
        if estado:
            kwargs: dict[str, Any] = {
                "IndexName": "by_estado",
                "KeyConditionExpression": "estado_key = :k",
                "ExpressionAttributeValues": {":k": {"S": estado_key(tenant_id, estado)}},
            }
        else:
            kwargs = {
                "KeyConditionExpression": "tenant_id = :t AND begins_with(entry_key, :n)",
                "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":n": {"S": ENTRY_PREFIX}},
            }
        return self._page(tenant_id, kwargs, limit=limit, cursor=cursor)

    def of_customer(
        self, tenant_id: str, customer_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[ComplaintRecord], str | None]:
        """One page of a customer's own entries, newest first: one Query of ``by_customer``."""
        kwargs = {
            "IndexName": "by_customer",
            "KeyConditionExpression": "customer_key = :k",
            "ExpressionAttributeValues": {":k": {"S": customer_key(tenant_id, customer_id)}},
            "ScanIndexForward": False,
        }
        return self._page(tenant_id, kwargs, limit=limit, cursor=cursor)

    def whole_book(self, tenant_id: str) -> Iterator[ComplaintRecord]:
        """Every entry by number (the CSV export): Queries of 1 MB pages."""
        cursor: str | None = None
        while True:
            page, cursor = self.book(tenant_id, estado=None, limit=1000, cursor=cursor)
            yield from page
            if cursor is None:
                return

    # -- the answer ----------------------------------------------------------------------------------------
    def answer(self, tenant_id: str, numero: int, *, respuesta: str, at: str, by: str) -> ComplaintRecord:
        """Store the answer of a pending entry (``AlreadyAnswered`` if it had one): one conditional update."""
        try:
            item = self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id, entry_key(numero)),
                UpdateExpression="SET estado = :r, estado_key = :rk, respuesta = :text, answered_at = :at, "
                "answered_by = :by",
                ConditionExpression="estado = :p",
                ExpressionAttributeValues={
                    ":r": {"S": "respondido"},
                    ":rk": {"S": estado_key(tenant_id, "respondido")},
                    ":p": {"S": "pendiente"},
                    ":text": {"S": respuesta},
                    ":at": {"S": at},
                    ":by": {"S": by},
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise AlreadyAnswered from exc
            raise DependencyFailed("The answer could not be stored") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The answer could not be stored") from exc
        return ComplaintRecord.model_validate(from_item(item))

    # -- helpers ---------------------------------------------------------------------------------------------
    def _page(
        self, tenant_id: str, kwargs: dict[str, Any], *, limit: int, cursor: str | None
    ) -> tuple[list[ComplaintRecord], str | None]:
        start = decode_cursor(cursor, tenant_id=tenant_id)
        if start is not None:
            if set(start) != _CURSOR_KEYS[kwargs.get("IndexName")]:
                raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
            kwargs = {**kwargs, "ExclusiveStartKey": start}
        page = self._call("query", TableName=self._table, Limit=limit, **kwargs)
        records = [ComplaintRecord.model_validate(from_item(item)) for item in page.get("Items", [])]
        return records, encode_cursor(page.get("LastEvaluatedKey"))

    def _get(self, table: str, key: dict[str, Any], attributes: tuple[str, ...]) -> dict[str, Any] | None:
        item = self._call(
            "get_item",
            TableName=table,
            Key=key,
            ProjectionExpression=", ".join(f"#{a}" for a in attributes),
            ExpressionAttributeNames={f"#{a}": a for a in attributes},
        ).get("Item")
        return from_item(item) if item else None

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The complaints book is not available") from exc
        return response

    @staticmethod
    def _key(tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "entry_key": {"S": key}}


def _idempotency_id(customer_id: str, key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{customer_id}#{key}"


def _idempotency(item: dict[str, Any], key: str) -> IdempotencyRecord:
    values = from_item(item)
    return IdempotencyRecord(key=key, numero=int(values["numero"]), request_hash=str(values["request_hash"]))
