"""Users, sessions and staff over the local cloud: every identity route through the gateway and its authorizer."""

from __future__ import annotations

import boto3
import pytest
from identity_support import (
    DEMO_PASSWORD,
    MIRAFLORES,
    SAN_ISIDRO,
    STAFF_ROLES,
    active_employee,
    assert_error,
    by_email,
    call,
    create_employee,
    invite_token,
    link_token,
    login,
    register,
    role_token,
    staff_account,
    stored,
    token_of,
    unique_email,
)

from core.tokens import hash_token

pytestmark = pytest.mark.e2e


# -- registration and login ---------------------------------------------------------------------


def test_registration_mails_a_verification_link_and_after_it_login_works_and_the_welcome_arrives(cloud) -> None:
    # Given a new email
    email = unique_email("bienvenida")
    password = "Hamburguesa-2026"
    # When the customer registers with the tenant's header
    body = {"email": email.upper(), "password": password, "name": "  Rosa   Quispe ", "phone": "987 654 321"}
    response = call(cloud, "POST", "usuarios", tenant=MIRAFLORES, json=body)
    # Then the answer says a verification is pending, and tells nothing else
    assert response.status_code == 202, response.text
    assert response.json() == {"email": email, "status": "pending_verification"}
    # and the stored customer is unverified, normalized, with a password hash only (argon2id), never the password
    [item] = by_email(cloud, "usuarios", MIRAFLORES, email)
    assert item["status"]["S"] == "pending_verification" and item["name"]["S"] == "Rosa Quispe"
    assert "Hamburguesa-2026" not in str(item) and item["password_hash"]["S"].startswith("$argon2id$")
    # and it cannot log in yet
    assert_error(login(cloud, MIRAFLORES, email, password), 403, "email_not_verified")
    # and the one email is the Spanish verification, text and HTML, with the link to the customer app
    [mail] = cloud.mailbox.wait_for(to=email, count=1, timeout=20)
    assert "Confirma tu correo" in mail.subject and "Bembos Miraflores" in mail.subject
    assert mail.text and "Hola, Rosa Quispe" in mail.text
    assert mail.html and 'lang="es-PE"' in mail.html and "Confirmar mi correo" in mail.html
    assert f"/clientes/{MIRAFLORES}/verificar#token=" in mail.text
    # When the customer follows the link
    verified = call(cloud, "POST", "usuarios/verificacion", json={"token": link_token(cloud, email)})
    # Then the account is active, login works, and the welcome email follows
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"user_id": item["user_id"]["S"], "status": "active"}
    assert login(cloud, MIRAFLORES, email, password).status_code == 200
    welcome = cloud.mailbox.wait_for(to=email, count=2, timeout=20)[-1]
    assert "Bienvenido" in welcome.subject and "Te damos la bienvenida" in (welcome.text or "")


def test_registering_a_registered_email_answers_alike_and_mails_its_owner_but_is_free_in_another_tenant(
    cloud,
) -> None:
    # Given a verified customer of Miraflores
    profile, email, password = register(cloud, MIRAFLORES)
    # When the same email registers again there (in another spelling)
    again = call(
        cloud,
        "POST",
        "usuarios",
        tenant=MIRAFLORES,
        json={"email": email.upper(), "password": "Otra-Clave-99", "name": "Otro"},
    )
    # Then the answer is the one any registration gets, nothing more is written, and the owner is told
    assert again.status_code == 202 and again.json() == {"email": email, "status": "pending_verification"}
    assert [i["user_id"]["S"] for i in by_email(cloud, "usuarios", MIRAFLORES, email)] == [profile["user_id"]]
    assert login(cloud, MIRAFLORES, email, password).status_code == 200
    notice = cloud.mailbox.wait_for(to=email, count=3, timeout=20)[-1]  # verification, welcome, notice
    assert "Ya tienes una cuenta" in notice.subject and f"/clientes/{MIRAFLORES}/recuperar" in (notice.text or "")
    # When it registers with San Isidro
    elsewhere = call(
        cloud, "POST", "usuarios", tenant=SAN_ISIDRO, json={"email": email, "password": "Otra-Clave-99", "name": "Otro"}
    )
    # Then that is a separate account
    assert elsewhere.status_code == 202, elsewhere.text
    [other] = by_email(cloud, "usuarios", SAN_ISIDRO, email)
    assert other["user_id"]["S"] != profile["user_id"]


