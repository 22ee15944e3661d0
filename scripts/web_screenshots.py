"""Screenshots of the web apps for the README (``docs/screenshots/``), taken in Chromium on the local cloud.

``python -m scripts.web_screenshots [--url http://127.0.0.1:8000]``: without ``--url`` it starts a local
cloud of its own. The customer screens are taken at phone size (360 x 780) as a demo customer orders;
the staff screens at tablet size (1024 x 768), with a few paid orders on the boards; the admin's metrics
dashboard at desktop (1280 x 800) and phone (390 x 844) size over the month the local cloud's seed scripted
(``localcloud.demo_metrics``).
The local cloud's own front page and API docs at desktop size (best taken from ``make dev`` on port 8000,
``--url http://127.0.0.1:8000 --only localcloud``, so the addresses in them are the README's).
The customer's Libro de Reclamaciones at phone size: the sheet, its confirmation and "Mis reclamos" with an
answered entry. The admins' complaints book (``staff-reclamaciones*``, desktop size, entries filed by the demo
customer) and the staff messages (``staff-mensajes*``: the kitchen's board at tablet size with a message's note,
then with its panel open).
``--only customer|complaints|staff|metrics|localcloud|staff-reclamaciones|staff-mensajes`` retakes one group.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import httpx

from scripts.measure_web import CHROMIUM_ARGS, platform

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TENANT = "bembos-miraflores"
PHONE = {"width": 360, "height": 780}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 800}
BIG_PHONE = {"width": 390, "height": 844}
PASSWORD = "Bembos2026!"  # noqa: S105 - the demo accounts of the local cloud (README)


def customer_screens(browser: Any, base: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="es-PE", device_scale_factor=1)
    page = context.new_page()
    app = f"{base}/clientes/{TENANT}"
    page.goto(f"{app}/")
    page.get_by_role("heading", name="¿Dónde quieres pedir?").wait_for()
    page.screenshot(path=OUT / "cliente-locales.png")
    page.get_by_role("button", name="Pedir en Bembos Larco").click()
    page.get_by_role("tab", name="Hamburguesas").click()
    page.locator(".menu-item img").first.wait_for()
    page.screenshot(path=OUT / "cliente-carta.png")
    page.get_by_role("button", name=re.compile("^Hamburguesa Queso Tocino")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name=re.compile("Mediana")).check()
    dialog.get_by_label("Indicaciones (opcional)").fill("sin cebolla, extra queso")
    page.screenshot(path=OUT / "cliente-producto.png")
    dialog.get_by_role("button", name=re.compile("^Agregar ·")).click()
    page.get_by_role("tab", name="Combos").click()
    page.get_by_role("button", name=re.compile("^Combo Clásico")).click()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("^Agregar ·")).click()
    page.get_by_role("link", name=re.compile("^Carrito")).click()
    page.get_by_role("heading", name="Tu carrito").wait_for()
    page.screenshot(path=OUT / "cliente-carrito.png", full_page=True)
    page.get_by_role("button", name="Continuar").click()
    page.get_by_label("Correo").fill("cliente@demo.pe")
    page.get_by_label("Contraseña").fill("Bembos2026!")
    page.get_by_role("button", name="Ingresar", exact=True).click()
    page.get_by_label("Dirección de entrega").fill("Av. Pardo 610, dpto. 301, Miraflores")
    page.get_by_role("button", name=re.compile("^Confirmar pedido")).click()
    page.locator("[data-mp-field=cardNumber]").fill("4009175332806176")
    page.locator("[data-mp-field=expirationDate]").fill("11/30")
    page.locator("[data-mp-field=securityCode]").fill("123")
    page.get_by_label("Nombre del titular").fill("APRO")
    page.screenshot(path=OUT / "cliente-pago.png", full_page=True)
    page.get_by_role("button", name=re.compile(r"^Pagar S\/")).click()
    page.get_by_test_id("estado").filter(has_text="En cocina").wait_for(timeout=30_000)
    _advance_kitchen(base, page.url)
    page.get_by_test_id("estado").filter(has_text="Empaquetando").wait_for(timeout=30_000)
    page.screenshot(path=OUT / "cliente-seguimiento.png", full_page=True)
    context.close()


def complaint_screens(browser: Any, base: str) -> None:
    """The Libro de Reclamaciones at phone size: the demo customer's sheet, its confirmation, and "Mis reclamos"
    with that entry pending beside an earlier one the admin answered."""
    api = f"{base}/dev/"
    customer = {"Authorization": f"Bearer {_login(api, 'cliente@demo.pe')}"}
    earlier = {
        "tipo": "queja",
        "bien": "servicio",
        "descripcion_bien": "Atención en Bembos Larco",
        "detalle": "Esperé 40 minutos en el mostrador sin que nadie me atendiera.",
        "pedido_consumidor": "Que mejoren la atención en hora punta.",
        "consumidor": {
            "nombre": "Cliente Demo",
            "documento_tipo": "DNI",
            "documento_numero": "45678912",
            "domicilio": "Av. Pardo 610, Miraflores",
        },
    }
    filed = httpx.post(f"{api}reclamaciones", headers=customer, json=earlier)
    filed.raise_for_status()
    item = {"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 1}
    body = {"location_id": "larco", "dispatch": "pickup", "items": [item]}
    order = httpx.post(f"{api}pedidos", headers=customer, json=body)  # an order to choose in the sheet
    order.raise_for_status()
    admin = {"Authorization": f"Bearer {_login(api, f'admin.larco@{TENANT}.pe')}"}
    answer = {"respuesta": "Lamentamos la espera. Reforzamos el mostrador en hora punta; te enviamos un cupón."}
    httpx.post(f"{api}reclamaciones/{filed.json()['numero']}/respuesta", headers=admin, json=answer).raise_for_status()
    context = browser.new_context(viewport=PHONE, locale="es-PE", timezone_id="America/Lima", device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/clientes/{TENANT}/")
    page.get_by_role("contentinfo").get_by_role("link", name="Libro de Reclamaciones").click()
    page.get_by_label("Correo").fill("cliente@demo.pe")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar", exact=True).click()
    page.get_by_label("Número de documento", exact=True).fill("45678912")
    page.get_by_label("Domicilio").fill("Av. Pardo 610, Miraflores")
    page.get_by_role("radio", name=re.compile("^Producto")).check()
    page.get_by_label("¿Qué producto o servicio?").fill("Combo Royal")
    page.get_by_label("Monto reclamado en soles (opcional)").fill("26.90")
    page.get_by_label("Pedido relacionado (opcional)").select_option(order.json()["order_id"])
    page.get_by_role("radio", name=re.compile("^Reclamo")).check()
    page.get_by_label("¿Qué pasó?").fill("La hamburguesa llegó fría y faltaban las papas del combo.")
    page.get_by_label("¿Qué solución pides?").fill("Que me devuelvan el monto del combo.")
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")  # the top bar at the top
    page.screenshot(path=OUT / "cliente-libro-reclamaciones.png", full_page=True)
    page.get_by_role("button", name="Enviar reclamo").click()
    page.get_by_test_id("codigo").wait_for()
    page.screenshot(path=OUT / "cliente-libro-reclamaciones-constancia.png")
    page.get_by_role("link", name="Ver mis reclamos").click()
    page.get_by_role("status").filter(has_text="En vivo").wait_for()
    page.get_by_role("region", name="Respuesta").first.wait_for()
    page.screenshot(path=OUT / "cliente-libro-reclamaciones-mis-reclamos.png", full_page=True)
    context.close()


def _advance_kitchen(base: str, url: str) -> None:
    """The demo cook claims and completes the order, so the timeline shows a step done live."""
    order_id = url.split("/pedido/")[1].split("?", maxsplit=1)[0]
    api = f"{base}/dev/"
    login = httpx.post(
        f"{api}usuarios/login",
        headers={"X-Tenant-Id": TENANT},
        json={"email": f"cocina.larco@{TENANT}.pe", "password": "Bembos2026!"},
    )
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    for _ in range(100):
        queue = httpx.get(f"{api}cocina", headers=headers).json()
        if any(entry["order_id"] == order_id for entry in queue["orders"]):
            break
    httpx.post(f"{api}cocina/{order_id}/tomar", headers=headers).raise_for_status()
    httpx.post(f"{api}cocina/{order_id}/completar", headers=headers).raise_for_status()


def _login(api: str, email: str) -> str:
    answer = httpx.post(
        f"{api}usuarios/login", headers={"X-Tenant-Id": TENANT}, json={"email": email, "password": PASSWORD}
    )
    answer.raise_for_status()
    return str(answer.json()["token"])


def _paid_orders(base: str, lines: list[list[dict[str, Any]]]) -> list[str]:
    """The demo customer orders and pays (by card, through the fake Mercado Pago), as the customer app does."""
    api = f"{base}/dev/"
    headers = {"Authorization": f"Bearer {_login(api, 'cliente@demo.pe')}"}
    public_key = httpx.get(f"{api}tienda", headers={"X-Tenant-Id": TENANT}).json()["mercadopago_public_key"]
    ids = []
    for items in lines:
        body = {
            "location_id": "larco",
            "dispatch": "delivery",
            "address": "Calle Berlín 260, Miraflores",
            "items": items,
        }
        order = httpx.post(f"{api}pedidos", headers=headers, json=body).json()
        card = httpx.post(
            f"{base}/mercadopago/v1/card_tokens",
            params={"public_key": public_key},
            json={
                "card_number": "4009175332806176",
                "security_code": "123",
                "expiration_month": 11,
                "expiration_year": 2030,
                "cardholder": {"name": "APRO"},
            },
        ).json()
        httpx.post(
            f"{api}pedidos/{order['order_id']}/pago",
            headers=headers,
            json={"card_token": card["id"], "payment_method_id": "visa"},
        ).raise_for_status()
        ids.append(order["order_id"])
    return ids


def staff_screens(browser: Any, base: str) -> None:
    burger = {"kind": "producto", "item_id": "clasica", "size": "grande", "quantity": 2, "notes": "sin cebolla"}
    drink = {"kind": "producto", "item_id": "inca-kola", "size": "500 ml", "quantity": 2}
    combo = {
        "kind": "combo",
        "item_id": "combo-royal",
        "size": "mediano",
        "quantity": 1,
        "notes": "papas bien crocantes",
    }
    _paid_orders(base, [[burger, drink], [combo], [{**burger, "quantity": 1, "notes": None}, drink]])
    app = f"{base}/staff/{TENANT}"
    context = browser.new_context(viewport=TABLET, locale="es-PE")
    page = context.new_page()
    page.goto(f"{app}/ingresar")
    page.screenshot(path=OUT / "staff-ingreso.png")
    page.get_by_label("Correo").fill(f"cocina.larco@{TENANT}.pe")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.locator(".ticket").nth(2).wait_for(timeout=30_000)
    page.get_by_role("button", name="Tomar").first.click()
    page.get_by_text("Lo tomaste tú").first.wait_for()
    page.screenshot(path=OUT / "staff-cocina.png")
    page.get_by_role("button", name="Listo").first.click()  # on to packing
    context.close()
    for rol, email, shot in (
        ("empaquetador", f"empaque.larco@{TENANT}.pe", "staff-empaquetado.png"),
        ("repartidor", f"delivery.larco@{TENANT}.pe", "staff-delivery.png"),
    ):
        context = browser.new_context(viewport=TABLET, locale="es-PE")
        page = context.new_page()
        page.goto(f"{app}/ingresar")
        page.get_by_label("Correo").fill(email)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.locator(".ticket").first.wait_for(timeout=30_000)
        page.get_by_role("button", name="Tomar").first.click()
        page.get_by_text("Lo tomaste tú").first.wait_for()
        page.screenshot(path=OUT / shot)
        if rol == "empaquetador":
            page.get_by_role("button", name="Listo").first.click()  # on to delivery
            page.get_by_text("Lo tomaste tú").wait_for(state="detached")
        context.close()
    context = browser.new_context(viewport=TABLET, locale="es-PE")
    page = context.new_page()
    page.goto(f"{app}/ingresar")
    page.get_by_label("Correo").fill(f"admin.larco@{TENANT}.pe")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_role("heading", name="Métricas").wait_for()
    page.get_by_role("link", name="Pedidos", exact=True).click()
    page.get_by_role("table").wait_for(timeout=30_000)
    page.screenshot(path=OUT / "staff-consola-pedidos.png")
    page.get_by_role("link", name="Carta").click()
    page.locator(".menu-admin__item").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / "staff-consola-carta.png")
    page.get_by_role("link", name="Personal").click()
    page.get_by_role("table").wait_for()
    page.screenshot(path=OUT / "staff-consola-personal.png")
    context.close()


def metrics_screens(browser: Any, base: str) -> None:
    app = f"{base}/staff/{TENANT}"
    for viewport, shots in (
        (DESKTOP, ("staff-consola-metricas", "staff-consola-metricas-graficos")),
        (BIG_PHONE, ("staff-consola-metricas-movil",)),
    ):
        context = browser.new_context(viewport=viewport, locale="es-PE", timezone_id="America/Lima")
        page = context.new_page()
        page.goto(f"{app}/ingresar")
        page.get_by_label("Correo").fill(f"admin.larco@{TENANT}.pe")
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Ingresar").click()
        page.get_by_role("heading", name="Métricas").wait_for()
        page.goto(f"{app}/admin/metricas?rango=30-dias")
        page.get_by_role("heading", name="Ranking del personal").wait_for()
        page.get_by_role("status").filter(has_text="En vivo").wait_for()
        page.screenshot(path=OUT / f"{shots[0]}.png")
        if len(shots) > 1:
            page.get_by_role("heading", name="Tiempos por día").evaluate(
                "(h) => window.scrollTo(0, h.closest('section').offsetTop - 64)"
            )
            page.screenshot(path=OUT / f"{shots[1]}.png")
        context.close()


def _staff_page(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport, locale="es-PE", timezone_id="America/Lima").new_page()
    page.goto(f"{base}/staff/{TENANT}/ingresar")
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_role("status").filter(has_text="En vivo").wait_for(timeout=30_000)
    return page


def staff_complaints_screens(browser: Any, base: str) -> None:
    """Three entries filed by the demo customer; the book, one entry with the answer form, and the book live."""
    api = f"{base}/dev/"
    headers = {"Authorization": f"Bearer {_login(api, 'cliente@demo.pe')}"}
    consumer = {"nombre": "Lucía Flores Ramos", "documento_tipo": "DNI", "documento_numero": "45872136"}
    entries = [
        ("queja", "servicio", "Atención en el local", None, "Esperé 25 minutos en caja y nadie me atendió."),
        ("reclamo", "producto", "Combo Royal mediano", 2590, "El combo llegó frío y sin las papas."),
    ]
    for tipo, bien, what, amount, detail in entries:
        body = {
            "tipo": tipo,
            "bien": bien,
            "descripcion_bien": what,
            "monto_cents": amount,
            "location_id": "larco",
            "detalle": detail,
            "pedido_consumidor": "Que me devuelvan el importe y revisen el caso.",
            "consumidor": {**consumer, "domicilio": "Calle Berlín 260, Miraflores", "telefono": "987654321"},
        }
        httpx.post(f"{api}reclamaciones", headers=headers, json=body).raise_for_status()
    page = _staff_page(browser, base, f"admin.larco@{TENANT}.pe", DESKTOP)
    page.get_by_role("link", name=re.compile("^Reclamaciones")).click()
    page.get_by_role("table").wait_for()
    body = {**body, "tipo": "queja", "detalle": "El repartidor fue descortés al entregar el pedido."}
    httpx.post(f"{api}reclamaciones", headers=headers, json=body).raise_for_status()
    page.locator("tr.row--new").wait_for(timeout=30_000)  # the ComplaintFiled push
    page.wait_for_function(  # the navigation's badge re-read too
        "() => document.querySelector('.badge-count--alert')?.textContent"
        " === String(document.querySelectorAll('tbody tr').length)"
    )
    page.screenshot(path=OUT / "staff-reclamaciones.png")
    page.get_by_role("link", name=re.compile("^LR-")).nth(1).click()
    page.get_by_role("heading", name="Responder").wait_for()
    page.get_by_label(re.compile("^Respuesta al consumidor")).fill(
        "Estimada Lucía: lamentamos lo ocurrido. Le devolvimos S/ 25.90 a su tarjeta y hablamos con el local."
    )
    page.set_viewport_size({"width": DESKTOP["width"], "height": 1150})  # the whole entry (the top bar is sticky)
    page.screenshot(path=OUT / "staff-reclamaciones-detalle.png")
    page.context.close()


def staff_messages_screens(browser: Any, base: str) -> None:
    """The packer writes to the kitchen; the cook's board shows the note and the count, then the panel open."""
    burger = {"kind": "producto", "item_id": "clasica", "size": "grande", "quantity": 2, "notes": "sin cebolla"}
    combo = {"kind": "combo", "item_id": "combo-royal", "size": "mediano", "quantity": 1}
    _paid_orders(base, [[burger], [combo], [combo, burger], [burger]])
    cook = _staff_page(browser, base, f"cocina.larco@{TENANT}.pe", TABLET)
    cook.locator(".ticket").nth(3).wait_for(timeout=30_000)
    cook.get_by_text("Bembos Larco").wait_for()
    packer = _staff_page(browser, base, f"empaque.larco@{TENANT}.pe", TABLET)
    packer.get_by_role("button", name=re.compile("^Mensajes")).click()
    panel = packer.get_by_role("dialog", name="Mensajes")
    for text in (
        "Se acabaron las bolsas grandes: uso dos medianas",
        "¿Cuánto falta para el combo royal? El repartidor ya llegó",
    ):
        panel.get_by_role("textbox", name="Mensaje").fill(text)
        panel.get_by_role("button", name="Enviar").click()
        panel.get_by_role("article", name="Mensaje de ti").filter(has_text=text).wait_for(timeout=30_000)
    cook.locator(".message-toast").wait_for(timeout=30_000)
    cook.screenshot(path=OUT / "staff-mensajes-aviso.png")
    cook.get_by_role("button", name=re.compile("^Mensajes")).click()
    cook_panel = cook.get_by_role("dialog", name="Mensajes")
    cook_panel.get_by_role("textbox", name="Mensaje").fill("Sale en 2 minutos")
    cook_panel.get_by_role("button", name="Enviar").click()
    cook_panel.get_by_role("article", name="Mensaje de ti").first.wait_for(timeout=30_000)
    cook.screenshot(path=OUT / "staff-mensajes.png")
    packer.context.close()
    cook.context.close()


