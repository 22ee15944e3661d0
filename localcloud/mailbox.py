"""A local SMTP server and a page to read what it received.

Locally the notification code sends its emails with plain ``smtplib`` (no
STARTTLS) to ``start_smtp_server``; every message lands, parsed, in a
``Mailbox``. ``create_app(mailbox)`` serves it (in Spanish) for people, and as
JSON for tests:

- ``GET /[?to=address]``: the list of messages, newest first (a form filters them by recipient)
- ``GET /messages/{id}``: one message (text, HTML in a sandboxed iframe, attachments)
- ``GET /messages/{id}/attachments/{n}``: download attachment ``n`` (0-based)
- ``GET /api/messages[?to=address]``, ``GET /api/messages/{id}``, ``DELETE /api/messages``

The pages link to each other under wherever the app is mounted (``/mailbox/`` in the local cloud):
every link is built from the request's ``root_path``, so a click never leaves the mailbox.

Any ``AUTH PLAIN``/``AUTH LOGIN`` credentials are accepted, and so is no login at all.
"""

from __future__ import annotations

import html
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any
from urllib.parse import quote, urlencode

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

SMTP_HOSTNAME = "mailbox.localcloud"


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class StoredMessage:
    """A received message, parsed."""

    id: int
    received_at: datetime
    mail_from: str  # the SMTP envelope sender
    rcpt_tos: tuple[str, ...]  # the SMTP envelope recipients (includes Bcc)
    sender: str  # the From header
    to: str
    cc: str
    subject: str
    date: str | None
    text: str | None
    html: str | None
    attachments: tuple[Attachment, ...] = ()
    raw: bytes = field(default=b"", repr=False)

    def recipients(self) -> set[str]:
        """Every recipient address (envelope, To and Cc), lower-cased."""
        header_addresses = [address for _, address in getaddresses([self.to, self.cc]) if address]
        return {address.lower() for address in (*self.rcpt_tos, *header_addresses)}

    def to_json(self, root: str = "") -> dict[str, Any]:
        """The message as served by ``/api/messages`` (attachments as metadata and URL, under ``root``)."""
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat(),
            "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos),
            "from": self.sender,
            "to": self.to,
            "cc": self.cc,
            "subject": self.subject,
            "date": self.date,
            "text": self.text,
            "html": self.html,
            "attachments": [
                {
                    "index": index,
                    "filename": attachment.filename,
                    "content_type": attachment.content_type,
                    "size": len(attachment.content),
                    "url": attachment_path(root, self.id, index),
                }
                for index, attachment in enumerate(self.attachments)
            ],
        }


