"""The console of ``make dev``: the banner, one line per request, warnings and errors; the rest in a log file.

``route_logs(log_file, console)`` sends every log record of the process to ``log_file`` and only these
to ``console``: the access lines of ``AccessLog`` (``GET /dev/tienda 200 12 ms``) and anything at WARNING
or above, except the SMTP server's own warnings (aiosmtpd warns of its own deprecations on every login),
which stay in the file with its debug lines. The functions' output reaches logging through the Lambda
runtime's log sink at the level each line states (``localcloud.lambda_runtime.line_level``), so a
function's error is on the console and its INFO lines are in the file.

``StdoutToLog`` takes what in-process code prints (the seed runs the services' logic, whose Powertools
logger writes JSON lines to ``sys.stdout``) into the log the same way.
"""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path
from typing import Any, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from localcloud.lambda_runtime import line_level

ACCESS = logging.getLogger("localcloud.access")
# Loggers whose WARNING lines are the library's own business: the console shows their errors only.
FILE_ONLY_WARNINGS = ("mail.log",)
# A request the local cloud makes to itself (the web apps' config.json, an Amplify rewrite to the API).
INTERNAL_HEADER = "x-localcloud-internal"
STATIC_SUFFIXES = (".js", ".css", ".map", ".png", ".jpg", ".jpeg", ".webp", ".svg", ".ico", ".woff", ".woff2")
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class _ConsoleFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS.name:
            return True
        if record.name.startswith(FILE_ONLY_WARNINGS):
            return record.levelno >= logging.ERROR
        return record.levelno >= logging.WARNING


class _ConsoleFormatter(logging.Formatter):
    """``12:00:01 GET /dev/tienda 200 12 ms`` for requests, ``12:00:01 ERROR name message`` for the rest."""

    _request = logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S")
    _other = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return (self._request if record.name == ACCESS.name else self._other).format(record)


def route_logs(log_file: Path, console: TextIO) -> list[logging.Handler]:
    """Every INFO line and above to ``log_file`` (begun anew), requests and warnings also to ``console``.

    Returns the two handlers it added to the root logger.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("", encoding="utf-8")
    # Appending to the emptied file: a handler closed by someone's logging.config is reopened on its next line.
    to_file = logging.FileHandler(log_file, mode="a", encoding="utf-8")
    to_file.setFormatter(logging.Formatter(FILE_FORMAT))
    to_console = logging.StreamHandler(console)
    to_console.addFilter(_ConsoleFilter())
    to_console.setFormatter(_ConsoleFormatter())
    root = logging.getLogger()
    root.setLevel(logging.INFO)  # botocore's DEBUG lines are every request's headers and body
    for handler in (to_file, to_console):
        root.addHandler(handler)
    logging.captureWarnings(True)
    return [to_file, to_console]


class StdoutToLog(io.TextIOBase):
    """A text stream whose every line becomes a record of ``logger``, at the level the line states."""

    encoding = "utf-8"  # what code that writes to sys.stdout may ask of it

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            if line.strip():
                self._logger.log(line_level(line), "%s", line)
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            line, self._pending = self._pending, ""
            self._logger.log(line_level(line), "%s", line)


def is_static(path: str) -> bool:
    """A web app's or the docs' file: not worth a console line when it is served."""
    return path.lower().endswith(STATIC_SUFFIXES)


class AccessLog:
    """ASGI middleware: one ``localcloud.access`` line per request a person or client makes to the local cloud.

    ``METHOD path status ms`` (no query string: it may hold a token), once the answer is sent. Static files
    served well, and the local cloud's requests to itself, are left out; a WebSocket is one line when its
    handshake is answered (101 accepted, 403 refused).
    """

    def __init__(self, app: ASGIApp, logger: logging.Logger = ACCESS) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or _is_internal(scope):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = "WS" if scope["type"] == "websocket" else scope["method"]
        path = scope["path"]
        state: dict[str, Any] = {"status": None, "logged": False}

        def log(status: int) -> None:
            if state["logged"] or (status < 400 and is_static(path)):
                return
            state["logged"] = True
            self.logger.info("%s %s %d %.0f ms", method, path, status, (time.perf_counter() - started) * 1000)

        async def sending(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                state["status"] = message["status"]
            await send(message)
            if kind == "http.response.body" and not message.get("more_body", False):
                log(state["status"] or 500)
            elif kind == "websocket.accept":
                log(101)
            elif kind == "websocket.close":
                log(403)
            elif kind == "websocket.http.response.start":
                log(message["status"])

        try:
            await self.app(scope, receive, sending)
        except Exception:
            log(500)
            raise


def _is_internal(scope: Scope) -> bool:
    return any(name.decode("latin-1").lower() == INTERNAL_HEADER for name, _ in scope.get("headers", []))
