"""The rules of the Libro de Reclamaciones: filing an entry under the next number, reading, answering, exporting.

A customer files and reads their own entries; the tenant's admins read the whole book, answer and export it. The
tenant is always the caller's; an entry of another customer (or tenant) is simply not found.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from core import contracts
from core.clock import LIMA, from_iso, iso
from core.errors import Conflict, Forbidden, NotFound
from core.observability import logger
from core.principal import Principal
from core.tenant_config import TenantConfig
from reclamos.dal import (
    AlreadyAnswered,
    ComplaintsDal,
    CounterMoved,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    customer_key,
    entry_key,
    estado_key,
)
from reclamos.models import (
    Complaint,
    ComplaintAnswer,
    ComplaintCreate,
    ComplaintEventDetail,
    ComplaintPage,
    ComplaintRecord,
    Consumidor,
    Estado,
)

NUMBERING_ATTEMPTS = 8  # entries filed at the same instant in one tenant each take the next number in turn


class Tenants(Protocol):
    def get(self, tenant_id: str) -> TenantConfig: ...


class Publisher(Protocol):
    def publish(self, source: str, detail_type: str, detail: dict[str, object]) -> None: ...


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` business days (Monday to Friday) in Lima, at the same time of day.

    Public holidays are NOT counted as non-business days (Peru's calendar of holidays, fixed and movable, is not
    kept here): the term may end a day or two before the legal one around a holiday, never after it.
    """
    moment = start.astimezone(LIMA)
    counted = 0
    while counted < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment


def codigo(numero: int, filed_at: str) -> str:
    """``LR-2026-000012``: the year filed in Lima and the number."""
    return f"LR-{from_iso(filed_at).astimezone(LIMA).year}-{numero:06d}"


