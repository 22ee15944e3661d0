"""The realtime notifier's complaint pushes, and ``core.sockets`` closing a person's sockets (moto in-process, a
fake management API)."""

from __future__ import annotations

from typing import Any

from realtime_world import TABLES, A, B, World, customer, staff, world

from core import contracts
from core.observability import metrics
from core.sockets import METRIC_CLOSE_FAILED, SessionSockets
from realtime.dal import TopicConnections
from realtime.notifier import OrderEvent, push

__all__ = ["world"]


def complaint(detail_type: str, **detail: Any) -> OrderEvent:
    base = {
        "tenant_id": A,
        "numero": 12,
        "customer_id": "cust-1",
        "tipo": "reclamo",
        "location_id": None,
        "estado": "pendiente",
        "filed_at": "2026-11-28T15:00:00.000Z",
        "due_at": "2026-12-18T15:00:00.000Z",
        "answered_at": None,
    }
    return OrderEvent.model_validate({"id": "e-1", "detail-type": detail_type, "detail": {**base, **detail}})


def notifier_connections(world: World) -> TopicConnections:
    return TopicConnections(world.dynamodb, TABLES["conexiones"], world.management, "unused-orders")


def test_a_filed_complaint_reaches_the_tenants_admins_and_its_customer_only(world: World) -> None:
    world.connect(staff("admin"), "ws-admin")
    world.connect(customer(A, "cust-1"), "ws-customer")
    world.connect(customer(A, "cust-2"), "ws-other-customer")
    world.connect(staff("cook"), "ws-cook")
    world.connect(staff("packer-b"), "ws-tenant-b")
    world.connect(customer(B, "cust-1"), "ws-tenant-b-customer")  # the same customer id in another tenant

    delivered = push(complaint(contracts.COMPLAINT_FILED), notifier_connections(world))

    expected = {"type": "ComplaintFiled", "numero": 12, "estado": "pendiente", "at": "2026-11-28T15:00:00.000Z"}
    assert delivered == 2
    assert world.management.posts == [("ws-admin", expected), ("ws-customer", expected)]


def test_an_answered_complaint_carries_its_answers_time_and_state(world: World) -> None:
    world.connect(customer(A, "cust-1"), "ws-customer")
    event = complaint(contracts.COMPLAINT_ANSWERED, estado="respondido", answered_at="2026-11-30T10:00:00.000Z")

    push(event, notifier_connections(world))

    assert world.management.received("ws-customer") == [
        {"type": "ComplaintAnswered", "numero": 12, "estado": "respondido", "at": "2026-11-30T10:00:00.000Z"}
    ]


# -- core.sockets ---------------------------------------------------------------------------------------------


def sockets(world: World) -> SessionSockets:
    return SessionSockets(world.dynamodb, TABLES["conexiones"], world.management)


def test_close_all_closes_and_forgets_every_socket_of_the_person_in_its_tenant_only(world: World) -> None:
    world.connect(staff("cook"), "ws-cook-1")
    world.connect(staff("cook"), "ws-cook-2")
    world.connect(staff("packer"), "ws-packer")

    assert sockets(world).close_all(A, "cook") == 2

    assert sorted(world.management.deleted) == ["ws-cook-1", "ws-cook-2"]
    assert world.connection(A, "ws-cook-1") is None and world.connection(A, "ws-cook-2") is None
    assert world.connection(A, "ws-packer") is not None
    assert sockets(world).close_all(B, "cook") == 0  # the same id in another tenant: nothing


def test_a_socket_already_gone_loses_its_row_and_one_that_fails_to_close_is_logged_and_counted_not_raised(
    world: World, caplog: Any
) -> None:
    metrics.clear_metrics()
    world.connect(staff("cook"), "ws-gone")
    world.connect(staff("cook"), "ws-broken")
    world.connect(staff("cook"), "ws-ok")
    world.management.gone.add("ws-gone")
    world.management.broken.add("ws-broken")

    assert sockets(world).close_all(A, "cook") == 1

    assert world.management.deleted == ["ws-ok"]
    # every row goes, the one that failed to close too: it hears no more pushes and cannot send
    assert all(world.connection(A, c) is None for c in ("ws-gone", "ws-ok", "ws-broken"))
    assert "could not close a socket" in caplog.text
    assert metrics.metric_set[METRIC_CLOSE_FAILED]["Value"] == [1.0]
    metrics.clear_metrics()


def test_a_closed_sockets_session_can_send_no_more(world: World) -> None:
    world.connect(staff("cook"), "ws-cook")
    world.connect(staff("packer"), "ws-packer")
    sockets(world).close_all(A, "cook")
    body = {"action": "mensaje", "client_id": "late", "texto": "¿sigue ahí?", "to": {"rol": "empaquetador"}}
    assert world.frame(staff("cook"), "ws-cook", body)["code"] == "session_ended"
    assert world.management.received("ws-packer") == []