def _body_text(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    content = part.get_content()
    return content if isinstance(content, str) else None


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=part.get_filename() or "adjunto",
                content_type=part.get_content_type(),
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return tuple(found)


def parse_message(message_id: int, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> StoredMessage:
    """Parse raw RFC 5322 bytes into a ``StoredMessage``."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    return StoredMessage(
        id=message_id,
        received_at=datetime.now(UTC),
        mail_from=mail_from,
        rcpt_tos=tuple(rcpt_tos),
        sender=str(message.get("from", "")),
        to=str(message.get("to", "")),
        cc=str(message.get("cc", "")),
        subject=str(message.get("subject", "")),
        date=str(message["date"]) if message["date"] else None,
        text=_body_text(message, "plain"),
        html=_body_text(message, "html"),
        attachments=_attachments(message),
        raw=raw,
    )


class Mailbox:
    """The received messages, oldest first; safe to use from any thread."""

    def __init__(self) -> None:
        self._messages: list[StoredMessage] = []
        self._next_id = 1
        self._condition = threading.Condition()

    def add(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> StoredMessage:
        """Parse and store a message as received over SMTP."""
        with self._condition:
            message = parse_message(self._next_id, raw, mail_from, rcpt_tos)
            self._next_id += 1
            self._messages.append(message)
            self._condition.notify_all()
            return message

    def messages(self, to: str | None = None) -> list[StoredMessage]:
        """All messages, or those with ``to`` among their recipients (case-insensitive)."""
        with self._condition:
            if to is None:
                return list(self._messages)
            return [message for message in self._messages if to.lower() in message.recipients()]

    def get(self, message_id: int) -> StoredMessage | None:
        """The message with this id, if still in the mailbox."""
        with self._condition:
            return next((message for message in self._messages if message.id == message_id), None)

    def clear(self) -> int:
        """Delete every message; return how many there were."""
        with self._condition:
            count = len(self._messages)
            self._messages.clear()
            return count

    def wait_for(self, to: str | None = None, count: int = 1, timeout: float = 10.0) -> list[StoredMessage]:
        """Block until at least ``count`` messages match ``to``; return the matches (maybe fewer on timeout)."""
        with self._condition:
            self._condition.wait_for(lambda: len(self.messages(to)) >= count, timeout)
            return self.messages(to)


# --------------------------------------------------------------------------- SMTP


# Recipients at this domain are refused (550), the way a real server bounces a dead address:
# tests use it to make a send fail for real.
BOUNCING_DOMAIN = "rebota.invalid"


class _MailboxHandler:
    """aiosmtpd handler: every accepted message goes into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower().endswith("@" + BOUNCING_DOMAIN):
            return "550 5.1.1 Mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd hook name
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        self.mailbox.add(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _accept_any_login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=True)


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_smtp_server(mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """Start an SMTP server on ``host:port`` (0 picks a free port) that stores into ``mailbox``.

    It accepts mail with or without ``AUTH`` (any credentials, no TLS needed). The bound port is
    ``controller.port``; call ``controller.stop()`` to shut it down.
    """
    controller = Controller(
        _MailboxHandler(mailbox),
        hostname=host,
        port=port or _free_port(host),
        server_hostname=SMTP_HOSTNAME,
        authenticator=_accept_any_login,
        auth_require_tls=False,
    )
    controller.start()
    return controller


# --------------------------------------------------------------------------- web pages


def _root(request: Request) -> str:
    """Where the app is mounted: ``/mailbox`` in the local cloud, ``""`` when served on its own."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def list_path(root: str, to: str | None = None) -> str:
    """The list of messages (of one recipient, when ``to`` is given)."""
    return f"{root}/" + (f"?{urlencode({'to': to})}" if to else "")


def message_path(root: str, message_id: int) -> str:
    return f"{root}/messages/{message_id}"


def attachment_path(root: str, message_id: int, index: int) -> str:
    return f"{message_path(root, message_id)}/attachments/{index}"


_PAGE = """<!doctype html>
<html lang="es-PE">
<head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ text-align: left; padding: .4rem; }}
tr:nth-child(even) {{ background: #f4f4f4; }} pre {{ white-space: pre-wrap; background: #f8f8f8; padding: 1rem; }}
iframe {{ width: 100%; height: 30rem; border: 1px solid #ccc; }}
form {{ margin: 0 0 1rem; }} input {{ font: inherit; padding: .3rem; min-width: 16rem; }}
button {{ font: inherit; padding: .3rem .8rem; }} a {{ color: #0b57d0; }}
</style></head>
<body><h1>{title}</h1>
{content}
</body></html>
"""


def _page(title: str, content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), content=content), status_code=status_code)


def _filter_form(root: str, to: str | None) -> str:
    clear = f" <a href='{html.escape(list_path(root))}'>Ver todos</a>" if to else ""
    return (
        f"<form method='get' action='{html.escape(list_path(root))}' role='search'>"
        f"<label>Para <input type='search' name='to' value='{html.escape(to or '')}' "
        "placeholder='correo@ejemplo.pe'></label> <button type='submit'>Filtrar</button>"
        f"{clear}</form>"
    )


def _list_html(root: str, messages: list[StoredMessage], to: str | None) -> str:
    form = _filter_form(root, to)
    if not messages:
        return form + ("<p>No hay correos para esta dirección.</p>" if to else "<p>No hay correos todavía.</p>")
    rows = "".join(
        f"<tr><td>{html.escape(message.received_at.strftime('%d/%m/%Y %H:%M:%S'))}</td>"
        f"<td>{html.escape(message.sender)}</td><td>{html.escape(message.to)}</td>"
        f"<td><a href='{message_path(root, message.id)}'>{html.escape(message.subject or '(sin asunto)')}</a></td>"
        f"<td>{len(message.attachments)}</td></tr>"
        for message in reversed(messages)
    )
    return (
        f"{form}<table><thead><tr><th>Recibido (UTC)</th><th>De</th><th>Para</th><th>Asunto</th>"
        f"<th>Adjuntos</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _back_link(root: str) -> str:
    return f"<p><a href='{list_path(root)}'>&larr; Volver al buzón</a></p>"


def _message_html(root: str, message: StoredMessage) -> str:
    headers = "".join(
        f"<dt>{label}</dt><dd>{html.escape(value)}</dd>"
        for label, value in (
            ("De", message.sender),
            ("Para", message.to),
            ("Cc", message.cc),
            ("Fecha", message.date or ""),
        )
        if value
    )
    parts = [f"{_back_link(root)}<dl>{headers}</dl>"]
    if message.attachments:  # near the headers, as a mail client shows them
        links = "".join(
            f"<li><a href='{attachment_path(root, message.id, index)}' download>"
            f"{html.escape(attachment.filename)}</a> ({html.escape(attachment.content_type)}, "
            f"{len(attachment.content)} bytes)</li>"
            for index, attachment in enumerate(message.attachments)
        )
        parts.append(f"<h2>Adjuntos</h2><ul>{links}</ul>")
    if message.html is not None:
        parts.append(f"<h2>HTML</h2><iframe sandbox title='Contenido HTML' srcdoc=\"{html.escape(message.html)}\">")
        parts.append("</iframe>")
    if message.text is not None:
        parts.append(f"<h2>Texto</h2><pre>{html.escape(message.text)}</pre>")
    return "".join(parts)


def _content_disposition(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class _Pages:
    """The HTTP endpoints over one ``Mailbox``."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    def _message(self, request: Request) -> StoredMessage | None:
        return self.mailbox.get(request.path_params["message_id"])

    async def index(self, request: Request) -> Response:
        to = request.query_params.get("to", "").strip() or None
        return _page("Buzón local", _list_html(_root(request), self.mailbox.messages(to), to))

    async def message(self, request: Request) -> Response:
        message = self._message(request)
        if message is None:
            return _page("Correo no encontrado", _back_link(_root(request)), 404)
        return _page(message.subject or "(sin asunto)", _message_html(_root(request), message))

    async def attachment(self, request: Request) -> Response:
        message = self._message(request)
        index = request.path_params["index"]
        if message is None or index >= len(message.attachments):
            return _page("Adjunto no encontrado", _back_link(_root(request)), 404)
        attachment = message.attachments[index]
        headers = {"content-disposition": _content_disposition(attachment.filename)}
        return Response(attachment.content, media_type=attachment.content_type, headers=headers)

    async def api_messages(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.mailbox.clear()
            return Response(status_code=204)
        messages = self.mailbox.messages(request.query_params.get("to"))
        return JSONResponse([message.to_json(_root(request)) for message in messages])

    async def api_message(self, request: Request) -> Response:
        message = self._message(request)
        if message is None:
            return JSONResponse({"error": "not_found", "message": "No such message"}, status_code=404)
        return JSONResponse(message.to_json(_root(request)))


def create_app(mailbox: Mailbox) -> Starlette:
    """The mailbox pages and JSON API over ``mailbox``."""
    pages = _Pages(mailbox)
    return Starlette(
        routes=[
            Route("/", pages.index, methods=["GET"]),
            Route("/messages/{message_id:int}", pages.message, methods=["GET"]),
            Route("/messages/{message_id:int}/attachments/{index:int}", pages.attachment, methods=["GET"]),
            Route("/api/messages", pages.api_messages, methods=["GET", "DELETE"]),
            Route("/api/messages/{message_id:int}", pages.api_message, methods=["GET"]),
        ]
    )
