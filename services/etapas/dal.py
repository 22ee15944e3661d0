"""Every AWS call of the stages: Pedidos, the three tracking tables and the task tokens of Step Functions.

Items of a tracking table (``tenant_id`` / ``order_id``) are ``StageTicket``s. ``queue_key`` is
present only while the order waits in the stage: the sparse ``by_queue`` index (``queue_key`` /
``enqueued_at``) is the staff's queue view, oldest first, in one Query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict, Field

from core import contracts
from core.dynamo import from_item, to_item, to_value
from core.errors import DependencyFailed
from core.models import BaseModel
from core.orders import HistoryEntry, location_state_key
from etapas.models import StageTicket

QUEUE_INDEX = "by_queue"
_GONE_TOKEN_ERRORS = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class OrderFacts(BaseModel):
    """The part of a Pedidos item the stages read (an order written by the orders service has them all)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    order_id: str
    estado_pedido: str
    location_id: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    address: str | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)


class ConditionFailed(Exception):
    """A conditional write did not happen; ``reasons`` names which part failed (``row``, ``order``)."""

    def __init__(self, reasons: list[str], item: dict[str, Any] | None = None) -> None:
        super().__init__(", ".join(reasons) or "condition failed")
        self.reasons = reasons
        self.item = item


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _history_value(entry: HistoryEntry) -> dict[str, Any]:
    return {"L": [to_value(entry.model_dump(exclude_none=True))]}


