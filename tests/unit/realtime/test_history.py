"""``GET /mensajes`` (the caller's channels and sent messages merged, newest first, by cursor pages) and
``GET /mensajes/contactos`` (moto in-process, through the REST handler)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from realtime_world import World, customer, rest_call, staff, world

__all__ = ["world"]


def send(world: World, sender: str, to: dict[str, Any], texto: str) -> dict[str, Any]:
    """One message, a second after the previous one (each sender's socket opened on first use)."""
    connection = f"ws-{sender}"
    if world.connection(staff(sender).tenant_id, connection) is None:
        world.connect(staff(sender), connection)
    world.now += timedelta(seconds=1)
    answer = world.frame(staff(sender), connection, {"action": "mensaje", "client_id": texto, "texto": texto, "to": to})
    assert answer["type"] == "MessageSent", answer
    return answer["message"]  # type: ignore[no-any-return]


@pytest.fixture
def conversation(world: World) -> World:
    """Messages to every kind of audience, in this order (one second apart)."""
    send(world, "cook", {"rol": "empaquetador"}, "c1-to-packing-larco")
    send(world, "admin", {"rol": "empaquetador", "location_id": "benavides"}, "a1-to-packing-benavides")
    send(world, "admin", {"todos": True}, "a2-to-everyone")
    send(world, "packer", {"empleado": "cook"}, "p1-to-cook")
    send(world, "admin", {"local": "larco"}, "a3-to-larco")
    send(world, "rider", {"rol": "admin"}, "r1-to-admins")
    send(world, "packer", {"empleado": "rider"}, "p2-to-rider")
    send(world, "packer-b", {"rol": "cocinero"}, "b1-tenant-b")
    return world


def textos(body: dict[str, Any]) -> list[str]:
    return [m["texto"] for m in body["items"]]


def test_a_packers_history_is_its_channels_and_its_sent_messages_newest_first(conversation: World) -> None:
    status, body = rest_call(staff("packer"), "/mensajes")
    assert status == 200
    assert textos(body) == ["p2-to-rider", "a3-to-larco", "p1-to-cook", "a2-to-everyone", "c1-to-packing-larco"]
    assert body["next_cursor"] is None
    assert body["items"][0]["to"] == {"kind": "empleado", "employee_id": "rider"}


def test_the_cooks_and_the_admins_and_another_locations_histories(conversation: World) -> None:
    assert textos(rest_call(staff("cook"), "/mensajes")[1]) == [
        "a3-to-larco",
        "p1-to-cook",
        "a2-to-everyone",
        "c1-to-packing-larco",
    ]
    assert textos(rest_call(staff("packer-benavides"), "/mensajes")[1]) == [
        "a2-to-everyone",
        "a1-to-packing-benavides",
    ]
    assert textos(rest_call(staff("admin"), "/mensajes")[1]) == [
        "r1-to-admins",
        "a3-to-larco",
        "a2-to-everyone",
        "a1-to-packing-benavides",
    ]
    # an admin naming a location also reads what went to its roles
    assert "c1-to-packing-larco" in textos(rest_call(staff("admin"), "/mensajes", {"location_id": "larco"})[1])
    assert textos(rest_call(staff("packer-b"), "/mensajes")[1]) == ["b1-tenant-b"]


def test_pages_follow_the_cursor_without_gaps_or_repeats(conversation: World) -> None:
    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}
    pages = 0
    while True:
        status, body = rest_call(staff("packer"), "/mensajes", query)
        assert status == 200 and len(body["items"]) <= 2
        seen += textos(body)
        pages += 1
        if body["next_cursor"] is None:
            break
        query = {"limit": "2", "cursor": body["next_cursor"]}
    assert seen == ["p2-to-rider", "a3-to-larco", "p1-to-cook", "a2-to-everyone", "c1-to-packing-larco"]
    assert pages == 3


def test_a_foreign_or_forged_cursor_and_bad_limits_are_422_and_another_location_a_403(conversation: World) -> None:
    _, first = rest_call(staff("packer"), "/mensajes", {"limit": "1"})
    status, body = rest_call(staff("packer-b"), "/mensajes", {"cursor": first["next_cursor"]})
    assert (status, body["error"]) == (422, "invalid_cursor")
    assert rest_call(staff("packer"), "/mensajes", {"cursor": "bm90LWpzb24"})[1]["error"] == "invalid_cursor"
    assert rest_call(staff("packer"), "/mensajes", {"limit": "0"})[0] == 422
    assert rest_call(staff("packer"), "/mensajes", {"limit": "101"})[0] == 422
    status, body = rest_call(staff("packer"), "/mensajes", {"location_id": "benavides"})
    assert (status, body["error"]) == (403, "other_location")  # staff: their own location only
    assert rest_call(staff("packer"), "/mensajes", {"location_id": "larco"})[0] == 200
    assert rest_call(staff("packer"), "/mensajes/contactos", {"location_id": "benavides"})[0] == 403


def test_customers_and_anonymous_callers_are_refused(conversation: World) -> None:
    assert rest_call(customer(), "/mensajes")[0] == 403
    assert rest_call(customer(), "/mensajes/contactos")[0] == 403
    assert rest_call(None, "/mensajes")[0] == 401


def test_contacts_are_the_active_staff_of_my_location_and_the_admins_without_emails(world: World) -> None:
    status, body = rest_call(staff("cook"), "/mensajes/contactos")
    assert status == 200
    assert {c["employee_id"] for c in body["items"]} == {"packer", "rider", "admin"}  # not me, not "gone"
    assert all(set(c) == {"employee_id", "name", "rol", "location_id"} for c in body["items"])
    admin_view = rest_call(staff("admin"), "/mensajes/contactos")[1]
    assert {c["employee_id"] for c in admin_view["items"]} == {"cook", "packer", "rider", "packer-benavides"}
    benavides = rest_call(staff("admin"), "/mensajes/contactos", {"location_id": "benavides"})[1]
    assert [c["employee_id"] for c in benavides["items"]] == ["packer-benavides"]
    assert rest_call(staff("packer-b"), "/mensajes/contactos")[1]["items"] == []  # tenant B: only itself
