"""Tenant isolation: A's principal on B's data, with B named in the header, relabelled tokens and invitations.

Every role on every operation is the access matrix's (test_access_matrix.py).

Tenant A is Miraflores, tenant B is San Isidro. Every denial is checked twice: the status, and the
stored items of B (and of A where the call names A's own item) read from DynamoDB before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from e2e_support import issue_token
from identity_support import (
    MIRAFLORES,
    SAN_ISIDRO,
    active_employee,
    assert_error,
    by_email,
    call,
    combo_body,
    create,
    create_employee,
    invite_token,
    location_body,
    location_fields,
    product_body,
    register,
    role_token,
    stored,
    token_of,
    unique_email,
)

pytestmark = pytest.mark.e2e

A, B = MIRAFLORES, SAN_ISIDRO
B_LOCATION = "camino-real"


@dataclass
class TenantB:
    """Data that exists in tenant B only (fresh ids), plus B's onboarded location."""

    customer: dict[str, Any]
    customer_email: str
    customer_password: str
    employee: dict[str, Any]
    invited: dict[str, Any]
    invite: str
    product_id: str
    combo_id: str
    location_id: str = B_LOCATION
    watched: list[tuple[str, str, str]] = field(default_factory=list)  # (table, tenant, id)

    def snapshot(self, cloud) -> dict[tuple[str, str, str], Any]:
        return {key: stored(cloud, *key) for key in self.watched}


@pytest.fixture(scope="module")
def tenant_b(cloud) -> TenantB:
    admin_b = role_token(cloud, B, "admin")
    customer, email, password = register(cloud, B)
    employee, _ = active_employee(cloud, admin_b, rol="cocinero", location_id=B_LOCATION)
    invited, invited_email = create_employee(cloud, admin_b, rol="repartidor", location_id=B_LOCATION)
    product_id = create(cloud, admin_b, "producto", product_body())["product_id"]
    combo_id = create(cloud, admin_b, "combos", combo_body([product_id]))["combo_id"]
    data = TenantB(
        customer=customer,
        customer_email=email,
        customer_password=password,
        employee=employee,
        invited=invited,
        invite=invite_token(cloud, invited_email),
        product_id=product_id,
        combo_id=combo_id,
    )
    data.watched = [
        ("usuarios", B, customer["user_id"]),
        ("empleados", B, employee["employee_id"]),
        ("empleados", B, invited["employee_id"]),
        ("productos", B, product_id),
        ("combos", B, combo_id),
        ("locales", B, B_LOCATION),
        ("productos", A, "clasica"),
        ("combos", A, "combo-clasico"),
    ]
    return data


def _product_fields() -> dict[str, Any]:
    return {k: v for k, v in product_body(name="Cambiada por A").items() if k != "product_id"}


def _combo_fields() -> dict[str, Any]:
    return {k: v for k, v in combo_body(["clasica"], name="Cambiado por A").items() if k != "combo_id"}


# (method, path, body, expected status) for A's admin on B's ids; "{x}" are filled from TenantB.
ADMIN_ON_B = {
    "get B's employee": ("GET", "empleados/{employee}", None, 404),
    "patch B's employee": ("PATCH", "empleados/{employee}", {"name": "Cambiado Por A"}, 404),
    "deactivate B's employee": ("DELETE", "empleados/{employee}", None, 404),
    "deactivate B's invited employee": ("DELETE", "empleados/{invited}", None, 404),
    "create an employee at B's location": (
        "POST",
        "empleados",
        {"name": "Intruso", "email": "NEW_EMAIL", "rol": "cocinero", "location_id": B_LOCATION},
        422,
    ),
    "update B's product": ("PUT", "producto/{product}", "PRODUCT_FIELDS", 404),
    "86 B's product": ("POST", "producto/{product}/disponibilidad", {"location_id": "larco", "available": False}, 404),
    "86 A's product at B's location": (
        "POST",
        "producto/clasica/disponibilidad",
        {"location_id": B_LOCATION, "available": False},
        404,
    ),
    "image of B's product": (
        "POST",
        "producto/{product}/imagen",
        {"content_type": "image/png", "content_length": 10},
        404,
    ),
    "update B's combo": ("PUT", "combos/{combo}", "COMBO_FIELDS", 404),
    "86 B's combo": ("POST", "combos/{combo}/disponibilidad", {"location_id": "larco", "available": False}, 404),
    "86 A's combo at B's location": (
        "POST",
        "combos/combo-clasico/disponibilidad",
        {"location_id": B_LOCATION, "available": False},
        404,
    ),
    "image of B's combo": ("POST", "combos/{combo}/imagen", {"content_type": "image/png", "content_length": 10}, 404),
    "combo of B's product": ("POST", "combos", "COMBO_OF_B_PRODUCT", 422),
    "update B's location": ("PUT", "locales/{location}", "LOCATION_FIELDS", 404),
    "pause B's location": ("POST", "locales/{location}/pausa", {"paused": True}, 404),
}


