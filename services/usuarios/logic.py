"""The customer lifecycle and the login of every account (customers and staff).

A customer registers unverified (``pending_verification``) and gets one email only: the link that verifies
the address. Until then it cannot log in, and nothing else is mailed to it. Every request that mails an
address answers alike whether or not the address has an account, and is counted per address.

Plain functions over models; their collaborators (DAL, session store, tenant directory,
event publisher) are arguments, so tests hand in moto-backed or fake ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import quote

from core import contracts
from core.clock import iso
from core.errors import (
    Conflict,
    DependencyFailed,
    DomainError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from core.identity_events import CustomerLinkDetail, CustomerRegisteredDetail, CustomerRegistrationRepeatedDetail
from core.observability import logger
from core.passwords import hash_password, needs_rehash, verify_password
from core.principal import Principal
from core.sessions import SessionRecord, SessionStore, one_time_hash
from core.sockets import SessionSockets
from core.tenants import TenantDirectory, TenantInfo
from core.tokens import hash_token, new_token, parse_token
from core.validation import password_differs_from_email
from usuarios.dal import PENDING, StaleLink, Throttle, UsersDal
from usuarios.models import (
    Accepted,
    Account,
    Customer,
    Deactivated,
    EmailRequest,
    LoginRequest,
    LoginResponse,
    LogoutResponse,
    PasswordChange,
    PasswordChanged,
    Profile,
    ProfilePatch,
    ProfileReplace,
    Registered,
    RegisterRequest,
    ResetRequest,
    Verified,
    VerifyRequest,
)

_BAD_CREDENTIALS = "Email or password is not correct"
_BAD_LINK = "The link is not valid, has expired or was already used"
LinkKind = Literal["verify", "reset"]


class LinkInvalid(DomainError):
    status = 410
    code = "link_invalid"


class Publisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class LoginPolicy:
    customer_session_hours: int = 12
    staff_session_hours: int = 12
    max_failures: int = 5
    window_seconds: int = 15 * 60


@dataclass(frozen=True)
class LinkPolicy:
    """Where the customer app's pages are, how long each link lives, how many emails an address may be sent."""

    customer_app_url: str
    verify_hours: int = 24
    reset_minutes: int = 30
    max_mails: int = 5  # requests that mail one address, per window (whether or not it has an account)
    mail_window_seconds: int = 3600


@dataclass(frozen=True)
class Mailer:
    """Mails a customer: one-time links (a hashed token with a TTL in the tokens table, and the event that the
    notifier turns into the email) and the notice of a repeated registration. Every mail is counted first."""

    sessions: SessionStore
    throttle: Throttle
    publisher: Publisher
    policy: LinkPolicy

    def count(self, tenant_id: str, email: str, now: datetime) -> None:
        """Count a request that may mail ``email``; a 429 (the same for every address) past the window's budget."""
        epoch = int(now.timestamp())
        key = self.throttle.mail_key(tenant_id, email)
        if not self.throttle.reserve(tenant_id, key, epoch, self.policy.mail_window_seconds, self.policy.max_mails):
            minutes = self.policy.mail_window_seconds // 60
            raise TooManyRequests(
                f"Too many emails asked for this address: try again in {minutes} minutes", code="mail_throttled"
            )

    def page(self, tenant_id: str, path: str) -> str:
        """A page of the tenant's customer app: ``<app>/<tenant>/<path>``."""
        return f"{self.policy.customer_app_url.rstrip('/')}/{tenant_id}/{path}"

    def send_link(self, kind: LinkKind, tenant: TenantInfo, customer: Customer, now: datetime) -> None:
        assert customer.email
        lifetime = (
            timedelta(hours=self.policy.verify_hours)
            if kind == "verify"
            else timedelta(minutes=self.policy.reset_minutes)
        )
        expires_at = now + lifetime
        token = new_token(tenant.tenant_id)
        self.sessions.put(
            SessionRecord(
                tenant_id=tenant.tenant_id,
                token_hash=one_time_hash(kind, token),
                subject_id=customer.user_id,
                kind=kind,
                rol=contracts.CUSTOMER_ROLE,
                expires_at=int(expires_at.timestamp()),
            )
        )
        # The token travels in the fragment, which browsers never send to a server (no access log keeps it).
        page = "verificar" if kind == "verify" else "restablecer"
        detail = CustomerLinkDetail(
            tenant_id=tenant.tenant_id,
            tenant_name=tenant.name,
            customer_id=customer.user_id,
            customer_name=customer.name,
            email=customer.email,
            url=f"{self.page(tenant.tenant_id, page)}#token={quote(token, safe='')}",
            expires_at=expires_at,
        )
        verifying = kind == "verify"
        detail_type = (
            contracts.CUSTOMER_VERIFICATION_REQUESTED if verifying else contracts.CUSTOMER_PASSWORD_RESET_REQUESTED
        )
        self.publisher.publish(contracts.EVENT_SOURCE_IDENTITY, detail_type, detail.model_dump(mode="json"))
        logger.info("link mailed", extra={"tenant_id": tenant.tenant_id, "user_id": customer.user_id, "kind": kind})

    def send_repeated(self, tenant: TenantInfo, customer: Customer) -> None:
        assert customer.email
        detail = CustomerRegistrationRepeatedDetail(
            tenant_id=tenant.tenant_id,
            tenant_name=tenant.name,
            customer_id=customer.user_id,
            customer_name=customer.name,
            email=customer.email,
            login_url=self.page(tenant.tenant_id, "ingresar"),
            reset_url=self.page(tenant.tenant_id, "recuperar"),
        )
        self.publisher.publish(
            contracts.EVENT_SOURCE_IDENTITY, contracts.CUSTOMER_REGISTRATION_REPEATED, detail.model_dump(mode="json")
        )