def request_hash(body: ComplaintCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


# -- filing -------------------------------------------------------------------------------------------------


def file_complaint(
    principal: Principal,
    body: ComplaintCreate,
    idempotency_key: str | None,
    *,
    dal: ComplaintsDal,
    tenants: Tenants,
    events: Publisher,
    now: datetime,
) -> tuple[Complaint, bool]:
    """(the entry, created now). The same ``Idempotency-Key`` with the same body gives the first entry back."""
    tenant_id, customer_id = principal.tenant_id, principal.subject_id
    fingerprint = request_hash(body)
    if idempotency_key:
        previous = dal.idempotency_record(tenant_id, customer_id, idempotency_key)
        if previous is not None:
            return _replay(principal, previous, fingerprint, dal=dal, events=events), False
    config = tenants.get(tenant_id)
    consumidor = _consumer(principal, body, dal=dal)
    filed_at = iso(now)
    due_at = iso(add_business_days(now, config.reclamos_plazo_dias))
    for _ in range(NUMBERING_ATTEMPTS):
        last = dal.last_numero(tenant_id)
        numero = last + 1
        record = ComplaintRecord(
            tenant_id=tenant_id,
            entry_key=entry_key(numero),
            customer_key=customer_key(tenant_id, customer_id),
            estado_key=estado_key(tenant_id, "pendiente"),
            request_hash=fingerprint,
            numero=numero,
            codigo=codigo(numero, filed_at),
            **body.model_dump(exclude={"consumidor"}),
            consumidor=consumidor,
            customer_id=customer_id,
            estado="pendiente",
            filed_at=filed_at,
            due_at=due_at,
        )
        key = IdempotencyRecord(idempotency_key, numero, fingerprint) if idempotency_key else None
        try:
            dal.file(record, previous=last, idempotency=key, ttl=int(now.timestamp()) + 24 * 3600)
        except CounterMoved:
            continue  # another entry took this number: read the counter again
        except IdempotencyKeyTaken as taken:  # a concurrent retry with the same key won
            won = taken.record or dal.idempotency_record(tenant_id, customer_id, idempotency_key or "")
            if won is None:
                raise Conflict("This Idempotency-Key is being used; retry", code="idempotency_in_progress") from taken
            return _replay(principal, won, fingerprint, dal=dal, events=events), False
        logger.info("complaint filed", extra={"numero": numero})
        _publish(events, contracts.COMPLAINT_FILED, record)
        return record.public(), True
    raise Conflict("The complaints book is busy; retry in a moment", code="numbering_busy")


def _consumer(principal: Principal, body: ComplaintCreate, *, dal: ComplaintsDal) -> Consumidor:
    """The entry's consumer: the body's data with the account's own address, once the account may file (active,
    with an address) and the order and location it names are its own and the tenant's."""
    tenant_id, customer_id = principal.tenant_id, principal.subject_id
    customer = dal.customer(tenant_id, customer_id)
    if not customer or customer.get("status", "active") != "active" or not customer.get("email"):
        raise Forbidden("Only an active customer account can file a complaint", code="customer_inactive")
    if body.order_id and dal.order_customer(tenant_id, body.order_id) != customer_id:
        raise NotFound("There is no such order", code="order_not_found")
    if body.location_id and not dal.location_exists(tenant_id, body.location_id):
        raise NotFound("There is no such location", code="location_not_found")
    return Consumidor(**body.consumidor.model_dump(), email=str(customer["email"]))


def _replay(
    principal: Principal, record: IdempotencyRecord, fingerprint: str, *, dal: ComplaintsDal, events: Publisher
) -> Complaint:
    """The entry a key already filed. Its event is published again: a retry after a failure between the write and
    the publish still tells the customer and the admins (the e-mail notifier sends each copy once)."""
    if record.request_hash != fingerprint:
        raise Conflict("This Idempotency-Key was used for a different complaint", code="idempotency_key_reused")
    entry = dal.get(principal.tenant_id, record.numero)
    if entry is None or entry.customer_id != principal.subject_id:
        raise Conflict("This Idempotency-Key is being used; retry", code="idempotency_in_progress")
    _publish(events, contracts.COMPLAINT_FILED, entry)
    return entry.public()


# -- reading ----------------------------------------------------------------------------------------------


def _readable(principal: Principal, entry: ComplaintRecord | None) -> ComplaintRecord:
    """The entry if the caller may read it: its customer, or an admin of its tenant (the DAL's key)."""
    if entry is not None and (
        principal.is_admin or (principal.kind == "customer" and entry.customer_id == principal.subject_id)
    ):
        return entry
    raise NotFound("There is no such complaint", code="complaint_not_found")


def get_complaint(principal: Principal, numero: int, *, dal: ComplaintsDal) -> Complaint:
    return _readable(principal, dal.get(principal.tenant_id, numero)).public()


def list_complaints(
    principal: Principal, *, estado: Estado | None, limit: int, cursor: str | None, dal: ComplaintsDal
) -> ComplaintPage:
    """An admin: the tenant's book by number (optionally one estado). A customer: their own, newest first."""
    if principal.is_admin:
        records, next_cursor = dal.book(principal.tenant_id, estado=estado, limit=limit, cursor=cursor)
    else:
        records, next_cursor = dal.of_customer(principal.tenant_id, principal.subject_id, limit=limit, cursor=cursor)
        if estado:
            records = [r for r in records if r.estado == estado]
    return ComplaintPage(items=[r.public() for r in records], next_cursor=next_cursor)


# -- answering ----------------------------------------------------------------------------------------------


def answer_complaint(
    principal: Principal, numero: int, body: ComplaintAnswer, *, dal: ComplaintsDal, events: Publisher, now: datetime
) -> Complaint:
    """Store the business's answer (once) and tell the customer. The same answer sent again (a double click, a
    retry after a failure to publish) gives the entry back and publishes again; a different one is a 409."""
    entry = _readable(principal, dal.get(principal.tenant_id, numero))
    if entry.estado == "pendiente":
        by = principal.name or "Administración"
        try:
            entry = dal.answer(principal.tenant_id, numero, respuesta=body.respuesta, at=iso(now), by=by)
        except AlreadyAnswered:
            entry = _readable(principal, dal.get(principal.tenant_id, numero))
        else:
            logger.info("complaint answered", extra={"numero": numero})
            _publish(events, contracts.COMPLAINT_ANSWERED, entry)
            return entry.public()
    if entry.respuesta != body.respuesta:
        raise Conflict("This complaint has its answer already", code="already_answered")
    _publish(events, contracts.COMPLAINT_ANSWERED, entry)
    return entry.public()


def _publish(events: Publisher, detail_type: str, entry: ComplaintRecord) -> None:
    detail = ComplaintEventDetail.model_validate(entry.model_dump(include=set(ComplaintEventDetail.model_fields)))
    events.publish(contracts.EVENT_SOURCE_COMPLAINTS, detail_type, detail.model_dump())


# -- the book as CSV -----------------------------------------------------------------------------------------

CSV_HEADER = (
    "Número", "Código", "Fecha de registro", "Tipo", "Bien contratado", "Descripción del bien", "Monto reclamado (S/)",
    "Pedido", "Local", "Consumidor", "Tipo de documento", "Número de documento", "Domicilio", "Teléfono", "Correo",
    "Apoderado", "Detalle", "Pedido del consumidor", "Estado", "Fecha límite de respuesta", "Respuesta",
    "Fecha de respuesta", "Respondido por",
)  # fmt: skip
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _lima(value: str | None) -> str:
    return from_iso(value).astimezone(LIMA).strftime("%Y-%m-%d %H:%M") if value else ""


def book_csv(principal: Principal, *, dal: ComplaintsDal) -> str:
    """The tenant's whole book by number, one row per entry, dates in Lima time."""
    return render_csv(dal.whole_book(principal.tenant_id))


def render_csv(entries: Iterable[ComplaintRecord]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        c, a = e.consumidor, e.apoderado
        row = (
            e.numero, e.codigo, _lima(e.filed_at), e.tipo, e.bien, e.descripcion_bien,
            "" if e.monto_cents is None else f"{e.monto_cents / 100:.2f}", e.order_id, e.location_id,
            c.nombre, c.documento_tipo, c.documento_numero, c.domicilio, c.telefono, c.email,
            f"{a.nombre} ({a.documento_tipo} {a.documento_numero})" if a else "", e.detalle, e.pedido_consumidor,
            e.estado, _lima(e.due_at), e.respuesta, _lima(e.answered_at), e.answered_by,
        )  # fmt: skip
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
