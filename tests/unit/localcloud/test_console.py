"""make dev's console: one line per request, warnings and errors; everything in the log file."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from localcloud.console import INTERNAL_HEADER, AccessLog, StdoutToLog, route_logs
from localcloud.lambda_runtime import default_log_sink, line_level
from localcloud.serve import serve_in_thread


@dataclass
class Routed:
    console: io.StringIO
    log_file: Path

    def console_lines(self) -> list[str]:
        """The console's lines without their time of day."""
        return [re.sub(r"^\d\d:\d\d:\d\d ", "", line) for line in self.console.getvalue().splitlines()]

    def file_text(self) -> str:
        for handler in logging.getLogger().handlers:
            handler.flush()
        return self.log_file.read_text(encoding="utf-8")


@pytest.fixture
def routed(tmp_path: Path) -> Iterator[Routed]:
    """The process's logging as ``make dev`` sets it, put back as it was afterwards."""
    root = logging.getLogger()
    level = root.level
    console = io.StringIO()
    added = route_logs(tmp_path / "local" / "localcloud.log", console)
    yield Routed(console, tmp_path / "local" / "localcloud.log")
    for handler in added:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    logging.captureWarnings(False)


def test_the_console_shows_requests_warnings_and_errors_and_the_file_every_line(routed: Routed) -> None:
    # When the local cloud logs requests, its own progress, a function's lines, botocore and the SMTP server
    logging.getLogger("localcloud.access").info("GET /dev/tienda 200 12 ms")
    logging.getLogger("localcloud").info("synthesizing the dev stage into cdk.out")
    logging.getLogger("localcloud").warning("NOT SUPPORTED by the local cloud: AWS::Foo::Bar")
    default_log_sink("bembos-dev-pedidos", json.dumps({"level": "INFO", "message": "order created"}))
    default_log_sink("bembos-dev-pedidos", "[ERROR] KeyError: 'total'")
    logging.getLogger("botocore.credentials").info("Found credentials in environment variables.")
    logging.getLogger("mail.log").info("('127.0.0.1', 5000) >> b'ehlo [127.0.0.1]'")
    logging.getLogger("mail.log").warning("Session.login_data is deprecated and will be removed in version 2.0")

    # Then the console has the request, the warning and the function's error, nothing else
    assert routed.console_lines() == [
        "GET /dev/tienda 200 12 ms",
        "WARNING localcloud NOT SUPPORTED by the local cloud: AWS::Foo::Bar",
        "ERROR localcloud.lambda [bembos-dev-pedidos] [ERROR] KeyError: 'total'",
    ]
    # and the file has every line, with its level and logger
    logged = routed.file_text()
    for expected in (
        "INFO localcloud.access GET /dev/tienda 200 12 ms",
        "INFO localcloud synthesizing the dev stage",
        'INFO localcloud.lambda [bembos-dev-pedidos] {"level": "INFO", "message": "order created"}',
        "ERROR localcloud.lambda [bembos-dev-pedidos] [ERROR] KeyError",
        "INFO botocore.credentials Found credentials",
        "INFO mail.log ('127.0.0.1', 5000) >> b'ehlo",
        "WARNING mail.log Session.login_data is deprecated",
    ):
        assert expected in logged


def test_a_server_started_after_the_routing_leaves_the_log_file_open(routed: Routed) -> None:
    # uvicorn's default logging configuration closes every handler of the process (the file's included)
    server, _ = serve_in_thread(Starlette())
    server.stop()

    logging.getLogger("localcloud").info("still written")

    assert "still written" in routed.file_text()


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ('{"level":"WARNING","message":"slow","service":"pedidos"}', logging.WARNING),
        ('{"level":"ERROR","message":"boom","service":"pedidos"}', logging.ERROR),
        ('{"level":"CRITICAL","message":"down"}', logging.CRITICAL),
        ('{"level":"INFO","message":"ok"}', logging.INFO),
        ('{"_aws": {"CloudWatchMetrics": []}, "orders": 1}', logging.INFO),  # a metric: no level
        ("[ERROR] ValueError: bad", logging.ERROR),
        ("2026-11-28T12:00:00+00:00 8f2c Task timed out after 3.00 seconds", logging.ERROR),
        ("START RequestId: 8f2c Version: $LATEST", logging.INFO),
        ("REPORT RequestId: 8f2c\tDuration: 12.00 ms", logging.INFO),
        ("{not json", logging.INFO),
    ],
)
def test_a_functions_line_is_logged_at_the_level_it_states(line: str, level: int) -> None:
    assert line_level(line) == level


def test_what_in_process_code_prints_becomes_log_lines_at_their_level(routed: Routed) -> None:
    stream = StdoutToLog(logging.getLogger("localcloud.stdout"))

    stream.write('{"level":"INFO","message":"employee invited","service":"localcloud-seed"}\n{"level":"ERR')
    stream.write('OR","message":"seed failed","service":"localcloud-seed"}\n')

    assert routed.console_lines() == [
        'ERROR localcloud.stdout {"level":"ERROR","message":"seed failed","service":"localcloud-seed"}'
    ]
    assert '"message":"employee invited"' in routed.file_text()


# --------------------------------------------------------------------------- the access log


async def _answer(request: Request) -> Response:
    if request.path_params["path"].endswith("missing.js"):
        return PlainTextResponse("Not found", status_code=404)
    return PlainTextResponse("ok")


async def _socket(websocket: WebSocket) -> None:
    if websocket.query_params.get("token") != "valida":
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.close()


@pytest.fixture
def served() -> Iterator[str]:
    routes = [WebSocketRoute("/ws/dev", _socket), Route("/{path:path}", _answer, methods=["GET", "POST"])]
    app = AccessLog(Starlette(routes=routes))
    server, base_url = serve_in_thread(app)
    yield base_url
    server.stop()


def test_each_request_is_one_line_with_method_path_status_and_ms_but_no_query(
    served: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="localcloud.access")

    httpx.get(f"{served}/dev/tienda", params={"token": "secreto"})
    httpx.post(f"{served}/dev/pedidos", json={})
    httpx.get(f"{served}/clientes/assets/index-4f2a.js")  # a web app's file, served: no line
    httpx.get(f"{served}/clientes/assets/missing.js")  # ...one that failed: a line
    httpx.get(f"{served}/dev/config/customer", headers={INTERNAL_HEADER: "1"})  # the cloud asking itself

    lines = [record.getMessage() for record in caplog.records if record.name == "localcloud.access"]
    assert [re.sub(r" \d+ ms$", " N ms", line) for line in lines] == [
        "GET /dev/tienda 200 N ms",
        "POST /dev/pedidos 200 N ms",
        "GET /clientes/assets/missing.js 404 N ms",
    ]
    assert all("secreto" not in line for line in lines)


def test_a_websocket_is_one_line_when_its_handshake_is_answered(served: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="localcloud.access")
    socket_url = served.replace("http://", "ws://") + "/ws/dev"

    with connect(f"{socket_url}?token=valida"):
        pass
    with pytest.raises(InvalidStatus):
        connect(f"{socket_url}?token=falsa")

    def lines() -> list[str]:
        return [record.getMessage() for record in caplog.records if record.name == "localcloud.access"]

    # The server's thread writes a refused handshake's line as it answers: the client may read the 403 first.
    deadline = time.monotonic() + 5
    while len(lines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [re.sub(r" \d+ ms$", " N ms", line) for line in lines()] == ["WS /ws/dev 101 N ms", "WS /ws/dev 403 N ms"]
