"""Sockets end with the session: the users and employees handlers close the person's open WebSocket connections
(``DELETE @connections/{id}`` through moto's management API) and delete their rows (``core.sockets``)."""

from __future__ import annotations

from typing import Any

from identity_world import CALLBACK_URL, call, principal, table_name
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from rest_events import rest_event
from test_empleados_routes import activate, by_id, create, invite_token, staff_login
from test_usuarios_routes import as_customer, login
from usuarios_support import signed_up

import usuarios.handler as users_handler
from core.tokens import hash_token

ACCOUNT, REGION = "123456789012", "us-east-1"
assert "us-east-1" in CALLBACK_URL


def socket(cloud: Any, tenant: str, subject: str, connection_id: str, token: str | None = None) -> None:
    """An open socket of ``subject``: its row as ``$connect`` writes it, and the connection in moto's gateway."""
    item = {
        "tenant_id": {"S": tenant},
        "connection_id": {"S": connection_id},
        "topic": {"S": f"{tenant}#x"},
        "subject_key": {"S": f"{tenant}#{subject}"},
        "kind": {"S": "customer"},
        "expires_at": {"N": "9999999999"},
    }
    if token:
        item["token_hash"] = {"S": hash_token(token)}
    cloud.dynamodb.put_item(TableName=table_name("conexiones"), Item=item)
    _gateway().connections[connection_id]


def _gateway() -> Any:
    return apigatewaymanagementapi_backends[ACCOUNT][REGION]


def rows(cloud: Any) -> set[str]:
    return {i["connection_id"]["S"] for i in cloud.items("conexiones")}


def open_sockets() -> set[str]:
    return set(_gateway().connections)


def test_logout_closes_the_sockets_of_its_session_only(cloud) -> None:
    signed_up(cloud)
    _, first = login()
    _, second = login()
    socket(cloud, "tenant-a", first["subject_id"], "ws-first", first["token"])
    socket(cloud, "tenant-a", second["subject_id"], "ws-second", second["token"])
    socket(cloud, "tenant-b", first["subject_id"], "ws-other-tenant", first["token"])

    status, _ = call(
        users_handler,
        rest_event(
            "POST",
            "/usuarios/logout",
            headers={"Authorization": f"Bearer {first['token']}"},
            principal=as_customer(first),
        ),
    )

    assert status == 200
    assert rows(cloud) == {"ws-second", "ws-other-tenant"}
    assert open_sockets() == {"ws-second", "ws-other-tenant"}


def test_a_customers_deactivation_closes_all_its_sockets(cloud) -> None:
    signed_up(cloud)
    _, session = login()
    socket(cloud, "tenant-a", session["subject_id"], "ws-1", session["token"])
    socket(cloud, "tenant-a", session["subject_id"], "ws-2")
    socket(cloud, "tenant-a", "someone-else", "ws-3")

    status, _ = call(users_handler, rest_event("DELETE", "/perfil", principal=as_customer(session)))

    assert status == 200
    assert rows(cloud) == {"ws-3"} and open_sockets() == {"ws-3"}


def test_an_employees_deactivation_and_role_change_close_its_sockets_and_a_rename_does_not(cloud) -> None:
    _, created = create()
    employee_id = created["employee"]["employee_id"]
    activate(invite_token(cloud))
    staff_login()
    socket(cloud, "tenant-a", employee_id, "ws-board")

    assert by_id("PATCH", employee_id, body={"name": "Carla Ríos"})[0] == 200
    assert rows(cloud) == {"ws-board"}

    assert by_id("PATCH", employee_id, body={"rol": "repartidor"})[0] == 200
    assert rows(cloud) == set() and open_sockets() == set()

    socket(cloud, "tenant-a", employee_id, "ws-board-2")
    assert by_id("DELETE", employee_id)[0] == 200
    assert rows(cloud) == set() and open_sockets() == set()


def test_a_failure_to_close_never_fails_the_logout(cloud, monkeypatch) -> None:
    import usuarios.runtime

    signed_up(cloud)
    _, session = login()
    socket(cloud, "tenant-a", session["subject_id"], "ws-1", session["token"])

    sockets = usuarios.runtime.sockets()

    def failing_query(**_: Any) -> Any:
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url="https://dynamodb.invalid")

    monkeypatch.setattr(sockets._dynamodb, "query", failing_query)
    status, body = call(
        users_handler,
        rest_event(
            "POST",
            "/usuarios/logout",
            headers={"Authorization": f"Bearer {session['token']}"},
            principal=principal("tenant-a", session["subject_id"], "cliente"),
        ),
    )
    assert (status, body) == (200, {"revoked": True})
