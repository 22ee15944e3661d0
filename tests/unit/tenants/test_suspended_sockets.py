"""A suspended tenant's sockets are closed (``realtime.suspensions``), the other tenants' kept."""

from __future__ import annotations

import boto3
from moto import mock_aws

from core import contracts
from core.sockets import SessionSockets
from realtime.suspensions import tenant_suspended


class FakeManagement:
    class exceptions:  # noqa: N801 - boto3's shape
        class GoneException(Exception):
            pass

    def __init__(self) -> None:
        self.closed: list[str] = []

    def delete_connection(self, ConnectionId: str) -> None:  # noqa: N803 - boto3's shape
        self.closed.append(ConnectionId)


def test_a_suspension_closes_every_socket_of_the_tenant_and_no_other(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(**contracts.TABLES["conexiones"].create_request("conexiones"))
        for tenant_id, connection_id in [("tienda-a", "c1"), ("tienda-a", "c2"), ("tienda-b", "c3")]:
            dynamodb.put_item(TableName="conexiones",
                              Item={"tenant_id": {"S": tenant_id}, "connection_id": {"S": connection_id}})  # fmt: skip
        management = FakeManagement()
        sockets = SessionSockets(dynamodb, "conexiones", management)

        assert tenant_suspended("tienda-a", sockets) == 2
        assert tenant_suspended("tienda-a", sockets) == 0  # a second event finds none left

        assert sorted(management.closed) == ["c1", "c2"]
        left = dynamodb.scan(TableName="conexiones")["Items"]
        assert [i["connection_id"]["S"] for i in left] == ["c3"]
