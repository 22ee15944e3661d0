"""The local cloud's own pages in Chromium, as a developer meets them: the front page, then the API docs."""

from __future__ import annotations

import pytest
from browser_support import assert_accessible
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
DESKTOP = {"width": 1280, "height": 800}


def test_from_the_front_page_to_the_api_docs_where_a_demo_session_calls_a_private_route(new_page, cloud) -> None:
    # Given the front page at the base URL, which names the demo accounts
    page = new_page(viewport=DESKTOP)
    page.goto(f"{cloud.urls.base}/")
    expect(page.get_by_role("heading", name="Bembos Miraflores")).to_be_visible()
    expect(page.get_by_role("cell", name="cliente@demo.pe").first).to_be_visible()
    assert_accessible(page, "front page")
    # When the developer opens the API docs from it and logs in there as the demo customer
    page.get_by_role("link", name=cloud.urls.docs).click()
    page.get_by_label("Correo").fill("cliente@demo.pe")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("status")).to_contain_text("Sesión de cliente@demo.pe")
    # Then "Try it out" on GET /perfil, a route behind the authorizer, answers the customer's own profile
    # (opened by its id: with the tag filter typed, Swagger UI 5.35 leaves GET /perfil closed on a click once the
    # perfil tag also holds GET /perfil/puntos)
    operation = page.locator("#operations-perfil-get_profile_perfil_get")
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tbody tr").first
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text('"email": "cliente@demo.pe"')
