"""Field types for people and accounts (emails, passwords, names, Peruvian phones, tenant ids).

Each is an ``Annotated`` type usable in any pydantic model; values come out normalized
(emails lower-cased, names with single spaces, phones as ``+51XXXXXXXXX``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from core import contracts

EMAIL_MAX = contracts.EMAIL_MAX
PASSWORD_MIN = 10
PASSWORD_MAX = 128
NAME_MAX = 80

_EMAIL_LOCAL = contracts.EMAIL_LOCAL_PATTERN
_EMAIL_LABEL = contracts.EMAIL_LABEL_PATTERN
# Letters of any script (accents included), single spaces, apostrophes and hyphens between them.
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_PHONE_RE = re.compile(r"^(?:\+?51)?(9[0-9]{8})$")
TENANT_ID_RE = re.compile(contracts.TENANT_ID_PATTERN)


def normalize_email(value: str) -> str:
    """``value`` as the platform stores an e-mail address (trimmed, lower case), or ValueError."""
    email = value.strip().lower()
    if not contracts.is_email(email):
        raise ValueError("must be a valid email address")
    return email


def _password(value: str) -> str:
    if value.isdigit():
        raise ValueError("must not be made of digits only")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not _NAME_RE.match(name):
        raise ValueError("may contain letters, spaces, apostrophes and hyphens only")
    return name


def _phone(value: str) -> str:
    match = _PHONE_RE.match(re.sub(r"[\s-]", "", value))
    if not match:
        raise ValueError("must be a Peruvian mobile number: 9 digits starting with 9, optionally with +51")
    return f"+51{match.group(1)}"


ISO_DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # a calendar day, YYYY-MM-DD
ISO_DAY_RE = re.compile(ISO_DAY_PATTERN)
# The id of a catalog item or a location (catalogo's ID_PATTERN): lower case, digits and dashes.
CATALOG_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


def _iso_day(value: object) -> object:
    # pydantic would read "0" or "1700000000" as a Unix time: a calendar day is written YYYY-MM-DD only.
    if isinstance(value, str) and not ISO_DAY_RE.match(value):
        raise ValueError("must be a calendar day, YYYY-MM-DD")
    return value


# Each type's JSON Schema states what its validator accepts (the OpenAPI document is the contract a
# client, or a fuzzer, builds requests from): a pattern for the raw input that the validator accepts
# (the phone's allows fewer separators than the validator forgives).
_EMAIL_SCHEMA = rf"^\s*{_EMAIL_LOCAL}@{_EMAIL_LABEL}(?:\.{_EMAIL_LABEL})+\s*$"
_NOT_BLANK_NOR_ALL_DIGITS = r"^(?=[\s\S]*\S)(?![0-9]+$)"
_NAME_SCHEMA = r"^\s*[^\W\d_]+(?:(?:\s+|['-])[^\W\d_]+)*\s*$"
_PHONE_SCHEMA = r"^ ?(?:\+?51)?[ -]?9(?:[ -]?[0-9]){8} ?$"

Email = Annotated[
    str,
    Field(min_length=3, max_length=EMAIL_MAX * 2, json_schema_extra={"pattern": _EMAIL_SCHEMA}),
    AfterValidator(normalize_email),
]
Password = Annotated[
    str,
    Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX, json_schema_extra={"pattern": _NOT_BLANK_NOR_ALL_DIGITS}),
    AfterValidator(_password),
]
# The length limits apply to the raw text, as the document says; the validator then trims and joins the spaces.
PersonName = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX, json_schema_extra={"pattern": _NAME_SCHEMA}),
    AfterValidator(_name),
]
PhonePe = Annotated[
    str, Field(min_length=9, max_length=20, json_schema_extra={"pattern": _PHONE_SCHEMA}), AfterValidator(_phone)
]
CalendarDay = Annotated[date, BeforeValidator(_iso_day)]
TenantId = Annotated[str, Field(pattern=TENANT_ID_RE.pattern)]
# Ids of stored entities in paths (uuid-like): never '#', so they cannot name an internal item.
EntityId = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")]


def password_differs_from_email(password: str, email: str) -> None:
    """The part of the password policy that needs the account's email."""
    if password.strip().lower() == email.strip().lower():
        raise ValueError("password must not be the email address")
