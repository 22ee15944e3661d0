"""Staff messages: the ``mensaje`` WebSocket route, the history and the staff directory (``GET /mensajes``,
``GET /mensajes/contactos``).

Who may write to whom (issue 11's contract):

- non-admin staff: to a role of their own location (``{"rol"}``), to a person of their location or to an admin
  (``{"empleado"}``), or to the tenant's admins (``{"rol": "admin"}``);
- admins: to a role at any location of the tenant (``{"rol", "location_id"}``), to any active employee, to a
  location's staff (``{"local"}``) or to the whole tenant's staff (``{"todos": true}``);
- customers may not send.

The sender is the connection's principal. A refused frame gets an error frame on the sender's socket, keeps the
connection and stores nothing. Each message is one item of the messages table in its audience's channel
(``<channel>#<at>#<id>``, ``realtime.models.channel_of``); a reader's history is one Query per channel they hear
and one of their own sent messages, merged newest first.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from core import dynamo
from core.clock import iso
from core.errors import Forbidden, ValidationFailed
from core.observability import logger
from core.principal import Principal
from realtime.dal import ConnectionGone, RateLimit
from realtime.models import (
    MAX_FRAME_BYTES,
    STAFF_ROLES,
    Audience,
    Contact,
    Contacts,
    Message,
    MessageFrame,
    MessagePage,
    Sender,
    To,
    channel_of,
)

RATE_LIMIT = 10  # frames per connection ...
RATE_WINDOW_SECONDS = 30  # ... per window
HISTORY_LIMIT_MAX = 100


class Refused(Exception):
    """A frame the platform will not send: the error frame's ``code`` and ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Directory(Protocol):
    def employee(self, tenant_id: str, employee_id: str) -> dict[str, Any] | None: ...
    def location_exists(self, tenant_id: str, location_id: str) -> bool: ...


class Store(Directory, Protocol):
    def store(self, tenant_id: str, message: Message, client_id: str) -> bool: ...
    def previous(self, tenant_id: str, sender_id: str, client_id: str) -> Message | None: ...


class Fanout(Protocol):
    def count_frame(self, tenant_id: str, connection_id: str, *, now: int, window: int, limit: int) -> str: ...
    def connection_ids(
        self, tenant_id: str, *, topics: list[str], subjects: list[str], all_staff: bool
    ) -> list[str]: ...
    def post(self, connection_id: str, message: dict[str, Any]) -> None: ...
    def forget(self, tenant_id: str, connection_id: str) -> None: ...


# -- the frame ---------------------------------------------------------------------------------


def parse_frame(body: str | None) -> MessageFrame:
    """The frame, validated; ``Refused`` (``frame_too_large``, ``invalid_frame``) otherwise."""
    raw = body or ""
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise Refused("frame_too_large", f"A message frame may hold at most {MAX_FRAME_BYTES} bytes")
    try:
        return MessageFrame.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'frame'}: {e['msg']}" for e in exc.errors())
        raise Refused("invalid_frame", f"The message frame is not valid ({problems})"[:300]) from exc


def client_id_of(body: str | None) -> str | None:
    """The frame's ``client_id`` when it has a plausible one (an error frame names it), else None."""
    try:
        value = json.loads(body or "")
    except ValueError:
        return None
    client_id = value.get("client_id") if isinstance(value, dict) else None
    return client_id if isinstance(client_id, str) and re.fullmatch(r"[A-Za-z0-9-]{1,64}", client_id) else None


# -- who may write to whom -------------------------------------------------------------------------


def audience(principal: Principal, to: To, directory: Directory) -> Audience:
    """The audience of ``to`` for this sender, or ``Refused`` (``forbidden``, ``unknown_recipient``)."""
    tenant = principal.tenant_id
    if principal.kind != "employee":
        raise Refused("forbidden", "Customers may not send staff messages")
    admin = principal.is_admin
    if to.rol is not None:
        if to.rol == "admin":
            if to.location_id is not None:
                raise Refused("invalid_frame", "The admins are the whole tenant's: no location_id")
            return Audience(kind="rol", rol="admin")
        if not admin:
            if to.location_id not in (None, principal.location_id):
                raise Refused("forbidden", "Staff may write only to the roles of their own location")
            return Audience(kind="rol", rol=to.rol, location_id=principal.location_id)
        if to.location_id is None:
            raise Refused("invalid_frame", "An admin names the location of the role (location_id)")
        _known_location(tenant, to.location_id, directory)
        return Audience(kind="rol", rol=to.rol, location_id=to.location_id)
    if to.empleado is not None:
        person = directory.employee(tenant, to.empleado)
        if person is None or person.get("status") != "active":
            raise Refused("unknown_recipient", "No active employee with that id")
        if not admin and person.get("rol") != "admin" and person.get("location_id") != principal.location_id:
            raise Refused("forbidden", "Staff may write to a person of their own location or to an admin")
        return Audience(kind="empleado", employee_id=to.empleado)
    if not admin:
        raise Refused("forbidden", "Only admins write to a whole location or to the whole tenant")
    if to.local is not None:
        _known_location(tenant, to.local, directory)
        return Audience(kind="local", location_id=to.local)
    return Audience(kind="todos")


