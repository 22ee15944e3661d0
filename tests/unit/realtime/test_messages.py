"""Staff messages over the WebSocket ``mensaje`` route (moto in-process, a fake management API): frame validation,
who may write to whom, the per-connection rate limit, the fan-out's targets and its AWS calls."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from realtime_world import A, B, World, customer, staff, world

from realtime.messages import RATE_LIMIT, RATE_WINDOW_SECONDS

__all__ = ["world"]


def frame(to: dict[str, Any], texto: str = "Dos hamburguesas listas", client_id: str = "c-1") -> dict[str, Any]:
    return {"action": "mensaje", "client_id": client_id, "texto": texto, "to": to}


def online(world: World, *who: str) -> None:
    """Each of ``who`` has one open socket, ``ws-<who>``."""
    for name in who:
        principal = staff(name) if name != "customer" else customer()
        world.connect(principal, f"ws-{name}")


# -- frames ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "invalid_frame"),
        (json.dumps(frame({"rol": "empaquetador"}, texto="   ")), "invalid_frame"),  # blank after trimming
        (json.dumps(frame({"rol": "empaquetador"}, texto="x" * 501)), "invalid_frame"),
        (json.dumps(frame({"rol": "empaquetador", "empleado": "packer"})), "invalid_frame"),  # two recipients
        (json.dumps(frame({"rol": "chef"})), "invalid_frame"),
        (json.dumps({**frame({"rol": "empaquetador"}), "tenant_id": B}), "invalid_frame"),  # no field of its own
        (json.dumps(frame({"rol": "empaquetador"}, texto="ñ" * 400) | {"pad": "x" * 3500}), "frame_too_large"),
    ],
)
def test_a_bad_frame_gets_an_error_frame_and_nothing_is_stored_or_pushed(world: World, body: str, code: str) -> None:
    online(world, "cook", "packer")
    answer = world.frame(staff("cook"), "ws-cook", body)
    assert answer["type"] == "error" and answer["code"] == code
    assert answer["message"]
    assert world.messages() == []
    assert world.management.received("ws-packer") == []


def test_the_error_frame_names_the_frames_client_id_and_texto_is_trimmed_when_sent(world: World) -> None:
    online(world, "cook", "packer")
    refused = world.frame(staff("cook"), "ws-cook", frame({"rol": "chef"}, client_id="abc-1"))
    assert refused["client_id"] == "abc-1"
    sent = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, texto="  Listo  ", client_id="x"))
    assert sent["type"] == "MessageSent" and sent["client_id"] == "x"
    assert sent["message"]["texto"] == "Listo"


def test_a_frame_of_4_kb_is_accepted_and_one_byte_more_is_refused(world: World) -> None:
    online(world, "cook")
    base = json.dumps(frame({"rol": "empaquetador"}, texto="ok") | {"pad": ""})
    pad = 4096 - len(base.encode())
    at_limit = json.dumps(frame({"rol": "empaquetador"}, texto="ok") | {"pad": "p" * pad})
    assert len(at_limit.encode()) == 4096
    # 4096 bytes pass the size check (then the extra field is what refuses it), 4097 do not.
    assert world.frame(staff("cook"), "ws-cook", at_limit)["code"] == "invalid_frame"
    over = at_limit.replace('"pad": "', '"pad": "p', 1)
    assert world.frame(staff("cook"), "ws-cook", over)["code"] == "frame_too_large"


# -- who may write to whom ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "to", "expected"),
    [
        ("cook", {"rol": "empaquetador"}, "MessageSent"),
        ("cook", {"rol": "empaquetador", "location_id": "larco"}, "MessageSent"),  # its own location, named
        ("cook", {"rol": "empaquetador", "location_id": "benavides"}, "forbidden"),
        ("cook", {"rol": "admin"}, "MessageSent"),
        ("cook", {"empleado": "packer"}, "MessageSent"),
        ("cook", {"empleado": "admin"}, "MessageSent"),
        ("cook", {"empleado": "packer-benavides"}, "forbidden"),  # another location's person
        ("cook", {"empleado": "packer-b"}, "unknown_recipient"),  # another tenant's: not in this tenant
        ("cook", {"empleado": "gone"}, "unknown_recipient"),  # deactivated
        ("cook", {"local": "larco"}, "forbidden"),
        ("cook", {"todos": True}, "forbidden"),
        ("admin", {"rol": "empaquetador", "location_id": "benavides"}, "MessageSent"),
        ("admin", {"rol": "empaquetador"}, "invalid_frame"),  # an admin names the location
        ("admin", {"rol": "empaquetador", "location_id": "camino-real"}, "unknown_recipient"),  # tenant B's
        ("admin", {"local": "benavides"}, "MessageSent"),
        ("admin", {"todos": True}, "MessageSent"),
        ("admin", {"empleado": "packer-benavides"}, "MessageSent"),
        ("packer-b", {"empleado": "packer"}, "unknown_recipient"),  # tenant B's staff cannot reach tenant A
    ],
)
def test_who_may_write_to_whom(world: World, sender: str, to: dict[str, Any], expected: str) -> None:
    online(world, sender)
    answer = world.frame(staff(sender), f"ws-{sender}", frame(to))
    assert (answer["type"] if answer["type"] == "MessageSent" else answer["code"]) == expected
    assert len(world.messages()) == (2 if expected == "MessageSent" else 0)  # the message and its client mark


def test_a_customer_may_not_send(world: World) -> None:
    online(world, "customer", "packer")
    answer = world.frame(customer(), "ws-customer", frame({"rol": "empaquetador", "location_id": "larco"}))
    assert answer["code"] == "forbidden"
    assert world.messages() == [] and world.management.received("ws-packer") == []


def test_the_sender_is_the_connections_principal_never_the_frame(world: World) -> None:
    online(world, "cook", "packer")
    body = frame({"rol": "empaquetador"}) | {"from": {"employee_id": "admin", "rol": "admin"}}
    assert world.frame(staff("cook"), "ws-cook", body)["code"] == "invalid_frame"
    sent = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}))
    assert sent["message"]["from"] == {
        "employee_id": "cook",
        "name": "Carla Cocina",
        "rol": "cocinero",
        "location_id": "larco",
    }


# -- the fan-out -------------------------------------------------------------------------------------------


def test_a_message_to_packing_reaches_the_packers_of_the_senders_location_and_its_other_sockets(world: World) -> None:
    online(world, "cook", "packer", "packer-benavides", "rider", "admin", "packer-b")
    world.connect(staff("cook"), "ws-cook-tablet")
    world.management.posts.clear()
    sent = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, texto="Pedido 12 listo"))
    message = sent["message"]
    assert message["to"] == {"kind": "rol", "rol": "empaquetador", "location_id": "larco"}
    assert world.management.received("ws-packer") == [{"type": "StaffMessage", "message": message}]
    assert world.management.received("ws-cook-tablet") == [{"type": "StaffMessage", "message": message}]
    assert world.management.received("ws-cook") == [sent]  # the sender's socket: the answer only
    for other in ("ws-packer-benavides", "ws-rider", "ws-admin", "ws-packer-b"):
        assert world.management.received(other) == []


@pytest.mark.parametrize(
    ("sender", "to", "reached"),
    [
        ("admin", {"local": "larco"}, {"ws-cook", "ws-packer", "ws-rider"}),
        ("admin", {"todos": True}, {"ws-cook", "ws-packer", "ws-rider", "ws-packer-benavides"}),
        ("cook", {"empleado": "packer-benavides"}, set()),  # refused: nobody
        ("admin", {"empleado": "packer-benavides"}, {"ws-packer-benavides"}),
        ("cook", {"rol": "admin"}, {"ws-admin"}),
    ],
)
def test_each_audience_reaches_its_connections_only(
    world: World, sender: str, to: dict[str, Any], reached: set[str]
) -> None:
    online(world, "cook", "packer", "rider", "packer-benavides", "admin", "customer", "packer-b")
    world.management.posts.clear()
    world.frame(staff(sender), f"ws-{sender}", frame(to))
    pushed = {c for c, m in world.management.posts if m["type"] == "StaffMessage"}
    assert pushed == reached


def test_a_gone_connection_is_forgotten_and_the_others_still_get_the_message(world: World) -> None:
    online(world, "cook", "packer", "rider")
    world.connect(staff("packer"), "ws-packer-old")
    world.management.gone.add("ws-packer-old")
    world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}))
    assert world.connection(A, "ws-packer-old") is None
    assert len(world.management.received("ws-packer")) == 1


def test_the_same_frame_again_answers_the_same_message_and_stores_and_pushes_nothing_twice(world: World) -> None:
    online(world, "cook", "packer")
    first = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id="retry-1"))
    again = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id="retry-1"))
    assert again == first
    assert len(world.messages()) == 2  # one message and its mark
    assert len(world.management.received("ws-packer")) == 1


def test_aws_calls_per_message(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """The fan-out's cost: measured, printed for the report, and bounded here."""
    online(world, "cook", "packer", "admin")
    world.connect(staff("packer"), "ws-packer-2")
    world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id="warm"))  # opens the window
    counts: dict[str, dict[str, int]] = {}
    for name, sender, to in [
        ("rol", "cook", {"rol": "empaquetador"}),
        ("empleado", "cook", {"empleado": "packer"}),
        ("local", "admin", {"local": "larco"}),
        ("todos", "admin", {"todos": True}),
    ]:
        world.calls.clear()
        posts = len(world.management.posts)
        world.frame(staff(sender), f"ws-{sender}", frame(to, client_id=f"m-{name}"))
        calls = {op: world.calls.count(op) for op in sorted(set(world.calls))}
        counts[name] = {**calls, "PostToConnection": len(world.management.posts) - posts}
    with capsys.disabled():
        print("\nAWS calls per message (2 packer sockets, 1 cook, 1 admin):", json.dumps(counts))
    assert counts["rol"] == {"UpdateItem": 1, "TransactWriteItems": 1, "Query": 2, "PostToConnection": 3}
    assert counts["empleado"] == {
        "UpdateItem": 1,
        "GetItem": 1,
        "TransactWriteItems": 1,
        "Query": 2,
        "PostToConnection": 3,
    }
    assert counts["local"]["Query"] == 4  # the location's three roles, the sender's own sockets


