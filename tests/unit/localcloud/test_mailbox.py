"""The local mailbox: what plain ``smtplib`` sends is stored, listed and downloadable."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urljoin

import httpx
import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from localcloud.mailbox import Mailbox, create_app, start_smtp_server
from localcloud.serve import serve_in_thread


@dataclass
class LocalMail:
    mailbox: Mailbox
    smtp: Controller
    web_url: str


@pytest.fixture
def local_mail() -> Iterator[LocalMail]:
    mailbox = Mailbox()
    smtp = start_smtp_server(mailbox)
    server, web_url = serve_in_thread(create_app(mailbox))
    yield LocalMail(mailbox, smtp, web_url)
    server.stop()
    smtp.stop()


def order_email(to: str = "cliente@example.pe", subject: str = "Tu pedido #42 está confirmado") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Pollería Don Pepe <pedidos@donpepe.pe>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Gracias por tu pedido.\nTotal: S/ 45.50")
    message.add_alternative("<p>Gracias por tu <b>pedido</b>.</p><script>alert(1)</script>", subtype="html")
    message.add_attachment(b"1 x Pollo a la brasa\n", maintype="text", subtype="plain", filename="boleta.txt")
    return message


def send(local_mail: LocalMail, message: EmailMessage, login: tuple[str, str] | None = None) -> None:
    with smtplib.SMTP(local_mail.smtp.hostname, local_mail.smtp.port) as client:
        if login is not None:
            client.login(*login)
        client.send_message(message)


def test_message_with_html_alternative_and_attachment_is_listed_with_its_parts(local_mail: LocalMail) -> None:
    # Given / When
    send(local_mail, order_email())

    # Then
    messages = httpx.get(f"{local_mail.web_url}/api/messages").json()
    assert len(messages) == 1
    message = messages[0]
    assert message["subject"] == "Tu pedido #42 está confirmado"
    assert message["from"] == "Pollería Don Pepe <pedidos@donpepe.pe>"
    assert message["rcpt_tos"] == ["cliente@example.pe"]
    assert "Total: S/ 45.50" in message["text"]
    assert "<b>pedido</b>" in message["html"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in message["attachments"]] == [
        ("boleta.txt", "text/plain", len(b"1 x Pollo a la brasa\n"))
    ]


def test_attachment_downloads_with_its_bytes_type_and_filename(local_mail: LocalMail) -> None:
    send(local_mail, order_email())
    attachment = httpx.get(f"{local_mail.web_url}/api/messages").json()[0]["attachments"][0]

    response = httpx.get(f"{local_mail.web_url}{attachment['url']}")

    assert response.status_code == 200
    assert response.content == b"1 x Pollo a la brasa\n"
    assert response.headers["content-type"].startswith("text/plain")
    assert 'filename="boleta.txt"' in response.headers["content-disposition"]


def test_login_with_any_credentials_is_accepted_without_tls(local_mail: LocalMail) -> None:
    send(local_mail, order_email(subject="Con login"), login=("notificaciones@donpepe.pe", "cualquier-clave"))

    assert [m.subject for m in local_mail.mailbox.messages()] == ["Con login"]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_both_auth_mechanisms_are_accepted(local_mail: LocalMail, mechanism: str) -> None:
    with smtplib.SMTP(local_mail.smtp.hostname, local_mail.smtp.port) as client:
        client.ehlo()
        client.user, client.password = "notificaciones@donpepe.pe", "cualquier-clave"
        code, _ = client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"), initial_response_ok=False)
        client.send_message(order_email(subject=f"Con AUTH {mechanism}"))

    assert code == 235
    assert [m.subject for m in local_mail.mailbox.messages()] == [f"Con AUTH {mechanism}"]


def test_to_filter_returns_only_messages_for_that_recipient(local_mail: LocalMail) -> None:
    send(local_mail, order_email(to="ana@example.pe", subject="Para Ana"))
    send(local_mail, order_email(to="Luis <LUIS@example.pe>", subject="Para Luis"))

    response = httpx.get(f"{local_mail.web_url}/api/messages", params={"to": "luis@example.pe"})

    assert [m["subject"] for m in response.json()] == ["Para Luis"]


def test_delete_empties_the_mailbox(local_mail: LocalMail) -> None:
    send(local_mail, order_email())

    deleted = httpx.delete(f"{local_mail.web_url}/api/messages")

    assert deleted.status_code == 204
    assert httpx.get(f"{local_mail.web_url}/api/messages").json() == []


def test_pages_list_the_message_and_show_its_html_in_a_sandboxed_iframe(local_mail: LocalMail) -> None:
    send(local_mail, order_email())
    message_id = local_mail.mailbox.messages()[0].id

    index = httpx.get(f"{local_mail.web_url}/")
    page = httpx.get(f"{local_mail.web_url}/messages/{message_id}")

    assert "Buzón local" in index.text
    assert f"/messages/{message_id}" in index.text
    assert "Tu pedido #42 está confirmado" in index.text
    assert "<iframe sandbox" in page.text
    assert "&lt;script&gt;" in page.text  # the HTML part is escaped into srcdoc, never inlined
    assert "<script>" not in page.text
    assert f"/messages/{message_id}/attachments/0" in page.text


def test_unknown_message_is_404(local_mail: LocalMail) -> None:
    assert httpx.get(f"{local_mail.web_url}/messages/999").status_code == 404
    assert httpx.get(f"{local_mail.web_url}/api/messages/999").status_code == 404


def _missing_token(request: Request) -> JSONResponse:
    """What the local cloud's gateway answers for a path outside every page: API Gateway's 403."""
    return JSONResponse({"message": "Missing Authentication Token"}, status_code=403)


@pytest.fixture
def mounted_mail() -> Iterator[LocalMail]:
    """The mailbox as the local cloud serves it: mounted at /mailbox, the API gateway at the root."""
    mailbox = Mailbox()
    smtp = start_smtp_server(mailbox)
    app = Starlette(routes=[Mount("/mailbox", create_app(mailbox)), Route("/{path:path}", _missing_token)])
    server, base_url = serve_in_thread(app)
    yield LocalMail(mailbox, smtp, f"{base_url}/mailbox/")
    server.stop()
    smtp.stop()


def _href(page: httpx.Response, text: str) -> str:
    """The target of the link whose text is ``text``, resolved against the page's URL as a browser does."""
    match = re.search(rf"<a href='([^']+)'[^>]*>{re.escape(text)}</a>", page.text)
    assert match, f"no link {text!r} in {page.text}"
    return urljoin(str(page.url), match.group(1))


