"""The customer lifecycle and the login of every account (customers and staff).

Plain functions over models; their collaborators (DAL, session store, tenant directory,
event publisher) are arguments, so tests hand in moto-backed or fake ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core import contracts
from core.clock import iso
from core.errors import DependencyFailed, NotFound, TooManyRequests, Unauthenticated
from core.identity_events import CustomerRegisteredDetail
from core.observability import logger
from core.passwords import hash_password, needs_rehash, verify_password
from core.principal import Principal
from core.sessions import SessionRecord, SessionStore
from core.tenants import TenantDirectory
from core.tokens import hash_token, new_token, parse_token
from usuarios.dal import LoginThrottle, UsersDal
from usuarios.models import (
    Account,
    Customer,
    Deactivated,
    LoginRequest,
    LoginResponse,
    LogoutResponse,
    Profile,
    ProfilePatch,
    ProfileReplace,
    RegisterRequest,
)

_BAD_CREDENTIALS = "Email or password is not correct"


class Publisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class LoginPolicy:
    customer_session_hours: int = 12
    staff_session_hours: int = 12
    max_failures: int = 5
    window_seconds: int = 15 * 60


def register(
    request: RegisterRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    publisher: Publisher,
    now: datetime,
) -> Profile:
    """A new active customer of the tenant; the welcome email follows through ``CustomerRegistered``."""
    tenant = tenants.get(tenant_id)
    customer = Customer(
        tenant_id=tenant.tenant_id,
        user_id=uuid.uuid4().hex,
        email=request.email,
        name=request.name,
        phone=request.phone,
        password_hash=hash_password(request.password),
        created_at=now,
        updated_at=now,
    )
    dal.create_customer(customer)
    logger.info("customer registered", extra={"tenant_id": tenant.tenant_id, "user_id": customer.user_id})
    detail = CustomerRegisteredDetail(
        tenant_id=tenant.tenant_id,
        tenant_name=tenant.name,
        customer_id=customer.user_id,
        customer_name=customer.name,
        email=request.email,
    )
    try:
        publisher.publish(
            contracts.EVENT_SOURCE_IDENTITY, contracts.CUSTOMER_REGISTERED, detail.model_dump(mode="json")
        )
    except DependencyFailed:
        # The account exists: failing the request now would make the retry a 409. The error is logged
        # (and alarmed on) instead; the customer can use the platform without the welcome email.
        logger.exception("welcome email event not published", extra={"user_id": customer.user_id})
    return customer.profile()


def login(
    request: LoginRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    sessions: SessionStore,
    throttle: LoginThrottle,
    client_address: str,
    policy: LoginPolicy,
    now: datetime,
) -> LoginResponse:
    """A session token for a customer or staff account. Unknown email and wrong password look alike,
    and are throttled alike: ``max_failures`` per window for one email from one client address."""
    tenant = tenants.get(tenant_id)
    epoch = int(now.timestamp())
    attempt = throttle.key(tenant.tenant_id, request.email, client_address)
    if not throttle.reserve(tenant.tenant_id, attempt, epoch, policy.window_seconds, policy.max_failures):
        raise TooManyRequests(
            f"Too many failed logins: try again in {policy.window_seconds // 60} minutes", code="login_throttled"
        )
    account = _find_account(request, tenant.tenant_id, dal)
    password_ok = verify_password(account.password_hash if account else None, request.password)
    if account is None or not password_ok or not account.active:
        raise Unauthenticated(_BAD_CREDENTIALS, code="invalid_credentials")  # the attempt stays counted
    throttle.clear(tenant.tenant_id, attempt)
    if account.password_hash and needs_rehash(account.password_hash):
        dal.store_password_hash(account, hash_password(request.password))
    hours = policy.customer_session_hours if account.kind == "customer" else policy.staff_session_hours
    token = new_token(tenant.tenant_id)
    record = SessionRecord(
        tenant_id=tenant.tenant_id,
        token_hash=hash_token(token),
        subject_id=account.subject_id,
        kind=account.kind,
        rol=account.rol,
        location_id=account.location_id,
        name=account.name,
        expires_at=epoch + hours * 3600,
    )
    sessions.put(record, guard=dal.unchanged(account))  # a revocation meanwhile refuses it
    return LoginResponse(
        token=token,
        expires_at=record.expires_at,
        kind=account.kind,
        rol=account.rol,
        subject_id=account.subject_id,
        location_id=account.location_id,
        name=account.name,
    )


def _find_account(request: LoginRequest, tenant_id: str, dal: UsersDal) -> Account | None:
    kinds = [request.kind] if request.kind else ["customer", "employee"]
    for kind in kinds:
        account = dal.find_account(kind, tenant_id, request.email)  # type: ignore[arg-type]
        if account is not None:
            return account
    return None


def logout(principal: Principal, authorization: str | None, *, sessions: SessionStore) -> LogoutResponse:
    """Revoke the token this request was made with (found again from the ``Authorization`` header)."""
    parsed = parse_token(authorization)
    if parsed is None or parsed[0] != principal.tenant_id:
        raise Unauthenticated("This route needs the session token in the Authorization header")
    revoked = sessions.delete(principal.tenant_id, hash_token(parsed[1]), principal.subject_id)
    return LogoutResponse(revoked=revoked)


def get_profile(principal: Principal, *, dal: UsersDal) -> Profile:
    return _active_customer(principal, dal).profile()


def replace_profile(principal: Principal, body: ProfileReplace, *, dal: UsersDal, now: datetime) -> Profile:
    set_values: dict[str, Any] = {"name": body.name, "updated_at": iso(now)}
    remove: list[str] = []
    if body.phone is None:
        remove.append("phone")
    else:
        set_values["phone"] = body.phone
    return dal.update_customer(
        principal.tenant_id, principal.subject_id, set_values=set_values, remove=remove
    ).profile()


def patch_profile(principal: Principal, body: ProfilePatch, *, dal: UsersDal, now: datetime) -> Profile:
    set_values: dict[str, Any] = {"updated_at": iso(now)}
    remove: list[str] = []
    if body.name is not None:
        set_values["name"] = body.name
    if "phone" in body.model_fields_set:
        if body.phone is None:
            remove.append("phone")
        else:
            set_values["phone"] = body.phone
    return dal.update_customer(
        principal.tenant_id, principal.subject_id, set_values=set_values, remove=remove
    ).profile()


def deactivate(principal: Principal, *, dal: UsersDal, sessions: SessionStore, now: datetime) -> Deactivated:
    """Deactivate the customer's account, free its email and revoke every token it holds."""
    customer = _active_customer(principal, dal)
    dal.deactivate_customer(customer, now)
    revoked = sessions.revoke_all(principal.tenant_id, principal.subject_id)
    return Deactivated(user_id=customer.user_id, revoked_tokens=revoked)


def _active_customer(principal: Principal, dal: UsersDal) -> Customer:
    customer = dal.get_customer(principal.tenant_id, principal.subject_id)
    if customer is None or customer.status != "active":
        raise NotFound("No active account")
    return customer
