"""Every AWS call of the metrics: the counter rows and marks of ``metricas``, and the tracking row of a stage an
order left. Keys always start from the tenant the caller hands in (the event's, or the admin principal's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.dynamo import error_code, from_item
from core.errors import DependencyFailed
from metricas.counters import RowChange, Tally
from metricas.models import LeftStage

# What the metrics read of a tracking row (never its task token).
_ROW_ATTRIBUTES = ("stage", "location_id", "status", "enqueued_at", "completed_at", "completed_by", "claimed_by",
                   "claimed_by_name")  # fmt: skip


class MetricsDal:
    """The only place the metrics talk to AWS."""

    def __init__(self, dynamodb: Any, *, metrics_table: str, stage_tables: Mapping[str, str] | None = None) -> None:
        self._dynamodb = dynamodb
        self._table = metrics_table
        self._stage_tables = dict(stage_tables or {})  # stage (COCINA, ...) -> tracking table name

    # -- the consumer ---------------------------------------------------------------------------------
    def left_stage(self, stage: str, tenant_id: str, order_id: str) -> LeftStage | None:
        """The tracking row of ``stage`` for the order (one strongly consistent GetItem), or None."""
        names = {f"#a{i}": name for i, name in enumerate(_ROW_ATTRIBUTES)}
        item = self._call(
            "get_item",
            TableName=self._stage_tables[stage],
            Key={"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            ConsistentRead=True,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        ).get("Item")
        return LeftStage.model_validate(from_item(item)) if item else None

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
        updates = [{"Update": self._row_update(tenant_id, key, row)} for key, row in tally.rows.items()]
        try:
            self._dynamodb.transact_write_items(TransactItems=[mark, *updates])
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            # The mark is the first item: its condition failing alone is a duplicate; anything else is retried.
            first = reasons[0].get("Code") if reasons else None
            if error_code(exc) == "TransactionCanceledException" and first == "ConditionalCheckFailed":
                return False
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
                    self._dynamodb.update_item(
                        TableName=self._table,
                        Key={"tenant_id": {"S": tenant_id}, "metric_key": {"S": key}},
                        UpdateExpression="SET #m = :v, expires_at = if_not_exists(expires_at, :ttl)",
                        ConditionExpression="attribute_not_exists(#m) OR #m < :v",
                        ExpressionAttributeNames={"#m": attribute},
                        ExpressionAttributeValues={
                            ":v": {"N": str(value)},
                            ":ttl": {"N": str(tally.rows[key].expires_at)},
                        },
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
        expression = f"ADD {', '.join(adds)} SET {', '.join(sets)}" if adds else f"SET {', '.join(sets)}"
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
