"""Moto-backed Pedidos, stage and catalog tables of the data model (``contracts.TABLES``), and an AWS call counter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from orders_support import REGION, SCHEMAS, TABLES, CallCounter, seed

from core import contracts
from pedidos.dal import OrdersDal


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        for name, schema in SCHEMAS.items():
            client.create_table(**contracts.TABLES[schema].create_request(name))
        seed(client)
        yield client


@pytest.fixture
def dal(dynamodb: Any) -> OrdersDal:
    return OrdersDal(dynamodb, TABLES)


@pytest.fixture
def counter(dynamodb: Any) -> CallCounter:
    return CallCounter(dynamodb)
