"""The staff web app in Chromium, against the local cloud: boards at tablet size, the admin console."""

from __future__ import annotations

import re
import uuid

import boto3
import pytest
from browser_support import (
    MIRAFLORES,
    TABLET,
    add_to_cart,
    admin,
    assert_accessible,
    choose_location,
    customer_app,
    order_state,
    paid_order,
    staff_app,
    staff_log_in,
)
from playwright.sync_api import expect

from localcloud.demo_catalog import png_image
from scripts.order_driver import seed_paid_order, start_workflow, state_machine_arn
from tests.e2e.e2e_support import eventually
from tests.e2e.identity_support import (
    active_employee,
    call,
    invite_token,
    product_body,
    role_token,
    staff_account,
    unique_email,
)

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def ticket(page, order_id: str):
    return page.get_by_role("article", name=f"Pedido {order_id[:8].upper()}")


def seeded(cloud, rol: str) -> str:
    return staff_account(cloud, MIRAFLORES, rol)["email"]


def test_a_paid_order_reaches_each_board_live_and_the_staff_take_it_to_delivered(new_page, cloud) -> None:
    # Given the cook, the packer and the driver of Larco on their boards
    boards = {}
    for rol in ("cocinero", "empaquetador", "repartidor"):
        boards[rol] = new_page(TABLET)
        staff_log_in(boards[rol], cloud, MIRAFLORES, seeded(cloud, rol))
        boards[rol].get_by_role("status").filter(has_text="En vivo").wait_for()
        boards[rol].evaluate("() => { window.__sameDocument = true; }")
    # When a customer pays an order
    order_id = paid_order(cloud, MIRAFLORES, notes="sin cebolla, extra ají")
    # Then the cook's board shows it within seconds, without a reload, with its lines and note
    cook = boards["cocinero"]
    card = ticket(cook, order_id)
    expect(card).to_be_visible(timeout=30_000)
    expect(card).to_contain_text("2× Hamburguesa Clásica (regular)")
    expect(card).to_contain_text("sin cebolla, extra ají")
    expect(card).to_contain_text("Delivery")
    expect(card).to_contain_text("A tiempo")
    assert cook.evaluate("() => window.__sameDocument === true")
    # and the cook takes it and marks it ready; it leaves the kitchen for the packer's board
    card.get_by_role("button", name="Tomar").click()
    expect(card).to_contain_text("Lo tomaste tú")
    card.get_by_role("button", name="Listo").click()
    expect(card).to_have_count(0)
    packer = boards["empaquetador"]
    expect(ticket(packer, order_id)).to_be_visible(timeout=30_000)
    ticket(packer, order_id).get_by_role("button", name="Tomar").click()
    ticket(packer, order_id).get_by_role("button", name="Listo").click()
    # the driver sees the address with a map link and the customer's phone, and delivers it
    driver = boards["repartidor"]
    delivery = ticket(driver, order_id)
    expect(delivery).to_be_visible(timeout=30_000)
    expect(delivery.get_by_role("link", name="Ver en el mapa")).to_have_attribute("href", re.compile("google.com/maps"))
    expect(delivery.get_by_role("link", name=re.compile("Llamar al \\+51987654321"))).to_be_visible()
    delivery.get_by_role("button", name="Tomar").click()
    delivery.get_by_role("button", name="Entregado").click()
    expect(delivery).to_have_count(0)
    eventually(lambda: order_state(cloud, MIRAFLORES, order_id) == "ENTREGADO", timeout=30)
    for page in boards.values():
        assert page.evaluate("() => window.__sameDocument === true"), "a board reloaded"


def test_two_cooks_race_for_one_ticket_one_wins_and_the_other_is_told(new_page, cloud) -> None:
    _, second_email = active_employee(
        cloud, role_token(cloud, MIRAFLORES, "admin"), rol="cocinero", location_id="larco"
    )
    first, second = new_page(TABLET), new_page(TABLET)
    staff_log_in(first, cloud, MIRAFLORES, seeded(cloud, "cocinero"))
    staff_log_in(second, cloud, MIRAFLORES, second_email, "Cocina-Segura-1")
    order_id = paid_order(cloud, MIRAFLORES)
    for page in (first, second):
        expect(ticket(page, order_id).get_by_role("button", name="Tomar")).to_be_visible(timeout=30_000)
    # Both tap "Tomar" at the same moment: both clicks are sent before either answer comes back
    buttons = [ticket(p, order_id).get_by_role("button", name="Tomar").element_handle() for p in (first, second)]
    for button in buttons:
        button.evaluate("(b) => setTimeout(() => b.click(), 50)")

    def settled() -> bool:
        # Neither button is there any more ("Tomando…" while a claim is on its way counts as not settled) and the
        # claim that won has come back to its board.
        idle = all(
            ticket(p, order_id).get_by_role("button", name=re.compile("^Toma")).count() == 0 for p in (first, second)
        )
        return idle and any(ticket(p, order_id).get_by_text("Lo tomaste tú").count() for p in (first, second))

    # Then one has it; the other is told someone else took it, and sees who
    eventually(settled, timeout=20)
    won = [p for p in (first, second) if ticket(p, order_id).get_by_text("Lo tomaste tú").count()]
    lost = [p for p in (first, second) if p not in won]
    assert len(won) == 1 and len(lost) == 1
    expect(ticket(lost[0], order_id).get_by_role("alert")).to_have_text("Otra persona ya tomó este pedido.")
    expect(ticket(lost[0], order_id)).to_contain_text(re.compile("Tomado por (Cocinero Demo|Empleado Prueba)"))
    expect(ticket(lost[0], order_id).get_by_role("button", name="Listo")).to_have_count(0)


