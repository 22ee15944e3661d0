"""The metrics service on moto: its table, the tenants and the stage tracking tables (``contracts.TABLES``), the
consumer fed SQS batches of EventBridge events, the routes called as API Gateway would, and an AWS call counter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from function_env import function_environment
from moto_world import SavedWorld, kept_world
from queue_events import Context, sqs_batch
from rest_events import Response, rest_event

import localcloud.moto_launcher  # noqa: F401  (its fix 9: a transaction copies the items it names, not whole tables)
from core import contracts
from core.dynamo import from_item, to_item
from metricas.models import LeftStage

TENANT_A, TENANT_B = "bembos-miraflores", "bembos-san-isidro"
METRICS, TENANTS = "t-metricas", "t-tenants"
STAGE_TABLES = {stage.state: f"t-{stage.table}" for stage in contracts.STAGES.values()}
NOW = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # 18:00 in Lima


def admin(tenant: str = TENANT_A, rol: str = "admin") -> dict[str, str]:
    return {"tenant_id": tenant, "subject_id": f"emp-{rol}", "kind": "employee", "rol": rol, "location_id": "larco"}


@dataclass
class World:
    dynamodb: Any
    calls: list[str] = field(default_factory=list)

    def deliver(self, *bodies: dict[str, Any] | str) -> list[str]:
        """One SQS batch to the consumer: the message ids it reports failed."""
        from metricas import consumer

        answer = consumer.lambda_handler(sqs_batch(*bodies), Context())
        return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]

    def get(self, path: str, principal: dict[str, str] | None = None, **query: str) -> Response:
        from metricas import handler

        event = rest_event("GET", path, principal=principal, query=query or None)
        result = handler.lambda_handler(event, Context())
        return Response.of(result)

    def put_row(self, tenant: str, order_id: str, row: LeftStage) -> None:
        """The tracking row of a stage, as the stage service leaves it once completed."""
        item = {"tenant_id": tenant, "order_id": order_id, "task_token": "token", "dispatch": "delivery",
                **row.model_dump(exclude_none=True)}  # fmt: skip
        self.dynamodb.put_item(TableName=STAGE_TABLES[row.stage], Item=to_item(item))

    def items(self) -> list[dict[str, Any]]:
        return sorted(
            (from_item(i) for i in self.dynamodb.scan(TableName=METRICS)["Items"]),
            key=lambda i: (i["tenant_id"], i["metric_key"]),
        )


@pytest.fixture(scope="module")
def _saved_world() -> Iterator[tuple[SavedWorld, Any]]:
    """The tables and their seed rows, made once per module (``moto_world``)."""
    with kept_world("us-east-1") as saved:
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(**contracts.TABLES["metricas"].create_request(METRICS))
        dynamodb.create_table(**contracts.TABLES["tenants"].create_request(TENANTS))
        for state, name in STAGE_TABLES.items():
            dynamodb.create_table(**contracts.TABLES[contracts.STAGES[state].table].create_request(name))
        for tenant in (TENANT_A, TENANT_B):
            sla = {"cocina": 15, "empaquetamiento": 5, "delivery": 45}
            secret = f"bembos-test/mercadopago/{tenant}"
            config = {"tenant_id": tenant, "name": tenant, "mercadopago_secret_name": secret, "sla_minutes": sla}
            dynamodb.put_item(TableName=TENANTS, Item=to_item(config))
        saved.save()
        yield saved, dynamodb


@pytest.fixture
def world(_saved_world: tuple[SavedWorld, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    function_environment(
        monkeypatch,
        "metricas",
        {
            "METRICS_TABLE": METRICS,
            "TENANTS_TABLE": TENANTS,
            **{contracts.STAGES[state].table_setting: name for state, name in STAGE_TABLES.items()},
        },
    )
    from metricas import consumer, handler, runtime

    monkeypatch.setattr(consumer, "utc_now", lambda: NOW)
    monkeypatch.setattr(handler, "utc_now", lambda: NOW)
    runtime.reset()
    saved, dynamodb = _saved_world
    saved.restore()
    state = World(dynamodb)
    runtime.dal()._dynamodb.meta.events.register("before-call", lambda model, **_: state.calls.append(model.name))
    yield state
    runtime.reset()