def test_customer_login_returns_a_token_the_authorizer_turns_into_the_customer_principal(cloud) -> None:
    # Given a registered customer
    profile, email, password = register(cloud, MIRAFLORES)
    # When it logs in
    response = login(cloud, MIRAFLORES, email, password)
    # Then it gets a customer session token of its tenant
    assert response.status_code == 200, response.text
    session = response.json()
    assert session["kind"] == "customer" and session["rol"] == "cliente"
    assert session["subject_id"] == profile["user_id"]
    assert session["token"].startswith(f"{MIRAFLORES}.")
    # and the token is stored only as its hash
    assert stored(cloud, "tokens", MIRAFLORES, hash_token(session["token"])) is not None
    # and the gateway's authorizer passes the principal to the handlers
    principal = call(cloud, "GET", "sesion", token=session["token"]).json()
    assert principal == {
        "tenant_id": MIRAFLORES,
        "subject_id": profile["user_id"],
        "kind": "customer",
        "rol": "cliente",
        "location_id": None,
        "name": "Cliente Prueba",  # as registered, kept in the session for display
    }


@pytest.mark.parametrize("rol", STAFF_ROLES)
def test_staff_log_in_through_the_same_route_with_their_role_and_location(cloud, rol: str) -> None:
    # Given a seeded, active employee of the role
    account = staff_account(cloud, SAN_ISIDRO, rol)
    # When it logs in (as staff)
    response = login(cloud, SAN_ISIDRO, account["email"], account["password"], kind="employee")
    # Then the session is an employee one with its role and location
    assert response.status_code == 200, response.text
    session = response.json()
    assert (session["kind"], session["rol"], session["location_id"]) == ("employee", rol, "camino-real")
    principal = call(cloud, "GET", "sesion", token=session["token"]).json()
    assert (principal["tenant_id"], principal["rol"], principal["location_id"]) == (SAN_ISIDRO, rol, "camino-real")


def test_a_wrong_password_and_an_unknown_email_get_the_same_401(cloud) -> None:
    # Given a registered customer
    _, email, _ = register(cloud, MIRAFLORES)
    # When it logs in with a wrong password, and someone logs in with an unknown email
    wrong = login(cloud, MIRAFLORES, email, "No-Es-La-Clave-1")
    unknown = login(cloud, MIRAFLORES, unique_email("nadie"), "No-Es-La-Clave-1")
    # Then both are the same 401, which does not tell which one exists
    assert assert_error(wrong, 401, "invalid_credentials") == assert_error(unknown, 401, "invalid_credentials")


def test_failed_logins_of_an_account_are_throttled(cloud) -> None:
    # Given a customer whose password was guessed wrong five times
    _, email, password = register(cloud, MIRAFLORES)
    for _ in range(5):
        assert login(cloud, MIRAFLORES, email, "No-Es-La-Clave-1").status_code == 401
    # When even the right password is tried
    response = login(cloud, MIRAFLORES, email, password)
    # Then the account is throttled for a while
    assert_error(response, 429, "login_throttled")


# -- profile ------------------------------------------------------------------------------------


def test_get_profile_returns_the_callers_own_profile(cloud) -> None:
    # Given a logged-in customer
    profile, email, password = register(cloud, MIRAFLORES, phone="912345678")
    token = token_of(cloud, MIRAFLORES, email, password)
    # When it reads /perfil
    response = call(cloud, "GET", "perfil", token=token)
    # Then it gets its own profile
    assert response.status_code == 200, response.text
    assert response.json() == {
        **profile,
        "name": "Cliente Prueba",
        "phone": "+51912345678",
        "created_at": response.json()["created_at"],
    }