def test_an_admin_invites_a_cook_who_activates_from_the_mail_and_lands_on_the_kitchen(new_page, cloud) -> None:
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    console.get_by_role("link", name="Personal").click()
    email = unique_email("cocinera")
    form = console.get_by_role("form", name="Invitar a alguien")
    form.get_by_label("Nombre").fill("Carmen Huamán")
    form.get_by_label("Correo").fill(email)
    form.get_by_label("Rol").select_option(label="Cocina")
    form.get_by_role("button", name="Enviar invitación").click()
    expect(console.get_by_text(f"Enviamos la invitación a {email}.")).to_be_visible()
    expect(console.get_by_role("row", name=re.compile("Carmen Huamán"))).to_contain_text("Invitado")
    # The cook opens the e-mailed link (the token rides in the fragment), chooses a password and logs in
    mail = cloud.mailbox.wait_for(to=email, count=1, timeout=30)[-1]
    link = re.search(r"https?://\S+/activar#token=\S+", mail.text or "")
    assert link and link.group(0).startswith(staff_app(cloud, MIRAFLORES, "activar#token="))
    cook = new_page(TABLET)
    cook.goto(link.group(0))
    expect(cook.get_by_role("heading", name="Activa tu cuenta")).to_be_visible()
    assert "token" not in cook.url  # taken out of the address bar at once
    cook.get_by_label("Nueva contraseña").fill("Parrilla-2026")
    cook.get_by_label("Repite la contraseña").fill("Parrilla-2026")
    cook.get_by_role("button", name="Activar mi cuenta").click()
    expect(cook.get_by_text("Tu cuenta está activa")).to_be_visible()
    cook.get_by_label("Correo").fill(email)
    cook.get_by_label("Contraseña").fill("Parrilla-2026")
    cook.get_by_role("button", name="Ingresar").click()
    expect(cook.get_by_role("heading", name=re.compile("^Cocina"))).to_be_visible()
    assert cook.url.endswith("/cocina")
    assert invite_token  # the same link the e2e helper reads
    # In her profile, the kitchen's e-mails are off until she turns them on
    cook.get_by_role("link", name="Mi perfil").click()
    alerts = cook.get_by_label(f"Recibir estos correos en {email}")
    expect(alerts).not_to_be_checked()
    expect(cook.get_by_text("Cada pedido que entra a tu etapa en tu local.")).to_be_visible()
    alerts.check()
    expect(cook.get_by_text("Listo: recibirás estos correos.")).to_be_visible()
    cook.reload()
    expect(cook.get_by_label(f"Recibir estos correos en {email}")).to_be_checked()


def test_admin_menu_changes_reach_the_customer_menu(new_page, cloud) -> None:
    product = admin(
        cloud, MIRAFLORES, "POST", "producto", product_body(name=f"Hamburguesa Nueva {uuid.uuid4().hex[:4]}")
    )
    name = product["name"]
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    console.get_by_role("link", name="Carta").click()
    card = console.get_by_role("article", name=name)
    # The admin marks it sold out at Larco ("86") and uploads its picture
    card.get_by_role("checkbox", name="Bembos Larco").uncheck()
    expect(console.get_by_text(f"{name}: agotado en Bembos Larco.")).to_be_visible()
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "foto.png", "mimeType": "image/png", "buffer": png_image((200, 40, 40), (255, 255, 255), 64)}]
    )
    expect(console.get_by_text(f"Nueva imagen de {name} guardada.")).to_be_visible()
    expect(card.get_by_role("img", name=f"Imagen de {name}")).to_have_attribute("src", re.compile("X-Amz-Signature"))
    # The customer's menu at Larco shows it unavailable, with its picture; Benavides still sells it
    customer = new_page()
    customer.goto(customer_app(cloud, MIRAFLORES))
    choose_location(customer, "Bembos Larco")
    customer.get_by_role("tab", name="Hamburguesas").click()
    item = customer.get_by_role("button", name=re.compile(f"^{name}"))
    expect(item).to_be_disabled()
    expect(item).to_contain_text("No disponible en este local")
    image = item.locator("img")
    expect(image).to_have_attribute("src", re.compile("productos"))
    # The picture decodes (a lazy image loads once in view; wait for it rather than race it)
    image.scroll_into_view_if_needed()
    customer.wait_for_function("(img) => img.complete && img.naturalWidth === 64", arg=image.element_handle())
    customer.get_by_role("link", name="Cambiar local").click()
    choose_location(customer, "Bembos Benavides")
    add_to_cart(customer, "Hamburguesas", name)