def _fill(value: Any, b: TenantB, email: str) -> Any:
    if value == "PRODUCT_FIELDS":
        return _product_fields()
    if value == "COMBO_FIELDS":
        return _combo_fields()
    if value == "COMBO_OF_B_PRODUCT":
        return combo_body([b.product_id])
    if value == "LOCATION_FIELDS":
        return location_fields(location_body(name="Cambiado por A"))
    if isinstance(value, dict):
        return {k: email if v == "NEW_EMAIL" else v for k, v in value.items()}
    return value


@pytest.mark.parametrize("case", ADMIN_ON_B, ids=list(ADMIN_ON_B))
def test_an_admin_of_tenant_a_cannot_reach_tenant_b_data(cloud, tenant_b: TenantB, case: str) -> None:
    method, path, body, status = ADMIN_ON_B[case]
    admin_a = role_token(cloud, A, "admin")
    email = unique_email("intruso")
    body = _fill(body, tenant_b, email)
    ids = {
        "employee": tenant_b.employee["employee_id"],
        "invited": tenant_b.invited["employee_id"],
        "product": tenant_b.product_id,
        "combo": tenant_b.combo_id,
        "location": tenant_b.location_id,
    }
    before = tenant_b.snapshot(cloud)
    # When A's admin calls the route on B's ids (even naming B in the header)
    response = call(cloud, method, path.format(**ids), token=admin_a, tenant=B, json=body)
    # Then it is denied, as if B's data did not exist, and nothing of B (or of A) changed
    assert_error(response, status)
    assert tenant_b.snapshot(cloud) == before
    assert by_email(cloud, "empleados", A, email) == [] and by_email(cloud, "empleados", B, email) == []
    if isinstance(body, dict) and "combo_id" in body:
        assert stored(cloud, "combos", A, body["combo_id"]) is None


def test_an_admin_of_tenant_a_lists_only_its_own_employees(cloud, tenant_b: TenantB) -> None:
    admin_a = role_token(cloud, A, "admin")
    everyone = call(cloud, "GET", "empleados", token=admin_a, tenant=B, params={"limit": 100}).json()["items"]
    at_b_location = call(cloud, "GET", "empleados", token=admin_a, params={"location_id": B_LOCATION}).json()["items"]
    ids = {e["employee_id"] for e in everyone}
    assert ids and tenant_b.employee["employee_id"] not in ids and tenant_b.invited["employee_id"] not in ids
    assert at_b_location == []


def test_an_admin_write_naming_tenant_b_in_the_header_lands_in_its_own_tenant(cloud, tenant_b: TenantB) -> None:
    # When A's admin creates a product with the header of tenant B
    admin_a = role_token(cloud, A, "admin")
    body = product_body()
    response = call(cloud, "POST", "producto", token=admin_a, tenant=B, json=body)
    # Then the product is A's: the tenant comes from the principal, never from the request
    assert response.status_code == 201, response.text
    assert stored(cloud, "productos", A, body["product_id"]) is not None
    assert stored(cloud, "productos", B, body["product_id"]) is None


@pytest.mark.parametrize("path", ["producto/{product}", "combos/{combo}", "locales/{location}"])
def test_tenant_a_menu_reads_do_not_find_tenant_b_items(cloud, tenant_b: TenantB, path: str) -> None:
    ids = {"product": tenant_b.product_id, "combo": tenant_b.combo_id, "location": tenant_b.location_id}
    # B's own menu has the item; A's does not
    assert call(cloud, "GET", path.format(**ids), tenant=B).status_code == 200
    assert_error(call(cloud, "GET", path.format(**ids), tenant=A), 404)


