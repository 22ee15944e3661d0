"""Building MIME messages: text + HTML alternatives, and attachments (receipts) for the orders issue."""

from __future__ import annotations

from notificaciones.mailer import build_message
from notificaciones.models import Attachment, Email


def test_a_message_has_text_and_html_alternatives() -> None:
    message = build_message(Email(to=("a@example.pe",), subject="Hola", text="texto", html="<p>html</p>"), "b@x.pe")
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_attachments_wrap_the_alternatives_in_mixed() -> None:
    receipt = Attachment(
        filename="boleta-123.txt", content_type="text/plain; charset=utf-8", content=b"Total: S/ 25.80"
    )
    message = build_message(
        Email(to=("a@example.pe", "b@example.pe"), subject="Boleta", text="t", html="<p>h</p>", attachments=(receipt,)),
        "Bembos <n@bembos.pe>",
    )
    assert message.get_content_type() == "multipart/mixed"
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == "boleta-123.txt"
    assert attached.get_payload(decode=True) == b"Total: S/ 25.80"
    assert message["To"] == "a@example.pe, b@example.pe"


def test_a_status_change_published_twice_under_new_event_ids_is_mailed_once() -> None:
    from notificaciones import logic
    from notificaciones.models import Email, EventEnvelope

    class Ledger:
        def __init__(self) -> None:
            self.sent: set[str] = set()

        def claim(self, tenant_id: str, key: str) -> str:
            return "already_sent" if key in self.sent else "claimed"

        def confirm(self, tenant_id: str, key: str) -> None:
            self.sent.add(key)

        def release(self, tenant_id: str, key: str) -> None:
            self.sent.discard(key)

    class Mailer:
        def __init__(self) -> None:
            self.sent: list[Email] = []

        def send(self, email: Email) -> None:
            self.sent.append(email)

    def event(event_id: str, estado: str) -> EventEnvelope:
        return EventEnvelope.model_validate(
            {
                "id": event_id,
                "source": "bembos.orders",
                "detail-type": "OrderStatusChanged",
                "detail": {"tenant_id": "t", "order_id": "o-1", "estado_pedido": estado},
            }
        )

    email = Email(to=("ana@example.pe",), subject="Tu pedido", text="x", html="<p>x</p>")
    renderers = {"OrderStatusChanged": lambda detail: email}
    ledger, mailer = Ledger(), Mailer()

    outcomes = [
        logic.deliver(event(event_id, estado), renderers=renderers, ledger=ledger, mailer=mailer)
        for event_id, estado in (("evt-1", "COCINA"), ("evt-2", "COCINA"), ("evt-3", "EMPAQUETAMIENTO"))
    ]

    assert outcomes == ["sent", "duplicate", "sent"]
    assert len(mailer.sent) == 2


def test_the_customer_link_emails_carry_their_link_escaped_and_its_expiry_in_lima_time() -> None:
    from notificaciones.templates import RENDERERS

    detail = {
        "tenant_id": "t",
        "tenant_name": "Bembos <Larco>",
        "customer_id": "u1",
        "customer_name": "Ana",
        "email": "ana@example.pe",
        "url": "https://app.pe/clientes/t/verificar#token=t.abc&x=1",
        "expires_at": "2026-11-28T20:00:00+00:00",
    }
    verification = RENDERERS["CustomerVerificationRequested"](detail)
    reset = RENDERERS["CustomerPasswordResetRequested"](
        {**detail, "url": "https://app.pe/clientes/t/restablecer#token=r"}
    )

    assert verification is not None and reset is not None
    assert verification.to == ("ana@example.pe",) and "Confirma tu correo" in verification.subject
    assert "https://app.pe/clientes/t/verificar#token=t.abc&x=1" in verification.text
    assert "token=t.abc&amp;x=1" in verification.html and "Bembos &lt;Larco&gt;" in verification.html
    assert "28/11/2026 a las 15:00" in verification.text
    assert "restablecer#token=r" in reset.text and "contraseña" in reset.subject


def test_a_link_email_refuses_a_link_that_is_not_http() -> None:
    import pytest

    from notificaciones.templates import RENDERERS

    detail = {"tenant_id": "t", "tenant_name": "B", "customer_id": "u", "customer_name": "A", "email": "a@b.pe"}
    with pytest.raises(ValueError, match="http"):
        RENDERERS["CustomerVerificationRequested"](
            {**detail, "url": "javascript:alert(1)", "expires_at": "2026-11-28T20:00:00Z"}
        )
