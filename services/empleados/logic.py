"""Staff management inside one tenant, invitations and their one-time activation.

Every function that acts for an admin takes the admin's ``Principal``: keys are built from
``principal.tenant_id`` only, so an employee of another tenant is simply not found.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from core import contracts
from core.clock import iso
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.identity_events import EmployeeInvitedDetail
from core.observability import logger
from core.passwords import hash_password
from core.principal import Principal
from core.sessions import SessionRecord, SessionStore, invite_hash
from core.sockets import SessionSockets
from core.tenants import TenantDirectory
from core.tokens import new_token, parse_token
from core.validation import password_differs_from_email
from empleados.dal import EmployeesDal, StaleInvitation
from empleados.models import (
    ALERT_EVENTS,
    Activated,
    ActivateRequest,
    AlertPreferences,
    AlertPreferencesPatch,
    Employee,
    EmployeeCreate,
    EmployeeCreated,
    EmployeeDeactivated,
    EmployeePage,
    EmployeePatch,
    EmployeeRecord,
)


class InvitationInvalid(DomainError):
    status = 410
    code = "invitation_invalid"


class Publisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class InvitationPolicy:
    staff_app_url: str
    hours: int = 72


@dataclass(frozen=True)
class Inviter:
    """Sends an employee's invitation: a one-time token (hashed, with a TTL) and ``EmployeeInvited``."""

    sessions: SessionStore
    tenants: TenantDirectory
    publisher: Publisher
    policy: InvitationPolicy

    def send(self, record: EmployeeRecord, now: datetime) -> datetime:
        """Store the token and announce the invitation; the link's expiry."""
        tenant = self.tenants.get(record.tenant_id)
        token = new_token(record.tenant_id)
        expires_at = now + timedelta(hours=self.policy.hours)
        self.sessions.put(
            SessionRecord(
                tenant_id=record.tenant_id,
                token_hash=invite_hash(token),
                subject_id=record.employee_id,
                kind="invite",
                rol=record.rol,
                location_id=record.location_id,
                expires_at=int(expires_at.timestamp()),
            )
        )
        # The staff app's activation page of the tenant; the token travels in the fragment, which browsers
        # never send to a server, so it stays out of every access log.
        app_url = self.policy.staff_app_url.rstrip("/")
        detail = EmployeeInvitedDetail(
            tenant_id=record.tenant_id,
            tenant_name=tenant.name,
            employee_id=record.employee_id,
            employee_name=record.name,
            email=record.email,
            rol=record.rol,
            location_id=record.location_id,
            invite_url=f"{app_url}/{record.tenant_id}/activar#token={quote(token, safe='')}",
            expires_at=expires_at,
        )
        self.publisher.publish(
            contracts.EVENT_SOURCE_IDENTITY, contracts.EMPLOYEE_INVITED, detail.model_dump(mode="json")
        )
        logger.info("employee invited", extra={"tenant_id": record.tenant_id, "employee_id": record.employee_id})
        return expires_at


def create_employee(
    principal: Principal,
    body: EmployeeCreate,
    *,
    dal: EmployeesDal,
    inviter: Inviter,
    now: datetime,
) -> EmployeeCreated:
    """A new employee (status ``invited``) at one of the tenant's locations, and its invitation email."""
    _require_location(principal.tenant_id, body.location_id, dal)
    record = EmployeeRecord(
        tenant_id=principal.tenant_id,
        employee_id=uuid.uuid4().hex,
        name=body.name,
        email=body.email,
        rol=body.rol,
        location_id=body.location_id,
        status="invited",
        created_at=now,
        updated_at=now,
    )
    dal.create(record)
    expires_at = inviter.send(record, now)
    return EmployeeCreated(employee=record.public(), invitation_expires_at=expires_at)


def invitation_requested(
    tenant_id: str,
    employee_id: str,
    event_id: str,
    *,
    dal: EmployeesDal,
    inviter: Inviter,
    now: datetime,
) -> bool:
    """Onboarding's request to invite an employee. Idempotent: False when nothing had to be done."""
    record = dal.get(tenant_id, employee_id)
    if record is None:
        raise NotFound(f"No employee {employee_id} in tenant {tenant_id}")
    if record.status != "invited" or record.last_invitation_event == event_id:
        logger.info("invitation not needed", extra={"employee_id": employee_id, "status": record.status})
        return False
    inviter.send(record, now)
    dal.update(tenant_id, employee_id, set_values={"last_invitation_event": event_id})
    return True


def list_employees(
    principal: Principal, *, location_id: str | None, cursor: str | None, limit: int, dal: EmployeesDal
) -> EmployeePage:
    records, next_cursor = dal.list(principal.tenant_id, location_id=location_id, limit=limit, cursor=cursor)
    return EmployeePage(items=[r.public() for r in records], next_cursor=next_cursor)


def reinvite_employee(
    principal: Principal,
    employee_id: str,
    *,
    dal: EmployeesDal,
    inviter: Inviter,
    now: datetime,
) -> EmployeeCreated:
    """A fresh invitation for an employee who has not activated yet (a lost email, or an expired link).

    Earlier links stay valid until they expire; the first one used activates the account, after
    which the others are refused (activation is conditional on ``status = invited``).
    """
    record = _existing(principal, employee_id, dal)
    if record.status != "invited":
        raise Conflict("This employee has already activated the account", code="already_active")
    expires_at = inviter.send(record, now)
    return EmployeeCreated(employee=record.public(), invitation_expires_at=expires_at)