def test_tenant_a_menu_lists_do_not_hold_tenant_b_items(cloud, tenant_b: TenantB) -> None:
    for path, key, item_id in (
        ("producto", "product_id", tenant_b.product_id),
        ("combos", "combo_id", tenant_b.combo_id),
    ):
        listed = call(cloud, "GET", path, tenant=A, params={"limit": 100}).json()["items"]
        assert item_id not in {i[key] for i in listed}
    locations = call(cloud, "GET", "locales", tenant=A, params={"limit": 100}).json()["items"]
    assert B_LOCATION not in {loc["location_id"] for loc in locations}


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PUT", {"name": "Cambiado Por A"}), ("PATCH", {"phone": "911111111"}), ("DELETE", None)],
)
def test_a_tenant_a_principal_with_a_tenant_b_customer_id_does_not_reach_that_customer(
    cloud, tenant_b: TenantB, method: str, body: dict | None
) -> None:
    # Given a session of tenant A whose subject is the id of a customer of tenant B
    token = issue_token(cloud, A, subject_id=tenant_b.customer["user_id"], kind="customer", rol="cliente")
    before = tenant_b.snapshot(cloud)
    # When it calls /perfil (even naming B in the header)
    response = call(cloud, method, "perfil", token=token, tenant=B, json=body)
    # Then there is no such customer in A, and B's customer is untouched
    assert_error(response, 404)
    assert tenant_b.snapshot(cloud) == before


def test_tenant_b_credentials_do_not_log_in_to_tenant_a(cloud, tenant_b: TenantB) -> None:
    response = call(
        cloud,
        "POST",
        "usuarios/login",
        tenant=A,
        json={"email": tenant_b.customer_email, "password": tenant_b.customer_password},
    )
    assert_error(response, 401, "invalid_credentials")
    staff = call(
        cloud,
        "POST",
        "usuarios/login",
        tenant=A,
        json={"email": f"admin.{B_LOCATION}@{B}.pe", "password": "Bembos2026!"},
    )
    assert_error(staff, 401, "invalid_credentials")


@pytest.mark.parametrize("path", ["sesion", "perfil", "usuarios/logout", "empleados"])
def test_a_tenant_b_token_relabelled_as_tenant_a_is_refused_and_stays_valid(
    cloud, tenant_b: TenantB, path: str
) -> None:
    # Given a session token of B's customer, never used yet
    token = token_of(cloud, B, tenant_b.customer_email, tenant_b.customer_password)
    relabelled = f"{A}.{token.split('.', 1)[1]}"
    # When the same secret is presented as a token of tenant A
    method = "POST" if path.endswith("logout") else "GET"
    response = call(cloud, method, path, token=relabelled)
    # Then the authorizer refuses it, and the real token still works for B
    assert response.status_code == 401
    assert call(cloud, "GET", "perfil", token=token).json()["user_id"] == tenant_b.customer["user_id"]


def test_a_tenant_b_invitation_relabelled_as_tenant_a_is_refused(cloud, tenant_b: TenantB) -> None:
    relabelled = f"{A}.{tenant_b.invite.split('.', 1)[1]}"
    response = call(cloud, "POST", "empleados/activar", json={"token": relabelled, "password": "Cocina-Segura-1"})
    assert_error(response, 410, "invitation_invalid")
    assert stored(cloud, "empleados", B, tenant_b.invited["employee_id"])["status"]["S"] == "invited"


def test_registering_with_tenant_a_never_touches_tenant_b(cloud, tenant_b: TenantB) -> None:
    # When B's customer's email registers with A
    before = tenant_b.snapshot(cloud)
    response = call(
        cloud,
        "POST",
        "usuarios",
        tenant=A,
        json={"email": tenant_b.customer_email, "password": "Otra-Clave-99", "name": "Otra"},
    )
    # Then that is a new customer of A, and B's customer is untouched
    assert response.status_code == 202, response.text
    [customer_a] = by_email(cloud, "usuarios", A, tenant_b.customer_email)
    assert customer_a["user_id"]["S"] != tenant_b.customer["user_id"]
    assert tenant_b.snapshot(cloud) == before
