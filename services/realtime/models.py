"""The staff messages' frames and records (issue 11's contract, section 2).

A client sends ``{"action": "mensaje", "client_id", "texto", "to"}`` on the WebSocket API (route key
``mensaje``); ``to`` is exactly one of ``{"rol": ..., "location_id"?}``, ``{"empleado": ...}``, ``{"local": ...}``
or ``{"todos": true}``. The sender (tenant, role, location, name) is the connection's principal, never the frame.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from core import contracts
from core.models import BaseModel
from core.validation import CATALOG_ID_PATTERN

MAX_FRAME_BYTES = 4 * 1024  # a frame over this is refused before it is parsed
TEXTO_MAX = 500
EMPLOYEE_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"  # as empleados.models names it
CLIENT_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"  # the client's own id of the frame (a UUID)

StaffRol = Literal["admin", "cocinero", "empaquetador", "repartidor"]
LocationId = Annotated[str, StringConstraints(pattern=CATALOG_ID_PATTERN)]
EmployeeId = Annotated[str, StringConstraints(pattern=EMPLOYEE_ID_PATTERN)]
AudienceKind = Literal["rol", "empleado", "local", "todos"]


class To(BaseModel):
    """Who a message is for: exactly one of ``rol`` (with ``location_id``, admins only), ``empleado``, ``local``,
    ``todos``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rol: StaffRol | None = None
    location_id: LocationId | None = None
    empleado: EmployeeId | None = None
    local: LocationId | None = None
    todos: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [k for k in ("rol", "empleado", "local", "todos") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("'to' names exactly one of rol, empleado, local, todos")
        if self.location_id is not None and self.rol is None:
            raise ValueError("'location_id' goes only with 'rol'")
        return self


class MessageFrame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["mensaje"]
    client_id: Annotated[str, StringConstraints(pattern=CLIENT_ID_PATTERN)]
    texto: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXTO_MAX)]
    to: To

    @field_validator("texto")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise ValueError("texto holds control characters")
        return value


class Sender(BaseModel):
    model_config = ConfigDict(frozen=True)

    employee_id: str
    name: str
    rol: str
    location_id: str | None = None


class Audience(BaseModel):
    """The ``to`` of a stored message, as every reader sees it."""

    model_config = ConfigDict(frozen=True)

    kind: AudienceKind
    rol: str | None = None
    location_id: str | None = None
    employee_id: str | None = None

    @model_serializer(mode="wrap")
    def _without_absent_keys(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``to`` names only what its kind has (``{"kind": "todos"}``, ``{"kind": "empleado", "employee_id"}``)."""
        return {k: v for k, v in handler(self).items() if v is not None}

    @property
    def channel(self) -> str:
        """The message's key range in the messages table: ``<channel>#<at>#<id>``."""
        return channel_of(self)


def channel_of(audience: Audience) -> str:
    if audience.kind == "rol":
        return "admins" if audience.rol == "admin" else f"rol#{audience.location_id}#{audience.rol}"
    if audience.kind == "empleado":
        return f"emp#{audience.employee_id}"
    if audience.kind == "local":
        return f"loc#{audience.location_id}"
    return "all"


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str
    at: str  # ISO 8601, UTC (core.clock.iso): sorts as text in time order
    texto: str
    sender: Sender = Field(alias="from")
    to: Audience

    def public(self) -> dict[str, Any]:
        """MESSAGE of the contract (``from``; ``to`` without the keys its kind has not)."""
        return self.model_dump(by_alias=True)


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None = None


class Contact(BaseModel):
    employee_id: str
    name: str
    rol: str
    location_id: str | None = None


class Contacts(BaseModel):
    items: list[Contact]


STAFF_ROLES: tuple[str, ...] = tuple(r for r in contracts.ROLES if r != "admin")
