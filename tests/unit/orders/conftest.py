"""Moto-backed Pedidos and catalog tables shaped like ``stacks/data.py``, and an AWS call counter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from orders_support import REGION, SORT_KEYS, TABLES, CallCounter, seed

from pedidos.dal import OrdersDal


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        for name, sort_key in SORT_KEYS.items():
            keys = [{"AttributeName": "tenant_id", "KeyType": "HASH"}]
            attributes = [{"AttributeName": "tenant_id", "AttributeType": "S"}]
            if sort_key:
                keys.append({"AttributeName": sort_key, "KeyType": "RANGE"})
                attributes.append({"AttributeName": sort_key, "AttributeType": "S"})
            extra: dict[str, Any] = {}
            if name == TABLES.orders:
                attributes += [
                    {"AttributeName": "customer_key", "AttributeType": "S"},
                    {"AttributeName": "location_state_key", "AttributeType": "S"},
                    {"AttributeName": "created_at", "AttributeType": "S"},
                ]
                extra["GlobalSecondaryIndexes"] = [
                    {
                        "IndexName": index,
                        "KeySchema": [
                            {"AttributeName": partition, "KeyType": "HASH"},
                            {"AttributeName": "created_at", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                    for index, partition in (
                        ("by_customer", "customer_key"),
                        ("by_location_state", "location_state_key"),
                    )
                ]
            client.create_table(
                TableName=name,
                KeySchema=keys,
                AttributeDefinitions=attributes,
                BillingMode="PAY_PER_REQUEST",
                **extra,
            )
        seed(client)
        yield client


@pytest.fixture
def dal(dynamodb: Any) -> OrdersDal:
    return OrdersDal(dynamodb, TABLES)


@pytest.fixture
def counter(dynamodb: Any) -> CallCounter:
    return CallCounter(dynamodb)