def test_put_profile_replaces_the_profile_and_a_missing_phone_removes_it(cloud) -> None:
    # Given a customer with a phone
    profile, email, password = register(cloud, MIRAFLORES, phone="912345678")
    token = token_of(cloud, MIRAFLORES, email, password)
    # When it replaces its profile without a phone
    response = call(cloud, "PUT", "perfil", token=token, json={"name": "Rosa María Quispe"})
    # Then the name changes and the phone is gone, also in the table
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Rosa María Quispe"
    assert response.json()["phone"] is None
    item = stored(cloud, "usuarios", MIRAFLORES, profile["user_id"])
    assert item["name"]["S"] == "Rosa María Quispe" and "phone" not in item


def test_patch_profile_changes_only_the_fields_given(cloud) -> None:
    # Given a customer with a name and a phone
    _, email, password = register(cloud, MIRAFLORES, name="Juan Pérez", phone="912345678")
    token = token_of(cloud, MIRAFLORES, email, password)
    # When it patches the phone only
    response = call(cloud, "PATCH", "perfil", token=token, json={"phone": "+51 998 877 665"})
    # Then the phone changes and the name stays
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["phone"]) == ("Juan Pérez", "+51998877665")
    assert call(cloud, "GET", "perfil", token=token).json()["phone"] == "+51998877665"


def test_delete_profile_deactivates_the_account_revokes_every_token_and_frees_the_email(cloud) -> None:
    # Given a customer with two sessions; the second one has never been used (so no authorizer cache entry)
    profile, email, password = register(cloud, MIRAFLORES)
    first, second = token_of(cloud, MIRAFLORES, email, password), token_of(cloud, MIRAFLORES, email, password)
    # When it deletes its profile with the first one
    response = call(cloud, "DELETE", "perfil", token=first)
    # Then the account is inactive and both tokens are revoked
    assert response.status_code == 200, response.text
    assert response.json() == {"user_id": profile["user_id"], "status": "inactive", "revoked_tokens": 2}
    assert stored(cloud, "usuarios", MIRAFLORES, profile["user_id"])["status"]["S"] == "inactive"
    assert stored(cloud, "tokens", MIRAFLORES, hash_token(second)) is None
    assert call(cloud, "GET", "perfil", token=second).status_code == 401
    # and the old password no longer logs in, while the email can register again
    assert login(cloud, MIRAFLORES, email, password).status_code == 401
    body = {"email": email, "password": password, "name": "Vuelve"}
    again = call(cloud, "POST", "usuarios", tenant=MIRAFLORES, json=body)
    assert again.status_code == 202
    assert [i["status"]["S"] for i in by_email(cloud, "usuarios", MIRAFLORES, email)] == ["pending_verification"]


def test_logout_revokes_the_token_in_use(cloud) -> None:
    # Given a logged-in customer that has used its token
    _, email, password = register(cloud, MIRAFLORES)
    token = token_of(cloud, MIRAFLORES, email, password)
    assert call(cloud, "GET", "perfil", token=token).status_code == 200
    # When it logs out
    response = call(cloud, "POST", "usuarios/logout", token=token)
    # Then the token is deleted from the tokens table
    assert response.status_code == 200, response.text
    assert response.json() == {"revoked": True}
    assert stored(cloud, "tokens", MIRAFLORES, hash_token(token)) is None
    # and the authorizer refuses it. API Gateway (and the local gateway) caches the authorizer's answer for
    # 60 s keyed by the exact Authorization header value, so the very same header may keep working until
    # the cache entry expires (documented in services/authorizer/handler.py); a header the cache has not
    # seen ("bearer" in lower case, which the authorizer also accepts) makes the authorizer look again.
    assert call(cloud, "GET", "perfil", authorization=f"bearer {token}").status_code == 401


# -- employees ----------------------------------------------------------------------------------


def test_onboarding_invited_the_first_admin_of_each_tenant(cloud) -> None:
    dynamodb = boto3.client("dynamodb")
    for tenant in (MIRAFLORES, SAN_ISIDRO):
        # Given the admin email the tenant was onboarded with
        config = dynamodb.get_item(TableName=cloud.table("tenants"), Key={"tenant_id": {"S": tenant}})["Item"]
        admin_email = config["admin_email"]["S"].lower()
        # Then the admin exists, invited at the first location, and its invitation was mailed with a link
        [admin] = by_email(cloud, "empleados", tenant, admin_email)
        assert (admin["rol"]["S"], admin["status"]["S"]) == ("admin", "invited")
        # (the tenant's contact address also hears of its orders and complaints: only the invitation counts here,
        # and it came exactly once)
        received = cloud.mailbox.wait_for(to=admin_email, count=1, timeout=20)
        [mail] = [m for m in received if "invitación" in m.subject]
        assert f"{cloud.urls.staff_app}{tenant}/activar#token={tenant}." in mail.text
        assert mail.html and "Crear mi contraseña" in mail.html


