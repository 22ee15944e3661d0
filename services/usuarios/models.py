"""Requests, responses and stored records of the users service (customers, and every login)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from core.models import BaseModel
from core.validation import PASSWORD_MAX, Email, Password, PersonName, PhonePe, password_differs_from_email

AccountKind = Literal["customer", "employee"]
CustomerStatus = Literal["pending_verification", "active", "inactive"]
OneTimeToken = Annotated[str, Field(min_length=1, max_length=128, description="The token of the mailed link")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=512)


class RegisterRequest(_Request):
    email: Email
    password: Password
    name: PersonName
    phone: PhonePe | None = None

    @model_validator(mode="after")
    def _password_is_not_the_email(self) -> Self:
        password_differs_from_email(self.password, self.email)
        return self


class Registered(BaseModel):
    """``POST /usuarios``'s answer, the same whether or not the address already had an account: the
    verification email (or, for a verified address, a notice to its owner) is on its way."""

    email: str
    status: Literal["pending_verification"] = "pending_verification"


class EmailRequest(_Request):
    """``POST /usuarios/verificacion/reenvio`` and ``POST /usuarios/contrasena/olvido``."""

    email: Email


class Accepted(BaseModel):
    """The answer to a request for an email: the same whether or not the address has an account."""

    accepted: Literal[True] = True


class VerifyRequest(_Request):
    token: OneTimeToken


class Verified(BaseModel):
    user_id: str
    status: Literal["active"] = "active"


class ResetRequest(_Request):
    """``POST /usuarios/contrasena/restablecer``: the mailed token and the new password."""

    token: OneTimeToken
    password: Password


class PasswordChange(_Request):
    """``POST /perfil/contrasena``: the current password and the new one."""

    current_password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]
    new_password: Password


class PasswordChanged(BaseModel):
    revoked_tokens: Annotated[int, Field(description="Other sessions (and pending links) that were ended")]


class LoginRequest(_Request):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]
    kind: Annotated[
        AccountKind | None,
        Field(description="Which account to log into; without it, a customer account first, then staff."),
    ] = None


class LoginResponse(BaseModel):
    token: str
    expires_at: Annotated[int, Field(description="Epoch seconds")]
    kind: AccountKind
    rol: str
    subject_id: str
    location_id: str | None = None
    name: str | None = Field(default=None, description="The account holder's name, to greet them")


class ProfileReplace(_Request):
    """``PUT /perfil``: the whole editable profile (a missing phone removes it)."""

    name: PersonName
    phone: PhonePe | None = None


class ProfilePatch(_Request):
    """``PATCH /perfil``: only the fields given change (at least one; the name cannot be removed)."""

    model_config = ConfigDict(extra="forbid", str_max_length=512, json_schema_extra={"minProperties": 1})

    name: PersonName = None  # type: ignore[assignment]  # absent: unchanged; null is refused, as documented
    phone: PhonePe | None = None

    @model_validator(mode="after")
    def _something_changes(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be removed")
        return self


class Profile(BaseModel):
    user_id: str
    email: str
    name: str
    phone: str | None = None
    status: CustomerStatus
    created_at: datetime


class Customer(BaseModel):
    """A stored customer (``Usuarios`` item)."""

    tenant_id: str
    user_id: str
    email: str | None  # removed on deactivation (frees the address)
    name: str
    phone: str | None = None
    password_hash: str | None = None
    status: CustomerStatus = "pending_verification"
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = None

    def profile(self) -> Profile:
        return Profile(
            user_id=self.user_id,
            email=self.email or "",
            name=self.name,
            phone=self.phone,
            status=self.status,
            created_at=self.created_at,
        )


class Account(BaseModel):
    """What login needs of a customer or an employee."""

    tenant_id: str
    subject_id: str
    kind: AccountKind
    email: str
    rol: str
    location_id: str | None = None
    name: str | None = None
    password_hash: str | None = None
    active: bool
    pending_verification: bool = False  # a customer who has not confirmed the address yet


class LogoutResponse(BaseModel):
    revoked: bool


class Deactivated(BaseModel):
    user_id: str
    status: Literal["inactive"] = "inactive"
    revoked_tokens: int
