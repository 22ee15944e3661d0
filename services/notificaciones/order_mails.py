"""Order emails: each status change to the customer (the staff's: ``staff_mails``).

``with_order_mails(RENDERERS, mails=runtime.directory)`` (``notificaciones.handler``) adds them to the
notifier's renderers: a status this module does not mail (PAGADO, whose receipt another renderer sends)
goes to the renderer that was there before, if any. A renderer returns ``None`` for an event that needs no email.

Events of the stage consumers carry the customer (``customer_email``, ``customer_name``); the
workflow's final states (ENTREGADO, CANCELADO) do not, so the order and the tenant are read here
(``OrderMailDirectory``: GetItems).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from string import Template
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict

from core import contracts
from core.models import BaseModel
from notificaciones.dal import DependencyError
from notificaciones.models import Email
from notificaciones.templates import _html, _text  # the notifier's layout, shared by every email


class OrderEventDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    order_id: str
    location_id: str | None = None
    estado_pedido: str
    dispatch: str | None = None
    at: str | None = None
    reason: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None


class OrderMailDirectory:
    """The reads order emails need: the order's customer and the tenant's name."""

    def __init__(self, client: Any, *, orders_table: str, tenants_table: str) -> None:
        self._client = client
        self._orders = orders_table
        self._tenants = tenants_table

    def customer(self, tenant_id: str, order_id: str) -> tuple[str | None, str | None, str | None]:
        """``(email, name, dispatch)`` of the order's customer."""
        item = self._get(
            self._orders,
            {"tenant_id": {"S": tenant_id}, "order_id": {"S": order_id}},
            "customer_email, customer_name, dispatch",
        )
        return tuple(item.get(k, {}).get("S") for k in ("customer_email", "customer_name", "dispatch"))

    def tenant(self, tenant_id: str) -> tuple[str, str | None]:
        """``(name, admin email)`` of the tenant."""
        item = self._get(self._tenants, {"tenant_id": {"S": tenant_id}}, "#n, admin_email", {"#n": "name"})
        return item.get("name", {}).get("S", tenant_id), item.get("admin_email", {}).get("S")

    def _get(self, table: str, key: dict[str, Any], projection: str, names: dict[str, str] | None = None) -> Any:
        params: dict[str, Any] = {"TableName": table, "Key": key, "ProjectionExpression": projection}
        if names:
            params["ExpressionAttributeNames"] = names
        try:
            return self._client.get_item(**params).get("Item") or {}
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"Could not read {table}") from exc


# -- the customer: each status change ------------------------------------------------------------------

_STATUS_LINES = {
    contracts.COCINA: ("Tu pedido está en cocina", "Nuestro equipo ya está preparando tu pedido."),
    contracts.EMPAQUETAMIENTO: (
        "Estamos empaquetando tu pedido",
        "Tu pedido salió de cocina y lo estamos empaquetando.",
    ),
    contracts.DELIVERY: ("Tu pedido va en camino", "Nuestro repartidor ya salió con tu pedido."),
    contracts.ENTREGADO: (
        "Tu pedido fue entregado",
        "¡Tu pedido fue entregado! Gracias por elegirnos. ¡Buen provecho!",
    ),
    contracts.CANCELADO: ("Tu pedido fue cancelado", "Tu pedido fue cancelado y te devolveremos el pago."),
}
_PICKUP_DELIVERED = "Recogiste tu pedido en el local. Gracias por elegirnos. ¡Buen provecho!"

_STATUS_TEXT = Template("""Hola, $name:

$line
Pedido: $order
$reason
Puedes seguir tu pedido en la aplicación de $tenant.
""")
_STATUS_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>$line</p>
<p>Pedido: <strong>$order</strong></p>
<p>$reason</p>
<p>Puedes seguir tu pedido en la aplicación de $tenant.</p>""")


def status_changed(detail: Mapping[str, Any], *, mails: OrderMailDirectory) -> Email | None:
    event = OrderEventDetail.model_validate(detail)
    lines = _STATUS_LINES.get(event.estado_pedido)
    if lines is None:
        return None  # PAGADO has its receipt email; PENDIENTE_PAGO none
    email, name, dispatch = event.customer_email, event.customer_name, event.dispatch
    if not email:
        email, name, dispatch = mails.customer(event.tenant_id, event.order_id)
    if not email:
        return None
    tenant_name, _ = mails.tenant(event.tenant_id)
    title, line = lines
    if event.estado_pedido == contracts.ENTREGADO and dispatch == "pickup":
        line = _PICKUP_DELIVERED
    values = {
        "name": name or "cliente",
        "line": line,
        "order": event.order_id,
        "reason": f"Motivo: {event.reason}" if event.reason and event.estado_pedido == contracts.CANCELADO else "",
        "tenant": tenant_name,
    }
    subject = f"{title} · {tenant_name}"
    return Email(
        to=(email,),
        subject=subject,
        text=_text(_STATUS_TEXT, values, tenant_name),
        html=_html(subject, tenant_name, _STATUS_HTML, values),
    )


Renderer = Callable[[Mapping[str, Any]], Email | None]


def with_order_mails(
    renderers: Mapping[str, Renderer], *, mails: Callable[[], OrderMailDirectory]
) -> dict[str, Renderer]:
    """``renderers`` plus the order mails; other states of OrderStatusChanged keep their previous renderer.

    ``mails`` gives the directory when an email needs it (``notificaciones.runtime.directory``).
    """
    previous = renderers.get(contracts.ORDER_STATUS_CHANGED)

    def order_status(detail: Mapping[str, Any]) -> Email | None:
        if detail.get("estado_pedido") in _STATUS_LINES:
            return status_changed(detail, mails=mails())
        return previous(detail) if previous else None

    return {**renderers, contracts.ORDER_STATUS_CHANGED: order_status}
