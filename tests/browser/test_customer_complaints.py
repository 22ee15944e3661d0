"""The Libro de Reclamaciones in the customer app, in Chromium at phone size, against the local cloud."""

from __future__ import annotations

import re

import pytest
from browser_support import MIRAFLORES, assert_accessible, customer_app, log_in
from playwright.sync_api import expect

from core import contracts
from tests.e2e.identity_support import call, register, role_token, token_of

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_customer_files_a_complaint_from_the_footer_and_sees_the_admins_answer_arrive_live(page, cloud) -> None:
    # Given a customer with an order, not logged in to the app yet
    _, email, password = register(cloud, MIRAFLORES, name="Rosa Quispe", phone="987654321")
    token = token_of(cloud, MIRAFLORES, email, password)
    item = {"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 1}
    order = call(
        cloud, "POST", "pedidos", token=token, json={"location_id": "larco", "dispatch": "pickup", "items": [item]}
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["order_id"]
    # When they follow the footer's Libro de Reclamaciones: asked to log in, then back on the sheet
    page.goto(customer_app(cloud, MIRAFLORES))
    page.get_by_role("contentinfo").get_by_role("link", name="Libro de Reclamaciones").click()
    log_in(page, email, password)
    page.get_by_role("heading", name="Libro de Reclamaciones").wait_for()
    expect(page.get_by_label("Nombre y apellido")).to_have_value("Rosa Quispe")  # from the profile
    expect(page.get_by_label("Correo")).to_have_value(email)
    expect(page.get_by_label("Correo")).not_to_be_editable()
    # ...sending it empty says what is missing, next to each field, and files nothing
    page.get_by_role("button", name="Enviar reclamo").click()
    expect(page.get_by_text("Elige si es un reclamo o una queja.")).to_be_visible()
    expect(page.get_by_text("Escribe el número de documento.")).to_be_visible()
    assert_accessible(page, "the complaint sheet, its problems shown")
    # ...then they fill it in, about their order, and tap "Enviar" twice
    page.get_by_label("Número de documento", exact=True).fill("45678912")
    page.get_by_label("Domicilio").fill("Av. Pardo 610, Miraflores")
    page.get_by_role("radio", name=re.compile("^Producto")).check()
    page.get_by_label("¿Qué producto o servicio?").fill("Inca Kola 500 ml")
    page.get_by_label("Monto reclamado en soles (opcional)").fill("6,50")
    orders = page.get_by_label("Pedido relacionado (opcional)")
    orders.select_option(label=orders.locator("option", has_text=order_id[:8].upper()).inner_text())
    page.get_by_role("radio", name=re.compile("^Reclamo")).check()
    page.get_by_label("¿Qué pasó?").fill("La bebida llegó abierta y caliente.")
    page.get_by_label("¿Qué solución pides?").fill("Que me devuelvan lo pagado.")
    page.get_by_role("button", name="Enviar reclamo").dblclick()
    # Then the confirmation gives the entry's code, its date, the due date and where the copy went
    codigo = page.get_by_test_id("codigo")
    expect(codigo).to_have_text(re.compile(r"^LR-\d{4}-\d{6}$"))
    expect(page.get_by_text(re.compile(r"^Respuesta a más tardar el \d{1,2} de \w+ de \d{4}$"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=f"Enviamos una copia a {email}")).to_be_visible()
    # ...the double tap filed one entry, with the amount in céntimos, the order, and the account's e-mail
    entries = call(cloud, "GET", "reclamaciones", token=token).json()["items"]
    assert len(entries) == 1, entries
    entry = entries[0]
    assert (entry["codigo"], entry["monto_cents"], entry["order_id"], entry["location_id"]) == (
        codigo.inner_text(),
        650,
        order_id,
        "larco",
    )
    assert (entry["consumidor"]["email"], entry["consumidor"]["documento_numero"]) == (email, "45678912")
    # And "Mis reclamos" lists it, pending, with the time left to answer in words
    page.get_by_role("link", name="Ver mis reclamos").click()
    card = page.get_by_role("article", name=entry["codigo"])
    expect(card.get_by_test_id("estado-reclamo")).to_have_text("En revisión")
    # the tenant's whole term in business days, as the API's due_at counts it and the admins' console says it
    expect(card).to_contain_text(f"Quedan {contracts.DEFAULT_COMPLAINT_TERM_DAYS} días hábiles")
    expect(page.get_by_role("status").filter(has_text="En vivo")).to_be_visible()
    page.evaluate("() => { window.__sameDocument = true; }")
    # When the tenant's admin answers it through the API
    respuesta = "Lamentamos lo ocurrido. Te devolvimos S/ 6.50 a tu tarjeta."
    answered = call(
        cloud,
        "POST",
        f"reclamaciones/{entry['numero']}/respuesta",
        token=role_token(cloud, MIRAFLORES, "admin"),
        json={"respuesta": respuesta},
    )
    assert answered.status_code == 200, answered.text
    # Then the answer appears on the open page, with its date, without a reload
    expect(card.get_by_test_id("estado-reclamo")).to_have_text("Respondido", timeout=30_000)
    answer = card.get_by_role("region", name="Respuesta")
    expect(answer).to_contain_text(respuesta)
    expect(answer.get_by_role("heading")).to_have_text(re.compile(r"^Respuesta del \d{2}/\d{2}/\d{4}, \d{2}:\d{2}$"))
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    assert_accessible(page, "Mis reclamos, answered")
