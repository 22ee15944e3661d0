"""Helpers of the identity and catalog end-to-end tests: HTTP calls, accounts, factories, DynamoDB reads."""

from __future__ import annotations

import functools
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import boto3
import httpx

from localcloud.cloud import LocalCloud
from scripts.order_driver import HTTP

MIRAFLORES = "bembos-miraflores"  # locations larco, benavides
SAN_ISIDRO = "bembos-san-isidro"  # location camino-real
DEMO_PASSWORD = "Bembos2026!"
STAFF_ROLES = ("admin", "cocinero", "empaquetador", "repartidor")
TIMEOUT = 30.0

# The key attribute of each table the tests read back.
KEYS = {
    "usuarios": "user_id",
    "empleados": "employee_id",
    "productos": "product_id",
    "combos": "combo_id",
    "locales": "location_id",
    "tokens": "token_hash",
}


# -- HTTP ---------------------------------------------------------------------------------------


def call(
    cloud: LocalCloud,
    method: str,
    path: str,
    *,
    token: str | None = None,
    tenant: str | None = None,
    json: Any = None,
    content: bytes | None = None,
    params: dict[str, Any] | None = None,
    authorization: str | None = None,
) -> httpx.Response:
    """One request to the REST API through the local gateway (and its authorizer)."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    if tenant is not None:
        headers["X-Tenant-Id"] = tenant
    if content is not None:
        headers["Content-Type"] = "application/json"
    return HTTP.request(
        method,
        f"{cloud.urls.api}{path.lstrip('/')}",
        headers=headers,
        json=json,
        content=content,
        params=params,
        timeout=TIMEOUT,
    )


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The platform's error shape: the status, and a JSON ``{"error", "message"}`` (with ``code`` if given)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body
    if code is not None:
        assert body["error"] == code, body
    return body


def all_pages(cloud: LocalCloud, path: str, *, tenant: str | None = None, token: str | None = None, **params: Any):
    """Every item of a paginated list, following ``next_cursor``; also returns how many pages it took."""
    items: list[dict[str, Any]] = []
    pages, cursor = 0, None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = call(cloud, "GET", path, tenant=tenant, token=token, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items, pages
        assert pages < 200, "pagination does not end"


# -- accounts -----------------------------------------------------------------------------------


def unique_email(prefix: str = "e2e", domain: str = "demo.pe") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@{domain}"


def login(cloud: LocalCloud, tenant: str, email: str, password: str = DEMO_PASSWORD, **extra: Any) -> httpx.Response:
    return call(cloud, "POST", "usuarios/login", tenant=tenant, json={"email": email, "password": password, **extra})


def token_of(cloud: LocalCloud, tenant: str, email: str, password: str = DEMO_PASSWORD) -> str:
    response = login(cloud, tenant, email, password)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def staff_account(cloud: LocalCloud, tenant: str, rol: str) -> dict[str, str]:
    """The seeded active employee of ``rol`` (all at the tenant's first location)."""
    staff = cloud.credentials["tenants"][tenant]["accounts"]["staff"]
    return next(s for s in staff if s["rol"] == rol)


@functools.cache
def _cached_token(api: str, tenant: str, email: str) -> str:
    response = HTTP.post(
        f"{api}usuarios/login",
        headers={"X-Tenant-Id": tenant},
        json={"email": email, "password": DEMO_PASSWORD},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def role_token(cloud: LocalCloud, tenant: str, rol: str) -> str:
    """A real login of the seeded account of ``rol`` (``cliente`` is the demo customer), once per session."""
    email = "cliente@demo.pe" if rol == "cliente" else staff_account(cloud, tenant, rol)["email"]
    return _cached_token(cloud.urls.api, tenant, email)


def register(cloud: LocalCloud, tenant: str, **fields: Any) -> tuple[dict[str, Any], str, str]:
    """A new customer through ``POST /usuarios``, verified through the link mailed to it: (its ``user_id``,
    ``email`` and ``status``; email; password)."""
    body = {"email": unique_email("cliente"), "password": "Hamburguesa-2026", "name": "Cliente Prueba", **fields}
    response = call(cloud, "POST", "usuarios", tenant=tenant, json=body)
    assert response.status_code == 202, response.text
    verified = call(cloud, "POST", "usuarios/verificacion", json={"token": link_token(cloud, body["email"])})
    assert verified.status_code == 200, verified.text
    return {**verified.json(), "email": body["email"]}, body["email"], body["password"]


def link_token(cloud: LocalCloud, email: str, page: str = "verificar", timeout: float = 20) -> str:
    """The one-time token of the newest customer link (``verificar``, ``restablecer``) mailed to ``email``."""
    return unquote(parse_qs(urlparse(mailed_link(cloud, email, page, timeout)).fragment)["token"][0])


def mailed_link(cloud: LocalCloud, email: str, page: str = "verificar", timeout: float = 20) -> str:
    """The newest link to the customer app's ``page`` (``verificar``, ``restablecer``) mailed to ``email``."""
    pattern = re.compile(rf"https?://\S+/{page}#token=\S+")
    deadline = time.monotonic() + timeout
    while True:
        links = [m for mail in cloud.mailbox.messages(to=email) for m in pattern.findall(mail.text or "")]
        if links or time.monotonic() > deadline:
            break
        cloud.mailbox.wait_for(to=email, count=len(cloud.mailbox.messages(to=email)) + 1, timeout=1)
    assert links, f"no {page} link mailed to {email}"
    return str(links[-1])


def invite_token(cloud: LocalCloud, email: str, timeout: float = 20) -> str:
    """The one-time token of the newest invitation link mailed to ``email``."""
    messages = cloud.mailbox.wait_for(to=email, count=1, timeout=timeout)
    assert messages, f"no invitation mailed to {email}"
    link = re.search(r"https?://\S+/activar#token=\S+", messages[-1].text or "")
    assert link, messages[-1].text
    return unquote(parse_qs(urlparse(link.group(0)).fragment)["token"][0])


def create_employee(
    cloud: LocalCloud, admin_token: str, *, rol: str = "cocinero", location_id: str, name: str = "Empleado Prueba"
) -> tuple[dict[str, Any], str]:
    """``POST /empleados`` as an admin: (employee, email)."""
    email = unique_email(rol)
    response = call(
        cloud,
        "POST",
        "empleados",
        token=admin_token,
        json={"name": name, "email": email, "rol": rol, "location_id": location_id},
    )
    assert response.status_code == 201, response.text
    return response.json()["employee"], email


def active_employee(cloud: LocalCloud, admin_token: str, *, rol: str, location_id: str) -> tuple[dict[str, Any], str]:
    """An invited employee that activated its account (through the mailed link): (employee, email)."""
    employee, email = create_employee(cloud, admin_token, rol=rol, location_id=location_id)
    activated = call(
        cloud, "POST", "empleados/activar", json={"token": invite_token(cloud, email), "password": "Cocina-Segura-1"}
    )
    assert activated.status_code == 200, activated.text
    return employee, email


# -- catalog factories --------------------------------------------------------------------------


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def product_body(**overrides: Any) -> dict[str, Any]:
    return {
        "product_id": new_id("e2e-prod"),
        "name": "Hamburguesa de Prueba",
        "description": "Solo para pruebas.",
        "category": "hamburguesas",
        "sizes": [{"size": "regular", "price_cents": 1500}, {"size": "grande", "price_cents": 2100}],
        "points": 15,
        **overrides,
    }


def combo_body(product_ids: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "combo_id": new_id("e2e-combo"),
        "name": "Combo de Prueba",
        "description": "Hamburguesa y papas.",
        "items": [{"product_id": p, "quantity": 1} for p in product_ids],
        "sizes": [{"size": "mediano", "price_cents": 2500}],
        "points": 25,
        "stock": 10,
        **overrides,
    }


def location_body(**overrides: Any) -> dict[str, Any]:
    return {
        "location_id": new_id("e2e-local"),
        "name": "Bembos Prueba",
        "address": "Av. Javier Prado 123",
        "district": "San Isidro",
        "lat": -12.09,
        "lng": -77.03,
        "phone": "+51 1 4401234",
        "dispatch_types": ["delivery", "pickup"],
        "opening_hours": {"lun": "11:00-23:00", "sab": "12:00-24:00"},
        **overrides,
    }


def location_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a location (``PUT /locales/{id}`` takes no id)."""
    return {k: v for k, v in body.items() if k != "location_id"}


def create(cloud: LocalCloud, admin_token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = call(cloud, "POST", path, token=admin_token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


# -- DynamoDB -----------------------------------------------------------------------------------


def stored(cloud: LocalCloud, table: str, tenant: str, item_id: str) -> dict[str, Any] | None:
    """The raw item (strongly consistent read), or None."""
    key = {"tenant_id": {"S": tenant}, KEYS[table]: {"S": item_id}}
    response = boto3.client("dynamodb").get_item(TableName=cloud.table(table), Key=key, ConsistentRead=True)
    return response.get("Item")


def by_email(cloud: LocalCloud, table: str, tenant: str, email: str) -> list[dict[str, Any]]:
    """Items of ``usuarios`` or ``empleados`` with this email (their ``by_email`` index)."""
    return boto3.client("dynamodb").query(
        TableName=cloud.table(table),
        IndexName="by_email",
        KeyConditionExpression="tenant_id = :t AND email = :e",
        ExpressionAttributeValues={":t": {"S": tenant}, ":e": {"S": email.lower()}},
    )["Items"]
