"""What the browser tests do as people: the customer in the app, the staff through the API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from localcloud.cloud import LocalCloud
from scripts.order_driver import HTTP, Staff
from tests.e2e.e2e_support import eventually
from tests.e2e.identity_support import call, mailed_link, role_token
from tests.e2e.identity_support import register as register_customer

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MIRAFLORES = "bembos-miraflores"
SAN_ISIDRO = "bembos-san-isidro"
STAGE_ROLES = {"COCINA": "cocinero", "EMPAQUETAMIENTO": "empaquetador", "DELIVERY": "repartidor"}
VISA = "4009175332806176"


def customer_app(cloud: LocalCloud, tenant: str, path: str = "") -> str:
    return f"{cloud.urls.customer_app}{tenant}/{path.lstrip('/')}"


def assert_accessible(page: Any, where: str) -> None:
    """axe-core in the page: no violation of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, { resultTypes: ['violations'] })")
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    report = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in bad
    ]
    assert not bad, f"{where}: accessibility violations\n{json.dumps(report, indent=2, ensure_ascii=False)}"


def order_id_from(url: str) -> str:
    match = re.search(r"/pedido/([A-Za-z0-9-]+)", url)
    assert match, url
    return match.group(1)


# -- the customer, in the app ---------------------------------------------------------------------


def register(page: Any, name: str, email: str, password: str) -> None:
    page.get_by_role("link", name="Regístrate").click()
    page.get_by_label("Nombre y apellido").fill(name)
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Crear cuenta").click()


def verify_from_mailbox(page: Any, cloud: LocalCloud, email: str) -> None:
    """After registering in the app: its "check your mail" screen, then the mailed link opened, then the login
    screen that says the address is confirmed."""
    page.get_by_role("heading", name="Revisa tu correo").wait_for()
    page.goto(mailed_link(cloud, email, "verificar"))
    page.get_by_text("Tu correo está confirmado").wait_for()


def log_in(page: Any, email: str, password: str) -> None:
    page.get_by_role("heading", name="Ingresar").wait_for()
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar", exact=True).click()


def choose_location(page: Any, name: str) -> None:
    page.get_by_role("button", name=f"Pedir en {name}").click()
    page.get_by_role("heading", name="Carta").wait_for()


def add_to_cart(
    page: Any, category: str, item: str, *, size: str | None = None, more: int = 0, notes: str = ""
) -> None:
    page.get_by_role("tab", name=category).click()
    page.get_by_role("button", name=re.compile(f"^{re.escape(item)}")).click()
    dialog = page.get_by_role("dialog", name=item)
    if size:
        dialog.get_by_role("radio", name=re.compile(size, re.IGNORECASE)).check()
    for _ in range(more):
        dialog.get_by_role("button", name="Agregar uno").click()
    if notes:
        dialog.get_by_label("Indicaciones (opcional)").fill(notes)
    dialog.get_by_role("button", name=re.compile("^Agregar ·")).click()
    page.get_by_role("status").filter(has_text="agregado al carrito").wait_for()


def fill_card(page: Any, holder: str, number: str = VISA) -> None:
    page.locator("[data-mp-field=cardNumber]").fill(number)
    page.locator("[data-mp-field=expirationDate]").fill("11/30")
    page.locator("[data-mp-field=securityCode]").fill("123")
    page.get_by_label("Nombre del titular").fill(holder)


def estado(page: Any) -> Any:
    return page.get_by_test_id("estado")


# -- the staff, through the API -------------------------------------------------------------------


def work_stage(cloud: LocalCloud, tenant: str, stage: str, order_id: str) -> None:
    """The stage's seeded employee waits for the order in their queue, claims it and completes it."""
    staff = Staff(cloud.urls.api, role_token(cloud, tenant, STAGE_ROLES[stage]))

    def queued() -> bool:
        answer = staff.queue(stage)
        assert answer.status_code == 200, answer.text
        return any(entry["order_id"] == order_id for entry in answer.json()["orders"])

    eventually(queued, timeout=60)
    claimed = staff.claim(stage, order_id)
    assert claimed.status_code == 200, claimed.text
    completed = staff.complete(stage, order_id)
    assert completed.status_code == 200, completed.text


def admin(cloud: LocalCloud, tenant: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    answer = call(cloud, method, path, token=role_token(cloud, tenant, "admin"), json=body)
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def staff_app(cloud: LocalCloud, tenant: str, path: str = "") -> str:
    return f"{cloud.urls.staff_app}{tenant}/{path.lstrip('/')}"


TABLET = {"width": 1024, "height": 768}


def staff_log_in(page: Any, cloud: LocalCloud, tenant: str, email: str, password: str = "Bembos2026!") -> None:
    """Open the staff app and log in; the app lands on the person's own screen."""
    page.goto(staff_app(cloud, tenant, "ingresar"))
    page.get_by_label("Correo").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(re.compile(r"/(cocina|empaquetamiento|delivery|admin/metricas)$"))


def paid_order(
    cloud: LocalCloud,
    tenant: str,
    *,
    location: str = "larco",
    dispatch: str = "delivery",
    customer_token: str | None = None,
    notes: str = "sin cebolla",
) -> str:
    """A customer orders and pays by card through the public API (what the customer app does)."""
    if customer_token is None:
        _, email, password = register_customer(cloud, tenant, name="Lucía Flores", phone="987654321")
        customer_token = call(
            cloud, "POST", "usuarios/login", tenant=tenant, json={"email": email, "password": password}
        ).json()["token"]
    body = {
        "location_id": location,
        "dispatch": dispatch,
        **({"address": "Calle Berlín 260, Miraflores"} if dispatch == "delivery" else {}),
        "items": [{"kind": "producto", "item_id": "clasica", "size": "regular", "quantity": 2, "notes": notes}],
    }
    created = call(cloud, "POST", "pedidos", token=customer_token, json=body)
    assert created.status_code == 201, created.text
    order_id = str(created.json()["order_id"])
    public_key = call(cloud, "GET", "tienda", tenant=tenant).json()["mercadopago_public_key"]
    card = HTTP.post(
        f"{cloud.urls.mercadopago}/v1/card_tokens",
        params={"public_key": public_key},
        json={
            "card_number": VISA,
            "security_code": "123",
            "expiration_month": 11,
            "expiration_year": 2030,
            "cardholder": {"name": "APRO"},
        },
        timeout=30,
    )
    assert card.status_code == 201, card.text
    paid = call(
        cloud,
        "POST",
        f"pedidos/{order_id}/pago",
        token=customer_token,
        json={"card_token": card.json()["id"], "payment_method_id": "visa"},
    )
    assert paid.status_code == 200 and paid.json()["status"] == "approved", paid.text
    return order_id


def order_state(cloud: LocalCloud, tenant: str, order_id: str) -> str:
    answer = call(cloud, "GET", f"pedidos/{order_id}", token=role_token(cloud, tenant, "admin"))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["estado_pedido"])