def _known_location(tenant_id: str, location_id: str, directory: Directory) -> None:
    if not directory.location_exists(tenant_id, location_id):
        raise Refused("unknown_recipient", "No such location")


def targets(tenant_id: str, to: Audience) -> tuple[list[str], list[str], bool]:
    """``(topics, subjects, all_staff)`` whose connections hear a message to ``to`` (``realtime.handler``'s
    topics: ``<tenant>#<location>#<rol>``, ``<tenant>#admin``)."""
    if to.kind == "rol":
        topic = f"{tenant_id}#admin" if to.rol == "admin" else f"{tenant_id}#{to.location_id}#{to.rol}"
        return [topic], [], False
    if to.kind == "empleado":
        assert to.employee_id is not None
        return [], [to.employee_id], False
    if to.kind == "local":
        return [f"{tenant_id}#{to.location_id}#{rol}" for rol in STAFF_ROLES], [], False
    return [], [], True


# -- sending -----------------------------------------------------------------------------------------


def send(
    principal: Principal | None,
    connection_id: str,
    body: str | None,
    *,
    store: Store,
    fanout: Fanout,
    now: datetime,
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
) -> dict[str, Any]:
    """Handle one ``mensaje`` frame; returns the answer for the sender's socket (``MessageSent`` or ``error``)."""
    client_id = client_id_of(body)
    try:
        if principal is None:
            raise Refused("unauthenticated", "This connection has no principal")
        frame = parse_frame(body)
        to = audience(principal, frame.to, store)
        verdict = fanout.count_frame(
            principal.tenant_id, connection_id, now=int(now.timestamp()), window=RATE_WINDOW_SECONDS, limit=RATE_LIMIT
        )
        if verdict == RateLimit.GONE:
            raise Refused("session_ended", "This connection's session has ended: connect again")
        if verdict == RateLimit.LIMITED:
            raise Refused("rate_limited", f"At most {RATE_LIMIT} messages every {RATE_WINDOW_SECONDS} s: wait a moment")
    except Refused as refused:
        logger.info("message refused", extra={"code": refused.code})
        return {"type": "error", "client_id": client_id, "code": refused.code, "message": refused.message}
    sender = Sender(
        employee_id=principal.subject_id,
        name=principal.name or principal.subject_id,
        rol=principal.rol,
        location_id=principal.location_id,
    )
    message = Message(id=new_id(), at=iso(now), texto=frame.texto, sender=sender, to=to)
    if not store.store(principal.tenant_id, message, frame.client_id):
        previous = store.previous(principal.tenant_id, principal.subject_id, frame.client_id)
        if previous is not None:  # the same frame again (a retry): its message, not a second one
            return {"type": "MessageSent", "client_id": frame.client_id, "message": previous.public()}
        return {"type": "error", "client_id": frame.client_id, "code": "conflict", "message": "Send it again"}
    delivered = deliver(principal.tenant_id, message, fanout, exclude=connection_id)
    logger.info("message sent", extra={"to": to.kind, "connections": delivered})
    return {"type": "MessageSent", "client_id": frame.client_id, "message": message.public()}


def deliver(tenant_id: str, message: Message, fanout: Fanout, *, exclude: str) -> int:
    """Push ``StaffMessage`` to every connection of the audience and the sender's other connections."""
    topics, subjects, all_staff = targets(tenant_id, message.to)
    connection_ids = fanout.connection_ids(
        tenant_id, topics=topics, subjects=[*subjects, message.sender.employee_id], all_staff=all_staff
    )
    push = {"type": "StaffMessage", "message": message.public()}
    delivered = 0
    for connection_id in connection_ids:
        if connection_id == exclude:
            continue
        try:
            fanout.post(connection_id, push)
        except ConnectionGone:
            fanout.forget(tenant_id, connection_id)
        else:
            delivered += 1
    return delivered


# -- history and contacts -------------------------------------------------------------------------------


