"""The realtime service on moto: the connections, messages, employees and locations tables of the data model
(``contracts.TABLES``), a fake WebSocket management API that records what it is asked, and the WebSocket
handler's invoker (events shaped as API Gateway's, the authorizer's context on every route)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto_world import SavedWorld, kept_world

from core import contracts
from core.principal import Principal

REGION = "us-east-1"
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
A, B = "tenant-a", "tenant-b"
TABLES = {short: f"rt-{short}" for short in ("conexiones", "mensajes", "empleados", "locales")}

# tenant-a: larco (a cook, two packers... one at benavides), an admin; tenant-b: a packer at camino-real.
STAFF = {
    "cook": (A, "cocinero", "larco", "Carla Cocina"),
    "packer": (A, "empaquetador", "larco", "Pedro Empaque"),
    "rider": (A, "repartidor", "larco", "Rita Reparto"),
    "packer-benavides": (A, "empaquetador", "benavides", "Bruno Benavides"),
    "admin": (A, "admin", "larco", "Ada Admin"),
    "gone": (A, "cocinero", "larco", "Gino Inactivo"),  # inactive
    "packer-b": (B, "empaquetador", "camino-real", "Beto Otro"),
}
LOCATIONS = {A: ("larco", "benavides"), B: ("camino-real",)}


def staff(who: str) -> Principal:
    tenant, rol, location, name = STAFF[who]
    return Principal(tenant_id=tenant, subject_id=who, kind="employee", rol=rol, location_id=location, name=name)


def customer(tenant: str = A, subject: str = "cust-1") -> Principal:
    return Principal(tenant_id=tenant, subject_id=subject, kind="customer", rol="cliente", name="Cliente")


class Gone(Exception):
    """The fake management API's 410."""


@dataclass
class FakeManagement:
    """``apigatewaymanagementapi``'s two calls, recorded; a connection in ``gone`` answers 410; one in ``broken``
    fails as a network error would."""

    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)

    class exceptions:  # noqa: N801 - boto3's client attribute
        GoneException = Gone

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:  # noqa: N803 - boto3's names
        if ConnectionId in self.gone:
            raise Gone(ConnectionId)
        self.posts.append((ConnectionId, json.loads(Data)))

    def delete_connection(self, ConnectionId: str) -> None:  # noqa: N803
        from botocore.exceptions import EndpointConnectionError

        if ConnectionId in self.broken:
            raise EndpointConnectionError(endpoint_url="https://example.invalid")
        if ConnectionId in self.gone:
            raise Gone(ConnectionId)
        self.deleted.append(ConnectionId)

    def received(self, connection_id: str) -> list[dict[str, Any]]:
        return [m for c, m in self.posts if c == connection_id]


@dataclass
class World:
    dynamodb: Any
    management: FakeManagement
    calls: list[str] = field(default_factory=list)  # the functions' DynamoDB calls, by operation
    now: datetime = NOW

    def connect(self, principal: Principal, connection_id: str, token: str | None = None) -> None:
        """What ``$connect`` does for ``principal`` (through the handler)."""
        event: dict[str, Any] = {"requestContext": self._context(principal, connection_id, "$connect")}
        if token:
            event["queryStringParameters"] = {"token": token}
        assert ws_call(event)["statusCode"] == 200

    def frame(self, principal: Principal | None, connection_id: str, body: Any) -> dict[str, Any]:
        """One frame on the ``mensaje`` route; the answer the sender's socket got."""
        text = body if isinstance(body, str) else json.dumps(body)
        before = len(self.management.posts)
        event = {"requestContext": self._context(principal, connection_id, "mensaje"), "body": text}
        assert ws_call(event)["statusCode"] == 200
        answers = [m for c, m in self.management.posts[before:] if c == connection_id]
        assert len(answers) == 1, answers
        return answers[0]

    @staticmethod
    def _context(principal: Principal | None, connection_id: str, route: str) -> dict[str, Any]:
        context: dict[str, Any] = {"routeKey": route, "connectionId": connection_id, "requestId": "req-1"}
        if principal is not None:
            context["authorizer"] = principal.to_context()
        return context

    def messages(self) -> list[dict[str, Any]]:
        return self.dynamodb.scan(TableName=TABLES["mensajes"])["Items"]

    def connection(self, tenant: str, connection_id: str) -> dict[str, Any] | None:
        return self.dynamodb.get_item(
            TableName=TABLES["conexiones"],
            Key={"tenant_id": {"S": tenant}, "connection_id": {"S": connection_id}},
        ).get("Item")


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "req"


def ws_call(event: dict[str, Any]) -> dict[str, Any]:
    from realtime import handler

    return handler.lambda_handler(event, LambdaContext())  # type: ignore[no-any-return]


def rest_call(principal: Principal | None, path: str, query: dict[str, str] | None = None) -> tuple[int, Any]:
    from realtime import api

    event = {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None,
        "requestContext": {
            "requestId": "req-1",
            "stage": "dev",
            "resourcePath": path,
            "httpMethod": "GET",
            "path": f"/dev{path}",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": principal.to_context() if principal else None,
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = api.lambda_handler(event, LambdaContext())
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


@pytest.fixture(scope="module")
def _saved_world() -> Iterator[tuple[SavedWorld, Any]]:
    """The tables, locations and staff, made once per module (``moto_world``)."""
    with kept_world(REGION) as saved:
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for short, name in TABLES.items():
            dynamodb.create_table(**contracts.TABLES[short].create_request(name))
        for tenant, locations in LOCATIONS.items():
            for location in locations:
                dynamodb.put_item(
                    TableName=TABLES["locales"],
                    Item={"tenant_id": {"S": tenant}, "location_id": {"S": location}},
                )
        for employee_id, (tenant, rol, location, name) in STAFF.items():
            dynamodb.put_item(
                TableName=TABLES["empleados"],
                Item={
                    "tenant_id": {"S": tenant},
                    "employee_id": {"S": employee_id},
                    "email": {"S": f"{employee_id}@example.pe"},
                    "name": {"S": name},
                    "rol": {"S": rol},
                    "location_id": {"S": location},
                    "tenant_location": {"S": f"{tenant}#{location}"},
                    "status": {"S": "inactive" if employee_id == "gone" else "active"},
                },
            )
        saved.save()
        yield saved, dynamodb


@pytest.fixture
def world(_saved_world: tuple[SavedWorld, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "realtime-tests",
        "CONNECTIONS_TABLE": TABLES["conexiones"],
        "MESSAGES_TABLE": TABLES["mensajes"],
        "EMPLOYEES_TABLE": TABLES["empleados"],
        "LOCATIONS_TABLE": TABLES["locales"],
        "WEBSOCKET_CALLBACK_URL": "https://ws.execute-api.us-east-1.amazonaws.com/dev",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from realtime import runtime

    saved, dynamodb = _saved_world
    saved.restore()
    management = FakeManagement()
    world = World(dynamodb=dynamodb, management=management)
    functions_dynamodb = boto3.client("dynamodb", region_name=REGION)
    _count_calls(functions_dynamodb, world.calls)
    runtime.reset()

    def client(service: str, config: Any = None, *, endpoint_url: str | None = None) -> Any:
        return management if service == "apigatewaymanagementapi" else functions_dynamodb

    monkeypatch.setattr(runtime.cached, "client", client)
    from realtime import handler

    monkeypatch.setattr(handler, "utc_now", lambda: world.now)
    yield world
    runtime.reset()


def _count_calls(client: Any, calls: list[str]) -> None:
    """Every DynamoDB call the code under test makes, by operation name (the fan-out cost)."""

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
