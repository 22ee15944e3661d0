"""The employees service through its handler: admin-only staff management, invitations, activation."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from identity_world import STAFF_APP_URL, authorize, call, principal
from rest_events import rest_event

import empleados.handler as handler
import usuarios.handler as users_handler

ADMIN_A = principal("tenant-a", "admin-a", "admin", "larco")
ADMIN_B = principal("tenant-b", "admin-b", "admin", "camino-real")
PASSWORD = "Cocina-Larco-2026"


def new_employee(**overrides):
    return {
        "name": "Carla Cocinera",
        "email": "carla@bembos.pe",
        "rol": "cocinero",
        "location_id": "larco",
        **overrides,
    }


def create(body=None, who=ADMIN_A):
    return call(handler, rest_event("POST", "/empleados", body=body or new_employee(), principal=who))


def by_id(method, employee_id, who=ADMIN_A, body=None):
    return call(
        handler,
        rest_event(
            method,
            f"/empleados/{employee_id}",
            body=body,
            principal=who,
            resource="/empleados/{employee_id}",
            path_parameters={"employee_id": employee_id},
        ),
    )


def invite_token(cloud, email="carla@bembos.pe"):
    [event] = [e for e in cloud.events("EmployeeInvited") if e["detail"]["email"] == email]
    return parse_qs(urlparse(event["detail"]["invite_url"]).fragment)["token"][0]


def activate(token, password=PASSWORD):
    return call(handler, rest_event("POST", "/empleados/activar", body={"token": token, "password": password}))


def staff_login(email="carla@bembos.pe", password=PASSWORD, tenant="tenant-a"):
    return call(
        users_handler,
        rest_event(
            "POST", "/usuarios/login", body={"email": email, "password": password}, headers={"X-Tenant-Id": tenant}
        ),
    )


def test_an_admin_creates_an_invited_employee_and_the_invitation_is_announced(cloud) -> None:
    status, body = create()

    assert status == 201
    employee = body["employee"]
    assert employee["status"] == "invited" and employee["rol"] == "cocinero" and "password_hash" not in employee
    [event] = cloud.events("EmployeeInvited")
    detail = event["detail"]
    assert event["source"] == "bembos.identity"
    assert detail["tenant_name"] == "Bembos A" and detail["employee_name"] == "Carla Cocinera"
    assert detail["invite_url"].startswith(f"{STAFF_APP_URL}/tenant-a/activar#token=tenant-a.")
    token = invite_token(cloud)
    assert token not in json.dumps(cloud.items("tokens"))


def test_the_invitation_sets_the_password_once_and_the_employee_logs_in_with_its_role(cloud) -> None:
    _, created = create()
    token = invite_token(cloud)

    assert activate(token) == (200, {"employee_id": created["employee"]["employee_id"], "status": "active"})
    assert activate(token, "Otra-Clave-2026")[0] == 410

    status, session = staff_login()
    assert status == 200 and session["kind"] == "employee" and session["rol"] == "cocinero"
    assert authorize(session["token"])["location_id"] == "larco"


def test_an_invitation_token_is_never_a_session_token(cloud) -> None:
    create()
    assert authorize(invite_token(cloud)) is None


@pytest.mark.parametrize("token", ["garbage-token-value", "tenant-a." + "x" * 43, "tenant-b." + "A" * 43])
def test_an_unknown_invitation_is_410_and_changes_nothing(cloud, token) -> None:
    create()
    before = cloud.snapshot()
    status, body = activate(token)
    assert (status, body["error"]) == (410, "invitation_invalid")
    assert cloud.snapshot() == before


@pytest.mark.parametrize("password", ["short", "12345678901", "carla@bembos.pe"])
def test_activation_applies_the_password_policy(cloud, password) -> None:
    create()
    before = cloud.snapshot()
    status, _ = activate(invite_token(cloud), password)
    assert status == 422
    assert cloud.snapshot() == before


def test_an_email_names_one_employee_per_tenant(cloud) -> None:
    create()
    before = cloud.snapshot()
    status, body = create(new_employee(name="Otra Persona", email="CARLA@bembos.pe"))
    assert (status, body["error"]) == (409, "email_taken")
    assert cloud.snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        new_employee(rol="gerente"),
        new_employee(location_id="miraflores-centro"),
        new_employee(location_id="camino-real"),
        new_employee(email="no-email"),
        new_employee(name=42),
        new_employee(tenant_id="tenant-b"),
        '{"name": ',
    ],
)
def test_invalid_employees_are_422_and_write_nothing(cloud, body) -> None:
    before = cloud.snapshot()
    status, answer = call(handler, rest_event("POST", "/empleados", body=body, principal=ADMIN_A))
    assert status == 422 and answer["error"] in ("validation_failed", "unknown_location")
    assert cloud.snapshot() == before


def test_oversized_bodies_are_413(cloud) -> None:
    status, body = create(new_employee(name="A" * 10000))
    assert (status, body["error"]) == (413, "payload_too_large")
    assert cloud.items("empleados") == []


def test_listing_pages_through_the_tenants_employees_and_filters_by_location(cloud) -> None:
    for i, location in enumerate(["larco", "larco", "benavides"]):
        create(new_employee(email=f"e{i}@bembos.pe", location_id=location))
    create(new_employee(email="other@bembos.pe", location_id="camino-real"), who=ADMIN_B)

    status, first = call(handler, rest_event("GET", "/empleados", principal=ADMIN_A, query={"limit": "2"}))
    assert status == 200 and len(first["items"]) == 2 and first["next_cursor"]
    _, second = call(
        handler,
        rest_event("GET", "/empleados", principal=ADMIN_A, query={"limit": "2", "cursor": first["next_cursor"]}),
    )
    emails = [e["email"] for e in first["items"] + second["items"]]
    assert emails == ["e0@bembos.pe", "e1@bembos.pe", "e2@bembos.pe"]

    _, larco = call(handler, rest_event("GET", "/empleados", principal=ADMIN_A, query={"location_id": "larco"}))
    assert {e["email"] for e in larco["items"]} == {"e0@bembos.pe", "e1@bembos.pe"}


def test_a_cursor_of_another_tenant_is_rejected(cloud) -> None:
    for i in range(3):
        create(new_employee(email=f"b{i}@bembos.pe", location_id="camino-real"), who=ADMIN_B)
    _, page = call(handler, rest_event("GET", "/empleados", principal=ADMIN_B, query={"limit": "1"}))

    status, body = call(
        handler, rest_event("GET", "/empleados", principal=ADMIN_A, query={"cursor": page["next_cursor"]})
    )

    assert (status, body["error"]) == (422, "invalid_cursor")


def test_changing_role_or_location_ends_the_employees_sessions(cloud) -> None:
    _, created = create()
    employee_id = created["employee"]["employee_id"]
    activate(invite_token(cloud))
    _, session = staff_login()

    status, body = by_id("PATCH", employee_id, body={"rol": "empaquetador", "location_id": "benavides"})

    assert status == 200 and body["rol"] == "empaquetador" and body["location_id"] == "benavides"
    assert authorize(session["token"]) is None
    _, again = staff_login()
    assert again["rol"] == "empaquetador" and again["location_id"] == "benavides"


def test_renaming_keeps_the_sessions(cloud) -> None:
    _, created = create()
    activate(invite_token(cloud))
    _, session = staff_login()
    status, body = by_id("PATCH", created["employee"]["employee_id"], body={"name": "Carla Ríos"})
    assert status == 200 and body["name"] == "Carla Ríos"
    assert authorize(session["token"]) is not None


def test_deactivating_revokes_the_tokens_and_blocks_login_until_reactivated(cloud) -> None:
    _, created = create()
    employee_id = created["employee"]["employee_id"]
    activate(invite_token(cloud))
    _, session = staff_login()

    status, body = by_id("DELETE", employee_id)

    assert status == 200 and body["status"] == "inactive" and body["revoked_tokens"] == 1
    assert authorize(session["token"]) is None
    assert staff_login()[0] == 401
    assert by_id("PATCH", employee_id, body={"status": "active"})[0] == 200
    assert staff_login()[0] == 200


def test_an_invited_employee_cannot_be_set_active_by_an_admin(cloud) -> None:
    _, created = create()
    status, body = by_id("PATCH", created["employee"]["employee_id"], body={"status": "active"})
    assert (status, body["error"]) == (409, "employee_state")


def test_an_admin_cannot_deactivate_or_demote_itself(cloud) -> None:
    assert by_id("DELETE", "admin-a")[0] == 409
    assert by_id("PATCH", "admin-a", body={"rol": "cocinero"})[0] == 409


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"name": "Intruso"}), ("DELETE", None)])
def test_an_admin_of_another_tenant_does_not_find_the_employee_and_changes_nothing(cloud, method, body) -> None:
    _, created = create()
    before = cloud.snapshot()

    status, answer = by_id(method, created["employee"]["employee_id"], who=ADMIN_B, body=body)

    assert (status, answer["error"]) == (404, "not_found")
    assert cloud.snapshot() == before


def reinvite(employee_id, who=ADMIN_A):
    return call(
        handler,
        rest_event(
            "POST",
            f"/empleados/{employee_id}/invitacion",
            principal=who,
            resource="/empleados/{employee_id}/invitacion",
            path_parameters={"employee_id": employee_id},
        ),
    )


def test_an_admin_sends_a_fresh_invitation_and_its_link_activates_the_account(cloud) -> None:
    # Given an invited employee whose first email was lost,
    _, created = create()
    employee_id = created["employee"]["employee_id"]

    # when the admin asks for a new invitation,
    status, body = reinvite(employee_id)

    # then a second EmployeeInvited goes out with a new link that activates the account,
    assert status == 200 and body["employee"]["employee_id"] == employee_id
    links = [e["detail"]["invite_url"] for e in cloud.events("EmployeeInvited")]
    assert len(links) == 2 and links[0] != links[1]
    token = parse_qs(urlparse(links[1]).fragment)["token"][0]
    assert activate(token)[0] == 200
    # and once active, no more invitations.
    assert reinvite(employee_id)[1]["error"] == "already_active"


def test_an_admin_of_another_tenant_cannot_reinvite_and_nothing_is_sent(cloud) -> None:
    _, created = create()
    before = cloud.snapshot()

    status, answer = reinvite(created["employee"]["employee_id"], who=ADMIN_B)

    assert (status, answer["error"]) == (404, "not_found")
    assert cloud.snapshot() == before
    assert len(cloud.events("EmployeeInvited")) == 1


def test_the_email_lock_item_is_not_an_employee(cloud) -> None:
    create()
    status, _ = call(
        handler,
        rest_event(
            "GET",
            "/empleados/email%23carla@bembos.pe",
            principal=ADMIN_A,
            resource="/empleados/{employee_id}",
            path_parameters={"employee_id": "email#carla@bembos.pe"},
        ),
    )
    assert status == 422


ADMIN_ROUTES = [
    ("POST", "/empleados", new_employee()),
    ("GET", "/empleados", None),
    ("GET", "/empleados/{id}", None),
    ("PATCH", "/empleados/{id}", {"name": "Otro Nombre"}),
    ("DELETE", "/empleados/{id}", None),
    ("POST", "/empleados/{id}/invitacion", None),
]


@pytest.mark.parametrize("rol", ["cliente", "cocinero", "empaquetador", "repartidor"])
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_only_admins_reach_the_staff_management_routes(cloud, rol, method, path, body) -> None:
    _, created = create(new_employee(email="target@bembos.pe"))
    employee_id = created["employee"]["employee_id"]
    before = cloud.snapshot()
    caller = principal("tenant-a", "someone", rol, None if rol == "cliente" else "larco")

    status, answer = call(
        handler,
        rest_event(
            method,
            path.replace("{id}", employee_id),
            body=body,
            principal=caller,
            resource=path.replace("{id}", "{employee_id}"),
            path_parameters={"employee_id": employee_id} if "{id}" in path else None,
        ),
    )

    assert (status, answer["error"]) == (403, "forbidden")
    assert cloud.snapshot() == before


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_staff_management_routes_need_a_session(cloud, method, path, body) -> None:
    status, answer = call(
        handler,
        rest_event(
            method,
            path.replace("{id}", "abc"),
            body=body,
            resource=path.replace("{id}", "{employee_id}"),
            path_parameters={"employee_id": "abc"} if "{id}" in path else None,
        ),
    )
    assert (status, answer["error"]) == (401, "unauthenticated")
