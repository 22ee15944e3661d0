"""The customer web app in Chromium, against the local cloud: what a customer on a phone does."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from browser_support import (
    MIRAFLORES,
    SAN_ISIDRO,
    add_to_cart,
    admin,
    assert_accessible,
    choose_location,
    customer_app,
    estado,
    fill_card,
    log_in,
    order_id_from,
    register,
    verify_from_mailbox,
    work_stage,
)
from playwright.sync_api import expect

from tests.e2e.e2e_support import eventually
from tests.e2e.identity_support import call, location_body, login, mailed_link, product_body, token_of, unique_email
from tests.e2e.identity_support import register as register_customer

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
PASSWORD = "Hamburguesa-2026"


def new_customer(page, cloud, tenant: str = MIRAFLORES) -> str:
    """A customer who registers in the app, confirms the address from the mailed link and logs in; the e-mail."""
    email = unique_email("web")
    page.goto(customer_app(cloud, tenant, "ingresar"))
    register(page, "Rosa Quispe", email, PASSWORD)
    verify_from_mailbox(page, cloud, email)
    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="Mi cuenta").wait_for()
    return email


def order_lines(page) -> None:
    """A burger with a size, two of them, a note; and a combo."""
    add_to_cart(page, "Hamburguesas", "Hamburguesa Clásica", size="Grande", more=1, notes="sin cebolla")
    add_to_cart(page, "Combos", "Combo Royal")


def checkout_delivery(page, address: str = "Av. Pardo 610, Miraflores", *, quoted: bool = False) -> None:
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    page.get_by_role("radio", name="Delivery").check()
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Dirección de entrega").fill(address)
    if quoted:  # the location's ready-time quote for a delivery placed now
        expect(page.get_by_test_id("espera")).to_have_text(re.compile(r"^Llega en ~\d+ min"))
    page.get_by_role("button", name=re.compile("^Confirmar pedido")).click()
    page.get_by_role("heading", name=re.compile("^Pagar pedido")).wait_for()


def test_register_log_in_order_pay_by_card_and_follow_the_order_live_to_delivered(page, cloud) -> None:
    # Given a new customer who registers, logs out and logs in again
    email = new_customer(page, cloud)
    page.get_by_role("link", name="Mi cuenta").click()
    page.get_by_role("button", name="Cerrar sesión").click()
    page.get_by_role("link", name="Ingresar").click()
    log_in(page, email, PASSWORD)
    # When they pick a location, add a burger (size, quantity, note) and a combo, and check out with delivery
    choose_location(page, "Bembos Larco")
    order_lines(page)
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    # the cart prices as the server will: 2 × 21.90 + 26.90 + 5.00 delivery
    expect(page.get_by_test_id("total")).to_have_text("S/ 75.70")
    checkout_delivery(page, quoted=True)
    expect(page.get_by_test_id("total")).to_have_text("S/ 75.70")  # the server's figure on the order
    order_id = order_id_from(page.url)
    # ...and pay by card (APRO)
    fill_card(page, "APRO")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(estado(page)).to_have_text("En cocina", timeout=30_000)
    expect(page.get_by_test_id("espera-pedido")).to_have_text(re.compile(r"^Llega en ~\d+ min"))  # its estimate
    page.evaluate("() => { window.__sameDocument = true; }")
    # Then the timeline moves live as the staff work each stage, without a reload
    work_stage(cloud, MIRAFLORES, "COCINA", order_id)
    expect(estado(page)).to_have_text("Empaquetando", timeout=30_000)
    work_stage(cloud, MIRAFLORES, "EMPAQUETAMIENTO", order_id)
    expect(estado(page)).to_have_text("En camino", timeout=30_000)
    work_stage(cloud, MIRAFLORES, "DELIVERY", order_id)
    expect(estado(page)).to_have_text("Entregado", timeout=30_000)
    expect(page.get_by_test_id("espera-pedido")).to_have_count(0)  # delivered: no estimate any more
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"
    steps = page.locator(".timeline__step--done")
    expect(steps).to_have_count(6)
    # And the order is in "Mis pedidos", delivered
    page.get_by_role("link", name="Mis pedidos", exact=True).click()
    row = page.get_by_role("link", name=re.compile(f"Pedido {order_id[:8].upper()}"))
    expect(row).to_contain_text("Entregado")
    expect(row).to_contain_text("S/ 75.70")
    # And "Mi cuenta" holds the points of its lines, credited once it was delivered: 2 × 13 (Clásica) + 29 (Royal)
    page.get_by_role("link", name="Mi cuenta").click()
    balance = page.get_by_test_id("points-balance")
    ledger = page.get_by_role("list", name="Movimientos de tus puntos")

    def credited() -> bool:
        # The balance and the movements are two reads of one transaction's items (moto writes a transaction's
        # items one by one, so a read between them sees half of it): both must show the credit.
        balance.wait_for()
        if balance.inner_text() == "55 puntos" and ledger.count():
            return True
        page.reload()  # the credit is a hop behind the delivery: what a person would do is look again
        return False

    eventually(credited, timeout=20)
    expect(ledger).to_contain_text(f"Pedido entregado · Pedido {order_id[:8].upper()}")
    expect(ledger).to_contain_text("+55")


def test_checkout_pro_returns_to_the_order_page_with_the_outcome_and_a_rejection_can_be_retried(page, cloud) -> None:
    email = new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    add_to_cart(page, "Bebidas", "Inca Kola")
    checkout_delivery(page)
    order_id = order_id_from(page.url)
    page.get_by_role("tab", name="Mercado Pago").click()
    page.get_by_role("button", name="Ir a Mercado Pago").click()
    # on Mercado Pago's checkout page (the local fake), the buyer rejects first
    page.get_by_role("heading", name="Pagar con Mercado Pago").wait_for()
    expect(page.locator("#total")).to_have_text("S/ 10.50")
    page.get_by_role("button", name="Rechazar pago").click()
    page.wait_for_url(re.compile(f"/clientes/{MIRAFLORES}/pedido/{order_id}\\?pago=rechazado"))
    expect(page.get_by_role("alert")).to_have_text(re.compile("rechazó el pago|no fue aprobado"))
    expect(estado(page)).to_have_text("Esperando el pago")
    # and pays again from the order's page, approving this time
    page.get_by_role("link", name=re.compile(r"^Pagar S\/")).click()
    page.get_by_role("tab", name="Mercado Pago").click()
    page.get_by_role("button", name="Ir a Mercado Pago").click()
    page.get_by_role("button", name="Aprobar pago").click()
    # back on the order's page, with the outcome, and the order moves on once Mercado Pago notifies
    page.wait_for_url(re.compile(f"/clientes/{MIRAFLORES}/pedido/{order_id}\\?pago=aprobado"))
    expect(estado(page)).to_have_text("En cocina", timeout=30_000)
    # and the boleta reaches the local mailbox, read there as a person would: list, message, attachment, back
    read_the_boleta_in_the_mailbox(page, cloud, email, order_id)


def read_the_boleta_in_the_mailbox(page, cloud, email: str, order_id: str) -> None:
    subject = "Tu comprobante de pago · Bembos Miraflores"
    eventually(lambda: any(m.subject == subject for m in cloud.mailbox.messages(email)), timeout=30)  # then look
    page.goto(cloud.urls.mailbox)
    page.get_by_label("Para").fill(email)
    page.get_by_role("button", name="Filtrar").click()
    page.get_by_role("link", name=subject).click()
    page.get_by_role("heading", name=subject).wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name=f"boleta-{order_id[:8]}.txt").click()
    boleta = download.value.path().read_text(encoding="utf-8")
    assert f"Pedido:      {order_id}" in boleta
    assert re.search(r"TOTAL +S/ 10\.50", boleta), boleta
    page.get_by_role("link", name="Volver al buzón").click()
    expect(page.get_by_role("heading", name="Buzón local")).to_be_visible()
    # the whole mailbox again: this customer's boleta among everyone's
    expect(page.get_by_role("row").filter(has_text=email).get_by_role("link", name=subject)).to_be_visible()


def test_the_live_page_reconnects_after_a_drop_and_shows_what_happened_meanwhile(page, cloud) -> None:
    # Given a customer following a paid order live, through a connection the test can cut
    sockets: list = []
    cut = {"on": False}

    def relay(socket) -> None:
        if cut["on"]:
            socket.close()  # the network is down: every reconnection attempt fails
            return
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/dev"), relay)
    new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    add_to_cart(page, "Postres", "Pie de Manzana")
    checkout_delivery(page)
    order_id = order_id_from(page.url)
    fill_card(page, "APRO")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(estado(page)).to_have_text("En cocina", timeout=30_000)
    expect(page.get_by_role("status").filter(has_text="En vivo")).to_be_visible()
    # When the connection drops and the kitchen completes the order while the customer is offline
    cut["on"] = True
    sockets[-1].close()
    expect(page.get_by_role("status").filter(has_text="Reconectando")).to_be_visible()
    work_stage(cloud, MIRAFLORES, "COCINA", order_id)
    expect(estado(page)).to_have_text("En cocina")  # nothing can arrive while the connection is down
    cut["on"] = False
    # Then, once reconnected, the page re-reads the order: the change pushed during the drop is not missed
    expect(page.get_by_role("status").filter(has_text="En vivo")).to_be_visible(timeout=40_000)
    expect(estado(page)).to_have_text("Empaquetando", timeout=10_000)


def test_my_orders_are_listed_newest_first_a_page_at_a_time(page, cloud) -> None:
    email = new_customer(page, cloud)
    token = token_of(cloud, MIRAFLORES, email, PASSWORD)
    item = {"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 1}
    created = []
    for quantity in range(1, 13):
        body = {"location_id": "larco", "dispatch": "pickup", "items": [{**item, "quantity": quantity}]}
        answer = call(cloud, "POST", "pedidos", token=token, json=body)
        assert answer.status_code == 201, answer.text
        created.append(answer.json()["order_id"])
    page.get_by_role("link", name="Mis pedidos", exact=True).click()
    rows = page.locator(".order-row")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text(created[-1][:8].upper())  # newest first
    page.get_by_role("button", name="Ver pedidos anteriores").click()
    expect(rows).to_have_count(12)
    expect(rows.last).to_contain_text(created[0][:8].upper())
    expect(page.get_by_role("button", name="Ver pedidos anteriores")).to_have_count(0)
    rows.nth(3).click()
    expect(page.get_by_role("heading", name=f"Pedido {created[-4][:8].upper()}")).to_be_visible()


def test_a_declined_card_shows_mercado_pagos_reason_and_the_customer_retries(page, cloud) -> None:
    new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    add_to_cart(page, "Postres", "Sundae")
    checkout_delivery(page)
    fill_card(page, "FUND")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(page.get_by_role("alert")).to_have_text("Tu tarjeta no tiene fondos suficientes.")
    assert "/pagar" in page.url  # still on the payment page, nothing lost
    fill_card(page, "OTHE")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(page.get_by_role("alert")).to_have_text("Tu banco rechazó el pago. Usa otra tarjeta o medio de pago.")
    fill_card(page, "APRO")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(estado(page)).to_have_text("En cocina", timeout=30_000)


def test_a_paused_location_cannot_be_ordered_from(page, cloud) -> None:
    # Given a location whose online orders an admin paused
    name = f"Bembos Pausa {uuid.uuid4().hex[:4]}"
    always_open = {day: "00:00-24:00" for day in ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}
    location = admin(cloud, MIRAFLORES, "POST", "locales", location_body(name=name, opening_hours=always_open))
    email = new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES, "locales"))
    choose_location(page, name)
    add_to_cart(page, "Bebidas", "Inca Kola")

    # The cart and then the checkout read the locations afresh; the admin pauses this one once the checkout has read
    # it open (else the checkout shows it paused first, and the race with the click decided what this test saw).
    def reads_locations(response: Any) -> bool:
        return response.request.method == "GET" and "/locales?" in response.url

    with page.expect_response(reads_locations):
        page.get_by_role("link", name=re.compile("^Carrito")).click()
    with page.expect_response(reads_locations):
        page.get_by_role("button", name="Continuar").click()
    admin(cloud, MIRAFLORES, "POST", f"locales/{location['location_id']}/pausa", {"paused": True})
    # When the customer tries to order there
    page.get_by_label("Dirección de entrega").fill("Calle Schell 120, Miraflores")
    page.get_by_role("button", name=re.compile("^Confirmar pedido")).click()
    # Then the app says why and no order is made
    alert = page.get_by_role("alert")  # the order's POST may meet a cold orders function: a longer wait
    expect(alert).to_have_text("Este local pausó los pedidos en línea. Elige otro local.", timeout=15_000)
    orders = call(cloud, "GET", "pedidos", token=token_of(cloud, MIRAFLORES, email, PASSWORD))
    assert orders.json()["items"] == []
    # and the location list shows it paused, with no way to order from it
    page.goto(customer_app(cloud, MIRAFLORES, "locales"))
    card = page.get_by_role("article", name=name)
    expect(card.get_by_text("Pausado")).to_be_visible()
    expect(card.get_by_role("button")).to_have_count(0)


def test_a_location_closed_by_its_hours_says_when_it_opens_and_takes_no_order(page, cloud) -> None:
    # Given a location open only on the day after tomorrow (Lima): closed now, whatever the hour
    days = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")
    open_day = days[((datetime.now(UTC) - timedelta(hours=5)).weekday() + 2) % 7]
    name = f"Bembos Horario {uuid.uuid4().hex[:4]}"
    hours = {open_day: "11:00-22:00"}
    location = admin(cloud, MIRAFLORES, "POST", "locales", location_body(name=name, opening_hours=hours))
    email = new_customer(page, cloud)
    # When the customer looks at the locations
    page.goto(customer_app(cloud, MIRAFLORES, "locales"))
    # Then it shows closed, says when it opens, and offers no way to order there
    card = page.get_by_role("article", name=name)
    expect(card.get_by_text("Cerrado", exact=True)).to_be_visible()
    expect(card.get_by_text(re.compile(r"Abre (mañana|el \S+) a las 11:00"))).to_be_visible()
    expect(card.get_by_role("button")).to_have_count(0)
    # and the API refuses an order there, saying when it opens, and makes none
    token = token_of(cloud, MIRAFLORES, email, PASSWORD)
    items = [{"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 1}]
    body = {"location_id": location["location_id"], "dispatch": "pickup", "items": items}
    refused = call(cloud, "POST", "pedidos", token=token, json=body)
    assert (refused.status_code, refused.json()["error"]) == (409, "location_closed"), refused.text
    assert refused.json()["details"]["opens_at"].endswith("16:00:00.000Z")  # 11:00 in Lima
    assert call(cloud, "GET", "pedidos", token=token).json()["items"] == []


def test_an_item_unavailable_at_the_location_is_greyed_out_and_cannot_be_added(page, cloud) -> None:
    product = admin(cloud, MIRAFLORES, "POST", "producto", product_body(name="Hamburguesa Del Día"))
    eighty_six = {"location_id": "larco", "available": False}
    admin(cloud, MIRAFLORES, "POST", f"producto/{product['product_id']}/disponibilidad", eighty_six)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    page.get_by_role("tab", name="Hamburguesas").click()
    item = page.get_by_role("button", name=re.compile("^Hamburguesa Del Día"))
    expect(item).to_be_disabled()
    expect(item).to_contain_text("No disponible en este local")
    # at another location it can be ordered
    page.get_by_role("link", name="Cambiar local").click()
    choose_location(page, "Bembos Benavides")
    page.get_by_role("tab", name="Hamburguesas").click()
    expect(page.get_by_role("button", name=re.compile("^Hamburguesa Del Día"))).to_be_enabled()


def test_another_tenants_app_shows_another_menu(page, cloud) -> None:
    only_here = f"Hamburguesa San Isidro {uuid.uuid4().hex[:4]}"
    admin(cloud, SAN_ISIDRO, "POST", "producto", product_body(name=only_here, category="hamburguesas"))
    page.goto(customer_app(cloud, SAN_ISIDRO))
    expect(page.get_by_role("link", name=re.compile("Bembos San Isidro"))).to_be_visible()
    choose_location(page, "Bembos Camino Real")
    page.get_by_role("tab", name="Hamburguesas").click()
    expect(page.get_by_role("button", name=re.compile(f"^{only_here}"))).to_be_visible()
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    page.get_by_role("tab", name="Hamburguesas").click()
    expect(page.get_by_role("button", name=re.compile("^Hamburguesa Clásica"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(f"^{only_here}"))).to_have_count(0)


def test_an_unknown_tenant_gets_a_clear_page(page, cloud) -> None:
    page.goto(customer_app(cloud, "no-existe"))
    expect(page.get_by_role("heading", name="No encontramos este restaurante")).to_be_visible()
    page.goto(cloud.urls.customer_app)
    expect(page.get_by_role("heading", name="Elige tu restaurante")).to_be_visible()


def test_the_cart_survives_a_reload_and_a_double_click_makes_one_order(page, cloud) -> None:
    email = new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    add_to_cart(page, "Acompañamientos", "Papas Fritas", size="Grandes")
    page.reload()
    expect(page.get_by_role("link", name=re.compile("^Carrito, 1 producto"))).to_be_visible()
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    page.get_by_role("radio", name="Recojo en tienda").check()
    expect(page.get_by_test_id("total")).to_have_text("S/ 10.90")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("button", name=re.compile("^Confirmar pedido")).dblclick()
    page.get_by_role("heading", name=re.compile("^Pagar pedido")).wait_for()
    orders = call(cloud, "GET", "pedidos", token=token_of(cloud, MIRAFLORES, email, PASSWORD)).json()["items"]
    assert len(orders) == 1 and orders[0]["dispatch"] == "pickup" and orders[0]["total_cents"] == 1090


def test_an_expired_session_sends_the_customer_to_log_in_and_back(page, cloud) -> None:
    email = new_customer(page, cloud)
    page.evaluate(
        """(tenant) => {
          const key = `bembos.customer.${tenant}.session`;
          const session = JSON.parse(localStorage.getItem(key));
          localStorage.setItem(key, JSON.stringify({ ...session, token: `${tenant}.revocado` }));
        }""",
        MIRAFLORES,
    )
    page.goto(customer_app(cloud, MIRAFLORES, "pedidos"))
    page.wait_for_url(re.compile("/ingresar\\?volver="))
    log_in(page, email, PASSWORD)
    page.get_by_role("heading", name="Mis pedidos").wait_for()
    assert page.url.endswith("/pedidos")


def test_the_customer_edits_the_profile_and_deletes_the_account(page, cloud) -> None:
    email = new_customer(page, cloud)
    page.get_by_role("link", name="Mi cuenta").click()
    page.get_by_label("Celular").fill("123")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Escribe un celular peruano: 9 dígitos que empiezan con 9.")).to_be_visible()
    page.get_by_label("Celular").fill("987 654 321")
    page.get_by_label("Nombre y apellido").fill("Rosa María Quispe")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_text("Guardamos tus datos.")).to_be_visible()
    token = token_of(cloud, MIRAFLORES, email, PASSWORD)
    profile = call(cloud, "GET", "perfil", token=token).json()
    assert profile["name"] == "Rosa María Quispe" and profile["phone"] == "+51987654321"
    page.get_by_role("button", name="Eliminar mi cuenta").click()
    page.get_by_role("dialog").get_by_role("button", name="Sí, eliminar mi cuenta").click()
    page.get_by_role("link", name="Ingresar").wait_for()
    again = call(cloud, "POST", "usuarios/login", tenant=MIRAFLORES, json={"email": email, "password": PASSWORD})
    assert again.status_code == 401


def test_a_forgotten_password_is_reset_from_the_mailed_link_and_changed_again_in_the_profile(page, cloud) -> None:
    # Given a customer who forgot the password
    _, email, old = register_customer(cloud, MIRAFLORES)
    page.goto(customer_app(cloud, MIRAFLORES, "ingresar"))
    page.get_by_role("link", name="¿Olvidaste tu contraseña?").click()
    assert_accessible(page, "forgot password")
    page.get_by_label("Correo").fill(email)
    page.get_by_role("button", name="Enviar el enlace").click()
    page.get_by_role("heading", name="Revisa tu correo").wait_for()
    # When they open the mailed link and choose a new password
    page.goto(mailed_link(cloud, email, "restablecer"))
    page.get_by_role("heading", name="Elige una nueva contraseña").wait_for()
    assert "token" not in page.url  # taken out of the address bar at once
    assert_accessible(page, "reset password")
    page.get_by_label("Nueva contraseña", exact=True).fill("Papas-Fritas-2027")
    page.get_by_label("Repite la contraseña").fill("Papas-Fritas-2027")
    page.get_by_role("button", name="Guardar la nueva contraseña").click()
    # Then they log in with it, and change it again from their profile with the current one
    page.get_by_text("Cambiamos tu contraseña. Ingresa con la nueva.").wait_for()
    log_in(page, email, "Papas-Fritas-2027")
    page.get_by_role("link", name="Mi cuenta").click()
    page.get_by_role("heading", name="Mi cuenta").wait_for()
    page.get_by_label("Contraseña actual").fill("Papas-Fritas-2027")
    page.get_by_label("Nueva contraseña", exact=True).fill("Chicha-Morada-2028")
    page.get_by_label("Repite la nueva contraseña").fill("Chicha-Morada-2028")
    page.get_by_role("button", name="Cambiar contraseña").click()
    expect(page.get_by_text("Cambiamos tu contraseña. Cerramos tus sesiones en otros dispositivos.")).to_be_visible()
    assert [login(cloud, MIRAFLORES, email, p).status_code for p in (old, "Chicha-Morada-2028")] == [401, 200]


def test_the_main_screens_are_accessible_at_phone_size(page, cloud) -> None:
    page.goto(customer_app(cloud, MIRAFLORES))
    page.get_by_role("heading", name="¿Dónde quieres pedir?").wait_for()
    assert_accessible(page, "locations")
    choose_location(page, "Bembos Larco")
    assert_accessible(page, "menu")
    page.get_by_role("tab", name="Hamburguesas").click()
    page.get_by_role("button", name=re.compile("^Hamburguesa Clásica")).click()
    assert_accessible(page, "item dialog")
    page.get_by_role("dialog").get_by_role("button", name=re.compile("^Agregar ·")).click()
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    assert_accessible(page, "cart")
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("heading", name="Ingresar").wait_for()
    assert_accessible(page, "login")
    page.get_by_role("link", name="Regístrate").click()
    assert_accessible(page, "register")
    page.get_by_label("Nombre y apellido").fill("Ana Torres")
    email = unique_email("axe")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Crear cuenta").click()
    page.get_by_role("heading", name="Revisa tu correo").wait_for()
    assert_accessible(page, "check your mail")
    verify_from_mailbox(page, cloud, email)
    log_in(page, email, PASSWORD)
    page.get_by_role("link", name="Mi cuenta").wait_for()
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    page.get_by_role("button", name="Continuar").click()
    page.get_by_role("heading", name="Confirmar pedido").wait_for()
    assert_accessible(page, "checkout")
    page.get_by_label("Dirección de entrega").fill("Av. Pardo 610, Miraflores")
    page.get_by_role("button", name=re.compile("^Confirmar pedido")).click()
    page.locator("[data-mp-field=cardNumber]").wait_for()
    assert_accessible(page, "payment")
    fill_card(page, "APRO")
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    expect(estado(page)).to_have_text("En cocina", timeout=30_000)
    assert_accessible(page, "order")
    page.get_by_role("link", name="Mis pedidos", exact=True).click()
    page.get_by_role("heading", name="Mis pedidos").wait_for()
    assert_accessible(page, "orders")
    page.get_by_role("link", name="Mi cuenta").click()
    page.get_by_role("heading", name="Mi cuenta").wait_for()
    assert_accessible(page, "account")


def test_a_customer_cancels_their_unpaid_order_from_its_page(page, cloud) -> None:
    new_customer(page, cloud)
    page.goto(customer_app(cloud, MIRAFLORES))
    choose_location(page, "Bembos Larco")
    add_to_cart(page, "Bebidas", "Inca Kola")
    checkout_delivery(page)
    # the customer leaves the payment for later, and from the order's page calls it off
    page.goto(customer_app(cloud, MIRAFLORES, f"pedido/{order_id_from(page.url)}"))
    expect(estado(page)).to_have_text("Esperando el pago")
    # asked once more before anything is sent
    page.get_by_role("button", name="Cancelar pedido").click()
    confirm = page.get_by_role("group", name="¿Cancelar este pedido?")
    confirm.get_by_role("button", name="Sí, cancelar").click()
    expect(estado(page)).to_have_text("Cancelado")
    expect(page.get_by_role("link", name=re.compile(r"^Pagar S\/"))).to_have_count(0)
    expect(page.get_by_role("button", name="Cancelar pedido")).to_have_count(0)
