"""Requests, responses and stored records of the Libro de Reclamaciones (``/reclamaciones``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from core.models import BaseModel
from core.validation import CATALOG_ID_PATTERN, EntityId, PersonName

Tipo = Literal["reclamo", "queja"]  # reclamo: the good or service; queja: the attention
Bien = Literal["producto", "servicio"]
Estado = Literal["pendiente", "respondido"]
DocumentoTipo = Literal["DNI", "CE", "PASAPORTE", "RUC"]
NUMERO_PATTERN = r"^[1-9][0-9]{0,8}$"


# Free text, its length counted once trimmed.
Descripcion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Domicilio = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]
Detalle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
PedidoConsumidor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=1000)]
Respuesta = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]


Documento = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{4,20}$")]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Apoderado(_Request):
    """The parent or guardian who files for a minor."""

    nombre: PersonName
    documento_tipo: DocumentoTipo
    documento_numero: Documento


class ConsumidorInput(Apoderado):
    """The consumer as the form gives them; the e-mail is never taken from the body (it is the account's)."""

    domicilio: Domicilio
    telefono: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 -]{6,20}$")] | None = None


class ComplaintCreate(_Request):
    tipo: Tipo
    bien: Bien
    descripcion_bien: Descripcion
    monto_cents: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    order_id: EntityId | None = None
    location_id: Annotated[str, Field(pattern=CATALOG_ID_PATTERN)] | None = None
    detalle: Detalle
    pedido_consumidor: PedidoConsumidor
    consumidor: ConsumidorInput
    apoderado: Apoderado | None = None


class ComplaintAnswer(_Request):
    respuesta: Respuesta


class Consumidor(BaseModel):
    nombre: str
    documento_tipo: DocumentoTipo
    documento_numero: str
    domicilio: str
    telefono: str | None = None
    email: str


class ApoderadoView(BaseModel):
    nombre: str
    documento_tipo: DocumentoTipo
    documento_numero: str


class Complaint(BaseModel):
    """An entry of the book, as every route returns it."""

    numero: int
    codigo: str
    tipo: Tipo
    bien: Bien
    descripcion_bien: str
    monto_cents: int | None = None
    order_id: str | None = None
    location_id: str | None = None
    detalle: str
    pedido_consumidor: str
    consumidor: Consumidor
    apoderado: ApoderadoView | None = None
    customer_id: str
    estado: Estado
    filed_at: str
    due_at: str
    respuesta: str | None = None
    answered_at: str | None = None
    answered_by: str | None = None


class ComplaintRecord(Complaint):
    """The stored item (``reclamaciones``): the entry and its keys."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    entry_key: str
    customer_key: str
    estado_key: str
    request_hash: str | None = None  # of the filing request (a repeated Idempotency-Key must match it)

    def public(self) -> Complaint:
        return Complaint.model_validate(self.model_dump(include=set(Complaint.model_fields)))


class ComplaintPage(BaseModel):
    items: list[Complaint]
    next_cursor: str | None = None


class ComplaintEventDetail(BaseModel):
    """What ``ComplaintFiled`` and ``ComplaintAnswered`` carry: the entry's names, never the consumer's data."""

    tenant_id: str
    numero: int
    customer_id: str
    tipo: Tipo
    location_id: str | None = None
    estado: Estado
    filed_at: str
    due_at: str
    answered_at: str | None = None
