"""make load's verdict on an order's timeline (scripts/load.py): delivered, each state entered exactly once."""

from __future__ import annotations

from scripts.load import Order, not_delivered_once


def _timeline(*estados: str, staff_after: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The history as the orders table keeps it: the state changes, and a person's line after each stage."""
    history = []
    for estado in estados:
        history.append({"estado": estado, "at": "2026-11-28T12:00:00.000Z", "by": "workflow"})
        if estado in staff_after:
            history.append({"estado": estado, "at": "2026-11-28T12:01:00.000Z", "by": "empleado:e1"})
    return history


STAGES = ("COCINA", "EMPAQUETAMIENTO", "DELIVERY")


def _verdict(dispatch: str, estado: str, history: list[dict[str, str]]) -> list[str]:
    order = Order(0, "bembos-miraflores", dispatch, "card", order_id="o1")
    return not_delivered_once([order], {"o1": {"order_id": "o1", "estado_pedido": estado, "history": history}})


def test_a_delivery_and_a_pickup_order_each_through_their_stages_once_pass() -> None:
    delivery = _timeline("PENDIENTE_PAGO", "PAGADO", *STAGES, "ENTREGADO", staff_after=STAGES)
    pickup = _timeline("PENDIENTE_PAGO", "PAGADO", "COCINA", "EMPAQUETAMIENTO", "ENTREGADO", staff_after=STAGES)

    assert _verdict("delivery", "ENTREGADO", delivery) == []
    assert _verdict("pickup", "ENTREGADO", pickup) == []


def test_a_stage_entered_twice_a_skipped_stage_or_an_order_not_delivered_fails() -> None:
    twice = _timeline("PENDIENTE_PAGO", "PAGADO", "COCINA", "COCINA", "EMPAQUETAMIENTO", "ENTREGADO")
    skipped = _timeline("PENDIENTE_PAGO", "PAGADO", "COCINA", "EMPAQUETAMIENTO", "ENTREGADO")  # a delivery order
    stuck = _timeline("PENDIENTE_PAGO", "PAGADO", "COCINA")

    assert _verdict("pickup", "ENTREGADO", twice) == [
        "o1 ENTREGADO: ['PENDIENTE_PAGO', 'PAGADO', 'COCINA', 'COCINA', 'EMPAQUETAMIENTO', 'ENTREGADO']"
    ]
    assert len(_verdict("delivery", "ENTREGADO", skipped)) == 1
    assert _verdict("pickup", "COCINA", stuck) == ["o1 COCINA: ['PENDIENTE_PAGO', 'PAGADO', 'COCINA']"]
    assert not_delivered_once([Order(0, "t", "pickup", "card", order_id="lost")], {}) == ["lost unknown: []"]