def test_an_admin_cancels_an_order_in_the_kitchen_and_the_cooks_ticket_disappears_live(new_page, cloud) -> None:
    cook = new_page(TABLET)
    staff_log_in(cook, cloud, MIRAFLORES, seeded(cloud, "cocinero"))
    order_id = paid_order(cloud, MIRAFLORES)
    expect(ticket(cook, order_id)).to_be_visible(timeout=30_000)
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    console.get_by_role("link", name="Pedidos", exact=True).click()
    console.get_by_role("link", name=order_id[:8].upper()).click()
    console.get_by_label("Motivo (lo verá el cliente)").fill("Nos quedamos sin pan")
    console.get_by_role("button", name="Cancelar pedido y reembolsar").click()
    expect(console.get_by_test_id("estado")).to_have_text("Cancelado", timeout=30_000)
    expect(console.get_by_text("Motivo: Nos quedamos sin pan")).to_be_visible()
    expect(ticket(cook, order_id)).to_have_count(0, timeout=30_000)
    # and the tenant's admins hear of it by e-mail (theirs by default), with the reason
    subject = f"Pedido cancelado: {order_id} (larco)"
    mail = eventually(lambda: [m for m in cloud.mailbox.messages(to=seeded(cloud, "admin")) if m.subject == subject])
    assert "Motivo: Nos quedamos sin pan" in (mail[0].text or "")


def test_an_overdue_order_appears_live_as_an_alert_in_the_console(new_page, cloud) -> None:
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    console.get_by_role("status").filter(has_text="En vivo").wait_for()
    sfn = boto3.client("stepfunctions")
    order_id = seed_paid_order(
        boto3.client("dynamodb"), cloud.table("pedidos"), tenant_id=MIRAFLORES, location_id="larco",
        dispatch="pickup", customer_id="cli-overdue",
    )  # fmt: skip
    start_workflow(
        sfn, state_machine_arn(sfn), tenant_id=MIRAFLORES, order_id=order_id, location_id="larco", dispatch="pickup",
        sla={"cocina": 2, "empaquetamiento": 300, "delivery": 300},
    )  # fmt: skip
    alert = console.get_by_role("alert").filter(has_text=f"pedido {order_id[:8].upper()} en cocina")
    expect(alert).to_be_visible(timeout=30_000)
    alert.get_by_role("link", name="Ver pedido").first.click()
    expect(console.get_by_role("heading", name=re.compile(f"Pedido {order_id[:8].upper()}"))).to_be_visible()


def test_a_cook_cannot_open_the_admin_console(page, cloud) -> None:
    staff_log_in(page, cloud, MIRAFLORES, seeded(cloud, "cocinero"))
    expect(page.get_by_role("link", name="Personal")).to_have_count(0)
    page.goto(staff_app(cloud, MIRAFLORES, "admin/personal"))
    expect(page.get_by_role("heading", name="No tienes acceso a esta pantalla")).to_be_visible()
    assert call(cloud, "GET", "empleados", token=role_token(cloud, MIRAFLORES, "cocinero")).status_code == 403
    assert (
        call(cloud, "GET", "locales/larco/pedidos", token=role_token(cloud, MIRAFLORES, "cocinero")).status_code == 403
    )


def test_boards_and_console_are_accessible_at_tablet_size(new_page, cloud) -> None:
    page = new_page(TABLET)
    page.goto(staff_app(cloud, MIRAFLORES, "ingresar"))
    assert_accessible(page, "staff login")
    paid_order(cloud, MIRAFLORES)
    staff_log_in(page, cloud, MIRAFLORES, seeded(cloud, "cocinero"))
    page.locator(".ticket").first.wait_for(timeout=30_000)
    assert_accessible(page, "kitchen board")
    console = new_page(TABLET)
    staff_log_in(console, cloud, MIRAFLORES, seeded(cloud, "admin"))
    for section, heading in (
        ("Pedidos", "Pedidos"),
        ("Personal", "Personal"),
        ("Carta", "Carta"),
        ("Locales", "Locales"),
    ):
        console.get_by_role("link", name=section, exact=True).click()
        console.get_by_role("heading", name=heading, exact=True).wait_for()
        console.wait_for_load_state("networkidle")
        assert_accessible(console, f"console: {section}")