def test_mounted_under_a_path_every_link_stays_inside_it_list_message_attachment_back(mounted_mail: LocalMail) -> None:
    # Given a message with a boleta attached, in a mailbox mounted at /mailbox/
    send(mounted_mail, order_email(subject="Tu comprobante de pago"))
    index = httpx.get(mounted_mail.web_url)

    # When a person clicks the subject, then the attachment, then "back"
    message = httpx.get(_href(index, "Tu comprobante de pago"))
    attachment = httpx.get(_href(message, "boleta.txt"))
    back = httpx.get(_href(message, "&larr; Volver al buzón"))

    # Then each click lands on the mailbox's own page, never on the gateway at the server's root
    assert message.status_code == 200 and "/mailbox/messages/" in str(message.url)
    assert "<h1>Tu comprobante de pago</h1>" in message.text
    assert attachment.status_code == 200 and attachment.content == b"1 x Pollo a la brasa\n"
    assert back.status_code == 200 and str(back.url) == mounted_mail.web_url
    assert "Tu comprobante de pago" in back.text
    # and the JSON API's attachment URLs are under the mount too
    [listed] = httpx.get(f"{mounted_mail.web_url}api/messages").json()
    assert listed["attachments"][0]["url"].startswith("/mailbox/messages/")


def test_the_list_filters_by_recipient_from_its_form(local_mail: LocalMail) -> None:
    send(local_mail, order_email(to="ana@example.pe", subject="Para Ana"))
    send(local_mail, order_email(to="luis@example.pe", subject="Para Luis"))

    page = httpx.get(f"{local_mail.web_url}/", params={"to": "ana@example.pe"})

    assert "<form method='get' action='/'" in page.text
    assert "Para Ana" in page.text and "Para Luis" not in page.text
