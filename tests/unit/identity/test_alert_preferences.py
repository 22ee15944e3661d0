"""``/empleados/yo/preferencias``: each employee reads and changes their own choice of their role's e-mails."""

from __future__ import annotations

import pytest
from identity_world import call, principal, table_name
from rest_events import rest_event

import empleados.handler as handler

PATH = "/empleados/yo/preferencias"


def seed_employee(cloud, employee_id: str, rol: str, *, tenant: str = "tenant-a", status: str = "active") -> None:
    cloud.dynamodb.put_item(
        TableName=table_name("empleados"),
        Item={
            "tenant_id": {"S": tenant},
            "employee_id": {"S": employee_id},
            "name": {"S": employee_id},
            "email": {"S": f"{employee_id}@bembos.pe"},
            "rol": {"S": rol},
            "location_id": {"S": "larco"},
            "tenant_location": {"S": f"{tenant}#larco"},
            "status": {"S": status},
        },
    )


def stored(cloud, employee_id: str, tenant: str = "tenant-a") -> dict:
    key = {"tenant_id": {"S": tenant}, "employee_id": {"S": employee_id}}
    return cloud.dynamodb.get_item(TableName=table_name("empleados"), Key=key)["Item"]


def preferences(who, method="GET", body=None):
    return call(handler, rest_event(method, PATH, body=body, principal=who, resource=PATH))


@pytest.mark.parametrize(("rol", "default"), [("admin", True), ("cocinero", False), ("empaquetador", False),
                                              ("repartidor", False)])  # fmt: skip
def test_each_role_starts_with_its_default(cloud, rol, default) -> None:
    seed_employee(cloud, f"e-{rol}", rol)

    status, body = preferences(principal("tenant-a", f"e-{rol}", rol, "larco"))

    assert status == 200
    assert body["email_alerts"] is default and body["default"] is default and body["rol"] == rol
    assert body["events"]


def test_a_cook_opts_in_and_out_of_their_own_item_only(cloud) -> None:
    seed_employee(cloud, "e-cook", "cocinero")
    seed_employee(cloud, "e-other", "cocinero")
    cook = principal("tenant-a", "e-cook", "cocinero", "larco")

    status, body = preferences(cook, "PATCH", {"email_alerts": True})
    assert (status, body["email_alerts"]) == (200, True)
    assert stored(cloud, "e-cook")["email_alerts"] == {"BOOL": True}
    assert "email_alerts" not in stored(cloud, "e-other")
    assert preferences(cook)[1]["email_alerts"] is True

    assert preferences(cook, "PATCH", {"email_alerts": False})[1]["email_alerts"] is False
    assert stored(cloud, "e-cook")["email_alerts"] == {"BOOL": False}


def test_an_admin_opts_out(cloud) -> None:
    seed_employee(cloud, "e-admin", "admin")
    admin = principal("tenant-a", "e-admin", "admin", "larco")

    assert preferences(admin, "PATCH", {"email_alerts": False})[1] == {
        "rol": "admin",
        "email_alerts": False,
        "default": True,
        "events": ["order_cancelled", "order_overdue", "complaint_filed", "daily_summary"],
    }


@pytest.mark.parametrize(
    "body", [{}, {"email_alerts": "maybe"}, {"email_alerts": True, "rol": "admin"}, {"email_alerts": None}, "{"]
)
def test_bad_bodies_are_422_and_change_nothing(cloud, body) -> None:
    seed_employee(cloud, "e-cook", "cocinero")
    before = cloud.snapshot()

    status, answer = preferences(principal("tenant-a", "e-cook", "cocinero", "larco"), "PATCH", body)

    assert status == 422 and answer["error"] == "validation_failed"
    assert cloud.snapshot() == before


def test_customers_and_callers_without_a_session_are_refused(cloud) -> None:
    assert preferences(principal("tenant-a", "c-1", "cliente"))[0] == 403
    assert call(handler, rest_event("GET", PATH, resource=PATH))[0] == 401


def test_the_tenant_comes_from_the_session(cloud) -> None:
    seed_employee(cloud, "e-cook", "cocinero", tenant="tenant-b")
    before = cloud.snapshot()

    # Tenant A's session names an employee id that exists only in tenant B: not found, nothing written there.
    status, answer = preferences(principal("tenant-a", "e-cook", "cocinero", "larco"), "PATCH", {"email_alerts": True})

    assert (status, answer["error"]) == (404, "not_found")
    assert cloud.snapshot() == before


def test_a_deactivated_employee_cannot_change_it(cloud) -> None:
    seed_employee(cloud, "e-gone", "cocinero", status="inactive")
    before = cloud.snapshot()

    status, answer = preferences(principal("tenant-a", "e-gone", "cocinero", "larco"), "PATCH", {"email_alerts": True})

    assert (status, answer["error"]) == (409, "employee_state")
    assert cloud.snapshot() == before
