"""DynamoDB helpers every DAL uses: item conversion, opaque pagination cursors, tenant-scoped keys."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from core.errors import Conflict, DependencyFailed, ValidationFailed

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


@functools.cache
def _converters() -> tuple[TypeSerializer, TypeDeserializer]:
    """boto3's item converters, built on first use: importing them imports all of boto3 (~200 ms), which a
    function then loads with its first DynamoDB call instead of at cold start."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    return value


def _storable(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items() if v is not None}
    return value


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values -> low-level DynamoDB item (floats as Decimal, None dropped)."""
    serializer = _converters()[0]
    return {k: serializer.serialize(_storable(v)) for k, v in values.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Low-level DynamoDB item -> plain Python values (ints stay ints)."""
    deserializer = _converters()[1]
    return {k: _plain(deserializer.deserialize(v)) for k, v in item.items()}


def to_value(value: Any) -> dict[str, Any]:
    return dict(_converters()[0].serialize(_storable(value)))


def encode_cursor(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    """LastEvaluatedKey -> opaque URL-safe cursor for the client (None when there is no next page)."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(from_item(last_evaluated_key), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, tenant_id: str) -> dict[str, Any] | None:
    """Client cursor -> ExclusiveStartKey. A cursor from another tenant or a forged one is rejected."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The page cursor is not valid", code="invalid_cursor") from exc
    if not isinstance(values, dict) or values.get("tenant_id") != tenant_id:
        raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
    return to_item(values)


def query_all(client: Any, **request: Any) -> Iterator[dict[str, Any]]:
    """Every item a Query returns, page after page (for reads that need them all: a person's sockets, a topic's
    connections, a location's staff)."""
    request = dict(request)
    while True:
        page = client.query(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def condition_failed(exc: ClientError) -> bool:
    """A conditional write refused, alone or inside a cancelled transaction."""
    if error_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = [str(r.get("Code", "")) for r in exc.response.get("CancellationReasons", [])]
    return error_code(exc) == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons


def conditional_write(client: Any, operation: str, *, failed: str, **request: Any) -> dict[str, Any] | None:
    """Send one conditional write (``update_item``, ``transact_write_items``, ...): its response, or None when a
    condition refused it; any other error is ``DependencyFailed(failed)``."""
    try:
        response: dict[str, Any] = getattr(client, operation)(**request)
    except ClientError as exc:
        if condition_failed(exc):
            return None
        raise DependencyFailed(failed) from exc
    except BotoCoreError as exc:
        raise DependencyFailed(failed) from exc
    return response


def put_with_email_lock(
    client: Any, *, table: str, sort_key: str, item: Mapping[str, Any], lock_id: str, taken: str, failed: str
) -> None:
    """Put ``item`` and its email-lock item (``sort_key = lock_id``) in one transaction.

    Neither may exist yet, so an email names one account per tenant without a read-then-write:
    a taken email is a ``Conflict`` (``taken``) and nothing is written.
    """
    owner = item[sort_key]
    lock = {"tenant_id": item["tenant_id"], sort_key: lock_id, "owner_id": owner}
    condition = f"attribute_not_exists({sort_key})"
    if (
        conditional_write(
            client,
            "transact_write_items",
            failed=failed,
            TransactItems=[
                {"Put": {"TableName": table, "Item": to_item(item), "ConditionExpression": condition}},
                {"Put": {"TableName": table, "Item": to_item(lock), "ConditionExpression": condition}},
            ],
        )
        is None
    ):
        raise Conflict(taken, code="email_taken")
