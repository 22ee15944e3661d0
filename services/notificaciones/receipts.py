"""The payment receipt (boleta): the email of ``OrderStatusChanged`` PAGADO, with the receipt as a ``.txt``.

The orders service puts everything the receipt needs into the event (``detail.receipt``, see
``pagos.events.Receipt``), so no lookup is needed. ``with_receipts(renderers)`` wraps the
renderer of ``OrderStatusChanged``: PAGADO with a receipt gets this email, anything else goes to
the renderer that was there before (if any).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from string import Template
from typing import Any

from core import contracts
from notificaciones.models import Attachment, Email
from notificaciones.templates import LIMA, _html, _text
from pagos.events import OrderStatusDetail, Receipt

Renderer = Callable[[Mapping[str, Any]], Email | None]
WIDTH = 48
DISPATCH_NAMES = {"delivery": "Delivery", "pickup": "Recojo en tienda"}


def soles(cents: int) -> str:
    return f"S/ {cents / 100:,.2f}"


def _paid_at(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.astimezone(LIMA).strftime("%d/%m/%Y %H:%M")


def _row(left: str, right: str) -> str:
    space = max(1, WIDTH - len(left) - len(right))
    return f"{left}{' ' * space}{right}"


def receipt_text(receipt: Receipt) -> str:
    """The boleta as fixed-width plain text (what the ``.txt`` attachment holds)."""
    rule = "-" * WIDTH
    lines = [
        receipt.tenant_name.upper().center(WIDTH),
        "COMPROBANTE DE PAGO (BOLETA)".center(WIDTH),
        rule,
        f"Pedido:      {receipt.order_id}",
        f"Pago MP:     {receipt.payment_id}",
        f"Fecha:       {_paid_at(receipt.paid_at)} (hora de Lima)",
        f"Cliente:     {receipt.customer_name}",
        f"Correo:      {receipt.customer_email}",
        f"Entrega:     {DISPATCH_NAMES.get(receipt.dispatch, receipt.dispatch)}",
    ]
    if receipt.address:
        lines.append(f"Dirección:   {receipt.address}")
    lines.append(f"Local:       {receipt.location_id}")
    lines.append(rule)
    for line in receipt.lines:
        lines.append(f"{line.quantity} x {line.name} ({line.size})")
        lines.append(_row(f"    {soles(line.unit_price_cents)} c/u", soles(line.line_total_cents)))
        if line.notes:
            lines.append(f"    Nota: {line.notes}")
    lines += [
        rule,
        _row("Subtotal", soles(receipt.subtotal_cents)),
        _row("Costo de envío", soles(receipt.delivery_fee_cents)),
        _row("TOTAL", soles(receipt.total_cents)),
        rule,
        f"Moneda: {receipt.currency}. Pagado con Mercado Pago.",
        "¡Gracias por tu compra!",
    ]
    return "\n".join(lines) + "\n"


_TEXT = Template("""Hola, $name:

¡Recibimos tu pago! Tu pedido $order ya está confirmado y pasa a cocina.
Total pagado: $total

Adjuntamos tu comprobante de pago (boleta) en un archivo de texto.

¡Gracias por elegir $tenant!
""")
_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>¡Recibimos tu pago! Tu pedido <strong>$order</strong> ya está confirmado y pasa a cocina.</p>
<p>Total pagado: <strong>$total</strong></p>
<p>Adjuntamos tu comprobante de pago (boleta) en un archivo de texto.</p>
<p>¡Gracias por elegir $tenant!</p>""")


def receipt_email(detail: Mapping[str, Any]) -> Email | None:
    """The receipt email of a PAGADO event that carries its receipt; None for any other event."""
    event = OrderStatusDetail.model_validate(detail)
    receipt = event.receipt
    if event.estado_pedido != contracts.PAGADO or receipt is None:
        return None
    values = {
        "name": receipt.customer_name,
        "order": receipt.order_id,
        "total": soles(receipt.total_cents),
        "tenant": receipt.tenant_name,
    }
    subject = f"Tu comprobante de pago · {receipt.tenant_name}"
    return Email(
        to=(receipt.customer_email,),
        subject=subject,
        text=_text(_TEXT, values, receipt.tenant_name),
        html=_html(subject, receipt.tenant_name, _HTML, values),
        attachments=(
            Attachment(
                filename=f"boleta-{receipt.order_id[:8]}.txt",
                content_type="text/plain; charset=utf-8",
                content=receipt_text(receipt).encode("utf-8"),
            ),
        ),
    )


def with_receipts(renderers: Mapping[str, Renderer]) -> dict[str, Renderer]:
    """``renderers`` whose ``OrderStatusChanged`` sends the receipt for PAGADO and defers the rest."""
    previous = renderers.get(contracts.ORDER_STATUS_CHANGED)

    def order_status(detail: Mapping[str, Any]) -> Email | None:
        if detail.get("estado_pedido") == contracts.PAGADO and detail.get("receipt"):
            return receipt_email(detail)
        return previous(detail) if previous else None

    return {**renderers, contracts.ORDER_STATUS_CHANGED: order_status}
