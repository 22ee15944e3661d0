"""Requests, responses and stored records of the employees service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from core.models import BaseModel
from core.validation import Email, Password, PersonName

Rol = Literal["admin", "cocinero", "empaquetador", "repartidor"]
Status = Literal["invited", "active", "inactive"]
LOCATION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
EMPLOYEE_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
LocationId = Annotated[str, Field(pattern=LOCATION_ID_PATTERN)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=512)


class EmployeeCreate(_Request):
    name: PersonName
    email: Email
    rol: Rol
    location_id: LocationId


class EmployeePatch(_Request):
    name: PersonName | None = None
    rol: Rol | None = None
    location_id: LocationId | None = None
    status: Literal["active", "inactive"] | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> Self:
        given = {k for k in self.model_fields_set if getattr(self, k) is not None}
        if not given:
            raise ValueError("give at least one field to change")
        if given != self.model_fields_set:
            raise ValueError("fields cannot be set to null")
        return self


class ActivateRequest(_Request):
    token: Annotated[str, Field(min_length=10, max_length=200)]
    password: Password


class Employee(BaseModel):
    """An employee as the admins see it (never the password hash)."""

    employee_id: str
    name: str
    email: str
    rol: Rol
    location_id: str
    status: Status
    created_at: datetime | None = None
    updated_at: datetime | None = None


class EmployeeRecord(Employee):
    """The stored ``Empleados`` item."""

    tenant_id: str
    password_hash: str | None = None
    email_alerts: bool | None = None  # contracts.EMPLOYEE_EMAIL_ALERTS; None: the role's default
    last_invitation_event: str | None = None

    @property
    def tenant_location(self) -> str:
        return f"{self.tenant_id}#{self.location_id}"

    def public(self) -> Employee:
        return Employee.model_validate(self.model_dump(include=set(Employee.model_fields)))


class EmployeeCreated(BaseModel):
    employee: Employee
    invitation_expires_at: datetime


class EmployeePage(BaseModel):
    items: list[Employee]
    next_cursor: str | None = None


class Activated(BaseModel):
    employee_id: str
    status: Literal["active"] = "active"


class EmployeeDeactivated(BaseModel):
    employee_id: str
    status: Literal["inactive"] = "inactive"
    revoked_tokens: int


# What each role's e-mails are about (staff_mails in the notifier sends them; README: "Status e-mails by role").
ALERT_EVENTS: dict[str, tuple[str, ...]] = {
    "admin": ("order_cancelled", "order_overdue", "complaint_filed", "daily_summary"),
    "cocinero": ("order_entered_stage", "order_overdue_in_stage"),
    "empaquetador": ("order_entered_stage", "order_overdue_in_stage"),
    "repartidor": ("order_entered_stage", "order_overdue_in_stage"),
}


class AlertPreferences(BaseModel):
    """The signed-in employee's choice of e-mails for their role's events."""

    rol: Rol
    email_alerts: bool
    default: bool  # the role's default, what ``email_alerts`` is until the employee chooses
    events: list[str]  # what the e-mails are about (ALERT_EVENTS)


class AlertPreferencesPatch(_Request):
    email_alerts: bool