def get_employee(principal: Principal, employee_id: str, *, dal: EmployeesDal) -> Employee:
    return _existing(principal, employee_id, dal).public()


def update_employee(
    principal: Principal,
    employee_id: str,
    body: EmployeePatch,
    *,
    dal: EmployeesDal,
    sessions: SessionStore,
    sockets: SessionSockets,
    now: datetime,
) -> Employee:
    """Change name, role, location or status. A change of role, location or status ends the sessions and closes
    the employee's sockets (subscribed to the old role's or location's topic)."""
    changes = body.model_dump(exclude_unset=True)
    if employee_id == principal.subject_id and (
        changes.get("status") == "inactive" or changes.get("rol", "admin") != "admin"
    ):
        raise Conflict("An admin cannot deactivate or demote itself", code="self_change")
    current = _existing(principal, employee_id, dal)
    if "location_id" in changes:
        _require_location(principal.tenant_id, changes["location_id"], dal)
        changes["tenant_location"] = f"{principal.tenant_id}#{changes['location_id']}"
    condition, values = "", {}
    if changes.get("status") == "active" and current.status != "active":
        # Only a deactivated employee that has a password can come back; an invited one activates itself.
        condition, values = "#status = :inactive AND attribute_exists(password_hash)", {":inactive": "inactive"}
    updated = dal.update(
        principal.tenant_id,
        employee_id,
        set_values={**changes, "updated_at": iso(now)},
        condition=condition,
        condition_values=values,
    )
    session_fields = {"rol", "location_id", "status"}
    if any(changes.get(k) != getattr(current, k) for k in session_fields & changes.keys()):
        sessions.revoke_all(principal.tenant_id, employee_id)
        sockets.close_all(principal.tenant_id, employee_id)
    return updated.public()


def deactivate_employee(
    principal: Principal,
    employee_id: str,
    *,
    dal: EmployeesDal,
    sessions: SessionStore,
    sockets: SessionSockets,
    now: datetime,
) -> EmployeeDeactivated:
    """Status ``inactive`` and every token (sessions and pending invitations) revoked."""
    if employee_id == principal.subject_id:
        raise Conflict("An admin cannot deactivate itself", code="self_change")
    _existing(principal, employee_id, dal)
    dal.update(principal.tenant_id, employee_id, set_values={"status": "inactive", "updated_at": iso(now)})
    revoked = sessions.revoke_all(principal.tenant_id, employee_id)
    sockets.close_all(principal.tenant_id, employee_id)
    return EmployeeDeactivated(employee_id=employee_id, revoked_tokens=revoked)


def activate(request: ActivateRequest, *, dal: EmployeesDal, sessions: SessionStore, now: datetime) -> Activated:
    """Consume a one-time invitation (tenant from the token's prefix) and set the employee's password."""
    parsed = parse_token(request.token)
    if parsed is None:
        raise InvitationInvalid("The invitation link is not valid or was already used")
    tenant_id, token = parsed
    hashed = invite_hash(token)
    invitation = sessions.get(tenant_id, hashed)
    if invitation is None or invitation.kind != "invite" or invitation.expires_at <= int(now.timestamp()):
        raise InvitationInvalid("The invitation link is not valid or was already used")
    record = dal.get(tenant_id, invitation.subject_id)
    if record is None or record.status != "invited":
        raise InvitationInvalid("The invitation link is not valid or was already used")
    try:
        password_differs_from_email(request.password, record.email)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="weak_password") from exc
    try:
        dal.activate(tenant_id, hashed, record.employee_id, hash_password(request.password), now)
    except StaleInvitation as exc:
        raise InvitationInvalid("The invitation link is not valid or was already used") from exc
    return Activated(employee_id=record.employee_id)


def alert_preferences(principal: Principal, *, dal: EmployeesDal) -> AlertPreferences:
    """The signed-in employee's e-mail choice (their own item: the id comes from the session)."""
    return _preferences(_existing(principal, principal.subject_id, dal))


def update_alert_preferences(
    principal: Principal, body: AlertPreferencesPatch, *, dal: EmployeesDal, now: datetime
) -> AlertPreferences:
    """Opt in or out of the role's e-mails: the employee's own item (404 if the session names none), then one
    conditional update (409 once deactivated)."""
    _existing(principal, principal.subject_id, dal)
    updated = dal.update(
        principal.tenant_id,
        principal.subject_id,
        set_values={contracts.EMPLOYEE_EMAIL_ALERTS: body.email_alerts, "updated_at": iso(now)},
        condition="#status = :active",
        condition_values={":active": "active"},
    )
    return _preferences(updated)


def _preferences(record: EmployeeRecord) -> AlertPreferences:
    default = contracts.EMAIL_ALERTS_DEFAULT[record.rol]
    chosen = record.email_alerts
    return AlertPreferences(
        rol=record.rol,
        email_alerts=default if chosen is None else chosen,
        default=default,
        events=list(ALERT_EVENTS[record.rol]),
    )


def _existing(principal: Principal, employee_id: str, dal: EmployeesDal) -> EmployeeRecord:
    record = dal.get(principal.tenant_id, employee_id)
    if record is None:
        raise NotFound("No such employee")
    return record


def _require_location(tenant_id: str, location_id: str, dal: EmployeesDal) -> None:
    if not dal.location_exists(tenant_id, location_id):
        raise ValidationFailed(f"Unknown location {location_id!r}", code="unknown_location")
