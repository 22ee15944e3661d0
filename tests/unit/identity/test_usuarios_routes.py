"""The users service through its Lambda handler: registration, login, logout and the profile.

(The address's verification, the password reset and change: ``test_customer_links.py``.)
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from identity_world import authorize, call, principal, suspend_tenant, table_name
from rest_events import rest_event
from usuarios_support import PASSWORD, TENANT, link_token, register, register_body, signed_up

import authorizer.runtime as authorizer_runtime
import usuarios.handler as handler
from core.tokens import hash_token


def login(email="ana@example.pe", password=PASSWORD, headers=TENANT, **extra):
    return call(
        handler,
        rest_event("POST", "/usuarios/login", body={"email": email, "password": password, **extra}, headers=headers),
    )


def as_customer(login_body):
    return principal("tenant-a", login_body["subject_id"], "cliente")


# -- registration --------------------------------------------------------------------------------
def test_registering_creates_an_unverified_customer_and_mails_only_its_verification_link(cloud) -> None:
    status, body = register(cloud)

    assert (status, body) == (202, {"email": "ana@example.pe", "status": "pending_verification"})
    [stored] = [i for i in cloud.items("usuarios") if not i["user_id"]["S"].startswith("email#")]
    assert stored["status"]["S"] == "pending_verification" and stored["phone"]["S"] == "+51987654321"
    assert stored["password_hash"]["S"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in json.dumps(cloud.items("usuarios"))
    [event] = cloud.events()  # the verification email only: no welcome before the address is verified
    assert event["source"] == "bembos.identity" and event["detail-type"] == "CustomerVerificationRequested"
    detail = event["detail"]
    assert detail["email"] == "ana@example.pe" and detail["customer_id"] == stored["user_id"]["S"]
    assert detail["url"].startswith("https://clientes.example.pe/clientes/tenant-a/verificar#token=tenant-a.")
    [link] = cloud.tokens()  # stored as a prefixed hash with its TTL, never as the token itself
    token = link_token(cloud)
    assert link["token_hash"]["S"].startswith("verify#") and token not in json.dumps(cloud.items("tokens"))
    assert link["kind"]["S"] == "verify"
    hours = (int(link["expires_at"]["N"]) - dt.datetime.fromisoformat(stored["created_at"]["S"]).timestamp()) / 3600
    assert round(hours) == 24


def test_registering_a_verified_address_again_answers_alike_changes_nothing_and_tells_its_owner(cloud) -> None:
    profile = signed_up(cloud)
    before = cloud.snapshot()

    status, body = register(cloud, email="ANA@example.pe", name="Otra Persona", password="Otra-Clave-2026")

    assert (status, body) == (202, {"email": "ana@example.pe", "status": "pending_verification"})
    after = cloud.snapshot()
    assert after["usuarios"] == before["usuarios"]
    assert login()[0] == 200 and login(password="Otra-Clave-2026")[0] == 401
    [notice] = cloud.events("CustomerRegistrationRepeated")
    assert notice["detail"]["email"] == "ana@example.pe" and notice["detail"]["customer_id"] == profile["user_id"]
    assert notice["detail"]["reset_url"] == "https://clientes.example.pe/clientes/tenant-a/recuperar"
    assert len(cloud.events("CustomerVerificationRequested")) == 1  # no link for the second registration


def test_the_same_email_may_register_in_another_tenant(cloud) -> None:
    register(cloud)
    status, _ = register(cloud, headers={"X-Tenant-Id": "tenant-b"})
    assert status == 202
    assert [e["detail"]["tenant_id"] for e in cloud.events("CustomerVerificationRequested")] == ["tenant-a", "tenant-b"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unknown_tenant"),
        ({"X-Tenant-Id": "no-such-tenant"}, "unknown_tenant"),
        ({"X-Tenant-Id": "B@D"}, "unknown_tenant"),
    ],
)
def test_registering_without_a_known_tenant_is_a_404_and_writes_nothing(cloud, headers, code) -> None:
    before = cloud.snapshot()
    status, body = register(cloud, headers=headers)
    assert (status, body["error"]) == (404, code)
    assert cloud.snapshot() == before
    assert cloud.events() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD, "name": "Ana"}, "email"),
        ({"email": "ana@example.pe", "name": "Ana"}, "password"),
        ({"email": "ana@example.pe", "password": PASSWORD}, "name"),
        (register_body(email="not-an-email"), "email"),
        (register_body(email="ana@@example.pe"), "email"),
        (register_body(password="short1"), "password"),
        (register_body(password="1234567890123"), "password"),
        (register_body(password="x" * 129), "password"),
        (register_body(password="ana@example.pe"), None),
        (register_body(name="R2D2"), "name"),
        (register_body(name="   "), "name"),
        (register_body(name="A" * 81), "name"),
        (register_body(phone="887654321"), "phone"),
        (register_body(phone="+1 987654321"), "phone"),
        (register_body(phone=987654321), "phone"),
        (register_body(name=["Ana"]), "name"),
        (register_body(tenant_id="tenant-b"), "tenant_id"),
    ],
)
def test_invalid_registrations_are_422_and_write_nothing(cloud, body, field) -> None:
    before = cloud.snapshot()

    status, answer = call(handler, rest_event("POST", "/usuarios", body=body, headers=TENANT))

    assert status == 422 and answer["error"] == "validation_failed"
    if field:
        assert field in json.dumps(answer["details"])
    assert cloud.snapshot() == before


def test_names_with_accents_apostrophes_and_hyphens_and_phones_with_prefix_are_accepted(cloud) -> None:
    status, _ = register(cloud, name="  José-Luis  O'Higgins Ñañez ", phone="+51 912 345 678")
    assert status == 202
    [stored] = [i for i in cloud.items("usuarios") if not i["user_id"]["S"].startswith("email#")]
    assert stored["name"]["S"] == "José-Luis O'Higgins Ñañez" and stored["phone"]["S"] == "+51912345678"


def test_malformed_json_is_a_422_and_writes_nothing(cloud) -> None:
    before = cloud.snapshot()
    status, body = call(handler, rest_event("POST", "/usuarios", body='{"email": "a@b.pe",', headers=TENANT))
    assert status == 422 and body["error"] == "validation_failed"
    assert cloud.snapshot() == before


def test_an_oversized_body_is_a_413_and_writes_nothing(cloud) -> None:
    before = cloud.snapshot()
    status, body = call(handler, rest_event("POST", "/usuarios", body=register_body(name="A" * 9000), headers=TENANT))
    assert (status, body["error"]) == (413, "payload_too_large")
    assert cloud.snapshot() == before


# -- login ---------------------------------------------------------------------------------------
def test_login_right_after_registering_works_before_any_index_shows_the_account(cloud) -> None:
    # Given a customer just registered, and the by_email index has not caught up yet (on AWS it is
    # eventually consistent): here, the account is taken out of the index by removing its indexed key
    profile = signed_up(cloud)
    cloud.dynamodb.update_item(
        TableName=table_name("usuarios"),
        Key={"tenant_id": {"S": "tenant-a"}, "user_id": {"S": profile["user_id"]}},
        UpdateExpression="REMOVE email",
    )
    # When they log in at once, Then it works: login reads the email lock and the account, consistently
    status, body = login()
    assert status == 200, body
    assert body["subject_id"] == profile["user_id"]


def test_login_returns_a_session_token_that_the_authorizer_accepts(cloud) -> None:
    profile = signed_up(cloud)

    status, body = login()

    assert status == 200
    assert body["kind"] == "customer" and body["rol"] == "cliente" and body["subject_id"] == profile["user_id"]
    assert body["token"].startswith("tenant-a.")
    assert body["name"] == "Ana María Pérez"
    assert authorize(body["token"]) == {
        "tenant_id": "tenant-a",
        "subject_id": profile["user_id"],
        "kind": "customer",
        "rol": "cliente",
        "name": "Ana María Pérez",  # for display (who took an order), never for a decision
    }
    [token_item] = cloud.tokens()
    assert body["token"] not in json.dumps(token_item)
    assert int(token_item["expires_at"]["N"]) == body["expires_at"]


@pytest.mark.parametrize(
    ("email", "password"), [("ana@example.pe", "Wrong-password-1"), ("nadie@example.pe", PASSWORD)]
)
def test_unknown_email_and_wrong_password_get_the_same_401(cloud, email, password) -> None:
    signed_up(cloud)
    status, body = login(email=email, password=password)
    assert (status, body) == (401, {"error": "invalid_credentials", "message": "Email or password is not correct"})
    assert cloud.tokens() == []


def test_a_customer_of_one_tenant_cannot_log_into_another(cloud) -> None:
    signed_up(cloud)
    status, _ = login(headers={"X-Tenant-Id": "tenant-b"})
    assert status == 401


def from_address(address: str, email="ana@example.pe", password=PASSWORD):
    event = rest_event("POST", "/usuarios/login", body={"email": email, "password": password}, headers=TENANT)
    event["requestContext"]["identity"]["sourceIp"] = address
    return call(handler, event)


def test_five_failed_logins_from_one_address_throttle_it_even_with_the_right_password(cloud) -> None:
    signed_up(cloud)
    for _ in range(5):
        assert login(password="Wrong-password-1")[0] == 401

    status, body = login()

    assert (status, body["error"]) == (429, "login_throttled")
    assert cloud.tokens() == []


def test_guesses_from_elsewhere_never_lock_the_owner_out(cloud) -> None:
    signed_up(cloud)
    for _ in range(7):
        from_address("203.0.113.9", password="Wrong-password-1")
    assert from_address("203.0.113.9")[0] == 429  # the guesser's address is throttled
    status, body = from_address("198.51.100.20")  # the owner, at home
    assert status == 200, body


def test_an_unknown_email_is_throttled_exactly_like_a_known_one(cloud) -> None:
    signed_up(cloud)
    known = [login(email="ana@example.pe", password="Wrong-password-1") for _ in range(6)]
    unknown = [login(email="nadie@example.pe", password="Wrong-password-1") for _ in range(6)]
    assert known == unknown  # the same statuses and bodies: the answers do not tell which emails exist
    assert [status for status, _ in known] == [401] * 5 + [429]


def test_the_lock_ends_when_the_window_has_passed(cloud, monkeypatch) -> None:
    signed_up(cloud)
    for _ in range(5):
        login(password="Wrong-password-1")
    import datetime as dt

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    monkeypatch.setattr(handler, "utc_now", lambda: later)

    assert login()[0] == 200


def test_a_successful_login_resets_the_failure_count(cloud) -> None:
    signed_up(cloud)
    for _ in range(4):
        login(password="Wrong-password-1")
    assert login()[0] == 200
    for _ in range(4):
        login(password="Wrong-password-1")

    assert login()[0] == 200


def test_login_without_a_known_tenant_is_a_404(cloud) -> None:
    status, body = login(headers={"X-Tenant-Id": "ghost"})
    assert (status, body["error"]) == (404, "unknown_tenant")


# -- logout and profile --------------------------------------------------------------------------
def test_logout_revokes_the_token_in_use_and_only_that_one(cloud) -> None:
    signed_up(cloud)
    _, first = login()
    _, second = login()

    status, body = call(
        handler,
        rest_event(
            "POST",
            "/usuarios/logout",
            headers={"Authorization": f"Bearer {first['token']}"},
            principal=as_customer(first),
        ),
    )

    assert (status, body) == (200, {"revoked": True})
    assert authorize(first["token"]) is None
    assert authorize(second["token"]) is not None


def test_logout_cannot_revoke_a_token_of_someone_else(cloud) -> None:
    signed_up(cloud)
    _, session = login()
    intruder = principal("tenant-a", "someone-else", "cliente")

    status, body = call(
        handler,
        rest_event(
            "POST", "/usuarios/logout", headers={"Authorization": f"Bearer {session['token']}"}, principal=intruder
        ),
    )

    assert (status, body) == (200, {"revoked": False})
    assert authorize(session["token"]) is not None


def test_the_profile_reads_and_changes_only_the_callers_own_account(cloud) -> None:
    signed_up(cloud)
    _, session = login()
    me = as_customer(session)

    status, profile = call(handler, rest_event("GET", "/perfil", principal=me))
    assert status == 200 and profile["name"] == "Ana María Pérez"

    status, replaced = call(handler, rest_event("PUT", "/perfil", body={"name": "Ana Pérez"}, principal=me))
    assert status == 200 and replaced["name"] == "Ana Pérez" and replaced["phone"] is None

    status, patched = call(handler, rest_event("PATCH", "/perfil", body={"phone": "912345678"}, principal=me))
    assert status == 200 and patched == {**replaced, "phone": "+51912345678"}


@pytest.mark.parametrize(
    ("method", "body"),
    [("PUT", {}), ("PUT", {"name": "R2D2"}), ("PATCH", {}), ("PATCH", {"name": None}), ("PATCH", {"email": "x@y.pe"})],
)
def test_invalid_profile_changes_are_422_and_change_nothing(cloud, method, body) -> None:
    signed_up(cloud)
    _, session = login()
    before = cloud.snapshot()
    status, _ = call(handler, rest_event(method, "/perfil", body=body, principal=as_customer(session)))
    assert status == 422
    assert cloud.snapshot() == before


@pytest.mark.parametrize("rol", ["admin", "cocinero", "empaquetador", "repartidor"])
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_staff_tokens_cannot_use_the_customer_profile(cloud, rol, method) -> None:
    body = {"name": "Ana"} if method in ("PUT", "PATCH") else None
    status, answer = call(handler, rest_event(method, "/perfil", body=body, principal=principal("tenant-a", "e1", rol)))
    assert (status, answer["error"]) == (403, "forbidden")


def test_profile_routes_need_a_session(cloud) -> None:
    status, body = call(handler, rest_event("GET", "/perfil"))
    assert (status, body["error"]) == (401, "unauthenticated")


def test_a_principal_of_another_tenant_does_not_find_the_customer(cloud) -> None:
    signed_up(cloud)
    _, session = login()
    other_tenant = principal("tenant-b", session["subject_id"], "cliente")
    before = cloud.snapshot()

    for method, body in (("GET", None), ("PUT", {"name": "X"}), ("PATCH", {"name": "X"}), ("DELETE", None)):
        status, _ = call(handler, rest_event(method, "/perfil", body=body, principal=other_tenant))
        assert status == 404, method
    assert cloud.snapshot() == before


def test_deactivating_revokes_every_token_frees_the_email_and_blocks_login(cloud) -> None:
    signed_up(cloud)
    _, first = login()
    _, second = login()

    status, body = call(handler, rest_event("DELETE", "/perfil", principal=as_customer(first)))

    assert status == 200 and body["status"] == "inactive" and body["revoked_tokens"] == 2
    assert authorize(first["token"]) is None and authorize(second["token"]) is None
    assert login()[0] == 401
    assert register(cloud, name="Ana Nueva")[0] == 202  # a new, unverified account
    assert len(cloud.events("CustomerVerificationRequested")) == 2


def test_deactivating_revokes_a_token_the_by_subject_index_does_not_show_yet(cloud) -> None:
    # Given a session just created, not yet visible in the (eventually consistent) by_subject index:
    # here it is taken out of the index by removing its indexed key
    signed_up(cloud)
    _, first = login()
    _, fresh = login()
    hashes = {hash_token(fresh["token"])}
    for item in cloud.tokens():
        if item["token_hash"]["S"] in hashes:
            cloud.dynamodb.update_item(
                TableName=table_name("tokens"),
                Key={"tenant_id": item["tenant_id"], "token_hash": item["token_hash"]},
                UpdateExpression="REMOVE subject_key",
            )
    # When the customer deletes the account, Then that session ends too (the subject's index names it)
    status, body = call(handler, rest_event("DELETE", "/perfil", principal=as_customer(first)))
    assert status == 200 and body["revoked_tokens"] == 2
    assert authorize(fresh["token"]) is None
    # the tokens and the subject's index are gone (the address's mail counter expires on its own)
    assert [i for i in cloud.items("tokens") if not i["token_hash"]["S"].startswith("mail#")] == []


def test_a_suspended_tenants_sessions_stop_at_the_authorizer(cloud) -> None:
    signed_up(cloud)
    _, body = login()
    assert authorize(body["token"]) is not None
    # When the platform suspends the tenant
    suspend_tenant(cloud.dynamodb)
    authorizer_runtime.tenants.cache_clear()  # a fresh container; a warm one re-reads within a minute
    # Then its still-valid session is refused
    assert authorize(body["token"]) is None


def test_a_login_racing_a_deactivation_leaves_no_session(cloud, monkeypatch) -> None:
    # Given a login that read the account active, and the account deactivated right after that read
    profile = signed_up(cloud)
    read = handler.logic._find_account

    def read_then_deactivated(*args, **kwargs):
        account = read(*args, **kwargs)
        cloud.dynamodb.update_item(
            TableName=table_name("usuarios"),
            Key={"tenant_id": {"S": "tenant-a"}, "user_id": {"S": profile["user_id"]}},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "inactive"}},
        )
        return account

    monkeypatch.setattr(handler.logic, "_find_account", read_then_deactivated)
    # When the login writes its session, then it is refused as a bad login, and no token exists
    status, body = login()
    assert (status, body["error"]) == (401, "invalid_credentials")
    assert cloud.tokens() == []
