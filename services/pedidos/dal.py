"""Every AWS call of the orders service: Pedidos, the catalog reads, the tracking rows, Step Functions.

Every key starts from the caller's tenant. Items map to ``core.orders.StoredOrder`` explicitly;
library errors become the service's own (``DependencyFailed``, ``Conflict``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.dynamo import decode_cursor, encode_cursor, from_item, to_item, to_value
from core.errors import DependencyFailed, ValidationFailed
from core.orders import HistoryEntry, OrderLine, StoredOrder, TrackingRow, location_state_key
from core.tenant_config import TenantConfig

IDEMPOTENCY_PREFIX = "idem#"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
CARD_FAILURES_PREFIX = "cardfail#"  # a customer's refused card payments in one UTC hour: cardfail#<customer>#<hour>
BATCH_RETRIES = 3


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class Tables:
    orders: str
    products: str
    combos: str
    locations: str
    users: str
    tenants: str
    stages: Mapping[str, str] = field(default_factory=dict)  # COCINA/EMPAQUETAMIENTO/DELIVERY -> table


@dataclass(frozen=True)
class OrderContext:
    """Everything pricing an order needs, read with one ``BatchGetItem``."""

    tenant: TenantConfig | None
    location: dict[str, Any] | None
    customer: dict[str, Any] | None
    products: dict[str, dict[str, Any]]
    combos: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    order_id: str
    request_hash: str


class IdempotencyKeyTaken(Exception):
    """The key was used before by this customer; ``record`` says for which order and body."""

    def __init__(self, record: IdempotencyRecord | None) -> None:
        super().__init__("idempotency key already used")
        self.record = record


def idempotency_item_id(customer_id: str, key: str) -> str:
    return f"{IDEMPOTENCY_PREFIX}{customer_id}#{key}"


class OrdersDal:
    def __init__(self, client: Any, tables: Tables) -> None:
        self._client = client
        self.tables = tables

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if _code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise
            raise DependencyFailed(f"DynamoDB {operation} failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed(f"DynamoDB {operation} failed") from exc

    @staticmethod
    def _order_key(tenant_id: str, order_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}}

    # -- reads ------------------------------------------------------------------------------------
    def order_context(
        self, tenant_id: str, customer_id: str, location_id: str, product_ids: set[str], combo_ids: set[str]
    ) -> OrderContext:
        """Tenant, location, customer and every product and combo of the cart in one ``BatchGetItem``."""
        t = self.tables
        tenant_key = {"S": tenant_id}
        requests: dict[str, dict[str, Any]] = {
            t.tenants: {"Keys": [{"tenant_id": tenant_key}]},
            t.locations: {"Keys": [{"tenant_id": tenant_key, "location_id": {"S": location_id}}]},
            # Only what an order copies from its customer: never the password hash (IAM allows no more).
            t.users: {
                "Keys": [{"tenant_id": tenant_key, "user_id": {"S": customer_id}}],
                "ProjectionExpression": ", ".join(f"#{a}" for a in contracts.ORDER_CUSTOMER_ATTRIBUTES),
                "ExpressionAttributeNames": {f"#{a}": a for a in contracts.ORDER_CUSTOMER_ATTRIBUTES},
            },
        }
        if product_ids:
            requests[t.products] = {
                "Keys": [{"tenant_id": tenant_key, "product_id": {"S": i}} for i in sorted(product_ids)]
            }
        if combo_ids:
            requests[t.combos] = {"Keys": [{"tenant_id": tenant_key, "combo_id": {"S": i}} for i in sorted(combo_ids)]}
        found: dict[str, list[dict[str, Any]]] = {name: [] for name in requests}
        pending: dict[str, Any] = requests
        for _ in range(BATCH_RETRIES):
            response = self._call("batch_get_item", RequestItems=pending)
            for name, items in response.get("Responses", {}).items():
                found[name].extend(from_item(item) for item in items)
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            raise DependencyFailed("The catalog could not be read completely; try again")
        tenants = found[t.tenants]
        return OrderContext(
            tenant=TenantConfig.model_validate(tenants[0]) if tenants else None,
            location=next(iter(found[t.locations]), None),
            customer=next(iter(found[t.users]), None),
            products={item["product_id"]: item for item in found.get(t.products, [])},
            combos={item["combo_id"]: item for item in found.get(t.combos, [])},
        )

    def get_order(self, tenant_id: str, order_id: str) -> StoredOrder | None:
        response = self._call(
            "get_item", TableName=self.tables.orders, Key=self._order_key(tenant_id, order_id), ConsistentRead=True
        )
        item = response.get("Item")
        if not item or order_id.startswith(IDEMPOTENCY_PREFIX):
            return None
        return StoredOrder.model_validate(from_item(item))

    def customer_orders(
        self, tenant_id: str, customer_key: str, *, limit: int, cursor: str | None
    ) -> tuple[list[StoredOrder], str | None]:
        """One ``Query`` on ``by_customer``, newest first."""
        return self._newest_first(tenant_id, "by_customer", "customer_key", customer_key, limit=limit, cursor=cursor)

    def location_orders(
        self, state_key: str, *, created_from: str, created_to: str, limit: int, cursor: str | None
    ) -> tuple[list[StoredOrder], str | None]:
        """One ``Query`` on ``by_location_state``: a location's orders in one state created in a range, newest first."""
        return self._newest_first(
            state_key.split("#", 1)[0],
            "by_location_state",
            "location_state_key",
            state_key,
            limit=limit,
            cursor=cursor,
            created=(created_from, created_to),
        )

    def _newest_first(
        self,
        tenant_id: str,
        index: str,
        key_name: str,
        key: str,
        *,
        limit: int,
        cursor: str | None,
        created: tuple[str, str] | None = None,
    ) -> tuple[list[StoredOrder], str | None]:
        """One page of an orders index (partition ``key_name``, sort ``created_at``), newest first.

        A cursor of another tenant's (or another list's) page is refused, never followed.
        """
        start = decode_cursor(cursor, tenant_id=tenant_id)
        if start is not None and from_item(start).get(key_name) != key:
            raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
        condition = f"{key_name} = :k"
        values: dict[str, Any] = {":k": {"S": key}}
        if created is not None:
            condition += " AND created_at BETWEEN :from AND :to"
            values.update({":from": {"S": created[0]}, ":to": {"S": created[1]}})
        kwargs: dict[str, Any] = {
            "TableName": self.tables.orders,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        response = self._call("query", **kwargs)
        orders = [StoredOrder.model_validate(from_item(item)) for item in response.get("Items", [])]
        return orders, encode_cursor(response.get("LastEvaluatedKey"))

    def tracking_row(self, stage: str, tenant_id: str, order_id: str) -> TrackingRow | None:
        table = self.tables.stages.get(stage)
        if not table:
            return None
        response = self._call(
            "get_item", TableName=table, Key=self._order_key(tenant_id, order_id), ConsistentRead=True
        )
        item = response.get("Item")
        return TrackingRow.model_validate(from_item(item)) if item else None

    def withdraw_from_tray(self, stage: str, tenant_id: str, order_id: str, at: str) -> None:
        """Take a cancelled order off its stage's staff queue (the sparse ``by_queue`` index drops it)."""
        table = self.tables.stages.get(stage)
        if not table:
            return
        try:
            self._call(
                "update_item",
                TableName=table,
                Key=self._order_key(tenant_id, order_id),
                UpdateExpression="REMOVE queue_key SET cancelled_at = :at",
                ConditionExpression="attribute_exists(order_id) AND #status <> :completed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":at": {"S": at}, ":completed": {"S": "completed"}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise DependencyFailed(f"The staff queue could not be updated: {_code(exc)}") from exc

    def idempotency_record(self, tenant_id: str, customer_id: str, key: str) -> IdempotencyRecord | None:
        response = self._call(
            "get_item",
            TableName=self.tables.orders,
            Key=self._order_key(tenant_id, idempotency_item_id(customer_id, key)),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _idempotency(item, key) if item else None

    def card_failures_in_hour(self, tenant_id: str, customer_id: str, hour: str) -> int:
        """How many card payments of ``customer_id`` Mercado Pago refused in the UTC ``hour`` (``2026112815``)."""
        response = self._call(
            "get_item",
            TableName=self.tables.orders,
            Key=self._order_key(tenant_id, f"{CARD_FAILURES_PREFIX}{customer_id}#{hour}"),
            ConsistentRead=True,
            ProjectionExpression="failures",
        )
        return int(response.get("Item", {}).get("failures", {}).get("N", "0"))

    # -- writes -----------------------------------------------------------------------------------
    def create_order(self, order: StoredOrder, *, idempotency: IdempotencyRecord | None, ttl: int) -> None:
        """Put the order; with an idempotency key, the key's record and the order in one transaction."""
        # ``extra_refunded`` is a string set that settlement ADDs to: never written as an (empty) list.
        order_item = to_item(order.model_dump(mode="json", exclude={"extra_refunded"}))
        new_only = "attribute_not_exists(order_id)"
        if idempotency is None:
            self._call("put_item", TableName=self.tables.orders, Item=order_item, ConditionExpression=new_only)
            return
        record = to_item(
            {
                "tenant_id": order.tenant_id,
                "order_id": idempotency_item_id(order.customer_id, idempotency.key),
                "target_order_id": idempotency.order_id,
                "request_hash": idempotency.request_hash,
                "expires_at": ttl,
            }
        )
        try:
            self._call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.tables.orders,
                            "Item": record,
                            "ConditionExpression": new_only,
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {"Put": {"TableName": self.tables.orders, "Item": order_item, "ConditionExpression": new_only}},
                ],
            )
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            first = reasons[0] if reasons else {}
            if first.get("Code") == "ConditionalCheckFailed":
                old = first.get("Item")
                raise IdempotencyKeyTaken(_idempotency(old, idempotency.key) if old else None) from exc
            raise DependencyFailed(f"The order could not be stored: {_code(exc)}") from exc

    def record_preference(self, tenant_id: str, order_id: str, preference_id: str, now: str) -> None:
        self._conditional_update(
            tenant_id,
            order_id,
            UpdateExpression="SET payment.preference_id = :p, updated_at = :now",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeValues=to_item({":p": preference_id, ":now": now}),
        )

    def reprice(
        self,
        order: StoredOrder,
        lines: list[OrderLine],
        subtotal_cents: int,
        delivery_fee_cents: int,
        now: str,
        *,
        blocking: frozenset[str],
    ) -> bool:
        """The unpaid order's new prices, only while it still has the total it was priced at and no payment
        of a ``blocking`` status (approved, under way): a payment landing meanwhile keeps the old prices."""
        statuses = {f":blocking{i}": status for i, status in enumerate(sorted(blocking))}
        held, _ = self._conditional_update(
            order.tenant_id,
            order.order_id,
            UpdateExpression=(
                "SET #items = :items, subtotal_cents = :subtotal, delivery_fee_cents = :fee, "
                "total_cents = :total, updated_at = :now"
            ),
            ConditionExpression=(
                "estado_pedido = :pending AND total_cents = :priced AND (attribute_not_exists(payment.#st) "
                f"OR NOT payment.#st IN ({', '.join(statuses)}))"
            ),
            ExpressionAttributeNames={"#items": "items", "#st": "status"},
            ExpressionAttributeValues={
                **to_item(
                    {
                        ":subtotal": subtotal_cents,
                        ":fee": delivery_fee_cents,
                        ":total": subtotal_cents + delivery_fee_cents,
                        ":now": now,
                        ":pending": contracts.PENDIENTE_PAGO,
                        ":priced": order.total_cents,
                        **statuses,
                    }
                ),
                ":items": to_value([line.model_dump(mode="json") for line in lines]),
            },
        )
        return held

    def mark_paid(
        self, tenant_id: str, order_id: str, location_id: str, entry: HistoryEntry
    ) -> tuple[bool, StoredOrder | None]:
        """PENDIENTE_PAGO -> PAGADO for an approved payment; (changed, order after / as it was)."""
        return self._transition(
            tenant_id,
            order_id,
            target=contracts.PAGADO,
            location_id=location_id,
            entry=entry,
            condition="estado_pedido = :from AND payment.#st = :approved",
            values={":from": contracts.PENDIENTE_PAGO, ":approved": "approved"},
            names={"#st": "status"},
        )

    def cancel(self, tenant_id: str, order: StoredOrder, entry: HistoryEntry) -> tuple[bool, StoredOrder | None]:
        """Cancel an order that no workflow stage holds (PENDIENTE_PAGO, PAGADO, a stage whose workflow ended),
        conditional on its state."""
        return self._transition(
            tenant_id,
            order.order_id,
            target=contracts.CANCELADO,
            location_id=order.location_id,
            entry=entry,
            condition="estado_pedido = :from",
            values={":from": order.estado_pedido},
        )

    def cancel_unpaid(
        self, tenant_id: str, order: StoredOrder, entry: HistoryEntry, undecided: frozenset[str]
    ) -> tuple[bool, StoredOrder | None]:
        """Cancel an order still PENDIENTE_PAGO whose payment (if any) is neither approved nor ``undecided``,
        in one conditional write: an approval landing meanwhile makes it fail, never a paid order cancelled."""
        blocking = {f":blocking{i}": status for i, status in enumerate(sorted({"approved", *undecided}))}
        return self._transition(
            tenant_id,
            order.order_id,
            target=contracts.CANCELADO,
            location_id=order.location_id,
            entry=entry,
            condition=(
                "estado_pedido = :from AND (attribute_not_exists(payment.#status) OR NOT payment.#status IN "
                f"({', '.join(blocking)}))"
            ),
            values={":from": contracts.PENDIENTE_PAGO, **blocking},
            names={"#status": "status"},
        )

    def record_card_failure(self, tenant_id: str, order_id: str, customer_id: str, hour: str, expires_at: int) -> None:
        """Count one refused card payment on the order and on its customer's hour (that count expires)."""
        self._call(
            "transact_write_items",
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.tables.orders,
                        "Key": self._order_key(tenant_id, order_id),
                        "UpdateExpression": "ADD card_failures :one",
                        "ConditionExpression": "attribute_exists(order_id)",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "Update": {
                        "TableName": self.tables.orders,
                        "Key": self._order_key(tenant_id, f"{CARD_FAILURES_PREFIX}{customer_id}#{hour}"),
                        "UpdateExpression": "ADD failures :one SET expires_at = :expires",
                        "ExpressionAttributeValues": {":one": {"N": "1"}, ":expires": {"N": str(expires_at)}},
                    }
                },
            ],
        )

    def record_receipt_sent(self, tenant_id: str, order_id: str, now: str) -> None:
        self._stamp(tenant_id, order_id, "payment.receipt_at", now)

    def record_cancel_announced(self, tenant_id: str, order_id: str, now: str) -> None:
        self._stamp(tenant_id, order_id, "cancel_announced_at", now)

    def _stamp(self, tenant_id: str, order_id: str, attribute: str, now: str) -> None:
        """Record when a side effect of the order went out (``attribute`` is a fixed path, never input)."""
        self._conditional_update(
            tenant_id,
            order_id,
            UpdateExpression=f"SET {attribute} = :now",
            ConditionExpression="attribute_exists(order_id)",
            ExpressionAttributeValues=to_item({":now": now}),
        )

    def record_refund(self, tenant_id: str, order_id: str, refund_id: str, now: str) -> bool:
        held, _ = self._conditional_update(
            tenant_id,
            order_id,
            UpdateExpression="SET payment.refund_id = :r, updated_at = :now",
            ConditionExpression="attribute_not_exists(payment.refund_id)",
            ExpressionAttributeValues=to_item({":r": refund_id, ":now": now}),
        )
        return held

    def _transition(
        self,
        tenant_id: str,
        order_id: str,
        *,
        target: str,
        location_id: str,
        entry: HistoryEntry,
        condition: str,
        values: dict[str, Any],
        names: dict[str, str] | None = None,
    ) -> tuple[bool, StoredOrder | None]:
        kwargs: dict[str, Any] = {
            "UpdateExpression": (
                "SET estado_pedido = :to, updated_at = :now, location_state_key = :lsk, "
                "history = list_append(history, :entry)"
            ),
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {
                **to_item(
                    {
                        ":to": target,
                        ":now": entry.at,
                        ":lsk": location_state_key(tenant_id, location_id, target),
                        **values,
                    }
                ),
                ":entry": to_value([entry.model_dump(mode="json", exclude_none=True)]),
            },
            "ReturnValues": "ALL_NEW",
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        held, item = self._conditional_update(tenant_id, order_id, **kwargs)
        return held, StoredOrder.model_validate(item) if item else None

    def _conditional_update(self, tenant_id: str, order_id: str, **kwargs: Any) -> tuple[bool, dict[str, Any] | None]:
        try:
            response = self._call(
                "update_item",
                TableName=self.tables.orders,
                Key=self._order_key(tenant_id, order_id),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **kwargs,
            )
        except ClientError as exc:
            item = exc.response.get("Item")
            return False, from_item(item) if item else None
        attributes = response.get("Attributes")
        return True, from_item(attributes) if attributes else None


def _idempotency(item: Mapping[str, Any], key: str) -> IdempotencyRecord:
    values = from_item(item)
    return IdempotencyRecord(key=key, order_id=values["target_order_id"], request_hash=values["request_hash"])


class WorkflowClient:
    """Step Functions: start the order's execution, fail a waiting stage, stop an execution."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def execution_arn(self, order_id: str) -> str:
        # arn:aws:states:<region>:<account>:stateMachine:<name> -> ...:execution:<name>:<execution>
        return self._arn.replace(":stateMachine:", ":execution:", 1) + f":{order_id}"

    def start(self, order_id: str, execution_input: Mapping[str, Any]) -> bool:
        """Start the execution named after the order; False when it already exists (a duplicate)."""
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=order_id, input=json.dumps(execution_input))
        except ClientError as exc:
            if _code(exc) == "ExecutionAlreadyExists":
                return False
            raise DependencyFailed(f"The order workflow could not start: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow could not start") from exc
        return True

    def fail_task(self, task_token: str, reason: str) -> bool:
        """``SendTaskFailure(OrderCancelled)``; False when the token is no longer waiting."""
        try:
            self._client.send_task_failure(taskToken=task_token, error=contracts.ORDER_CANCELLED_ERROR, cause=reason)
        except ClientError as exc:
            if _code(exc) in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                return False
            raise DependencyFailed(f"The order workflow could not be cancelled: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow could not be cancelled") from exc
        return True

    def running(self, order_id: str) -> bool:
        """Whether the order's execution still runs (False: it ended, e.g. handed to the admins, or never began)."""
        try:
            found = self._client.describe_execution(executionArn=self.execution_arn(order_id))
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return False
            raise DependencyFailed(f"The order workflow could not be read: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow could not be read") from exc
        return bool(found.get("status") == "RUNNING")

    def stop(self, order_id: str, reason: str) -> None:
        """Stop the order's execution if there is one (a PAGADO order cancelled before any stage held it)."""
        try:
            self._client.stop_execution(
                executionArn=self.execution_arn(order_id), error=contracts.ORDER_CANCELLED_ERROR, cause=reason[:256]
            )
        except ClientError as exc:
            if _code(exc) in ("ExecutionDoesNotExist",):
                return
            raise DependencyFailed(f"The order workflow could not be stopped: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow could not be stopped") from exc