def test_an_invited_employee_activates_with_the_mailed_link_and_logs_in(cloud) -> None:
    # Given an admin that creates a cook at Benavides
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, email = create_employee(cloud, admin, rol="cocinero", location_id="benavides", name="Lucía Ramos")
    assert employee["status"] == "invited"
    # When the invitation arrives (in Spanish, with text and HTML) and its link's token is used once
    [mail] = cloud.mailbox.wait_for(to=email, count=1, timeout=20)
    assert "cocinero(a)" in mail.text and "benavides" in mail.text
    assert mail.html and "Lucía Ramos" in mail.html
    token = invite_token(cloud, email)
    activated = call(cloud, "POST", "empleados/activar", json={"token": token, "password": "Cocina-Segura-1"})
    # Then the employee is active and logs in as a cook of Benavides
    assert activated.status_code == 200, activated.text
    assert activated.json() == {"employee_id": employee["employee_id"], "status": "active"}
    session = login(cloud, MIRAFLORES, email, "Cocina-Segura-1")
    assert session.status_code == 200, session.text
    assert (session.json()["kind"], session.json()["rol"], session.json()["location_id"]) == (
        "employee",
        "cocinero",
        "benavides",
    )
    # and the link cannot be used a second time
    again = call(cloud, "POST", "empleados/activar", json={"token": token, "password": "Otra-Clave-Segura-2"})
    assert_error(again, 410, "invitation_invalid")


def test_an_invitation_token_is_not_a_session_token(cloud) -> None:
    # Given a pending invitation
    admin = role_token(cloud, MIRAFLORES, "admin")
    _, email = create_employee(cloud, admin, rol="repartidor", location_id="larco")
    # When its token is used as a bearer token
    response = call(cloud, "GET", "sesion", token=invite_token(cloud, email))
    # Then the authorizer refuses it
    assert response.status_code == 401


