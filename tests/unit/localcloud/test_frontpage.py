"""The front page and the start-up banner: one content, what runs, the tenants' apps, the demo accounts, how to stop."""

from __future__ import annotations

import html
import re
from typing import Any

from frontpage_support import BASE, CREDENTIALS, PASSWORD, URLS, seeded

from localcloud.frontpage import as_html, as_text, front_page


def test_the_content_names_each_tenants_apps_and_accounts_with_their_roles() -> None:
    page = front_page(URLS, CREDENTIALS, log_file=".localcloud/localcloud.log")

    assert [t.tenant_id for t in page.tenants] == ["bembos-miraflores", "bembos-san-isidro"]
    miraflores = page.tenants[0]
    assert miraflores.name == "Bembos Miraflores"
    assert miraflores.customer_app == f"{BASE}/clientes/bembos-miraflores/"
    assert miraflores.staff_app == f"{BASE}/staff/bembos-miraflores/"
    accounts = {(a.role, a.email): (a.app, a.screen) for a in miraflores.accounts}
    assert accounts[("admin", "admin.larco@bembos-miraflores.pe")][0] == miraflores.staff_app
    assert accounts[("cocinero", "cocina.larco@bembos-miraflores.pe")] == (miraflores.staff_app, "tablero de cocina")
    assert accounts[("cliente", "cliente@demo.pe")][0] == miraflores.customer_app
    assert {role for role, _ in accounts} == {"admin", "cocinero", "empaquetador", "repartidor", "cliente"}
    assert page.shared_password == PASSWORD
    assert {s.label: s.url for s in page.services}["Documentación de la API"] == f"{BASE}/docs/"


def facts(page: Any) -> list[str]:
    """Everything a person needs from the page: each address, account, role, the password, the log, the stop."""
    found = [s.url for s in page.services] + [s.label for s in page.services]
    for tenant in page.tenants:
        found += [tenant.name, tenant.tenant_id, tenant.customer_app, tenant.staff_app]
        found += [value for account in tenant.accounts for value in (account.role, account.email, account.screen)]
    return [*found, page.shared_password, page.log_file, "Ctrl-C"]


def test_the_banner_and_the_page_say_the_same_things() -> None:
    page = front_page(URLS, CREDENTIALS, log_file=".localcloud/localcloud.log")

    text = as_text(page, ready_in=12.34)
    served = html.unescape(re.sub(r"<[^>]+>", "", as_html(page)))

    assert text.startswith("Nube local de Bembos: lista en 12.3 s")
    missing_in_text = [fact for fact in facts(page) if fact not in text]
    missing_in_page = [fact for fact in facts(page) if fact not in served]
    assert missing_in_text == [] and missing_in_page == []


def test_the_page_links_every_address_a_browser_opens_and_shows_the_clients_ones() -> None:
    served = as_html(front_page(URLS, CREDENTIALS))

    links = set(re.findall(r'href="([^"]+)"', served))
    assert {URLS["docs"], URLS["mailbox"], URLS["openapi"], f"{URLS['mercadopago']}/"} <= links
    assert {f"{BASE}/clientes/bembos-miraflores/", f"{BASE}/staff/bembos-san-isidro/"} <= links
    # the API's root (API Gateway's 403), the WebSocket and moto are addresses for clients: shown, not linked
    assert not links & {URLS["api"], URLS["aws"]} and not any(link.startswith("ws:") for link in links)
    assert f"<code>{URLS['api']}</code>" in served
    assert "ws://127.0.0.1:8123/ws/dev?token=&lt;sesión&gt;" in served  # escaped


def test_without_demo_data_or_log_file_the_page_says_so_and_still_says_how_to_stop() -> None:
    page = front_page(URLS, {}, log_file=None)

    text = as_text(page)

    assert page.tenants == () and page.shared_password is None
    assert "Registro completo" not in text and "Contraseña" not in text
    assert text.splitlines()[-1] == "Ctrl-C en la terminal de make dev detiene todo."
    assert "Sin datos demo" in as_html(page)


def test_names_in_the_page_are_escaped() -> None:
    credentials = {"tenants": {"t-1": {**seeded("t-1", "<b>Pollería</b>", "x"), "name": "<b>Pollería</b>"}}}

    served = as_html(front_page(URLS, credentials))

    assert "<b>Pollería</b>" not in served
    assert "&lt;b&gt;Pollería&lt;/b&gt;" in served
