"""Serve an ASGI app with uvicorn in a background thread.

The local cloud runs several small HTTP apps (the fake Mercado Pago, the
mailbox page, ...) inside one process, and the tests start the same apps on
free loopback ports. ``serve_in_thread`` is the one way both do it::

    server, base_url = serve_in_thread(app)
    try:
        httpx.get(f"{base_url}/")
    finally:
        server.stop()
"""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.types import ASGIApp

_STARTUP_POLL_SECONDS = 0.01


class ThreadedServer(uvicorn.Server):
    """A uvicorn server that runs in its own daemon thread and can be stopped."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._thread = threading.Thread(target=self.run, name=f"uvicorn-{config.port}", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound (useful when the server was asked for port 0)."""
        sockets = self.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    def start(self, startup_timeout: float = 10.0) -> None:
        """Start the thread and block until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + startup_timeout
        while not self.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"uvicorn failed to start on {self.config.host}:{self.config.port}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"uvicorn did not start within {startup_timeout} s")
            time.sleep(_STARTUP_POLL_SECONDS)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to exit and wait for its thread to finish."""
        self.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)


def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadedServer, str]:
    """Serve ``app`` on ``host:port`` (0 picks a free port) and return the server and its base URL.

    Returns once the server is accepting connections; call ``server.stop()`` to shut it down.
    The base URL has no trailing slash, e.g. ``http://127.0.0.1:54321``.
    """
    # log_config=None: uvicorn's own dictConfig would close every handler the process has (the log file's too);
    # its loggers propagate to the process's instead.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", log_config=None, timeout_graceful_shutdown=2
    )
    server = ThreadedServer(config)
    server.start()
    url_host = f"[{host}]" if ":" in host else host
    return server, f"http://{url_host}:{server.port}"