def register(
    request: RegisterRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    mailer: Mailer,
    now: datetime,
) -> Registered:
    """A new unverified customer of the tenant, and the email with its verification link.

    The answer is the same whatever the address: a new address gets its account and link; an address whose
    account was never verified is taken over (the newest registration wins, the older links stop working),
    so nobody can squat an address; a verified address's owner gets a notice instead, and nothing changes.
    """
    tenant = tenants.get(tenant_id)
    mailer.count(tenant.tenant_id, request.email, now)
    customer = Customer(
        tenant_id=tenant.tenant_id,
        user_id=uuid.uuid4().hex,
        email=request.email,
        name=request.name,
        phone=request.phone,
        password_hash=hash_password(request.password),  # on every path: the answers take alike
        status=PENDING,
        created_at=now,
        updated_at=now,
    )
    answer = Registered(email=request.email)
    existing = dal.find_customer(tenant.tenant_id, request.email)
    try:
        if existing is None:
            dal.create_customer(customer)
        elif existing.status == PENDING:
            dal.replace_pending(existing, customer)
        else:
            mailer.send_repeated(tenant, existing)
            return answer
    except Conflict:
        # A registration of the same address at the same moment won; its own email is on its way.
        logger.info("registration lost a race", extra={"tenant_id": tenant.tenant_id})
        return answer
    logger.info("customer registered", extra={"tenant_id": tenant.tenant_id, "user_id": customer.user_id})
    # A failure here is a 5xx; the retry takes the unverified account over, with a fresh link.
    mailer.send_link("verify", tenant, customer, now)
    return answer


def resend_verification(
    request: EmailRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    mailer: Mailer,
    now: datetime,
) -> Accepted:
    """A fresh verification link for an unverified account (earlier ones stay valid until they expire)."""
    tenant = tenants.get(tenant_id)
    mailer.count(tenant.tenant_id, request.email, now)
    customer = dal.find_customer(tenant.tenant_id, request.email)
    if customer is not None and customer.status == PENDING:
        mailer.send_link("verify", tenant, customer, now)
    return Accepted()


def verify(
    request: VerifyRequest,
    *,
    tenants: TenantDirectory,
    dal: UsersDal,
    sessions: SessionStore,
    publisher: Publisher,
    now: datetime,
) -> Verified:
    """Use a verification link (tenant from the token's prefix): the account becomes active, once."""
    tenant_id, token_hash, link = _link("verify", request.token, sessions, now)
    tenant = tenants.get(tenant_id)  # a suspended tenant's link verifies nothing (404 before any write)
    customer = dal.get_customer(tenant_id, link.subject_id)
    if customer is None or customer.status != PENDING:
        raise LinkInvalid(_BAD_LINK)
    try:
        dal.verify(tenant_id, token_hash, customer.user_id, now)
    except StaleLink as exc:
        raise LinkInvalid(_BAD_LINK) from exc
    logger.info("customer verified", extra={"tenant_id": tenant_id, "user_id": customer.user_id})
    _welcome(tenant, customer, publisher)
    return Verified(user_id=customer.user_id)


