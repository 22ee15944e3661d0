"""The realtime notifier's audience and the order emails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notificaciones.order_mails import status_changed, with_order_mails
from realtime.dal import ConnectionGone
from realtime.notifier import OrderEvent, push, topics

TENANT = "bembos-miraflores"


def event(detail_type: str, **detail: Any) -> OrderEvent:
    base = {"tenant_id": TENANT, "order_id": "o-1", "location_id": "larco", "at": "2026-05-04T18:00:00.000Z"}
    return OrderEvent.model_validate({"id": "e-1", "detail-type": detail_type, "detail": {**base, **detail}})


@dataclass
class FakeConnections:
    subscribed: dict[str, list[tuple[str, str]]]
    gone: set[str] = field(default_factory=set)
    posted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    forgotten: list[tuple[str, str]] = field(default_factory=list)
    customer: str | None = "cli-1"

    def connections(self, topic: str) -> list[tuple[str, str]]:
        return self.subscribed.get(topic, [])

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.posted.append((connection_id, message))

    def forget(self, tenant_id: str, connection_id: str) -> None:
        self.forgotten.append((tenant_id, connection_id))

    def customer_of(self, tenant_id: str, order_id: str) -> str | None:
        return self.customer


def test_a_status_change_reaches_the_customer_the_staff_of_both_trays_and_the_admins() -> None:
    found = topics(
        "OrderStatusChanged",
        {"tenant_id": TENANT, "location_id": "larco", "estado_pedido": "EMPAQUETAMIENTO", "previous": "COCINA"},
        "cli-1",
    )

    assert found == [
        f"{TENANT}#admin",
        f"{TENANT}#larco#empaquetador",
        f"{TENANT}#larco#cocinero",
        f"{TENANT}#cliente#cli-1",
    ]


def test_a_cancellation_that_does_not_name_the_stage_it_left_reaches_every_board_of_the_location() -> None:
    found = topics(
        "OrderStatusChanged", {"tenant_id": TENANT, "location_id": "larco", "estado_pedido": "CANCELADO"}, None
    )

    assert found == [
        f"{TENANT}#admin",
        f"{TENANT}#larco#cocinero",
        f"{TENANT}#larco#empaquetador",
        f"{TENANT}#larco#repartidor",
    ]


def test_an_overdue_stage_reaches_its_role_and_the_admins_but_not_the_customer() -> None:
    found = topics("OrderOverdue", {"tenant_id": TENANT, "location_id": "larco", "estado_pedido": "COCINA"}, "cli-1")

    assert found == [f"{TENANT}#admin", f"{TENANT}#larco#cocinero"]


def test_push_posts_to_each_connection_and_forgets_the_gone_ones() -> None:
    connections = FakeConnections(
        subscribed={
            f"{TENANT}#cliente#cli-1": [(TENANT, "c-1"), (TENANT, "c-gone")],
            f"{TENANT}#admin": [(TENANT, "c-2")],
        },
        gone={"c-gone"},
    )

    delivered = push(event("OrderStatusChanged", estado_pedido="ENTREGADO"), connections)

    assert delivered == 2
    assert {c for c, _ in connections.posted} == {"c-1", "c-2"}
    assert connections.posted[0][1] == {
        "type": "OrderStatusChanged",
        "order_id": "o-1",
        "location_id": "larco",
        "estado_pedido": "ENTREGADO",
        "at": "2026-05-04T18:00:00.000Z",
    }
    assert connections.forgotten == [(TENANT, "c-gone")]


@dataclass
class FakeDirectory:
    def customer(self, tenant_id: str, order_id: str) -> tuple[str | None, str | None, str | None]:
        return "ana@demo.pe", "Ana", "pickup"

    def tenant(self, tenant_id: str) -> tuple[str, str | None]:
        return "Bembos Miraflores", "admin@bembos.pe"


def test_each_stage_change_mails_the_customer_and_the_workflows_final_states_read_the_order() -> None:
    kitchen = status_changed(
        {
            "tenant_id": TENANT,
            "order_id": "o-1",
            "estado_pedido": "COCINA",
            "customer_email": "luis@demo.pe",
            "customer_name": "Luis",
        },
        mails=FakeDirectory(),  # type: ignore[arg-type]
    )
    delivered = status_changed(
        {"tenant_id": TENANT, "order_id": "o-1", "estado_pedido": "ENTREGADO"}, mails=FakeDirectory()
    )  # type: ignore[arg-type]
    cancelled = status_changed(
        {"tenant_id": TENANT, "order_id": "o-1", "estado_pedido": "CANCELADO", "reason": "Sin stock"},
        mails=FakeDirectory(),  # type: ignore[arg-type]
    )

    assert kitchen is not None and kitchen.to == ("luis@demo.pe",) and "cocina" in kitchen.subject
    assert delivered is not None and delivered.to == ("ana@demo.pe",) and "Recogiste" in delivered.text
    assert cancelled is not None and "Motivo: Sin stock" in cancelled.text


def test_states_without_an_order_mail_keep_the_renderer_that_was_there() -> None:
    receipts: list[str] = []

    def receipt(detail: Any) -> Any:
        receipts.append(detail["estado_pedido"])
        return None

    renderers = with_order_mails({"OrderStatusChanged": receipt}, mails=FakeDirectory)  # type: ignore[arg-type]

    assert renderers["OrderStatusChanged"]({"tenant_id": TENANT, "order_id": "o-1", "estado_pedido": "PAGADO"}) is None
    assert receipts == ["PAGADO"]
    assert "OrderOverdue" not in renderers  # the staff's e-mail (staff_mails), not the customer's