def localcloud_screens(browser: Any, base: str) -> None:
    """The front page at the base URL, then the API docs with a demo customer's session trying ``GET /perfil``."""
    context = browser.new_context(viewport=DESKTOP, locale="es-PE", device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/")
    page.get_by_role("heading", name="Tenants y cuentas demo").wait_for()
    page.screenshot(path=OUT / "nube-local.png", full_page=True)
    page.get_by_role("link", name=f"{base}/docs/").click()
    page.get_by_label("Correo").fill("cliente@demo.pe")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.get_by_role("status").filter(has_text="Sesión de").wait_for()
    page.get_by_placeholder("Filter by tag").fill("perfil")
    operation = page.locator("#operations-perfil-get_profile_perfil_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Execute").click()
    operation.locator(".live-responses-table tbody .response-col_status").filter(has_text="200").wait_for()
    clip = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": 1400}  # the session bar down to the answer
    page.screenshot(path=OUT / "nube-local-api.png", full_page=True, clip=clip)
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running local cloud (default: start one)")
    parser.add_argument(
        "--only",
        choices=["customer", "complaints", "staff", "metrics", "localcloud", "staff-reclamaciones", "staff-mensajes"],
        help="retake one group of screenshots",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with platform(args.url) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        groups = (
            ("customer", customer_screens),
            ("complaints", complaint_screens),
            ("staff", staff_screens),
            ("metrics", metrics_screens),
            ("localcloud", localcloud_screens),
            ("staff-reclamaciones", staff_complaints_screens),
            ("staff-mensajes", staff_messages_screens),
        )
        for group, take in groups:
            if args.only in (None, group):
                take(browser, base)
        browser.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