def _welcome(tenant: TenantInfo, customer: Customer, publisher: Publisher) -> None:
    detail = CustomerRegisteredDetail(
        tenant_id=tenant.tenant_id,
        tenant_name=tenant.name,
        customer_id=customer.user_id,
        customer_name=customer.name,
        email=customer.email or "",
    )
    try:
        publisher.publish(
            contracts.EVENT_SOURCE_IDENTITY, contracts.CUSTOMER_REGISTERED, detail.model_dump(mode="json")
        )
    except DependencyFailed:
        # The account is verified: failing the request now would make the retry a 410. The error is logged
        # (and alarmed on) instead; the customer can use the platform without the welcome email.
        logger.exception("welcome email event not published", extra={"user_id": customer.user_id})


def request_reset(
    request: EmailRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    mailer: Mailer,
    now: datetime,
) -> Accepted:
    """A password-reset link for an active account; the same answer for any address (and none is mailed to an
    unverified one: it registers again instead)."""
    tenant = tenants.get(tenant_id)
    mailer.count(tenant.tenant_id, request.email, now)
    customer = dal.find_customer(tenant.tenant_id, request.email)
    if customer is not None and customer.status == "active":
        mailer.send_link("reset", tenant, customer, now)
    return Accepted()


def reset_password(
    request: ResetRequest, *, dal: UsersDal, sessions: SessionStore, sockets: SessionSockets, now: datetime
) -> PasswordChanged:
    """Use a reset link (tenant from the token's prefix): the new password, once; every session (and every
    other pending link) of the customer ends. The link is marked used with the password, then deleted with
    the sessions: the same request again after a failure in between finishes the revocation."""
    tenant_id, token_hash, link = _link("reset", request.token, sessions, now)
    customer = dal.get_customer(tenant_id, link.subject_id)
    if customer is None or customer.status != "active" or not customer.email:
        raise LinkInvalid(_BAD_LINK)
    if link.used_at is not None:
        # Its password was set, its revocation may not have happened: only the same request may finish it.
        if not verify_password(customer.password_hash, request.password):
            raise LinkInvalid(_BAD_LINK)
    else:
        _acceptable(request.password, customer.email)
        try:
            dal.reset_password(tenant_id, token_hash, customer.user_id, hash_password(request.password), now)
        except StaleLink as exc:
            raise LinkInvalid(_BAD_LINK) from exc
    # Sessions logged in with the old password: those written before the change are in the subject's index
    # now; a login that read the old password and writes later is refused by its guard (UsersDal.unchanged).
    revoked = sessions.revoke_all(tenant_id, customer.user_id)
    sockets.close_all(tenant_id, customer.user_id)
    logger.info("password reset", extra={"tenant_id": tenant_id, "user_id": customer.user_id})
    return PasswordChanged(revoked_tokens=revoked)


def change_password(
    principal: Principal,
    body: PasswordChange,
    authorization: str | None,
    *,
    dal: UsersDal,
    sessions: SessionStore,
    sockets: SessionSockets,
    throttle: Throttle,
    client_address: str,
    policy: LoginPolicy,
    now: datetime,
) -> PasswordChanged:
    """A logged-in customer's new password, given the current one (checked and throttled like a login);
    every other session of the customer ends, the one in use stays."""
    parsed = parse_token(authorization)
    if parsed is None or parsed[0] != principal.tenant_id:
        raise Unauthenticated("This route needs the session token in the Authorization header")
    customer = _active_customer(principal, dal)
    assert customer.email
    attempt = throttle.key(principal.tenant_id, customer.email, client_address)
    epoch = int(now.timestamp())
    if not throttle.reserve(principal.tenant_id, attempt, epoch, policy.window_seconds, policy.max_failures):
        raise TooManyRequests(
            f"Too many failed attempts: try again in {policy.window_seconds // 60} minutes", code="login_throttled"
        )
    if body.new_password == body.current_password:
        raise ValidationFailed("The new password must differ from the current one", code="same_password")
    if verify_password(customer.password_hash, body.current_password):
        throttle.clear(principal.tenant_id, attempt)
        _acceptable(body.new_password, customer.email)
        dal.change_password(customer, hash_password(body.new_password), now)
    elif not verify_password(customer.password_hash, body.new_password):
        raise Forbidden("The current password is not correct", code="wrong_password")
    # else the same change again, after a failure between the change and the revocation: it finishes it
    revoked = sessions.revoke_all(principal.tenant_id, customer.user_id, keep=hash_token(parsed[1]))
    # Its sockets close too, the one of this session included: the app reconnects with the kept token.
    sockets.close_all(principal.tenant_id, customer.user_id)
    logger.info("password changed", extra={"tenant_id": principal.tenant_id, "user_id": customer.user_id})
    return PasswordChanged(revoked_tokens=revoked)