class History(Protocol):
    def channel_page(
        self, tenant_id: str, channel: str, *, before: str | None, limit: int
    ) -> tuple[list[Message], bool]: ...
    def sent_page(
        self, tenant_id: str, sender_id: str, *, before: str | None, limit: int
    ) -> tuple[list[Message], bool]: ...
    def staff(self, tenant_id: str, *, location_id: str | None, admins_only: bool = False) -> list[dict[str, Any]]: ...
    def location_exists(self, tenant_id: str, location_id: str) -> bool: ...


def channels(principal: Principal, location_id: str | None) -> list[str]:
    """The channels a reader hears: their role at their location (admins: the admins'), them, their location,
    the tenant; an admin naming ``location_id`` also that location's roles and the location."""
    me = Audience(kind="empleado", employee_id=principal.subject_id)
    everyone = Audience(kind="todos")
    if principal.is_admin:
        found = [channel_of(Audience(kind="rol", rol="admin")), channel_of(me), channel_of(everyone)]
        if location_id:
            found += [channel_of(Audience(kind="rol", rol=r, location_id=location_id)) for r in STAFF_ROLES]
            found.append(channel_of(Audience(kind="local", location_id=location_id)))
        return found
    return [
        channel_of(Audience(kind="rol", rol=principal.rol, location_id=principal.location_id)),
        channel_of(me),
        channel_of(Audience(kind="local", location_id=principal.location_id)),
        channel_of(everyone),
    ]


def history(
    principal: Principal, *, limit: int, cursor: str | None, location_id: str | None, dal: History
) -> MessagePage:
    """The caller's messages, newest first: every channel's page and the sent page, merged."""
    location_id = _location_for(principal, location_id)
    before = decode_cursor(cursor, principal.tenant_id)
    pages = [
        dal.channel_page(principal.tenant_id, c, before=before, limit=limit) for c in channels(principal, location_id)
    ]
    pages.append(dal.sent_page(principal.tenant_id, principal.subject_id, before=before, limit=limit))
    merged = {m.id: m for page, _ in pages for m in page}
    ordered = sorted(merged.values(), key=lambda m: (m.at, m.id), reverse=True)
    more = len(ordered) > limit or any(has_more for _, has_more in pages)
    items = ordered[:limit]
    next_cursor = encode_cursor(principal.tenant_id, items[-1]) if more and items else None
    return MessagePage(items=items, next_cursor=next_cursor)


def _location_for(principal: Principal, location_id: str | None) -> str | None:
    """The location an admin names (any of the tenant's: another tenant's simply has nothing); staff may only name
    their own, which changes nothing (403 ``other_location`` for another)."""
    if location_id is None or principal.is_admin:
        return location_id
    if location_id != principal.location_id:
        raise Forbidden("Staff read only their own location's messages and staff", code="other_location")
    return None


def encode_cursor(tenant_id: str, last: Message) -> str:
    """The page's last message, as an opaque cursor of the caller's tenant (``core.dynamo``'s encoding)."""
    return str(dynamo.encode_cursor(dynamo.to_item({"tenant_id": tenant_id, "before": f"{last.at}#{last.id}"})))


_CURSOR_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9:.]+Z#[A-Za-z0-9-]{1,64}$")


def decode_cursor(cursor: str | None, tenant_id: str) -> str | None:
    """``<at>#<id>`` of the message a page starts after; a cursor of another tenant or a forged one is a 422."""
    key = dynamo.decode_cursor(cursor, tenant_id=tenant_id)
    if key is None:
        return None
    before = dynamo.from_item(key).get("before")
    if not isinstance(before, str) or not _CURSOR_KEY.match(before):
        raise ValidationFailed("The page cursor is not valid", code="invalid_cursor")
    return before


def contacts(principal: Principal, *, location_id: str | None, dal: History) -> Contacts:
    """The staff a caller may write to one by one: their location's active staff and the tenant's admins
    (admins: every active employee, or one location's)."""
    tenant = principal.tenant_id
    location_id = _location_for(principal, location_id)
    if principal.is_admin:
        people = dal.staff(tenant, location_id=location_id)
    else:
        people = dal.staff(tenant, location_id=principal.location_id) + dal.staff(
            tenant, location_id=None, admins_only=True
        )
    unique = {p["employee_id"]: p for p in people if p["employee_id"] != principal.subject_id}
    items = [Contact.model_validate(p) for p in unique.values()]
    return Contacts(items=sorted(items, key=lambda c: (c.name.casefold(), c.employee_id)))
