"""A customer's address verification, forgotten password and password change, through the users handler.

The mailed links are read from the events the notifier turns into emails (``usuarios_support.link_token``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from identity_world import authorize, call, principal, suspend_tenant
from rest_events import rest_event
from usuarios_support import (
    PASSWORD,
    RESET,
    TENANT,
    VERIFICATION,
    link_token,
    post,
    register,
    signed_up,
    verify,
)

import usuarios.handler as handler
from core.errors import DependencyFailed
from core.sessions import SessionStore

NEW_PASSWORD = "Papas-Fritas-2027"
GONE = {"error": "link_invalid", "message": "The link is not valid, has expired or was already used"}


def login(email="ana@example.pe", password=PASSWORD):
    return post("/usuarios/login", {"email": email, "password": password}, TENANT)


def later(monkeypatch, **delta) -> None:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(**delta)
    monkeypatch.setattr(handler, "utc_now", lambda: moment)


def customers(cloud) -> list[dict]:
    return [i for i in cloud.items("usuarios") if not i["user_id"]["S"].startswith("email#")]


def session(cloud, password=PASSWORD) -> dict:
    status, body = login(password=password)
    assert status == 200, body
    return body


def change(body, token: str, subject_id: str):
    event = rest_event(
        "POST",
        "/perfil/contrasena",
        body=body,
        headers={"Authorization": f"Bearer {token}"},
        principal=principal("tenant-a", subject_id, "cliente"),
    )
    return call(handler, event)


# -- verification --------------------------------------------------------------------------------
def test_an_unverified_account_cannot_log_in_and_wrong_credentials_still_look_alike(cloud) -> None:
    register(cloud)

    assert login() == (403, {"error": "email_not_verified", "message": login()[1]["message"]})
    wrong, unknown = login(password="Wrong-password-1"), login(email="nadie@example.pe")
    assert wrong == unknown == (401, {"error": "invalid_credentials", "message": "Email or password is not correct"})
    assert cloud.tokens()[0]["kind"]["S"] == "verify" and len(cloud.tokens()) == 1  # no session was written


def test_the_link_verifies_the_account_once_then_login_works_and_the_welcome_email_follows(cloud) -> None:
    register(cloud)
    token = link_token(cloud)
    assert cloud.events("CustomerRegistered") == []

    status, body = verify(token)

    assert status == 200 and body["status"] == "active"
    [stored] = customers(cloud)
    assert stored["status"]["S"] == "active" and "verified_at" in stored
    assert login()[0] == 200
    [welcome] = cloud.events("CustomerRegistered")
    assert welcome["detail"]["customer_id"] == body["user_id"]
    # Used once: the same link again is a 410, and changes nothing
    before = cloud.snapshot()
    assert verify(token) == (410, GONE)
    assert cloud.snapshot() == before


def test_a_suspended_tenants_link_verifies_nothing(cloud) -> None:
    register(cloud)
    token = link_token(cloud)
    suspend_tenant(cloud.dynamodb)
    handler.runtime.tenants.cache_clear()  # a fresh container; a warm one re-reads within a minute
    before = cloud.snapshot()

    status, body = verify(token)

    assert (status, body["error"]) == (404, "unknown_tenant")
    assert cloud.snapshot() == before  # still unverified, the link unused, no welcome
    assert cloud.events("CustomerRegistered") == []


def test_an_expired_link_is_refused_and_the_account_stays_unverified(cloud, monkeypatch) -> None:
    register(cloud)
    later(monkeypatch, hours=24, seconds=1)

    assert verify(link_token(cloud)) == (410, GONE)
    assert customers(cloud)[0]["status"]["S"] == "pending_verification"


@pytest.mark.parametrize("token", ["nope", "tenant-a." + "A" * 43])
def test_a_forged_link_is_a_410_and_writes_nothing(cloud, token) -> None:
    register(cloud)
    before = cloud.snapshot()
    assert verify(token) == (410, GONE)
    assert cloud.snapshot() == before


@pytest.mark.parametrize("body", [{}, {"token": "x" * 129}, {"token": "t", "extra": 1}])
def test_a_malformed_verification_is_a_422_and_writes_nothing(cloud, body) -> None:
    register(cloud)
    before = cloud.snapshot()
    status, answer = post("/usuarios/verificacion", body)
    assert (status, answer["error"]) == (422, "validation_failed")
    assert cloud.snapshot() == before


def test_one_time_links_never_work_as_sessions(cloud) -> None:
    register(cloud)
    assert authorize(link_token(cloud)) is None


def test_an_unverified_address_is_taken_over_by_a_new_registration_after_its_link_expired(cloud, monkeypatch) -> None:
    # Given someone registered Ana's address and never verified it
    register(cloud, name="Impostor", password="Clave-Del-Otro-1")
    squatter_link = link_token(cloud)
    [squatter] = customers(cloud)
    # When Ana registers it, after the first link expired
    later(monkeypatch, hours=25)
    status, _ = register(cloud)
    assert status == 202
    # Then the address is hers: the old account and its link are gone, her link verifies her account
    [account] = customers(cloud)
    assert account["user_id"] != squatter["user_id"] and account["name"]["S"] == "Ana María Pérez"
    assert verify(squatter_link) == (410, GONE)
    assert verify(link_token(cloud))[0] == 200
    assert login()[0] == 200 and login(password="Clave-Del-Otro-1")[0] == 401


def test_the_newest_registration_of_an_unverified_address_wins_and_older_links_stop_working(cloud) -> None:
    register(cloud, password="Primera-Clave-1")
    first = link_token(cloud)
    register(cloud)

    assert verify(first) == (410, GONE)
    assert verify(link_token(cloud))[0] == 200
    assert login()[0] == 200


def test_a_lost_link_can_be_asked_again_and_the_answer_never_tells_who_has_an_account(cloud) -> None:
    register(cloud)  # unverified
    signed_up(cloud, email="beto@example.pe")  # verified

    answers = [
        post("/usuarios/verificacion/reenvio", {"email": email}, TENANT)
        for email in ("ana@example.pe", "beto@example.pe", "nadie@example.pe")
    ]

    assert answers == [(202, {"accepted": True})] * 3
    mailed = [e["detail"]["email"] for e in cloud.events(VERIFICATION)]
    assert mailed == ["ana@example.pe", "beto@example.pe", "ana@example.pe"]  # beto's own registration, then Ana's
    assert verify(link_token(cloud))[0] == 200


def test_asking_for_emails_is_limited_per_address_alike_for_known_and_unknown_ones(cloud) -> None:
    register(cloud)  # the first email of the address's budget (5 per hour)
    known = [post("/usuarios/verificacion/reenvio", {"email": "ana@example.pe"}, TENANT) for _ in range(5)]
    unknown = [post("/usuarios/verificacion/reenvio", {"email": "nadie@example.pe"}, TENANT) for _ in range(6)]

    assert [s for s, _ in known] == [202] * 4 + [429]
    assert [s for s, _ in unknown] == [202] * 5 + [429]
    assert known[-1] == unknown[-1] and known[-1][1]["error"] == "mail_throttled"
    assert len(cloud.events(VERIFICATION)) == 5  # the inbox got five emails, not more
    # and a registration of the address is refused too, writing nothing
    before = cloud.snapshot()
    assert register(cloud, password="Otra-Clave-2026")[0] == 429
    assert cloud.snapshot() == before


# -- forgotten password --------------------------------------------------------------------------
def test_a_reset_is_mailed_only_to_a_verified_account_and_the_answer_is_the_same_for_every_address(cloud) -> None:
    signed_up(cloud)
    register(cloud, email="beto@example.pe")  # unverified: gets no other email than its verification

    answers = [
        post("/usuarios/contrasena/olvido", {"email": email}, TENANT)
        for email in ("ana@example.pe", "beto@example.pe", "nadie@example.pe")
    ]

    assert answers == [(202, {"accepted": True})] * 3
    [event] = cloud.events(RESET)
    assert event["detail"]["email"] == "ana@example.pe"
    assert event["detail"]["url"].startswith("https://clientes.example.pe/clientes/tenant-a/restablecer#token=")
    [link] = [t for t in cloud.tokens() if t["kind"]["S"] == "reset"]
    assert int(link["expires_at"]["N"]) - int(dt.datetime.now(dt.UTC).timestamp()) in range(29 * 60, 30 * 60 + 1)


def test_reset_requests_are_limited_per_address(cloud) -> None:
    signed_up(cloud)  # one email so far (the verification)
    answers = [post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)[0] for _ in range(5)]
    assert answers == [202] * 4 + [429]
    assert len(cloud.events(RESET)) == 4


def test_resetting_sets_the_new_password_once_and_ends_every_session(cloud) -> None:
    signed_up(cloud)
    first, second = session(cloud), session(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)

    status, body = post("/usuarios/contrasena/restablecer", {"token": token, "password": NEW_PASSWORD})

    assert (status, body) == (200, {"revoked_tokens": 3})  # two sessions and the used link
    assert authorize(first["token"]) is None and authorize(second["token"]) is None
    assert login()[0] == 401 and login(password=NEW_PASSWORD)[0] == 200
    again = post("/usuarios/contrasena/restablecer", {"token": token, "password": "Otra-Clave-3000"})
    assert again == (410, GONE)
    assert login(password=NEW_PASSWORD)[0] == 200


def fail_once(monkeypatch, target, name: str) -> None:
    """``target.name`` raises DependencyFailed on its first call (a crash half-way), then works."""
    real, calls = getattr(target, name), []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DependencyFailed("The tokens table is not available")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)


def test_a_reset_whose_revocation_failed_is_finished_by_the_same_request_again(cloud, monkeypatch) -> None:
    # Given a reset that set the new password, then failed before it ended the sessions
    signed_up(cloud)
    old_session = session(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)
    fail_once(monkeypatch, SessionStore, "revoke_all")
    request = {"token": token, "password": NEW_PASSWORD}
    assert post("/usuarios/contrasena/restablecer", request)[0] == 502
    assert authorize(old_session["token"]) is not None
    # When the customer sends it again, Then the sessions end; the link works for nothing else
    assert post("/usuarios/contrasena/restablecer", request)[0] == 200
    assert authorize(old_session["token"]) is None and login(password=NEW_PASSWORD)[0] == 200
    assert post("/usuarios/contrasena/restablecer", request) == (410, GONE)


def test_a_used_reset_link_cannot_set_another_password(cloud, monkeypatch) -> None:
    signed_up(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)
    fail_once(monkeypatch, SessionStore, "revoke_all")
    post("/usuarios/contrasena/restablecer", {"token": token, "password": NEW_PASSWORD})  # marked used, not revoked

    status, _ = post("/usuarios/contrasena/restablecer", {"token": token, "password": "Otra-Clave-3000"})

    assert status == 410
    assert login(password=NEW_PASSWORD)[0] == 200 and login(password="Otra-Clave-3000")[0] == 401


def test_an_expired_reset_link_changes_nothing(cloud, monkeypatch) -> None:
    signed_up(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)
    later(monkeypatch, minutes=30, seconds=1)
    before = cloud.snapshot()

    assert post("/usuarios/contrasena/restablecer", {"token": token, "password": NEW_PASSWORD}) == (410, GONE)
    assert cloud.snapshot() == before


def test_a_verification_link_cannot_reset_a_password(cloud) -> None:
    register(cloud)
    before = cloud.snapshot()
    status, _ = post("/usuarios/contrasena/restablecer", {"token": link_token(cloud), "password": NEW_PASSWORD})
    assert status == 410
    assert cloud.snapshot() == before


@pytest.mark.parametrize(
    ("password", "code"),
    [("corta1", "validation_failed"), ("ana@example.pe", None)],
)
def test_a_weak_new_password_is_refused_and_the_link_stays_usable(cloud, password, code) -> None:
    signed_up(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)
    before = cloud.snapshot()

    status, body = post("/usuarios/contrasena/restablecer", {"token": token, "password": password})

    assert status == 422 and (code is None or body["error"] == code)
    assert cloud.snapshot() == before
    assert post("/usuarios/contrasena/restablecer", {"token": token, "password": NEW_PASSWORD})[0] == 200


def test_a_login_racing_a_reset_leaves_no_session_with_the_old_password(cloud, monkeypatch) -> None:
    # Given a login that checked the old password, and the password reset right after that check
    signed_up(cloud)
    post("/usuarios/contrasena/olvido", {"email": "ana@example.pe"}, TENANT)
    token = link_token(cloud, RESET)
    read = handler.logic._find_account

    def read_then_reset(*args, **kwargs):
        account = read(*args, **kwargs)
        assert post("/usuarios/contrasena/restablecer", {"token": token, "password": NEW_PASSWORD})[0] == 200
        return account

    monkeypatch.setattr(handler.logic, "_find_account", read_then_reset)
    # When that login writes its session, Then it is refused, and no session exists
    assert login()[0] == 401
    assert [t for t in cloud.tokens() if t["kind"]["S"] == "customer"] == []


# -- password change -----------------------------------------------------------------------------
def test_changing_the_password_needs_the_current_one_and_ends_only_the_other_sessions(cloud) -> None:
    me = signed_up(cloud)
    current, other = session(cloud), session(cloud)

    status, body = change({"current_password": PASSWORD, "new_password": NEW_PASSWORD}, current["token"], me["user_id"])

    assert (status, body) == (200, {"revoked_tokens": 1})
    assert authorize(current["token"]) is not None and authorize(other["token"]) is None
    assert login()[0] == 401 and login(password=NEW_PASSWORD)[0] == 200
    [index] = [i for i in cloud.items("tokens") if i["token_hash"]["S"] == f"sessions#{me['user_id']}"]
    assert len(index["hashes"]["SS"]) == 2  # the session in use and the new login's


def test_a_change_whose_revocation_failed_is_finished_by_the_same_request_again(cloud, monkeypatch) -> None:
    me = signed_up(cloud)
    current, other = session(cloud), session(cloud)
    fail_once(monkeypatch, SessionStore, "revoke_all")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert change(body, current["token"], me["user_id"])[0] == 502
    assert authorize(other["token"]) is not None

    assert change(body, current["token"], me["user_id"]) == (200, {"revoked_tokens": 1})
    assert authorize(other["token"]) is None and authorize(current["token"]) is not None


def test_a_wrong_current_password_changes_nothing_and_is_throttled_like_a_login(cloud) -> None:
    me = signed_up(cloud)
    current = session(cloud)
    before = cloud.snapshot()
    wrong = {"current_password": "Wrong-password-1", "new_password": NEW_PASSWORD}

    answers = [change(wrong, current["token"], me["user_id"]) for _ in range(6)]

    assert [s for s, _ in answers] == [403] * 5 + [429]
    assert answers[0][1]["error"] == "wrong_password" and answers[-1][1]["error"] == "login_throttled"
    assert [i for i in cloud.snapshot()["usuarios"]] == before["usuarios"]
    assert authorize(current["token"]) is not None


@pytest.mark.parametrize(
    "body",
    [
        {"current_password": PASSWORD, "new_password": "corta1"},
        {"current_password": PASSWORD, "new_password": PASSWORD},
        {"current_password": PASSWORD, "new_password": "ana@example.pe"},
        {"new_password": NEW_PASSWORD},
    ],
)
def test_an_invalid_password_change_is_a_422_and_changes_nothing(cloud, body) -> None:
    me = signed_up(cloud)
    current = session(cloud)
    before = cloud.snapshot()["usuarios"]

    status, answer = change(body, current["token"], me["user_id"])

    assert status == 422, answer
    assert cloud.snapshot()["usuarios"] == before


@pytest.mark.parametrize("rol", ["admin", "cocinero"])
def test_staff_tokens_cannot_change_a_customer_password(cloud, rol) -> None:
    event = rest_event(
        "POST",
        "/perfil/contrasena",
        body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        principal=principal("tenant-a", "e1", rol),
    )
    assert call(handler, event)[0] == 403


def test_a_principal_of_another_tenant_does_not_find_the_customer(cloud) -> None:
    me = signed_up(cloud)
    before = cloud.snapshot()
    event = rest_event(
        "POST",
        "/perfil/contrasena",
        body={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Authorization": "Bearer tenant-b." + "A" * 43},
        principal=principal("tenant-b", me["user_id"], "cliente"),
    )
    assert call(handler, event)[0] == 404
    assert cloud.snapshot() == before
