"""The two web apps as Amplify Hosting serves them: the built folder, SPA rewrites, config.json, gzip.

Each app is mounted at its path (``/clientes``, ``/staff``) and serves ``frontends/dist/<app>/<path>/``,
the folder FrontendStack deploys. As the Amplify rules in ``stacks/frontend.py`` say: a path without
a file extension is the app's ``index.html`` (the app routes with the History API, tenants included:
``/clientes/<tenant>/pedido/<id>``); ``config.json`` comes from the API's ``GET /config/{app}``.
Hashed assets are cached for a year, ``index.html`` never, and responses are gzip-compressed, as
the CDN in front of Amplify does, so the first-load figures measured here mean something.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"


def _is_file_path(path: str) -> bool:
    """Amplify's SPA rule: only a last segment with an extension names a file."""
    return "." in path.rsplit("/", 1)[-1]


def create_app(directory: Path, config: Callable[[Request], Awaitable[Response]]) -> Starlette:
    """The built app in ``directory`` (its ``index.html`` and ``assets/``), with ``config.json`` from ``config``."""
    root = directory.resolve()

    async def serve(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if not _is_file_path(path):
            index = root / "index.html"
            if not index.is_file():
                return PlainTextResponse(f"{root} is not built: run `make web`", status_code=503)
            return FileResponse(index, headers={"Cache-Control": NO_CACHE})
        target = (root / path).resolve()
        if root not in target.parents or not target.is_file():
            return PlainTextResponse("Not found", status_code=404)
        cache = IMMUTABLE if target.parent.name == "assets" else NO_CACHE
        return FileResponse(target, headers={"Cache-Control": cache})

    routes = [Route("/config.json", config), Route("/{path:path}", serve)]
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=500)])
