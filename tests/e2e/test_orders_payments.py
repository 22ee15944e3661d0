"""Orders and Mercado Pago payments over the local cloud: real HTTP, the real SDK, the fake Mercado Pago.

Each test makes its own menu items, customer and tokens (unique ids), so it depends on no seed
and on no other test. The stage progression to ENTREGADO is covered by the workflow tests.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
from e2e_support import card_token, eventually, issue_token, put_item

from localcloud.mercadopago_fake import webhook_signature
from localcloud.seed import mercadopago_credentials
from scripts.order_driver import HTTP

pytestmark = pytest.mark.e2e
TENANT = "bembos-miraflores"
OTHER_TENANT = "bembos-san-isidro"
PRICE = 1590  # S/ 15.90 a regular burger
PAID_OR_LATER = {"PAGADO", "COCINA", "EMPAQUETAMIENTO", "DELIVERY", "ENTREGADO"}


@dataclass
class Menu:
    burger: str
    gone: str  # unavailable at larco
    combo: str  # stock 2
    paused_location: str


@dataclass
class Customer:
    user_id: str
    token: str
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def menu(cloud) -> Menu:
    suffix = uuid.uuid4().hex[:6]
    now = "2026-01-01T00:00:00+00:00"
    sizes = [{"size": "regular", "price_cents": PRICE}, {"size": "grande", "price_cents": 1990}]
    common = {"tenant_id": TENANT, "description": "", "points": 0, "created_at": now, "updated_at": now}
    menu = Menu(f"burger-{suffix}", f"agotado-{suffix}", f"combo-{suffix}", f"pausado-{suffix}")
    put_item(cloud, "productos", {**common, "product_id": menu.burger, "name": f"Hamburguesa Prueba {suffix}",
                              "category": "hamburguesas", "sizes": sizes, "available": True})  # fmt: skip
    put_item(
        cloud,
        "productos",
        {
            **common,
            "product_id": menu.gone,
            "name": f"Hamburguesa Agotada {suffix}",
            "category": "hamburguesas",
            "sizes": sizes,
            "available": True,
            "unavailable_at": {"larco"},
        },
    )  # fmt: skip  (a string set, as the catalog writes it)
    put_item(cloud, "combos", {**common, "combo_id": menu.combo, "name": f"Combo Prueba {suffix}", "stock": 2,
                           "items": [{"product_id": menu.burger, "quantity": 1}],
                           "sizes": [{"size": "regular", "price_cents": 2490}], "available": True})  # fmt: skip
    # A whole location item, as the catalog writes one: the public location list reads every field.
    put_item(cloud, "locales", {"tenant_id": TENANT, "location_id": menu.paused_location, "name": f"Pausado {suffix}",
                            "address": "Av. Prueba 100", "district": "Miraflores", "lat": -12.12, "lng": -77.03,
                            "phone": "+51 1 4450000", "opening_hours": {"lun": "11:00-23:00"},
                            "dispatch_types": ["delivery", "pickup"], "paused": True})  # fmt: skip
    return menu


def new_customer(cloud: Any, tenant: str = TENANT) -> Customer:
    user_id = str(uuid.uuid4())
    email = f"cliente-{user_id[:8]}@example.pe"
    put_item(cloud, "usuarios", {"tenant_id": tenant, "user_id": user_id, "email": email,
                             "name": "Ana Quispe", "status": "active"})  # fmt: skip
    token = issue_token(cloud, tenant, subject_id=user_id, kind="customer", rol="cliente")
    return Customer(user_id, token, email)


def staff_headers(cloud: Any, rol: str, tenant: str = TENANT, location: str = "larco") -> dict[str, str]:
    token = issue_token(
        cloud, tenant, subject_id=f"emp-{uuid.uuid4().hex[:8]}", kind="employee", rol=rol, location_id=location
    )
    return {"Authorization": f"Bearer {token}"}


def order_body(menu: Menu, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location_id": "larco",
        "dispatch": "delivery",
        "address": "Av. Pardo 620, Miraflores",
        "items": [
            {"kind": "producto", "item_id": menu.burger, "size": "regular", "quantity": 2, "notes": "sin cebolla"}
        ],
    }
    body.update(overrides)
    return body


def create(cloud: Any, customer: Customer, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = dict(customer.headers)
    if key:
        headers["Idempotency-Key"] = key
    return HTTP.post(f"{cloud.urls.api}pedidos", json=body, headers=headers, timeout=30)


def new_order(cloud: Any, customer: Customer, menu: Menu) -> dict[str, Any]:
    response = create(cloud, customer, order_body(menu))
    assert response.status_code == 201, response.text
    return dict(response.json())


def get_order(cloud: Any, headers: dict[str, str], order_id: str) -> httpx.Response:
    return HTTP.get(f"{cloud.urls.api}pedidos/{order_id}", headers=headers, timeout=30)


def pay_by_card(cloud: Any, customer: Customer, order_id: str, holder: str = "APRO") -> httpx.Response:
    body = {"card_token": card_token(cloud, TENANT, holder), "payment_method_id": "visa", "installments": 1}
    return HTTP.post(f"{cloud.urls.api}pedidos/{order_id}/pago", json=body, headers=customer.headers, timeout=30)


def wait_state(cloud: Any, customer: Customer, order_id: str, states: set[str]) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        order = get_order(cloud, customer.headers, order_id).json()
        return order if order["estado_pedido"] in states else None

    return eventually(probe, timeout=30)


def executions_named(order_id: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("pedido"))
    executions = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    return [e for e in executions if e["name"] == order_id]


def stored_order_count(cloud: Any, customer: Customer) -> int:
    response = boto3.client("dynamodb").query(
        TableName=cloud.table("pedidos"),
        IndexName="by_customer",
        KeyConditionExpression="customer_key = :k",
        ExpressionAttributeValues={":k": {"S": f"{TENANT}#{customer.user_id}"}},
        Select="COUNT",
    )
    return int(response["Count"])


def signed_webhook(cloud: Any, payment_id: str, *, secret: str | None = None, ts: str | None = None) -> httpx.Response:
    request_id = str(uuid.uuid4())
    ts = ts or str(int(time.time() * 1000))
    secret = secret or mercadopago_credentials(TENANT)["webhook_secret"]
    body = {"action": "payment.updated", "type": "payment", "data": {"id": payment_id}}
    return HTTP.post(
        f"{cloud.urls.api}pagos/webhook/{TENANT}",
        params={"data.id": payment_id, "type": "payment"},
        content=json.dumps(body),
        headers={
            "content-type": "application/json",
            "x-request-id": request_id,
            "x-signature": webhook_signature(secret, payment_id, request_id, ts),
        },
        timeout=30,
    )


# -- paying -----------------------------------------------------------------------------------------


def test_card_payment_approved_marks_the_order_paid_and_starts_its_workflow(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    assert order["estado_pedido"] == "PENDIENTE_PAGO"
    assert order["total_cents"] == 2 * PRICE + 500  # two burgers + delivery fee

    paid = pay_by_card(cloud, customer, order["order_id"])

    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "approved"
    after = wait_state(cloud, customer, order["order_id"], PAID_OR_LATER)
    assert [h["estado"] for h in after["history"]][:2] == ["PENDIENTE_PAGO", "PAGADO"]
    assert after["payment"]["status"] == "approved"
    assert len(eventually(lambda: executions_named(order["order_id"]))) == 1


def test_card_payment_receipt_is_emailed_with_a_txt_attachment(cloud, menu) -> None:
    if not any("notificaciones" in name for name in cloud.assembly.functions):
        pytest.skip("the email notifier is not wired in this assembly yet")
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)

    pay_by_card(cloud, customer, order["order_id"])

    messages = cloud.mailbox.wait_for(to=customer.email, count=1, timeout=30)
    receipt = next(m for m in messages if "comprobante" in str(m).lower())
    assert ".txt" in str(receipt)


def test_checkout_pro_approved_on_the_checkout_page_reaches_paid_through_the_webhook(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)

    started = HTTP.post(f"{cloud.urls.api}pedidos/{order['order_id']}/pago", headers=customer.headers, timeout=30)
    assert started.status_code == 200, started.text
    checkout_url = started.json()["checkout_url"]
    assert HTTP.get(checkout_url).status_code == 200
    HTTP.post(checkout_url, data={"decision": "approve"}, follow_redirects=False)

    after = wait_state(cloud, customer, order["order_id"], PAID_OR_LATER)
    assert after["payment"]["status"] == "approved"
    assert len(eventually(lambda: executions_named(order["order_id"]))) == 1


def test_rejected_card_payment_keeps_the_order_payable(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)

    rejected = pay_by_card(cloud, customer, order["order_id"], holder="OTHE")

    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    time.sleep(1)  # the webhook of the rejected payment arrives meanwhile
    after = get_order(cloud, customer.headers, order["order_id"]).json()
    assert after["estado_pedido"] == "PENDIENTE_PAGO"
    assert after["payment"]["status"] == "rejected"
    assert executions_named(order["order_id"]) == []
    assert pay_by_card(cloud, customer, order["order_id"]).json()["status"] == "approved"  # still payable


def test_duplicated_webhook_publishes_once_and_starts_one_execution(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    payment_id = pay_by_card(cloud, customer, order["order_id"]).json()["payment_id"]
    wait_state(cloud, customer, order["order_id"], PAID_OR_LATER)

    answers = [signed_webhook(cloud, payment_id) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {a.json()["status"] for a in answers} == {"duplicate"}
    time.sleep(1)
    after = get_order(cloud, customer.headers, order["order_id"]).json()
    assert [h["estado"] for h in after["history"]].count("PAGADO") == 1
    assert len(executions_named(order["order_id"])) == 1


def test_forged_or_stale_webhook_is_refused_and_changes_nothing(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    payment_id = pay_by_card(cloud, customer, order["order_id"], holder="OTHE").json()["payment_id"]
    time.sleep(0.5)
    before = get_order(cloud, customer.headers, order["order_id"]).json()

    forged = signed_webhook(cloud, payment_id, secret="not-the-secret")
    stale = signed_webhook(cloud, payment_id, ts=str(int((time.time() - 3600) * 1000)))
    unsigned = HTTP.post(f"{cloud.urls.api}pagos/webhook/{TENANT}", params={"data.id": payment_id}, json={})

    assert [forged.status_code, stale.status_code, unsigned.status_code] == [401, 401, 401]
    assert get_order(cloud, customer.headers, order["order_id"]).json() == before


# -- cancelling -------------------------------------------------------------------------------------


def _paid_order_in_kitchen(cloud: Any, menu: Menu) -> tuple[Customer, dict[str, Any], str]:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    payment_id = pay_by_card(cloud, customer, order["order_id"]).json()["payment_id"]
    wait_state(cloud, customer, order["order_id"], {"COCINA"})  # the stage consumer holds its task token
    return customer, order, payment_id


def _execution_status(order_id: str) -> str:
    return str(executions_named(order_id)[0]["status"])


def test_admin_cancel_of_an_order_in_a_stage_fails_its_task_and_refunds_once_even_when_retried(cloud, menu) -> None:
    customer, order, payment_id = _paid_order_in_kitchen(cloud, menu)
    admin = staff_headers(cloud, "admin")
    url = f"{cloud.urls.api}pedidos/{order['order_id']}/cancelar"

    first = HTTP.post(url, json={"reason": "Cliente llamó para cancelar"}, headers=admin, timeout=30)
    assert first.status_code == 200, first.text
    assert first.json()["via"] == "workflow"
    assert first.json()["refund_id"]
    eventually(lambda: _execution_status(order["order_id"]) != "RUNNING")  # the waiting task was failed
    second = HTTP.post(url, json={"reason": "otra vez"}, headers=admin, timeout=30)

    # AWS refuses the spent token (409 here); moto accepts it again (200). Either way: no second refund.
    assert second.status_code in (200, 409)
    assert second.status_code == 409 or second.json()["refund_id"] == first.json()["refund_id"]
    after = get_order(cloud, customer.headers, order["order_id"]).json()
    assert after["payment"]["refund_id"] == first.json()["refund_id"]
    assert len(cloud.mercadopago.list_refunds(mercadopago_credentials(TENANT)["access_token"], payment_id)) == 1


def test_admin_cancel_of_an_order_in_a_stage_ends_in_cancelado_with_the_reason(cloud, menu) -> None:
    customer, order, _ = _paid_order_in_kitchen(cloud, menu)

    HTTP.post(
        f"{cloud.urls.api}pedidos/{order['order_id']}/cancelar",
        json={"reason": "Cliente llamó para cancelar"},
        headers=staff_headers(cloud, "admin"),
        timeout=30,
    )

    after = wait_state(cloud, customer, order["order_id"], {"CANCELADO"})
    assert after["history"][-1]["reason"] == "Cliente llamó para cancelar"
    kitchen = HTTP.get(f"{cloud.urls.api}cocina", headers=staff_headers(cloud, "cocinero"), timeout=30)
    assert kitchen.status_code == 200
    assert order["order_id"] not in kitchen.text  # off the cooks' tray at once


def test_admin_cancel_of_an_unpaid_order_cancels_it_directly(cloud, menu) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    admin = staff_headers(cloud, "admin")
    url = f"{cloud.urls.api}pedidos/{order['order_id']}/cancelar"

    cancelled = HTTP.post(url, json={"reason": "Pedido de prueba"}, headers=admin, timeout=30)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {
        "order_id": order["order_id"], "estado_pedido": "CANCELADO", "via": "direct", "refund_id": None
    }  # fmt: skip
    assert HTTP.post(url, json={"reason": "Pedido de prueba"}, headers=admin, timeout=30).status_code == 409
    paying = HTTP.post(f"{cloud.urls.api}pedidos/{order['order_id']}/pago", headers=customer.headers, timeout=30)
    assert paying.status_code == 409


# -- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("unknown_product", 422),
        ("unavailable_item", 409),
        ("paused_location", 409),
        ("wrong_dispatch", 422),
        ("zero_quantity", 422),
        ("negative_quantity", 422),
        ("client_price", 422),
        ("client_total", 422),
        ("delivery_without_address", 422),
        ("unknown_size", 422),
        ("combo_over_stock", 409),
        ("unknown_location", 404),
    ],
)
def test_bad_orders_get_a_clear_4xx_and_write_nothing(cloud, menu, case: str, status: int) -> None:
    customer = new_customer(cloud)
    item = {"kind": "producto", "item_id": menu.burger, "size": "regular", "quantity": 1}
    bodies = {
        "unknown_product": order_body(menu, items=[{**item, "item_id": "no-existe"}]),
        "unavailable_item": order_body(menu, items=[{**item, "item_id": menu.gone}]),
        "paused_location": order_body(menu, location_id=menu.paused_location),
        "wrong_dispatch": order_body(menu, location_id="benavides"),  # pickup only
        "zero_quantity": order_body(menu, items=[{**item, "quantity": 0}]),
        "negative_quantity": order_body(menu, items=[{**item, "quantity": -1}]),
        "client_price": order_body(menu, items=[{**item, "unit_price_cents": 1}]),
        "client_total": {**order_body(menu), "total_cents": 1},
        "delivery_without_address": order_body(menu, address=None),
        "unknown_size": order_body(menu, items=[{**item, "size": "mega"}]),
        "combo_over_stock": order_body(
            menu, items=[{"kind": "combo", "item_id": menu.combo, "size": "regular", "quantity": 3}]
        ),
        "unknown_location": order_body(menu, location_id="no-existe"),
    }

    response = create(cloud, customer, bodies[case])

    assert response.status_code == status, response.text
    assert response.json()["message"]
    assert stored_order_count(cloud, customer) == 0


def test_idempotency_key_returns_the_same_order_and_refuses_another_body(cloud, menu) -> None:
    customer = new_customer(cloud)
    key = f"key-{uuid.uuid4()}"

    first = create(cloud, customer, order_body(menu), key=key)
    again = create(cloud, customer, order_body(menu), key=key)
    other = create(cloud, customer, order_body(menu, dispatch="pickup", address=None), key=key)

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["order_id"] == first.json()["order_id"]
    assert stored_order_count(cloud, customer) == 1


def test_customer_lists_own_orders_newest_first_in_pages(cloud, menu) -> None:
    customer = new_customer(cloud)
    ids = [new_order(cloud, customer, menu)["order_id"] for _ in range(3)]
    new_order(cloud, new_customer(cloud), menu)  # someone else's

    first = HTTP.get(f"{cloud.urls.api}pedidos", params={"limit": 2}, headers=customer.headers).json()
    rest = HTTP.get(
        f"{cloud.urls.api}pedidos", params={"limit": 2, "cursor": first["next_cursor"]}, headers=customer.headers
    ).json()

    assert [o["order_id"] for o in first["items"] + rest["items"]] == list(reversed(ids))
    assert rest["next_cursor"] is None


# -- isolation --------------------------------------------------------------------------------------


def test_orders_of_one_tenant_are_invisible_to_another_tenant_and_other_customers(cloud, menu) -> None:
    customer = new_customer(cloud)
    order_id = new_order(cloud, customer, menu)["order_id"]
    outsider = new_customer(cloud, OTHER_TENANT)
    other_admin = staff_headers(cloud, "admin", tenant=OTHER_TENANT, location="camino-real")
    neighbour = new_customer(cloud)

    assert get_order(cloud, outsider.headers, order_id).status_code == 404
    assert get_order(cloud, other_admin, order_id).status_code == 404
    assert get_order(cloud, neighbour.headers, order_id).status_code == 404
    cancel = HTTP.post(
        f"{cloud.urls.api}pedidos/{order_id}/cancelar", json={"reason": "intruso"}, headers=other_admin, timeout=30
    )
    assert cancel.status_code == 404
    pay = HTTP.post(f"{cloud.urls.api}pedidos/{order_id}/pago", headers=neighbour.headers, timeout=30)
    assert pay.status_code == 404
    assert get_order(cloud, customer.headers, order_id).json()["estado_pedido"] == "PENDIENTE_PAGO"
    assert get_order(cloud, staff_headers(cloud, "cocinero"), order_id).status_code == 200  # its location's staff


def test_roles_staff_cannot_order_and_customers_cancel_only_their_own_unpaid_order(cloud, menu) -> None:
    customer, other = new_customer(cloud), new_customer(cloud)
    order_id = new_order(cloud, customer, menu)["order_id"]
    cancel = f"{cloud.urls.api}pedidos/{order_id}/cancelar"

    by_cook = HTTP.post(f"{cloud.urls.api}pedidos", json=order_body(menu), headers=staff_headers(cloud, "cocinero"))
    by_other = HTTP.post(cancel, json={"reason": "no es mío"}, headers=other.headers, timeout=30)
    unauthenticated = HTTP.get(f"{cloud.urls.api}pedidos/{order_id}")
    assert (by_cook.status_code, by_other.status_code, unauthenticated.status_code) == (403, 404, 401)
    assert get_order(cloud, customer.headers, order_id).json()["estado_pedido"] == "PENDIENTE_PAGO"

    mine = HTTP.post(cancel, json={"reason": "me arrepentí"}, headers=customer.headers, timeout=30)
    again = HTTP.post(cancel, json={"reason": "me arrepentí"}, headers=customer.headers, timeout=30)
    assert (mine.status_code, mine.json()["estado_pedido"]) == (200, "CANCELADO")
    assert (again.status_code, again.json()["error"]) == (409, "order_cancelled")
    assert get_order(cloud, customer.headers, order_id).json()["estado_pedido"] == "CANCELADO"


def test_two_checkouts_both_approved_pay_once_and_the_second_is_refunded(cloud, menu) -> None:
    # Given a customer who opened Checkout Pro twice for one order (two tabs) and approved both
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    pay = f"{cloud.urls.api}pedidos/{order['order_id']}/pago"
    checkouts = [HTTP.post(pay, headers=customer.headers, timeout=30).json()["checkout_url"] for _ in range(2)]
    paid = []
    for checkout_url in checkouts:
        answer = HTTP.post(checkout_url, data={"decision": "approve"}, follow_redirects=False)
        paid.append(parse_qs(urlparse(answer.headers["location"]).query)["collection_id"][0])
    # When both webhooks are settled
    after = wait_state(cloud, customer, order["order_id"], PAID_OR_LATER)
    kept = after["payment"]["payment_id"]
    [extra] = [payment for payment in paid if payment != kept]
    token = mercadopago_credentials(TENANT)["access_token"]
    # Then the order is paid by one, the other is refunded once, and no admin is needed
    assert len(eventually(lambda: cloud.mercadopago.list_refunds(token, extra))) == 1
    time.sleep(1)  # a redelivered webhook of the extra payment meanwhile refunds nothing more
    assert len(cloud.mercadopago.list_refunds(token, extra)) == 1
    assert cloud.mercadopago.list_refunds(token, kept) == []
    assert get_order(cloud, customer.headers, order["order_id"]).json().get("needs_admin") is None
    assert len(eventually(lambda: executions_named(order["order_id"]))) == 1


# -- payment reviews (pagos.reconciliation) ---------------------------------------------------------


@pytest.fixture
def prompt_payment_checks(cloud) -> Any:
    """The orders API asks for its payment checks 2 s after a payment attempt instead of minutes (a function
    setting, changed as ``UpdateFunctionConfiguration`` would), and Mercado Pago loses every webhook."""
    [name] = [n for n, f in cloud.assembly.functions.items() if f.handler == "pedidos.handler.lambda_handler"]
    previous = cloud.runtime.update_environment(name, {"PAYMENT_CHECK_DELAY_SECONDS": "2"})
    cloud.mercadopago.webhooks.lose()
    try:
        yield
    finally:
        cloud.mercadopago.webhooks.lose(False)
        cloud.runtime.update_environment(name, previous)


def test_checkout_pro_approved_but_its_webhook_lost_reaches_paid_by_the_payment_review(
    cloud, menu, prompt_payment_checks
) -> None:
    customer = new_customer(cloud)
    order = new_order(cloud, customer, menu)
    started = HTTP.post(f"{cloud.urls.api}pedidos/{order['order_id']}/pago", headers=customer.headers, timeout=30)
    assert started.status_code == 200, started.text

    HTTP.post(started.json()["checkout_url"], data={"decision": "approve"}, follow_redirects=False)

    after = wait_state(cloud, customer, order["order_id"], PAID_OR_LATER)
    payment_id = after["payment"]["payment_id"]
    mine = [d for d in cloud.mercadopago.webhooks.deliveries() if d["data_id"] == payment_id]
    assert mine and {d["status"] for d in mine} == {"lost"}  # no webhook ever reached the platform
    assert len(eventually(lambda: executions_named(order["order_id"]))) == 1