# -- the rate limit -------------------------------------------------------------------------------------------


def test_the_eleventh_message_in_30_seconds_is_refused_and_the_connection_may_send_again_later(world: World) -> None:
    online(world, "cook", "packer")
    for n in range(RATE_LIMIT):
        assert (
            world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id=f"m{n}"))["type"]
            == "MessageSent"
        )
    refused = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id="m-over"))
    assert refused["code"] == "rate_limited"
    assert len(world.messages()) == 2 * RATE_LIMIT
    world.connect(staff("cook"), "ws-cook-2")  # the limit is per connection
    assert world.frame(staff("cook"), "ws-cook-2", frame({"rol": "empaquetador"}, client_id="other"))["type"] == (
        "MessageSent"
    )
    world.now += timedelta(seconds=RATE_WINDOW_SECONDS + 1)
    assert world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}, client_id="later"))["type"] == (
        "MessageSent"
    )


def test_a_connection_whose_row_is_gone_cannot_send(world: World) -> None:
    online(world, "cook", "packer")
    world.dynamodb.delete_item(
        TableName="rt-conexiones", Key={"tenant_id": {"S": A}, "connection_id": {"S": "ws-cook"}}
    )
    answer = world.frame(staff("cook"), "ws-cook", frame({"rol": "empaquetador"}))
    assert answer["code"] == "session_ended"
    assert world.messages() == [] and world.connection(A, "ws-cook") is None  # no row brought back


def test_an_unknown_action_or_a_non_object_frame_on_default_gets_an_error_frame(world: World) -> None:
    from realtime_world import ws_call

    online(world, "cook")
    for body in ("[1, 2]", json.dumps({"action": "gritar"})):
        before = len(world.management.posts)
        event = {"requestContext": {"routeKey": "$default", "connectionId": "ws-cook", "requestId": "r"}, "body": body}
        assert ws_call(event)["statusCode"] == 200
        assert world.management.posts[before:][0][1]["type"] == "error"
