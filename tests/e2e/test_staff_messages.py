"""Staff messages and sockets that end with the session, over the local cloud's real WebSocket API (the gateway
routes ``{"action": "mensaje"}`` to its route as API Gateway's route selection does)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from e2e_support import issue_token
from identity_support import MIRAFLORES, SAN_ISIDRO, active_employee, call, role_token, token_of
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.e2e
WAIT = 10.0
EMPLOYEE_PASSWORD = "Cocina-Segura-1"


def socket(cloud: Any, token: str) -> ClientConnection:
    return connect(f"{cloud.urls.websocket}?token={token}", open_timeout=WAIT)


def frame(to: dict[str, Any], texto: str = "Pedido listo para empaquetar") -> tuple[str, str]:
    client_id = str(uuid.uuid4())
    return client_id, json.dumps({"action": "mensaje", "client_id": client_id, "texto": texto, "to": to})


def next_of(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next frame of ``kind`` (pushes of other kinds, e.g. order events, are skipped)."""
    while True:
        message = json.loads(ws.recv(timeout=WAIT))
        if message.get("type") == kind:
            return message  # type: ignore[no-any-return]


def still_open(ws: ClientConnection) -> None:
    ws.send(json.dumps({"action": "ping"}))
    assert next_of(ws, "pong") == {"type": "pong"}


def stored_textos(cloud: Any, tenant: str) -> list[str]:
    items = boto3.client("dynamodb").query(
        TableName=cloud.table("mensajes"),
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant}},
    )["Items"]
    return [i["texto"]["S"] for i in items if "texto" in i]


def subject_of(cloud: Any, token: str) -> str:
    return str(call(cloud, "GET", "sesion", token=token).json()["subject_id"])


def test_a_cook_writes_to_packing_and_bad_or_forbidden_frames_get_error_frames_on_an_open_socket(cloud) -> None:
    elsewhere_token = issue_token(  # a packer of the tenant's other location
        cloud, MIRAFLORES, subject_id="packer-benavides", kind="employee", rol="empaquetador", location_id="benavides"
    )
    cook_token = role_token(cloud, MIRAFLORES, "cocinero")
    with (
        socket(cloud, cook_token) as cook,
        socket(cloud, role_token(cloud, MIRAFLORES, "empaquetador")) as packer,
        socket(cloud, elsewhere_token) as packer_elsewhere,
        socket(cloud, role_token(cloud, MIRAFLORES, "cliente")) as customer,
        socket(cloud, role_token(cloud, SAN_ISIDRO, "empaquetador")) as other_tenant,
    ):
        texto = f"Pedido {uuid.uuid4().hex[:6]} listo"
        client_id, body = frame({"rol": "empaquetador"}, texto)
        cook.send(body)
        sent = next_of(cook, "MessageSent")
        assert sent["client_id"] == client_id and sent["message"]["texto"] == texto
        pushed = next_of(packer, "StaffMessage")["message"]
        assert pushed == sent["message"] and pushed["from"]["rol"] == "cocinero"

        cook.send(json.dumps({"action": "mensaje", "client_id": "big", "texto": "x" * 500, "pad": "p" * 5000}))
        assert next_of(cook, "error")["code"] == "frame_too_large"
        cook.send('{"action": "mensaje", "texto": ')  # malformed: not JSON
        assert next_of(cook, "error")["code"] == "invalid_frame"
        still_open(cook)

        cook_id = subject_of(cloud, cook_token)
        refusals = [
            (customer, {"rol": "empaquetador", "location_id": "larco"}, "forbidden"),  # a customer
            (packer_elsewhere, {"empleado": cook_id}, "forbidden"),  # staff of another location
            (packer_elsewhere, {"rol": "empaquetador", "location_id": "larco"}, "forbidden"),
            (other_tenant, {"empleado": cook_id}, "unknown_recipient"),  # another tenant
        ]
        for ws, to, code in refusals:
            ws.send(frame(to, "no debe llegar")[1])
            answer = next_of(ws, "error")
            assert answer["code"] == code, (to, answer)
            still_open(ws)
        still_open(packer_elsewhere)  # and the message to larco's packing never reached benavides' packer
        still_open(packer)
    assert texto in stored_textos(cloud, MIRAFLORES)
    assert "no debe llegar" not in stored_textos(cloud, MIRAFLORES) + stored_textos(cloud, SAN_ISIDRO)


def closed_by_server(ws: ClientConnection) -> bool:
    try:
        while True:
            ws.recv(timeout=WAIT)
    except ConnectionClosed:
        return True
    except TimeoutError:
        return False


def test_logout_and_an_admins_deactivation_close_that_persons_sockets(cloud) -> None:
    customer_token = token_of(cloud, MIRAFLORES, "cliente@demo.pe")
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, email = active_employee(cloud, admin, rol="cocinero", location_id="larco")
    cook_token = token_of(cloud, MIRAFLORES, email, EMPLOYEE_PASSWORD)
    with socket(cloud, customer_token) as customer, socket(cloud, cook_token) as cook:
        still_open(customer)
        still_open(cook)
        assert call(cloud, "POST", "usuarios/logout", token=customer_token).status_code == 200
        assert closed_by_server(customer)
        still_open(cook)  # someone else's socket stays

        assert call(cloud, "DELETE", f"empleados/{employee['employee_id']}", token=admin).status_code == 200
        assert closed_by_server(cook)
    with pytest.raises(InvalidStatus):  # the next connect runs the authorizer again: the session is revoked
        socket(cloud, cook_token)
