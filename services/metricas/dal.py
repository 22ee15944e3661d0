"""Every AWS call of the metrics: the counter rows and marks of ``metricas``, and the tracking row of a stage an
order left. Keys always start from the tenant the caller hands in (the event's, or the admin principal's).

**Write conflicts are retried here.** Every event of a tenant writes the same few rows (``D#*#<today>``,
``D#<loc>#<today>``), so concurrent consumer invocations meet on them: DynamoDB cancels a transaction with the
reason ``TransactionConflict``, and refuses an UpdateItem of an item a transaction is writing with
``TransactionConflictException``; botocore retries neither. A cancelled transaction wrote nothing and a refused
update changed nothing, so both are tried again, ``WRITE_ATTEMPTS`` times in all, after a jittered exponential wait
(full jitter: at most ``BACKOFF_SECONDS`` x 1, 2, 4: 0.175 s per write; a batch of 10 events of up to 7 writes
waits at most about 12 s of the consumer's 30 s in the worst case). A failed condition of the mark is a duplicate,
never retried.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.dynamo import error_code, from_item
from core.errors import DependencyFailed
from metricas import quotes
from metricas.counters import RowChange, Tally
from metricas.models import LeftStage

T = TypeVar("T")
WRITE_ATTEMPTS = 4  # the first and three more, on a write conflict
BACKOFF_SECONDS = 0.025  # the first retry waits up to this, each next one up to twice as long

# What the metrics read of a tracking row: exactly what the consumer's role may read of the stage tables.
TRACKING_ROW_ATTRIBUTES = contracts.METRICS_TRACKING_ROW_ATTRIBUTES


def request_token(tenant_id: str, mark: str, attempt: int) -> str:
    """The ``ClientRequestToken`` of an event's transaction: the same for the same fact (the tenant's mark) and
    attempt, 36 characters (DynamoDB's most)."""
    return hashlib.sha256(f"{tenant_id}#{mark}#{attempt}".encode()).hexdigest()[:36]


def _reasons(exc: ClientError) -> list[str]:
    return [str(r.get("Code", "")) for r in exc.response.get("CancellationReasons") or []]


def _duplicate(exc: ClientError) -> bool:
    """The transaction was cancelled because the mark (its first item) is there: counted before."""
    return error_code(exc) == "TransactionCanceledException" and _reasons(exc)[:1] == ["ConditionalCheckFailed"]


def _conflict(exc: ClientError) -> bool:
    """Another transaction was writing one of the items: nothing was written, try again."""
    if error_code(exc) == "TransactionConflictException":
        return True
    cancelled = error_code(exc) == "TransactionCanceledException" and not _duplicate(exc)
    return cancelled and "TransactionConflict" in _reasons(exc)


class MetricsDal:
    """The only place the metrics talk to AWS."""

    def __init__(
        self,
        dynamodb: Any,
        *,
        metrics_table: str,
        stage_tables: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._dynamodb = dynamodb
        self._table = metrics_table
        self._stage_tables = dict(stage_tables or {})  # stage (COCINA, ...) -> tracking table name
        self._sleep = sleep

    # -- the consumer ---------------------------------------------------------------------------------
    def left_stage(self, stage: str, tenant_id: str, order_id: str) -> LeftStage | None:
        """The tracking row of ``stage`` for the order (one strongly consistent GetItem), or None."""
        names = {f"#a{i}": name for i, name in enumerate(TRACKING_ROW_ATTRIBUTES)}
        item = self._call(
            "get_item",
            TableName=self._stage_tables[stage],
            Key={"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            ConsistentRead=True,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        ).get("Item")
        return LeftStage.model_validate(from_item(item)) if item else None

    def quote_state(
        self, tenant_id: str, location_id: str, *, only: list[str] | None = None, consistent: bool = False
    ) -> dict[str, Any]:
        """A location's quote state (``quotes``: one GetItem), or only the attributes named; {} when none."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"tenant_id": {"S": tenant_id}, "metric_key": {"S": quotes.state_key(location_id)}},
            "ConsistentRead": consistent,
        }
        if only:
            names = {f"#a{i}": name for i, name in enumerate(only)}
            request |= {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        item = self._call("get_item", **request).get("Item")
        return from_item(item) if item else {}

    def record(self, tenant_id: str, tally: Tally, *, mark_expires_at: int) -> bool:
        """One transaction: the event's mark (new) and every counter it adds. False when the mark was already
        there: the event was counted before (a redelivery, a replay), and nothing is written."""
        mark = {
            "Put": {
                "TableName": self._table,
                "Item": {
                    "tenant_id": {"S": tenant_id},
                    "metric_key": {"S": tally.mark},
                    "expires_at": {"N": str(mark_expires_at)},
                },
                "ConditionExpression": "attribute_not_exists(metric_key)",
            }
        }
        items = [mark, *({"Update": self._row_update(tenant_id, key, row)} for key, row in tally.rows.items())]

        def commit(attempt: int) -> None:
            # The token makes a commit whose response was lost answer success again for ten minutes: the event
            # delivered again in that time (its invocation timed out, or failed after the commit) is counted, and
            # its business metrics emitted, rather than found a duplicate. botocore already sends a random token
            # per call, which its own retries reuse; this one is the fact's, so it outlives the invocation. A new
            # one per attempt: a retry follows a cancellation, and DynamoDB does not say what a cancelled
            # transaction's token answers within the window. moto ignores the token: there a commit repeated is
            # always a duplicate.
            token = request_token(tenant_id, tally.mark, attempt)
            try:
                self._dynamodb.transact_write_items(TransactItems=items, ClientRequestToken=token)
            except ClientError as exc:
                if error_code(exc) != "IdempotentParameterMismatchException":
                    raise
                # The token was used in the last ten minutes with other counters (the tenant's time limits
                # changed in between, say): with botocore's random token instead, the mark decides.
                self._dynamodb.transact_write_items(TransactItems=items)

        try:
            self._retry_conflicts(commit)
        except ClientError as exc:
            if _duplicate(exc):
                return False  # the mark is there: counted before; anything else is retried by SQS
            raise DependencyFailed(f"The metrics table is not available: {error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The metrics table is not available") from exc
        return True

    def raise_maxima(self, tenant_id: str, tally: Tally) -> None:
        """Each maximum of ``tally`` raised to at least its value: a conditional update per row, idempotent, so
        it is safe to repeat for an event counted before (a failed condition: the row's maximum is higher)."""
        for key, attributes in tally.maxima.items():
            for attribute, value in attributes.items():
                try:
                    self._retry_conflicts(
                        self._max_update(tenant_id, key, attribute, value, tally.rows[key].expires_at)
                    )
                except ClientError as exc:
                    if error_code(exc) != "ConditionalCheckFailedException":
                        raise DependencyFailed("The metrics table is not available") from exc
                except BotoCoreError as exc:
                    raise DependencyFailed("The metrics table is not available") from exc

    # -- the routes --------------------------------------------------------------------------------------
    def rows(self, tenant_id: str, low: str, high: str) -> list[dict[str, Any]]:
        """The tenant's rows with keys from ``low`` to ``high`` (inclusive): one Query (its pages past 1 MB)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "tenant_id = :t AND metric_key BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}, ":low": {"S": low}, ":high": {"S": high}},
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("query", **request)
            found += [from_item(item) for item in page.get("Items", [])]
            if not page.get("LastEvaluatedKey"):
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- helpers ------------------------------------------------------------------------------------------
    def _max_update(
        self, tenant_id: str, key: str, attribute: str, value: int, expires_at: int
    ) -> Callable[[int], None]:
        """The conditional update that raises one maximum (each attempt the same)."""

        def update(_attempt: int) -> None:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}, "metric_key": {"S": key}},
                UpdateExpression="SET #m = :v, expires_at = if_not_exists(expires_at, :ttl)",
                ConditionExpression="attribute_not_exists(#m) OR #m < :v",
                ExpressionAttributeNames={"#m": attribute},
                ExpressionAttributeValues={":v": {"N": str(value)}, ":ttl": {"N": str(expires_at)}},
            )

        return update

    def _retry_conflicts(self, write: Callable[[int], T]) -> T:
        """``write(attempt)``, again after a jittered wait while it fails for a write conflict, ``WRITE_ATTEMPTS``
        times at most; any other error, and the last conflict, is raised."""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return write(attempt)
            except ClientError as exc:
                if not _conflict(exc) or attempt == WRITE_ATTEMPTS - 1:
                    raise
            self._sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))  # noqa: S311 (jitter, not a secret)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _row_update(self, tenant_id: str, key: str, row: RowChange) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {":ttl": {"N": str(row.expires_at)}}
        adds, sets = [], ["expires_at = :ttl"]
        for i, (name, value) in enumerate(sorted(row.add.items())):
            names[f"#c{i}"], values[f":c{i}"] = name, {"N": str(value)}
            adds.append(f"#c{i} :c{i}")
        for i, (name, label) in enumerate(sorted(row.labels.items())):
            names[f"#l{i}"], values[f":l{i}"] = name, {"S": label}
            sets.append(f"#l{i} = :l{i}")
        removes = []
        for i, name in enumerate(row.removes):
            names[f"#r{i}"] = name
            removes.append(f"#r{i}")
        expression = f"ADD {', '.join(adds)} SET {', '.join(sets)}" if adds else f"SET {', '.join(sets)}"
        if removes:
            expression += f" REMOVE {', '.join(removes)}"
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"tenant_id": {"S": tenant_id}, "metric_key": {"S": key}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return update

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(getattr(self._dynamodb, operation)(**kwargs))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The metrics tables are not available") from exc
