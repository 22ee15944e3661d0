"""The staff app's realtime channels in Chromium, against the local cloud: the admins' complaints console fed
live by a customer's entry, and a message from the kitchen's board to the packer's."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from browser_support import MIRAFLORES, TABLET, assert_accessible, staff_log_in
from playwright.sync_api import expect

from tests.e2e.identity_support import call, role_token, staff_account

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def seeded(cloud, rol: str) -> str:
    return staff_account(cloud, MIRAFLORES, rol)["email"]


def live(page) -> None:
    """The screen's socket is open (and the page is marked: a reload would lose the mark)."""
    page.get_by_role("status").filter(has_text="En vivo").wait_for(timeout=30_000)
    page.evaluate("() => { window.__sameDocument = true; }")


def test_a_customers_complaint_appears_live_in_the_console_and_the_admins_answer_reaches_the_api(
    new_page, cloud
) -> None:
    # Given an admin on the complaints book, its socket open
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    console.get_by_role("link", name=re.compile("^Reclamaciones")).click()
    console.get_by_role("heading", name="Libro de Reclamaciones").wait_for()
    live(console)
    console.wait_for_load_state("networkidle")
    badge = console.get_by_role("navigation", name="Consola").locator(".badge-count")
    before = int(badge.text_content() or 0) if badge.count() else 0
    # When a customer files a complaint through the REST API (what the customer app does)
    customer = role_token(cloud, MIRAFLORES, "cliente")
    detail = f"La hamburguesa llegó fría y sin papas ({uuid.uuid4().hex[:6]})."
    filed = call(
        cloud,
        "POST",
        "reclamaciones",
        token=customer,
        json={
            "tipo": "reclamo",
            "bien": "producto",
            "descripcion_bien": "Combo Royal mediano",
            "monto_cents": 2590,
            "location_id": "larco",
            "detalle": detail,
            "pedido_consumidor": "Que me devuelvan el importe del combo.",
            "consumidor": {
                "nombre": "Lucía Flores",
                "documento_tipo": "DNI",
                "documento_numero": "45872136",
                "domicilio": "Calle Berlín 260, Miraflores",
            },
        },
    )
    assert filed.status_code == 201, filed.text
    entry = filed.json()
    # Then it appears in the console's book without a reload, pending, with its time left in words
    row = console.get_by_role("row", name=re.compile(entry["codigo"]))
    expect(row).to_be_visible(timeout=30_000)
    expect(row).to_contain_text("Pendiente")
    expect(row).to_contain_text(re.compile(r"Quedan \d+ días"))
    assert console.evaluate("() => window.__sameDocument === true"), "the console reloaded"
    expect(badge).to_have_text(str(before + 1))  # the navigation's count of pending entries
    assert_accessible(console, "complaints book")
    # The book downloads as the API's CSV, with the session's token (not a bare link, which would carry none)
    with console.expect_download() as download:
        console.get_by_role("button", name="Descargar libro (CSV)").click()
    assert download.value.suggested_filename == f"libro-reclamaciones-{MIRAFLORES}.csv"
    assert entry["codigo"] in Path(download.value.path()).read_text(encoding="utf-8")
    # and the admin opens it, sees the consumer's account and answers it there
    row.get_by_role("link", name=entry["codigo"]).click()
    expect(console.get_by_text(detail)).to_be_visible()
    answer = "Lamentamos lo ocurrido. Le devolvimos S/ 25.90 a su tarjeta."
    console.get_by_label(re.compile("^Respuesta al consumidor")).fill(answer)
    console.get_by_role("button", name="Enviar respuesta").click()
    expect(console.get_by_text("Respuesta registrada")).to_be_visible()
    expect(console.get_by_test_id("estado")).to_have_text("Respondido")
    if before:
        expect(badge).to_have_text(str(before))
    else:
        expect(badge).to_have_count(0)
    # The REST API now gives the customer the entry answered
    read = call(cloud, "GET", f"reclamaciones/{entry['numero']}", token=customer)
    assert read.status_code == 200, read.text
    assert read.json()["estado"] == "respondido"
    assert read.json()["respuesta"] == answer


def test_a_cook_messages_packing_from_the_board_and_the_packers_board_shows_it_live(new_page, cloud) -> None:
    # Given the cook and the packer of Larco on their boards
    cook, packer = new_page(TABLET), new_page(TABLET)
    staff_log_in(cook, cloud, MIRAFLORES, seeded(cloud, "cocinero"))
    staff_log_in(packer, cloud, MIRAFLORES, seeded(cloud, "empaquetador"))
    live(cook)
    live(packer)
    # When the cook opens "Mensajes" and writes to packing (the kitchen's first choice)
    cook.get_by_role("button", name=re.compile("^Mensajes")).click()
    panel = cook.get_by_role("dialog", name="Mensajes")
    expect(panel.get_by_label("Para")).to_have_value("rol:empaquetador")
    text = f"El combo del {uuid.uuid4().hex[:4].upper()} sale en 2 minutos"
    panel.get_by_role("textbox", name="Mensaje").fill(text)
    panel.get_by_role("button", name="Enviar").click()
    # Then the server confirms it to the cook (MessageSent)...
    expect(panel.get_by_role("article", name="Mensaje de ti").filter(has_text=text)).to_be_visible(timeout=30_000)
    assert_accessible(cook, "kitchen board with its messages panel")
    # ...and the packer's board shows it live: a note over the board and the unread count, then the panel
    expect(packer.get_by_role("status").filter(has_text=text)).to_be_visible(timeout=30_000)
    opener = packer.get_by_role("button", name=re.compile(r"^Mensajes, \d+ sin leer$"))
    expect(opener).to_be_visible()
    opener.click()
    received = packer.get_by_role("dialog", name="Mensajes").get_by_role("article").filter(has_text=text)
    expect(received).to_contain_text("Para Empaquetado")
    expect(packer.get_by_role("button", name="Mensajes", exact=True)).to_be_visible()  # read: no count left
    for page in (cook, packer):
        assert page.evaluate("() => window.__sameDocument === true"), "a board reloaded"
