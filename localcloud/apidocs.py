"""Interactive API documentation: Swagger UI over the REST API's generated OpenAPI document, from our own origin.

Swagger UI's files come from the pinned ``swagger-ui-dist`` npm package in ``node_modules`` (installed by
``make``), served by the local cloud: nothing is loaded from a CDN. Mounted at ``/docs``:

- ``GET /``: the page: a session bar (tenant, a demo account, "Iniciar sesión") above Swagger UI;
- ``GET /openapi.json``: the generated document (``localcloud.openapi``) plus how each operation is called:
  the routes behind API Gateway's authorizer carry the ``sesion`` scheme (``Authorization: Bearer``), the
  public ones the ``tenant`` scheme (``X-Tenant-Id``), so "Try it out" sends what API Gateway expects;
- ``GET /assets/{name}``: Swagger UI's own files and ``static/api-docs.js`` (the page's script).

The session bar logs in through the API's own ``POST /usuarios/login`` and hands the token to Swagger UI
(the token of a login run from Swagger UI itself is taken too); every call after that carries it.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from localcloud.frontpage import FrontPage

SWAGGER_UI = Path(__file__).resolve().parent.parent / "node_modules" / "swagger-ui-dist"
SCRIPT = Path(__file__).resolve().parent / "static" / "api-docs.js"
# The files the page loads: Swagger UI's (the npm package also holds maps, ES bundles, an index.html...) and ours.
ASSETS = {
    "swagger-ui.css": SWAGGER_UI / "swagger-ui.css",
    "swagger-ui-bundle.js": SWAGGER_UI / "swagger-ui-bundle.js",
    "favicon-32x32.png": SWAGGER_UI / "favicon-32x32.png",
    "api-docs.js": SCRIPT,
}
SESSION = "sesion"
TENANT = "tenant"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def with_security(document: dict[str, Any], authorized: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A copy of ``document`` that says how each operation is called (and groups them by resource).

    ``authorized`` holds the ``(METHOD, path)`` of the routes behind the authorizer: they take the session
    token (``sesion``); every other operation is public and names its tenant (``tenant``).
    """
    behind_authorizer = {(method.upper(), path) for method, path in authorized}
    documented = copy.deepcopy(document)
    documented.setdefault("components", {})["securitySchemes"] = {
        SESSION: {
            "type": "http",
            "scheme": "bearer",
            "description": "The token of POST /usuarios/login (the tenant comes from it).",
        },
        TENANT: {
            "type": "apiKey",
            "in": "header",
            "name": "X-Tenant-Id",
            "description": "The tenant a public call is for, e.g. bembos-miraflores.",
        },
    }
    for path, item in documented.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                scheme = SESSION if (method.upper(), path) in behind_authorizer else TENANT
                operation["security"] = [{scheme: []}]
                operation.setdefault("tags", [path.strip("/").split("/")[0]])  # grouped by resource
    return documented


def _page(front: FrontPage, api_url: str) -> str:
    tenants = "".join(
        f"<option value='{html.escape(t.tenant_id)}'>{html.escape(t.name)} ({html.escape(t.tenant_id)})</option>"
        for t in front.tenants
    )
    accounts = "".join(
        f"<option value='{html.escape(a.email)}' data-tenant='{html.escape(t.tenant_id)}'>"
        f"{html.escape(a.role)} · {html.escape(t.tenant_id)}</option>"
        for t in front.tenants
        for a in t.accounts
    )
    first_email = front.tenants[0].accounts[0].email if front.tenants and front.tenants[0].accounts else ""
    config = json.dumps({"api": api_url, "openapi": "openapi.json"}).replace("<", "\\u003c")
    return f"""<!doctype html>
<html lang="es-PE">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>API de Bembos: documentación</title>
<link rel="icon" href="assets/favicon-32x32.png">
<link rel="stylesheet" href="assets/swagger-ui.css">
<style>
body {{ margin: 0; font-family: system-ui, sans-serif; }}
.sesion {{ background: #0033a0; color: #fff; padding: .75rem 1.25rem; border-bottom: 4px solid #ffd100; }}
.sesion h1 {{ font-size: 1.1rem; margin: 0 0 .5rem; }} .sesion a {{ color: #fff; }}
.sesion form {{ display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }}
.sesion label {{ display: flex; flex-direction: column; font-size: .85rem; }}
.sesion input, .sesion select, .sesion button {{ font: inherit; font-size: .95rem; padding: .3rem .5rem; }}
.sesion input[type=email] {{ min-width: 22rem; }}
.sesion button {{ background: #ffd100; border: 0; border-radius: 4px; font-weight: 600; cursor: pointer; }}
.sesion [role=status] {{ margin: .5rem 0 0; font-size: .9rem; }}
</style></head>
<body>
<section class="sesion" aria-label="Sesión">
<h1>API REST de Bembos <small>(<a href="/">nube local</a>)</small></h1>
<form id="sesion" method="post" action="#">
<label>Tenant <select name="tenant" id="tenant">{tenants}</select></label>
<label>Correo <input name="email" id="email" type="email" list="cuentas" value="{html.escape(first_email)}"
 autocomplete="username" required></label>
<datalist id="cuentas">{accounts}</datalist>
<label>Contraseña <input name="password" id="password" type="password" autocomplete="current-password"
 value="{html.escape(front.shared_password or "")}" required></label>
<button type="submit" id="ingresar" disabled>Iniciar sesión</button>
<button type="button" id="salir" hidden>Cerrar sesión</button>
</form>
<p role="status" id="estado">Sin sesión: las rutas públicas llevan X-Tenant-Id del tenant elegido.</p>
</section>
<main id="swagger-ui"></main>
<script type="application/json" id="docs-config">{config}</script>
<script src="assets/swagger-ui-bundle.js"></script>
<script src="assets/api-docs.js"></script>
</body></html>
"""


def create_app(
    document: Callable[[], Awaitable[dict[str, Any]]],
    front: Callable[[], FrontPage],
    api_url: str,
) -> Starlette:
    """The docs at wherever they are mounted; ``document`` answers the API's document (with its security)."""

    async def page(request: Request) -> Response:
        if not (SWAGGER_UI / "swagger-ui-bundle.js").is_file():
            return PlainTextResponse(f"{SWAGGER_UI} is missing: run `make install`", status_code=503)
        return HTMLResponse(_page(front(), api_url), headers={"Cache-Control": "no-cache"})

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(await document())

    async def asset(request: Request) -> Response:
        path = ASSETS.get(request.path_params["name"])
        if path is None or not path.is_file():
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    return Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/openapi.json", openapi_json, methods=["GET"]),
            Route("/assets/{name}", asset, methods=["GET"]),
        ]
    )
