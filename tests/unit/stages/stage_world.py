"""Moto-backed tables of the stages (Pedidos + the three tracking tables), a fake Step Functions and publisher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from core import contracts
from core.principal import Principal
from etapas.dal import StageDal

TABLES = {
    contracts.COCINA: "t-cocina",
    contracts.EMPAQUETAMIENTO: "t-despachador",
    contracts.DELIVERY: "t-delivery",
}
ORDERS = "t-pedidos"
NOW = datetime(2026, 5, 4, 18, 0, 0, tzinfo=UTC)


@dataclass
class FakeStepFunctions:
    """Records SendTaskSuccess; tokens listed in ``expired``, or already used, answer TaskTimedOut (as
    Step Functions does for a task that is over); ``unavailable`` calls fail as if the service timed out."""

    successes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    stopped: list[str] = field(default_factory=list)
    unavailable: int = 0

    def stop_execution(self, executionArn: str, error: str, cause: str) -> dict[str, Any]:  # noqa: N803
        self.stopped.append(executionArn)
        return {}

    def send_task_success(self, taskToken: str, output: str) -> dict[str, Any]:  # noqa: N803 - boto3 argument name
        from botocore.exceptions import ClientError

        if self.unavailable:
            self.unavailable -= 1
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "timed out"}}, "SendTaskSuccess")
        if taskToken in self.expired or any(token == taskToken for token, _ in self.successes):
            raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "expired"}}, "SendTaskSuccess")
        self.successes.append((taskToken, json.loads(output)))
        return {}


@dataclass
class FakePublisher:
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, source: str, detail_type: str, detail: Any) -> None:
        self.events.append((source, detail_type, dict(detail)))


class CallCounter:
    """Counts the AWS API calls a boto3 client makes (botocore's ``before-call`` event)."""

    def __init__(self, client: Any) -> None:
        self.calls: list[str] = []
        client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        self.calls.clear()


@dataclass
class World:
    dynamodb: Any
    dal: StageDal
    sfn: FakeStepFunctions
    publisher: FakePublisher
    counter: CallCounter

    def order(self, tenant: str, order_id: str) -> dict[str, Any]:
        from core.dynamo import from_item

        item = self.dynamodb.get_item(
            TableName=ORDERS, Key={"tenant_id": {"S": tenant}, "order_id": {"S": order_id}}
        ).get("Item")
        return from_item(item) if item else {}

    def row(self, stage: str, tenant: str, order_id: str) -> dict[str, Any]:
        from core.dynamo import from_item

        item = self.dynamodb.get_item(
            TableName=TABLES[stage], Key={"tenant_id": {"S": tenant}, "order_id": {"S": order_id}}
        ).get("Item")
        return from_item(item) if item else {}

    def seed_order(self, tenant: str, order_id: str, estado: str, *, location: str = "larco", **extra: Any) -> None:
        from core.dynamo import to_item

        self.dynamodb.put_item(
            TableName=ORDERS,
            Item=to_item(
                {
                    "tenant_id": tenant,
                    "order_id": order_id,
                    "estado_pedido": estado,
                    "location_id": location,
                    "customer_id": "cli-1",
                    "customer_email": "ana@demo.pe",
                    "customer_name": "Ana Torres",
                    "dispatch": "delivery",
                    "address": "Av. Larco 123",
                    "items": [{"name": "Clásica", "size": "regular", "quantity": 2, "notes": "sin cebolla"}],
                    "history": [{"estado": "PAGADO", "at": "2026-05-04T17:59:00.000Z", "by": "mercadopago"}],
                    **extra,
                }
            ),
        )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**contracts.TABLES["pedidos"].create_request(ORDERS))
        for state, name in TABLES.items():
            client.create_table(**contracts.TABLES[contracts.STAGES[state].table].create_request(name))
        sfn = FakeStepFunctions()
        dal = StageDal(
            client,
            sfn,
            orders_table=ORDERS,
            stage_tables=TABLES,
            state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bembos-test-pedido",
        )
        yield World(client, dal, sfn, FakePublisher(), CallCounter(client))


def staff(
    rol: str,
    *,
    tenant: str = "bembos-miraflores",
    location: str | None = "larco",
    who: str = "emp-1",
    name: str | None = None,
) -> Principal:
    return Principal(tenant_id=tenant, subject_id=who, kind="employee", rol=rol, location_id=location, name=name)
