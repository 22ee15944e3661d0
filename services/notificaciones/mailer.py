"""Sending email with plain ``smtplib``: Gmail (STARTTLS, app password) in AWS, the local SMTP server locally."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType

from notificaciones.models import Email


class SendFailed(Exception):
    """The SMTP server could not be reached or refused the message; the queue retries it."""


@dataclass(frozen=True)
class SmtpCredentials:
    username: str
    password: str


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    mail_from: str
    timeout: float = 10.0


def build_message(email: Email, mail_from: str) -> EmailMessage:
    """A multipart/alternative (text + HTML) message, wrapped in multipart/mixed when it has attachments."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail_from.rsplit("@", 1)[-1].strip("> "))
    message.set_content(email.text, charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition(";")[0].strip().partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )
    return message


class SmtpMailer:
    """``send(email)`` over one SMTP connection, opened on first use and reused for a batch.

    Use as a context manager around a batch; a failed send drops the connection (the next send
    reconnects) and raises ``SendFailed``. A server that could not be reached (refused, silent past
    the timeout, login refused) is not tried again in the same batch: the batch's other sends fail at
    once, so an outage costs one timeout per batch, not one per email, and the function reports its
    failures before its own timeout.
    """

    def __init__(
        self,
        config: SmtpConfig,
        credentials: Callable[[], SmtpCredentials | None],
        on_auth_failure: Callable[[], None] = lambda: None,
    ) -> None:
        self._config = config
        self._credentials = credentials
        self._on_auth_failure = on_auth_failure
        self._connection: smtplib.SMTP | None = None
        self._unreachable: str | None = None  # why the server could not be reached in this session

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            connection.ehlo()
            if config.starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            credentials = self._credentials()
            if credentials is not None:
                connection.login(credentials.username, credentials.password)
        except smtplib.SMTPAuthenticationError:
            self._on_auth_failure()  # maybe a rotated app password: read the secret again next time
            connection.close()
            raise
        except Exception:
            connection.close()
            raise
        return connection

    def send(self, email: Email) -> None:
        server = f"{self._config.host}:{self._config.port}"
        if self._unreachable is not None:
            raise SendFailed(f"SMTP server {server} not tried again in this batch: {self._unreachable}")
        message = build_message(email, self._config.mail_from)
        try:
            if self._connection is None:
                try:
                    self._connection = self._connect()
                except (smtplib.SMTPException, OSError) as exc:
                    self._unreachable = f"{type(exc).__name__}: {exc}"
                    raise
            refused = self._connection.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise SendFailed(f"SMTP send to {server} failed: {exc}") from exc
        if refused:
            raise SendFailed(f"SMTP refused recipients: {sorted(refused)}")

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            finally:
                self._connection = None