def _link(kind: LinkKind, raw: str, sessions: SessionStore, now: datetime) -> tuple[str, str, SessionRecord]:
    """The tenant, the stored key and the record of a live one-time link; else a 410."""
    parsed = parse_token(raw)
    if parsed is None:
        raise LinkInvalid(_BAD_LINK)
    tenant_id, token = parsed
    token_hash = one_time_hash(kind, token)
    record = sessions.get(tenant_id, token_hash)
    if record is None or record.kind != kind or record.expires_at <= int(now.timestamp()):
        raise LinkInvalid(_BAD_LINK)
    return tenant_id, token_hash, record


def _acceptable(password: str, email: str) -> None:
    try:
        password_differs_from_email(password, email)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="weak_password") from exc


def login(
    request: LoginRequest,
    *,
    tenant_id: str | None,
    tenants: TenantDirectory,
    dal: UsersDal,
    sessions: SessionStore,
    throttle: Throttle,
    client_address: str,
    policy: LoginPolicy,
    now: datetime,
) -> LoginResponse:
    """A session token for a customer or staff account. Unknown email and wrong password look alike,
    and are throttled alike: ``max_failures`` per window for one email from one client address. The right
    password of a customer who has not verified the address yet is a 403 ``email_not_verified``."""
    tenant = tenants.get(tenant_id)
    epoch = int(now.timestamp())
    attempt = throttle.key(tenant.tenant_id, request.email, client_address)
    if not throttle.reserve(tenant.tenant_id, attempt, epoch, policy.window_seconds, policy.max_failures):
        raise TooManyRequests(
            f"Too many failed logins: try again in {policy.window_seconds // 60} minutes", code="login_throttled"
        )
    account = _find_account(request, tenant.tenant_id, dal)
    password_ok = verify_password(account.password_hash if account else None, request.password)
    if account is not None and password_ok and account.pending_verification:
        throttle.clear(tenant.tenant_id, attempt)
        raise Forbidden("Verify your email address first: use the link we mailed you", code="email_not_verified")
    if account is None or not password_ok or not account.active:
        raise Unauthenticated(_BAD_CREDENTIALS, code="invalid_credentials")  # the attempt stays counted
    throttle.clear(tenant.tenant_id, attempt)
    if account.password_hash and needs_rehash(account.password_hash):
        rehashed = hash_password(request.password)
        dal.store_password_hash(account, rehashed)
        account = account.model_copy(update={"password_hash": rehashed})
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


def logout(
    principal: Principal, authorization: str | None, *, sessions: SessionStore, sockets: SessionSockets
) -> LogoutResponse:
    """Revoke the token this request was made with (found again from the ``Authorization`` header), and close
    the sockets opened with it."""
    parsed = parse_token(authorization)
    if parsed is None or parsed[0] != principal.tenant_id:
        raise Unauthenticated("This route needs the session token in the Authorization header")
    token_hash = hash_token(parsed[1])
    revoked = sessions.delete(principal.tenant_id, token_hash, principal.subject_id)
    sockets.close_all(principal.tenant_id, principal.subject_id, token_hash=token_hash)  # this session's only
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


def deactivate(
    principal: Principal, *, dal: UsersDal, sessions: SessionStore, sockets: SessionSockets, now: datetime
) -> Deactivated:
    """Deactivate the customer's account, free its email and revoke every token it holds."""
    customer = _active_customer(principal, dal)
    dal.deactivate_customer(customer, now)
    revoked = sessions.revoke_all(principal.tenant_id, principal.subject_id)
    sockets.close_all(principal.tenant_id, principal.subject_id)
    return Deactivated(user_id=customer.user_id, revoked_tokens=revoked)


def _active_customer(principal: Principal, dal: UsersDal) -> Customer:
    customer = dal.get_customer(principal.tenant_id, principal.subject_id)
    if customer is None or customer.status != "active":
        raise NotFound("No active account")
    return customer