def test_admin_lists_employees_page_by_page_and_by_location(cloud) -> None:
    # Given the tenant's staff and one more employee at Benavides
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, _ = create_employee(cloud, admin, rol="empaquetador", location_id="benavides")
    # When the admin lists them two at a time
    ids, pages, cursor = [], 0, None
    while True:
        response = call(
            cloud, "GET", "empleados", token=admin, params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        ids += [e["employee_id"] for e in page["items"]]
        pages, cursor = pages + 1, page["next_cursor"]
        if not cursor:
            break
    # Then every employee comes once, over several pages, without password hashes
    assert pages >= 3 and len(ids) == len(set(ids))
    seeded = {staff_account(cloud, MIRAFLORES, rol)["email"] for rol in STAFF_ROLES}
    listed = call(cloud, "GET", "empleados", token=admin, params={"limit": 100})
    assert seeded <= {e["email"] for e in listed.json()["items"]}
    assert "password" not in listed.text
    assert employee["employee_id"] in ids
    # and the location filter keeps only that location's staff
    at_benavides = call(
        cloud, "GET", "empleados", token=admin, params={"location_id": "benavides", "limit": 100}
    ).json()
    assert employee["employee_id"] in [e["employee_id"] for e in at_benavides["items"]]
    assert {e["location_id"] for e in at_benavides["items"]} == {"benavides"}


def test_admin_gets_and_patches_an_employee_and_a_role_change_ends_its_sessions(cloud) -> None:
    # Given an active packer with a session it has not used yet
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, email = active_employee(cloud, admin, rol="empaquetador", location_id="larco")
    session = token_of(cloud, MIRAFLORES, email, "Cocina-Segura-1")
    # When the admin reads it and then changes its name, role and location
    got = call(cloud, "GET", f"empleados/{employee['employee_id']}", token=admin)
    patched = call(
        cloud,
        "PATCH",
        f"empleados/{employee['employee_id']}",
        token=admin,
        json={"name": "Pedro Salas", "rol": "repartidor", "location_id": "benavides"},
    )
    # Then the reads and the change are the employee's
    assert got.status_code == 200 and got.json()["status"] == "active"
    assert patched.status_code == 200, patched.text
    assert {k: patched.json()[k] for k in ("name", "rol", "location_id")} == {
        "name": "Pedro Salas",
        "rol": "repartidor",
        "location_id": "benavides",
    }
    # and its old session (with the old role) is revoked; a new login carries the new role
    assert call(cloud, "GET", "sesion", token=session).status_code == 401
    assert login(cloud, MIRAFLORES, email, "Cocina-Segura-1").json()["rol"] == "repartidor"


def test_admin_deactivates_an_employee_who_then_cannot_log_in(cloud) -> None:
    # Given an active cook with an unused session
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, email = active_employee(cloud, admin, rol="cocinero", location_id="larco")
    session = token_of(cloud, MIRAFLORES, email, "Cocina-Segura-1")
    # When the admin deactivates it
    response = call(cloud, "DELETE", f"empleados/{employee['employee_id']}", token=admin)
    # Then it is inactive, its session is revoked and it cannot log in
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "inactive" and response.json()["revoked_tokens"] >= 1
    assert stored(cloud, "empleados", MIRAFLORES, employee["employee_id"])["status"]["S"] == "inactive"
    assert call(cloud, "GET", "sesion", token=session).status_code == 401
    assert_error(login(cloud, MIRAFLORES, email, "Cocina-Segura-1"), 401, "invalid_credentials")


def test_an_admin_cannot_deactivate_itself(cloud) -> None:
    # Given the seeded admin
    admin = role_token(cloud, MIRAFLORES, "admin")
    me = call(cloud, "GET", "sesion", token=admin).json()["subject_id"]
    # When it deletes itself
    response = call(cloud, "DELETE", f"empleados/{me}", token=admin)
    # Then that is refused and it stays active
    assert_error(response, 409, "self_change")
    assert stored(cloud, "empleados", MIRAFLORES, me)["status"]["S"] == "active"


# -- bad input ----------------------------------------------------------------------------------

OVERSIZED = {"email": unique_email("grande"), "password": "Hamburguesa-2026", "name": "A" * 9000}


def _register_case(body=None, content=None, tenant=MIRAFLORES):
    return {"method": "POST", "path": "usuarios", "tenant": tenant, "json": body, "content": content}


REGISTER_CASES = {
    "missing password": (_register_case({"email": unique_email("falta"), "name": "Ana"}), 422, "validation_failed"),
    "name of wrong type": (
        _register_case({"email": unique_email("tipo"), "password": "Hamburguesa-2026", "name": 42}),
        422,
        "validation_failed",
    ),
    "invalid email": (
        _register_case({"email": "no-es-un-correo", "password": "Hamburguesa-2026", "name": "Ana"}),
        422,
        None,
    ),
    "weak password": (
        _register_case({"email": unique_email("debil"), "password": "123456789012", "name": "Ana"}),
        422,
        None,
    ),
    "invalid phone": (
        _register_case({"email": unique_email("fono"), "password": "Hamburguesa-2026", "name": "Ana", "phone": "12"}),
        422,
        None,
    ),
    "a tenant_id in the body": (
        _register_case(
            {"email": unique_email("extra"), "password": "Hamburguesa-2026", "name": "Ana", "tenant_id": SAN_ISIDRO}
        ),
        422,
        None,
    ),
    "oversized body": (_register_case(OVERSIZED), 413, "payload_too_large"),
    "malformed JSON": (_register_case(content=b'{"email": "ana@demo.pe", "password": '), 422, "validation_failed"),
    "no tenant header": (
        _register_case({"email": unique_email("sin"), "password": "Hamburguesa-2026", "name": "Ana"}, tenant=None),
        404,
        "unknown_tenant",
    ),
    "unknown tenant": (
        _register_case(
            {"email": unique_email("nadie"), "password": "Hamburguesa-2026", "name": "Ana"}, tenant="no-existe"
        ),
        404,
        "unknown_tenant",
    ),
}


@pytest.mark.parametrize("case", REGISTER_CASES, ids=list(REGISTER_CASES))
def test_registration_with_bad_input_is_a_clear_4xx_and_writes_nothing(cloud, case: str) -> None:
    request, status, code = REGISTER_CASES[case]
    # When the registration is sent
    response = call(cloud, **request)
    # Then it is refused with the platform's error shape
    assert_error(response, status, code)
    # and no customer exists with that email in any tenant
    email = (request["json"] or {}).get("email")
    if isinstance(email, str) and "@" in email:
        for tenant in (MIRAFLORES, SAN_ISIDRO):
            assert by_email(cloud, "usuarios", tenant, email) == []


LOGIN_CASES = {
    "missing password": ({"json": {"email": "cliente@demo.pe"}, "tenant": MIRAFLORES}, 422, "validation_failed"),
    "password of wrong type": (
        {"json": {"email": "cliente@demo.pe", "password": 123}, "tenant": MIRAFLORES},
        422,
        "validation_failed",
    ),
    "unknown kind": (
        {"json": {"email": "cliente@demo.pe", "password": DEMO_PASSWORD, "kind": "root"}, "tenant": MIRAFLORES},
        422,
        "validation_failed",
    ),
    "malformed JSON": ({"content": b"{email", "tenant": MIRAFLORES}, 422, "validation_failed"),
    "oversized body": (
        {"json": {"email": "cliente@demo.pe", "password": "x" * 9000}, "tenant": MIRAFLORES},
        413,
        "payload_too_large",
    ),
    "unknown tenant": (
        {"json": {"email": "cliente@demo.pe", "password": DEMO_PASSWORD}, "tenant": "no-existe"},
        404,
        "unknown_tenant",
    ),
}


@pytest.mark.parametrize("case", LOGIN_CASES, ids=list(LOGIN_CASES))
def test_login_with_bad_input_is_a_clear_4xx_and_creates_no_session(cloud, case: str) -> None:
    request, status, code = LOGIN_CASES[case]
    response = call(cloud, "POST", "usuarios/login", **request)
    assert_error(response, status, code)
    assert "token" not in response.json()


PROFILE_CASES = {
    "PUT without name": ("PUT", {"json": {"phone": "912345678"}}, 422),
    "PUT name of wrong type": ("PUT", {"json": {"name": ["Ana"]}}, 422),
    "PATCH with nothing": ("PATCH", {"json": {}}, 422),
    "PATCH removing the name": ("PATCH", {"json": {"name": None}}, 422),
    "PATCH bad phone": ("PATCH", {"json": {"phone": "abc"}}, 422),
    "PATCH unknown field": ("PATCH", {"json": {"status": "inactive"}}, 422),
    "PUT malformed JSON": ("PUT", {"content": b'{"name": "Ana"'}, 422),
    "PATCH oversized body": ("PATCH", {"json": {"name": "A" * 9000}}, 413),
}


@pytest.mark.parametrize("case", PROFILE_CASES, ids=list(PROFILE_CASES))
def test_profile_changes_with_bad_input_are_a_clear_4xx_and_change_nothing(cloud, case: str) -> None:
    # Given a customer
    profile, email, password = register(cloud, MIRAFLORES, phone="912345678")
    token = token_of(cloud, MIRAFLORES, email, password)
    before = stored(cloud, "usuarios", MIRAFLORES, profile["user_id"])
    method, request, status = PROFILE_CASES[case]
    # When it sends the bad change
    response = call(cloud, method, "perfil", token=token, **request)
    # Then it is refused and the stored customer is as it was
    assert_error(response, status)
    assert stored(cloud, "usuarios", MIRAFLORES, profile["user_id"]) == before


EMPLOYEE_CASES = {
    "create without rol": (
        "POST",
        "empleados",
        {"json": {"name": "Ana", "email": "EMAIL", "location_id": "larco"}},
        422,
    ),
    "create with unknown rol": (
        "POST",
        "empleados",
        {"json": {"name": "Ana", "email": "EMAIL", "rol": "gerente", "location_id": "larco"}},
        422,
    ),
    "create at unknown location": (
        "POST",
        "empleados",
        {"json": {"name": "Ana", "email": "EMAIL", "rol": "cocinero", "location_id": "no-existe"}},
        422,
    ),
    "create with malformed JSON": ("POST", "empleados", {"content": b'{"name": "Ana",'}, 422),
    "create with oversized body": (
        "POST",
        "empleados",
        {"json": {"name": "A" * 9000, "email": "EMAIL", "rol": "cocinero", "location_id": "larco"}},
        413,
    ),
    "patch with nothing": ("PATCH", "empleados/ID", {"json": {}}, 422),
    "patch rol of wrong type": ("PATCH", "empleados/ID", {"json": {"rol": 3}}, 422),
    "patch a null name": ("PATCH", "empleados/ID", {"json": {"name": None}}, 422),
    "patch an unknown id": ("PATCH", "empleados/no-existe", {"json": {"name": "Ana"}}, 404),
    "limit out of range": ("GET", "empleados", {"params": {"limit": 1000}}, 422),
    "forged cursor": ("GET", "empleados", {"params": {"cursor": "bm8tZXMtdW4tY3Vyc29y"}}, 422),
}


@pytest.fixture(scope="module")
def invited_employee(cloud) -> dict:
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, _ = create_employee(cloud, admin, rol="cocinero", location_id="larco")
    return employee


@pytest.mark.parametrize("case", EMPLOYEE_CASES, ids=list(EMPLOYEE_CASES))
def test_employee_management_with_bad_input_is_a_clear_4xx_and_writes_nothing(
    cloud, invited_employee, case: str
) -> None:
    method, path, request, status = EMPLOYEE_CASES[case]
    admin = role_token(cloud, MIRAFLORES, "admin")
    email = unique_email("malo")
    if "json" in request and isinstance(request["json"], dict) and request["json"].get("email") == "EMAIL":
        request = {"json": {**request["json"], "email": email}}
    before = stored(cloud, "empleados", MIRAFLORES, invited_employee["employee_id"])
    # When the admin sends the bad request
    response = call(cloud, method, path.replace("ID", invited_employee["employee_id"]), token=admin, **request)
    # Then it is refused, no employee is created and the existing one is unchanged
    assert_error(response, status)
    assert by_email(cloud, "empleados", MIRAFLORES, email) == []
    assert stored(cloud, "empleados", MIRAFLORES, invited_employee["employee_id"]) == before


ACTIVATION_CASES = {
    "missing password": ({"token": "TOKEN"}, 422),
    "weak password": ({"token": "TOKEN", "password": "1234567890"}, 422),
    "password equal to the email": ({"token": "TOKEN", "password": "EMAIL"}, 422),
    "token of wrong type": ({"token": 12345678901, "password": "Cocina-Segura-1"}, 422),
    "forged token": ({"token": f"{MIRAFLORES}.{'A' * 43}", "password": "Cocina-Segura-1"}, 410),
    "oversized body": ({"token": "TOKEN", "password": "Cocina-Segura-1", "x": "y" * 9000}, 413),
}


@pytest.mark.parametrize("case", ACTIVATION_CASES, ids=list(ACTIVATION_CASES))
def test_activation_with_bad_input_is_a_clear_4xx_and_leaves_the_invitation_usable(cloud, case: str) -> None:
    # Given a pending invitation
    admin = role_token(cloud, MIRAFLORES, "admin")
    employee, email = create_employee(cloud, admin, rol="cocinero", location_id="larco")
    token = invite_token(cloud, email)
    body, status = ACTIVATION_CASES[case]
    body = {k: (token if v == "TOKEN" else email if v == "EMAIL" else v) for k, v in body.items()}
    # When the activation is sent with bad input
    response = call(cloud, "POST", "empleados/activar", json=body)
    # Then it is refused, the employee is still invited and the link still works
    assert_error(response, status)
    assert stored(cloud, "empleados", MIRAFLORES, employee["employee_id"])["status"]["S"] == "invited"
    ok = call(cloud, "POST", "empleados/activar", json={"token": token, "password": "Cocina-Segura-1"})
    assert ok.status_code == 200, ok.text