class StageDal:
    """The only place the stages talk to AWS. Keys start from the tenant the caller hands in."""

    def __init__(
        self,
        dynamodb: Any,
        stepfunctions: Any,
        *,
        orders_table: str,
        stage_tables: Mapping[str, str],
        state_machine_arn: str | None = None,
    ) -> None:
        self._dynamodb = dynamodb
        self._sfn = stepfunctions
        self._state_machine_arn = state_machine_arn
        self._orders = orders_table
        self._tables = dict(stage_tables)  # stage (COCINA, ...) -> tracking table name

    # -- reads ----------------------------------------------------------------------------------
    def get_order(self, tenant_id: str, order_id: str) -> OrderFacts | None:
        item = self._call(
            "get_item", TableName=self._orders, Key=self._key(tenant_id, order_id), ConsistentRead=True
        ).get("Item")
        return OrderFacts.model_validate(from_item(item)) if item else None

    def get_ticket(self, stage: str, tenant_id: str, order_id: str) -> StageTicket | None:
        item = self._call(
            "get_item", TableName=self._tables[stage], Key=self._key(tenant_id, order_id), ConsistentRead=True
        ).get("Item")
        return StageTicket.model_validate(from_item(item)) if item else None

    def query_queue(
        self, stage: str, queue_key: str, *, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[StageTicket], dict[str, Any] | None]:
        """The waiting orders of one location in ``stage``, oldest first: one Query on the sparse index."""
        params: dict[str, Any] = {
            "TableName": self._tables[stage],
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": "queue_key = :q",
            "ExpressionAttributeValues": {":q": {"S": queue_key}},
            "ScanIndexForward": True,
            "Limit": limit,
        }
        if start_key:
            params["ExclusiveStartKey"] = start_key
        answer = self._call("query", **params)
        tickets = [StageTicket.model_validate(from_item(item)) for item in answer.get("Items", [])]
        return tickets, answer.get("LastEvaluatedKey")

    # -- the consumer's writes ----------------------------------------------------------------------
    def enter_stage(self, ticket: StageTicket, *, previous: str, entry: HistoryEntry) -> None:
        """One transaction: the tracking row (new) and Pedidos moved from ``previous`` to the stage."""
        stage = ticket.stage
        order_update = {
            "TableName": self._orders,
            "Key": self._key(ticket.tenant_id, ticket.order_id),
            "UpdateExpression": (
                "SET estado_pedido = :estado, updated_at = :at, location_state_key = :lsk, "
                "history = list_append(if_not_exists(history, :empty), :entry)"
            ),
            "ConditionExpression": "estado_pedido = :previous",
            "ExpressionAttributeValues": {
                ":estado": {"S": stage},
                ":previous": {"S": previous},
                ":at": {"S": entry.at},
                ":lsk": {"S": location_state_key(ticket.tenant_id, ticket.location_id, stage)},
                ":entry": _history_value(entry),
                ":empty": {"L": []},
            },
        }
        row_put = {
            "TableName": self._tables[stage],
            "Item": to_item(ticket.model_dump()),
            "ConditionExpression": "attribute_not_exists(order_id)",
        }
        self._transact([("row", {"Put": row_put}), ("order", {"Update": order_update})])

    def put_ticket(self, ticket: StageTicket) -> None:
        """A row for an order already recorded in the stage (repairs a missing row; never overwrites one)."""
        try:
            self._dynamodb.put_item(
                TableName=self._tables[ticket.stage],
                Item=to_item(ticket.model_dump()),
                ConditionExpression="attribute_not_exists(order_id)",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise ConditionFailed(["row"]) from exc
            raise DependencyFailed("The stage tables are not available") from exc

    def mark_announced(self, stage: str, tenant_id: str, order_id: str, task_token: str, at: str) -> None:
        """The row's ``OrderStatusChanged`` went out (for this token's entry): a redelivery does not send it again."""
        try:
            self._dynamodb.update_item(
                TableName=self._tables[stage],
                Key=self._key(tenant_id, order_id),
                UpdateExpression="SET announced_at = :at",
                ConditionExpression="task_token = :token",
                ExpressionAttributeValues={":at": {"S": at}, ":token": {"S": task_token}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise ConditionFailed(["row"]) from exc
            raise DependencyFailed("The stage tables are not available") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The stage tables are not available") from exc

    def rotate_token(self, stage: str, tenant_id: str, order_id: str, task_token: str) -> None:
        """The stage was entered again (overdue): keep the row and its claim, take the new token."""
        try:
            self._dynamodb.update_item(
                TableName=self._tables[stage],
                Key=self._key(tenant_id, order_id),
                UpdateExpression="SET task_token = :token",
                ConditionExpression="attribute_exists(order_id) AND #status <> :completed",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":token": {"S": task_token}, ":completed": {"S": "completed"}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise ConditionFailed(["row"]) from exc
            raise DependencyFailed("The stage tables are not available") from exc

    # -- the staff's writes -------------------------------------------------------------------------
    def claim(
        self, stage: str, tenant_id: str, order_id: str, *, by: str, at: str, location_id: str | None, name: str | None
    ) -> None:
        """pending -> claimed by ``by`` (or already claimed by ``by``: a double click). ALL_OLD on refusal.

        ``name`` is who the board shows as having taken it (the employee's name at login).
        """
        condition = "attribute_exists(order_id) AND (#status = :pending OR (#status = :claimed AND claimed_by = :by))"
        values: dict[str, Any] = {
            ":pending": {"S": "pending"},
            ":claimed": {"S": "claimed"},
            ":by": {"S": by},
            ":at": {"S": at},
            ":name": {"S": name or by},
        }
        if location_id is not None:
            condition += " AND location_id = :location"
            values[":location"] = {"S": location_id}
        try:
            self._dynamodb.update_item(
                TableName=self._tables[stage],
                Key=self._key(tenant_id, order_id),
                UpdateExpression=(
                    "SET #status = :claimed, claimed_by = :by, claimed_by_name = :name, "
                    "claimed_at = if_not_exists(claimed_at, :at)"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                old = exc.response.get("Item")
                raise ConditionFailed(["row"], from_item(old) if old else None) from exc
            raise DependencyFailed("The stage tables are not available") from exc

    def complete(self, ticket: StageTicket, *, by: str, at: str, expires_at: int, entry: HistoryEntry) -> None:
        """One transaction: the row completed (off the queue index) and the completion in the order's timeline.

        Guarded by what was read: the same status, claimant and token (a concurrent claim, complete or
        overdue re-entry fails it), and the order still in the stage (a cancelled order fails it).
        """
        row_condition = "#status = :status AND task_token = :token"
        values: dict[str, Any] = {
            ":status": {"S": ticket.status},
            ":token": {"S": ticket.task_token},
            ":completed": {"S": "completed"},
            ":by": {"S": by},
            ":at": {"S": at},
            ":ttl": {"N": str(expires_at)},
        }
        if ticket.claimed_by is not None:
            row_condition += " AND claimed_by = :claimant"
            values[":claimant"] = {"S": ticket.claimed_by}
        row_update = {
            "TableName": self._tables[ticket.stage],
            "Key": self._key(ticket.tenant_id, ticket.order_id),
            "UpdateExpression": (
                "SET #status = :completed, completed_by = :by, completed_at = :at, expires_at = :ttl REMOVE queue_key"
            ),
            "ConditionExpression": row_condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        order_update = {
            "TableName": self._orders,
            "Key": self._key(ticket.tenant_id, ticket.order_id),
            "UpdateExpression": "SET updated_at = :at, history = list_append(if_not_exists(history, :empty), :entry)",
            "ConditionExpression": "estado_pedido = :stage",
            "ExpressionAttributeValues": {
                ":stage": {"S": ticket.stage},
                ":at": {"S": at},
                ":entry": _history_value(entry),
                ":empty": {"L": []},
            },
        }
        self._transact([("row", {"Update": row_update}), ("order", {"Update": order_update})])

    # -- Step Functions -----------------------------------------------------------------------------
    def send_task_success(self, task_token: str, output: Mapping[str, Any]) -> bool:
        """Hand the stage's result to the workflow; False when the token is no longer valid.

        A token stops being valid when the stage's heartbeat (the SLA) passed: the workflow then
        enters the stage again with a new token, and the consumer passes the completion on.
        """
        try:
            self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except ClientError as exc:
            if _code(exc) in _GONE_TOKEN_ERRORS:
                return False
            raise DependencyFailed("The order workflow is not available") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow is not available") from exc
        return True

    def stop_workflow(self, order_id: str, reason: str) -> None:
        """Stop the order's execution (named after the order); an execution already over is fine."""
        if not self._state_machine_arn:
            raise DependencyFailed("The consumer does not know the order state machine")
        execution_arn = self._state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{order_id}"
        try:
            self._sfn.stop_execution(executionArn=execution_arn, error=contracts.ORDER_CANCELLED_ERROR, cause=reason)
        except ClientError as exc:
            if _code(exc) not in ("ExecutionDoesNotExist",):
                raise DependencyFailed(f"The order workflow could not be stopped: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The order workflow could not be stopped") from exc

    # -- helpers --------------------------------------------------------------------------------
    def _transact(self, parts: list[tuple[str, dict[str, Any]]]) -> None:
        try:
            self._dynamodb.transact_write_items(TransactItems=[item for _, item in parts])
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                raise DependencyFailed("The orders tables are not available") from exc
            reasons = exc.response.get("CancellationReasons") or []
            failed = [
                name for (name, _), r in zip(parts, reasons, strict=False) if r.get("Code") == "ConditionalCheckFailed"
            ]
            if not failed and any(r.get("Code") not in (None, "None") for r in reasons):
                raise DependencyFailed(f"The transaction was cancelled: {reasons}") from exc
            raise ConditionFailed(failed) from exc
        except BotoCoreError as exc:
            raise DependencyFailed("The orders tables are not available") from exc

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(getattr(self._dynamodb, operation)(**kwargs))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The orders tables are not available") from exc

    @staticmethod
    def _key(tenant_id: str, order_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}}


class CompletionChecks:
    """Asks, through a delayed SQS queue, for a look at a completion a little later (``etapas.checker``)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def schedule(self, tenant_id: str, stage: str, order_id: str) -> None:
        body = json.dumps({"tenant_id": tenant_id, "stage": stage, "order_id": order_id}, separators=(",", ":"))
        try:
            self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not schedule the completion's check") from exc
