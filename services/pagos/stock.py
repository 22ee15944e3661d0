"""Combo stock, taken when an order's payment is approved (``pagos.settlement`` calls it before publishing).

An order records, when it is priced, the combos whose stock is counted and how many it takes
(``stock_combos``). ``take`` decrements them in one ``TransactWriteItems``, each conditional on
``stock >= :qty`` in the order's tenant's partition, together with a mark on the order
(``stock_taken_by = <payment>``, only if absent): all or nothing, and a retried settlement of the same
payment finds the mark and takes nothing twice. A combo short of stock fails the whole transaction; its
name comes back, and the settlement refunds and cancels the order (``cancel_sold_out``). A combo whose
stock stopped being counted since the order was priced is left out and the rest taken.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.dynamo import from_item, to_item, to_value
from core.errors import DependencyFailed
from core.orders import HistoryEntry, StoredOrder, location_state_key

CONDITION_FAILED = "ConditionalCheckFailed"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoStock:
    """The combos' ``stock`` (Combos) and the order's stock marks (Pedidos)."""

    def __init__(self, client: Any, orders_table: str, combos_table: str) -> None:
        self._client = client
        self._orders = orders_table
        self._combos = combos_table

    def take(self, tenant_id: str, order: StoredOrder, payment_id: str) -> str | None:
        """Take the order's combos from stock for ``payment_id``, once; the sold-out combos' names, or None."""
        combos = dict(order.stock_combos)
        if not combos or order.stock_taken_by:
            return None
        while combos:
            try:
                self._client.transact_write_items(TransactItems=self._take_items(tenant_id, order, payment_id, combos))
                return None
            except ClientError as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise DependencyFailed(f"The combos' stock could not be updated: {_code(exc)}") from exc
                reasons = exc.response.get("CancellationReasons") or []
                if not any(r.get("Code") == CONDITION_FAILED for r in reasons):
                    raise DependencyFailed("The combos' stock could not be updated; try again") from exc
                if reasons[0].get("Code") == CONDITION_FAILED:
                    return None  # a settlement of this payment took it already
                short = self._short(list(combos), reasons[1:])
                if short:
                    return ", ".join(short)
                combos = {c: q for c, q in combos.items() if c not in self._untracked(list(combos), reasons[1:])}
            except BotoCoreError as exc:
                raise DependencyFailed("The combos' stock could not be updated") from exc
        return None

    def _take_items(
        self, tenant_id: str, order: StoredOrder, payment_id: str, combos: dict[str, int]
    ) -> list[dict[str, Any]]:
        mark = {
            "Update": {
                "TableName": self._orders,
                "Key": to_item({"tenant_id": tenant_id, "order_id": order.order_id}),
                "UpdateExpression": "SET stock_taken_by = :pid",
                "ConditionExpression": "attribute_exists(order_id) AND attribute_not_exists(stock_taken_by)",
                "ExpressionAttributeValues": to_item({":pid": payment_id}),
            }
        }
        return [
            mark,
            *(
                {
                    "Update": {
                        "TableName": self._combos,
                        "Key": to_item({"tenant_id": tenant_id, "combo_id": combo_id}),
                        "UpdateExpression": "SET stock = stock - :qty",
                        "ConditionExpression": "stock >= :qty",
                        "ExpressionAttributeValues": to_item({":qty": quantity}),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
                for combo_id, quantity in combos.items()
            ),
        ]

    @staticmethod
    def _failed(combo_ids: list[str], reasons: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        return [
            (combo_id, from_item(reason.get("Item") or {}))
            for combo_id, reason in zip(combo_ids, reasons, strict=False)
            if reason.get("Code") == CONDITION_FAILED
        ]

    def _short(self, combo_ids: list[str], reasons: list[dict[str, Any]]) -> list[str]:
        """The names of the combos that still count their stock and have too little of it."""
        failed = self._failed(combo_ids, reasons)
        return [str(old.get("name") or combo_id) for combo_id, old in failed if old.get("stock") is not None]

    def _untracked(self, combo_ids: list[str], reasons: list[dict[str, Any]]) -> set[str]:
        return {c for c, old in self._failed(combo_ids, reasons) if old.get("stock") is None}

    def cancel_sold_out(
        self, tenant_id: str, order: StoredOrder, payment_id: str, sold_out: str, entry: HistoryEntry
    ) -> StoredOrder | None:
        """PENDIENTE_PAGO -> CANCELADO for an approved payment whose combos sold out, in one conditional write
        before the refund (a retry finds ``sold_out`` and refunds); the order after it, or as it was when
        another delivery did it first."""
        try:
            response = self._client.update_item(
                TableName=self._orders,
                Key=to_item({"tenant_id": tenant_id, "order_id": order.order_id}),
                UpdateExpression=(
                    "SET estado_pedido = :cancelled, location_state_key = :lsk, updated_at = :now, sold_out = :sold, "
                    "history = list_append(history, :entry)"
                ),
                ConditionExpression="estado_pedido = :pending AND payment.payment_id = :pid",
                ExpressionAttributeValues={
                    **to_item(
                        {
                            ":cancelled": contracts.CANCELADO,
                            ":lsk": location_state_key(tenant_id, order.location_id, contracts.CANCELADO),
                            ":now": entry.at,
                            ":sold": sold_out,
                            ":pending": contracts.PENDIENTE_PAGO,
                            ":pid": payment_id,
                        }
                    ),
                    ":entry": to_value([entry.model_dump(mode="json", exclude_none=True)]),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            item = response.get("Attributes")
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise DependencyFailed(f"The order could not be cancelled: {_code(exc)}") from exc
            item = exc.response.get("Item")
        except BotoCoreError as exc:
            raise DependencyFailed("The order could not be cancelled") from exc
        return StoredOrder.model_validate(from_item(item)) if item else None

    def record_refund(self, tenant_id: str, order_id: str, refund_id: str, now: str) -> None:
        """The sold-out order's refund, and that its CANCELADO event went out (a retry does neither again)."""
        try:
            self._client.update_item(
                TableName=self._orders,
                Key=to_item({"tenant_id": tenant_id, "order_id": order_id}),
                UpdateExpression="SET payment.refund_id = :refund, cancel_announced_at = :now, updated_at = :now",
                ConditionExpression="attribute_exists(order_id)",
                ExpressionAttributeValues=to_item({":refund": refund_id, ":now": now}),
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The order's refund could not be recorded") from exc
