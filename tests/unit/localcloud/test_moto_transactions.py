"""A TransactWriteItems on the local cloud writes all or nothing, at the cost of its items (moto_launcher fix 9)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

import localcloud.moto_launcher  # noqa: F401  (the launcher's fixes, as the local cloud runs moto)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="pedidos",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for key in ("a", "b", "d"):
            client.put_item(TableName="pedidos", Item={"pk": {"S": key}, "v": {"N": "1"}})
        yield client


def _update(table: str, key: str, condition: str | None = None) -> dict[str, Any]:
    update = {
        "TableName": table,
        "Key": {"pk": {"S": key}},
        "UpdateExpression": "SET v = :two",
        "ExpressionAttributeValues": {":two": {"N": "2"}},
    }
    return {"Update": update | ({"ConditionExpression": condition} if condition else {})}


def _state(dynamodb: Any) -> dict[str, str | None]:
    items = {key: dynamodb.get_item(TableName="pedidos", Key={"pk": {"S": key}}).get("Item") for key in "abcd"}
    return {key: item["v"]["N"] if item else None for key, item in items.items()}


AS_BEFORE = {"a": "1", "b": "1", "c": None, "d": "1"}


@pytest.mark.parametrize("by", ["name", "arn"])
def test_a_cancelled_transaction_leaves_every_item_it_names_as_it_was(dynamodb: Any, by: str) -> None:
    # Given a table named by its name or by its ARN (moto put nothing back for a table named by its ARN)
    table = dynamodb.describe_table(TableName="pedidos")["Table"]["TableArn"] if by == "arn" else "pedidos"

    # When a transaction updates, creates and deletes, and its last condition fails
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                _update(table, "a"),
                {"Put": {"TableName": table, "Item": {"pk": {"S": "c"}, "v": {"N": "2"}}}},
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "d"}}}},
                _update(table, "b", condition="v = :two"),
            ]
        )

    # Then it is cancelled and every item is as it was
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _state(dynamodb) == AS_BEFORE


def test_a_transaction_refused_for_an_entry_of_two_operations_writes_nothing(dynamodb: Any) -> None:
    # When a transaction's second entry holds two operations (moto refused it after writing the first)
    two_operations = _update("pedidos", "b") | {"Delete": {"TableName": "pedidos", "Key": {"pk": {"S": "d"}}}}
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[_update("pedidos", "a"), two_operations])

    # Then it is refused as invalid and nothing is written
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _state(dynamodb) == AS_BEFORE


def test_a_transaction_copies_the_items_it_names_not_its_tables(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given tables that cannot be copied (moto copied each table a transaction named, whole: 190 ms a transaction
    # on a table of 500 orders)
    def no_copy(table: Table, memo: dict[int, Any]) -> Table:
        raise AssertionError("a transaction copied a whole table")

    monkeypatch.setattr(Table, "__deepcopy__", no_copy, raising=False)

    # When a transaction is cancelled, and another passes
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[_update("pedidos", "a"), _update("pedidos", "b", "v = :two")])
    cancelled = _state(dynamodb)
    passing = [_update("pedidos", "a"), _update("pedidos", "b", "attribute_exists(v)")]
    dynamodb.transact_write_items(TransactItems=passing)

    # Then the first wrote nothing and the second wrote both items
    assert cancelled == AS_BEFORE
    assert _state(dynamodb) == {"a": "2", "b": "2", "c": None, "d": "1"}
