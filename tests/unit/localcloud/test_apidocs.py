"""The API documentation page: Swagger UI from our own origin, each operation saying how it is called."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from frontpage_support import CREDENTIALS, URLS
from starlette.applications import Starlette
from starlette.routing import Mount

from localcloud.apidocs import SWAGGER_UI, create_app, with_security
from localcloud.frontpage import front_page
from localcloud.serve import serve_in_thread

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/perfil": {"get": {"operationId": "get_profile"}, "put": {"operationId": "put_profile"}},
        "/usuarios/login": {"post": {"operationId": "login"}},
        "/tienda": {"get": {"operationId": "store", "tags": ["tienda pública"]}},
    },
    "components": {"schemas": {}},
}


def test_routes_behind_the_authorizer_take_the_session_and_public_ones_the_tenant() -> None:
    original = copy.deepcopy(DOCUMENT)

    documented = with_security(DOCUMENT, {("GET", "/perfil"), ("put", "/perfil")})

    paths = documented["paths"]
    assert paths["/perfil"]["get"]["security"] == [{"sesion": []}]
    assert paths["/perfil"]["put"]["security"] == [{"sesion": []}]
    assert paths["/usuarios/login"]["post"]["security"] == [{"tenant": []}]
    schemes = documented["components"]["securitySchemes"]
    assert schemes["sesion"] == {"type": "http", "scheme": "bearer", "description": schemes["sesion"]["description"]}
    assert (schemes["tenant"]["type"], schemes["tenant"]["in"], schemes["tenant"]["name"]) == (
        "apiKey",
        "header",
        "X-Tenant-Id",
    )
    # grouped by resource, an operation's own tags kept
    assert paths["/usuarios/login"]["post"]["tags"] == ["usuarios"]
    assert paths["/tienda"]["get"]["tags"] == ["tienda pública"]
    assert original == DOCUMENT  # the generated document itself is unchanged


@pytest.fixture
def docs_url() -> Iterator[str]:
    async def document() -> dict[str, Any]:
        return with_security(DOCUMENT, {("GET", "/perfil")})

    docs = create_app(document, lambda: front_page(URLS, CREDENTIALS), URLS["api"])
    server, base_url = serve_in_thread(Starlette(routes=[Mount("/docs", docs)]))
    yield f"{base_url}/docs/"
    server.stop()


@pytest.mark.skipif(not (SWAGGER_UI / "swagger-ui-bundle.js").is_file(), reason="node_modules not installed")
def test_the_page_loads_swagger_ui_and_its_document_from_under_its_own_mount(docs_url: str) -> None:
    page = httpx.get(docs_url)

    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert page.status_code == 200
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], "nothing from another origin"
    for source in sources:
        if not source.startswith("/"):  # the link back to the front page is the server's root
            assert httpx.get(urljoin(docs_url, source)).status_code == 200, source
    assert httpx.get(urljoin(docs_url, "openapi.json")).json()["paths"]["/perfil"]["get"]["security"] == [
        {"sesion": []}
    ]
    # the session bar offers the demo tenants and accounts, the shared password filled in
    assert "<option value='bembos-miraflores'>" in page.text
    assert "value='cocina.larco@bembos-miraflores.pe' data-tenant='bembos-miraflores'" in page.text
    assert 'value="Clave-Demo-1"' in page.text


def test_only_the_pages_own_files_are_served(docs_url: str) -> None:
    assert httpx.get(urljoin(docs_url, "assets/package.json")).status_code == 404
    assert httpx.get(urljoin(docs_url, "assets/..%2F..%2Fpackage.json")).status_code == 404
