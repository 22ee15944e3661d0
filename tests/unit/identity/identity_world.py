"""Moto tables of the data model (``contracts.TABLES``), a captured event bus, callers and the handlers' invoker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto_world import SavedWorld, kept_world

from core import contracts

REGION = "us-east-1"
TABLES = ("tenants", "usuarios", "tokens", "empleados", "locales", "conexiones")  # each as bembos-test-<name>
CALLBACK_URL = "https://ws-test.execute-api.us-east-1.amazonaws.com/dev"
TENANTS = {
    "tenant-a": {"name": "Bembos A", "locations": ["larco", "benavides"]},
    "tenant-b": {"name": "Bembos B", "locations": ["camino-real"]},
}
STAFF_APP_URL = "https://staff.example.pe"
CUSTOMER_APP_URL = "https://clientes.example.pe/clientes"


def table_name(short: str) -> str:
    return f"bembos-test-{short}"


def suspend_tenant(client: Any, tenant_id: str = "tenant-a") -> None:
    """What offboarding writes (services/tenants): the tenant's ``status`` becomes ``suspended``."""
    client.update_item(
        TableName=table_name("tenants"),
        Key={"tenant_id": {"S": tenant_id}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "suspended"}},
    )


def create_tables(client: Any) -> None:
    for short in TABLES:
        client.create_table(**contracts.TABLES[short].create_request(table_name(short)))


def seed_tenants(client: Any) -> None:
    for tenant_id, spec in TENANTS.items():
        client.put_item(
            TableName=table_name("tenants"),
            Item={"tenant_id": {"S": tenant_id}, "name": {"S": spec["name"]}, "status": {"S": "active"}},
        )
        for location_id in spec["locations"]:
            client.put_item(
                TableName=table_name("locales"),
                Item={"tenant_id": {"S": tenant_id}, "location_id": {"S": location_id}, "name": {"S": location_id}},
            )


@dataclass
class Cloud:
    dynamodb: Any
    sqs: Any
    queue_url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def events(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        """Every event that reached the bus so far (through a catch-all rule into a queue)."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                self.received.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [e for e in self.received if detail_type is None or e["detail-type"] == detail_type]

    def items(self, short: str) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=table_name(short))["Items"]

    def tokens(self) -> list[dict[str, Any]]:
        """The token items (sessions, invitations, one-time links), without the subjects' indexes
        (``sessions#<subject>``) and the attempt counters (``login#<hash>``, ``mail#<hash>``)."""
        prefixes = ("sessions#", "login#", "mail#")
        return [i for i in self.items("tokens") if not i["token_hash"]["S"].startswith(prefixes)]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every item of every table, order-independent: compare two to prove nothing was written."""
        return {short: sorted(json.dumps(i, sort_keys=True) for i in self.items(short)) for short in TABLES}


@pytest.fixture(scope="module")
def _saved_world() -> Iterator[tuple[SavedWorld, Cloud]]:
    """The tables, the bus and its capturing queue, made once per module (``moto_world``)."""
    with kept_world(REGION, kept=("events",)) as world:
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_tables(dynamodb)
        seed_tenants(dynamodb)
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name="bembos-test-eventos")
        queue_url = sqs.create_queue(QueueName="captured-events")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(
            Name="capture", EventBusName="bembos-test-eventos", EventPattern=json.dumps({"source": [{"prefix": ""}]})
        )
        events.put_targets(Rule="capture", EventBusName="bembos-test-eventos", Targets=[{"Id": "q", "Arn": queue_arn}])
        world.save()
        yield world, Cloud(dynamodb=dynamodb, sqs=sqs, queue_url=queue_url)


@pytest.fixture
def cloud(_saved_world: tuple[SavedWorld, Cloud], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    """The world as saved: seeded tenants and locations, an empty captured-events queue, every function cold."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TENANTS_TABLE": table_name("tenants"),
        "USERS_TABLE": table_name("usuarios"),
        "EMPLOYEES_TABLE": table_name("empleados"),
        "TOKENS_TABLE": table_name("tokens"),
        "STAGE_PREFIX": "bembos-test",
        "LOCATIONS_TABLE": table_name("locales"),
        "CONNECTIONS_TABLE": table_name("conexiones"),
        "WEBSOCKET_CALLBACK_URL": CALLBACK_URL,
        "EVENT_BUS_NAME": "bembos-test-eventos",
        "STAFF_APP_URL": STAFF_APP_URL,
        "CUSTOMER_APP_URL": CUSTOMER_APP_URL,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "identity-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "bembos",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    world, made = _saved_world
    world.restore()
    _reset_warm_state()
    yield Cloud(dynamodb=made.dynamodb, sqs=made.sqs, queue_url=made.queue_url)
    _reset_warm_state()


def _reset_warm_state() -> None:
    """Functions keep clients and caches for the warm container: each test starts cold."""
    import authorizer.runtime
    import empleados.runtime
    import usuarios.runtime

    for runtime in (usuarios.runtime, empleados.runtime, authorizer.runtime):
        runtime.reset()


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req"


def call(handler_module: Any, event: dict[str, Any]) -> tuple[int, Any]:
    response = handler_module.lambda_handler(event, LambdaContext())
    body = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], body


def principal(tenant_id: str, subject_id: str, rol: str, location_id: str | None = None) -> dict[str, str]:
    kind = "customer" if rol == "cliente" else "employee"
    context = {"tenant_id": tenant_id, "subject_id": subject_id, "kind": kind, "rol": rol}
    if location_id:
        context["location_id"] = location_id
    return context


def authorize(token: str) -> dict[str, Any] | None:
    """What the real authorizer answers for ``token``: its context, or None when it rejects it."""
    import authorizer.handler

    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/dev/GET/perfil",
        "headers": {"Authorization": f"Bearer {token}"},
    }
    try:
        return authorizer.handler.lambda_handler(event, LambdaContext())["context"]  # type: ignore[no-any-return]
    except Exception as exc:
        if str(exc) == "Unauthorized":
            return None
        raise
