"""Moto-backed Pedidos, stage and catalog tables of the data model (``contracts.TABLES``), and an AWS call counter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto_world import SavedWorld, kept_world
from orders_support import REGION, SCHEMAS, TABLES, CallCounter, seed

from core import contracts
from pedidos.dal import OrdersDal


@pytest.fixture(scope="module")
def _saved_tables() -> Iterator[tuple[SavedWorld, Any]]:
    """The tables and their seed rows, made once per module (``moto_world``)."""
    with kept_world(REGION) as world:
        client = boto3.client("dynamodb", region_name=REGION)
        for name, schema in SCHEMAS.items():
            client.create_table(**contracts.TABLES[schema].create_request(name))
        seed(client)
        world.save()
        yield world, client


@pytest.fixture
def dynamodb(_saved_tables: tuple[SavedWorld, Any]) -> Any:
    """The seeded tables as saved; whatever else a test made in moto (secrets, topics, queues) is gone."""
    world, client = _saved_tables
    world.restore()
    return client


@pytest.fixture
def dal(dynamodb: Any) -> OrdersDal:
    return OrdersDal(dynamodb, TABLES)


@pytest.fixture
def counter(dynamodb: Any) -> Iterator[CallCounter]:
    counting = CallCounter(dynamodb)
    yield counting
    counting.close()
