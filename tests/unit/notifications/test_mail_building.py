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
