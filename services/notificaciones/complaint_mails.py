"""Libro de Reclamaciones e-mails: the consumer's dated copy of the entry (``ComplaintFiled``) and the business's
answer with its date (``ComplaintAnswered``).

The events carry no consumer data (``reclamos.models.ComplaintEventDetail``): the entry is read here with one
``GetItem`` of the complaints table, and the tenant's name with one of the tenants table
(``ComplaintMailDirectory``). ``with_complaint_mails(renderers, mails=runtime.complaints)`` adds both renderers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from string import Template
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict

from core import contracts
from core.clock import from_iso
from core.dynamo import from_item
from core.models import BaseModel
from notificaciones.dal import DependencyError
from notificaciones.models import Email
from notificaciones.templates import _html, _text, format_datetime

Renderer = Callable[[Mapping[str, Any]], Email | None]
TIPO_NAMES = {
    "reclamo": "Reclamo (disconformidad con el producto o servicio)",
    "queja": "Queja (malestar o descontento con la atención)",
}
BIEN_NAMES = {"producto": "Producto", "servicio": "Servicio"}


class ComplaintEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    numero: int


class ComplaintMailDirectory:
    """The reads complaint e-mails need: the entry and the tenant's name."""

    def __init__(self, client: Any, *, complaints_table: str, tenants_table: str) -> None:
        self._client = client
        self._complaints = complaints_table
        self._tenants = tenants_table

    def entry(self, tenant_id: str, numero: int) -> dict[str, Any] | None:
        item = self._get(self._complaints, {"tenant_id": {"S": tenant_id}, "entry_key": {"S": f"n#{numero:012d}"}})
        return from_item(item) if item else None

    def tenant_name(self, tenant_id: str) -> str:
        item = self._get(self._tenants, {"tenant_id": {"S": tenant_id}})
        return str(item.get("name", {}).get("S", tenant_id)) if item else tenant_id

    def _get(self, table: str, key: dict[str, Any]) -> Any:
        try:
            return self._client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"Could not read {table}") from exc


def _when(value: str | None) -> str:
    return format_datetime(from_iso(value)) if value else "-"


def _soles(cents: int | None) -> str:
    return "-" if cents is None else f"S/ {cents / 100:,.2f}"


def _copy_values(entry: Mapping[str, Any], tenant: str) -> dict[str, str]:
    consumer = entry.get("consumidor") or {}
    proxy = entry.get("apoderado")
    return {
        "name": str(consumer.get("nombre", "cliente")),
        "tenant": tenant,
        "codigo": str(entry["codigo"]),
        "filed": _when(entry.get("filed_at")),
        "due": _when(entry.get("due_at")),
        "tipo": TIPO_NAMES.get(entry.get("tipo", ""), str(entry.get("tipo"))),
        "bien": BIEN_NAMES.get(entry.get("bien", ""), str(entry.get("bien"))),
        "descripcion": str(entry.get("descripcion_bien", "")),
        "monto": _soles(entry.get("monto_cents")),
        "order": str(entry.get("order_id") or "-"),
        "location": str(entry.get("location_id") or "-"),
        "documento": f"{consumer.get('documento_tipo', '')} {consumer.get('documento_numero', '')}".strip(),
        "domicilio": str(consumer.get("domicilio", "")),
        "telefono": str(consumer.get("telefono") or "-"),
        "email": str(consumer.get("email", "")),
        "apoderado": f"{proxy['nombre']} ({proxy['documento_tipo']} {proxy['documento_numero']})" if proxy else "-",
        "detalle": str(entry.get("detalle", "")),
        "pedido": str(entry.get("pedido_consumidor", "")),
    }


_FILED_TEXT = Template("""Hola, $name:

Registramos tu entrada en el Libro de Reclamaciones de $tenant. Esta es tu copia.

Código:                 $codigo
Fecha de registro:      $filed (hora de Lima)
Tipo:                   $tipo
Bien contratado:        $bien
Descripción:            $descripcion
Monto reclamado:        $monto
Pedido:                 $order
Local:                  $location

Consumidor:             $name
Documento:              $documento
Domicilio:              $domicilio
Teléfono:               $telefono
Correo:                 $email
Apoderado:              $apoderado

Detalle:
$detalle

Pedido del consumidor:
$pedido

Te responderemos a más tardar el $due (hora de Lima).
""")
_FILED_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>Registramos tu entrada en el <strong>Libro de Reclamaciones</strong> de $tenant. Esta es tu copia.</p>
<table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
<tr><td><strong>Código</strong></td><td>$codigo</td></tr>
<tr><td><strong>Fecha de registro</strong></td><td>$filed (hora de Lima)</td></tr>
<tr><td><strong>Tipo</strong></td><td>$tipo</td></tr>
<tr><td><strong>Bien contratado</strong></td><td>$bien</td></tr>
<tr><td><strong>Descripción</strong></td><td>$descripcion</td></tr>
<tr><td><strong>Monto reclamado</strong></td><td>$monto</td></tr>
<tr><td><strong>Pedido</strong></td><td>$order</td></tr>
<tr><td><strong>Local</strong></td><td>$location</td></tr>
<tr><td><strong>Consumidor</strong></td><td>$name</td></tr>
<tr><td><strong>Documento</strong></td><td>$documento</td></tr>
<tr><td><strong>Domicilio</strong></td><td>$domicilio</td></tr>
<tr><td><strong>Teléfono</strong></td><td>$telefono</td></tr>
<tr><td><strong>Correo</strong></td><td>$email</td></tr>
<tr><td><strong>Apoderado</strong></td><td>$apoderado</td></tr>
</table>
<p><strong>Detalle:</strong><br>$detalle</p>
<p><strong>Pedido del consumidor:</strong><br>$pedido</p>
<p>Te responderemos a más tardar el <strong>$due</strong> (hora de Lima).</p>""")

_ANSWER_TEXT = Template("""Hola, $name:

$tenant respondió tu entrada $codigo del Libro de Reclamaciones (registrada el $filed).

Respuesta ($answered, hora de Lima):
$respuesta

También puedes verla en la aplicación de $tenant, en "Mis reclamos".
""")
_ANSWER_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>$tenant respondió tu entrada <strong>$codigo</strong> del Libro de Reclamaciones (registrada el $filed).</p>
<p><strong>Respuesta</strong> ($answered, hora de Lima):<br>$respuesta</p>
<p>También puedes verla en la aplicación de $tenant, en «Mis reclamos».</p>""")


def _entry_of(detail: Mapping[str, Any], mails: ComplaintMailDirectory) -> tuple[dict[str, Any], str, str] | None:
    """(the entry an event names, its consumer's address, the tenant's name); None when the entry or the address
    is gone."""
    event = ComplaintEvent.model_validate(detail)
    entry = mails.entry(event.tenant_id, event.numero)
    email = (entry or {}).get("consumidor", {}).get("email")
    return (entry, str(email), mails.tenant_name(event.tenant_id)) if entry and email else None


def _consumer_email(
    to: str, subject: str, tenant: str, mail: tuple[Template, Template], values: Mapping[str, str], *multiline: str
) -> Email:
    """The consumer's e-mail, its two parts from ``mail`` (text, HTML); ``multiline`` values keep their lines."""
    text, html = mail
    return Email(
        to=(to,),
        subject=subject,
        text=_text(text, values, tenant),
        html=_html(subject, tenant, html, values, multiline=multiline),
    )


def complaint_filed(detail: Mapping[str, Any], *, mails: ComplaintMailDirectory) -> Email | None:
    found = _entry_of(detail, mails)
    if found is None:
        return None
    entry, email, tenant = found
    values = _copy_values(entry, tenant)
    subject = f"Copia de tu reclamo {values['codigo']} · {tenant}"
    return _consumer_email(email, subject, tenant, (_FILED_TEXT, _FILED_HTML), values, "detalle", "pedido")


def complaint_answered(detail: Mapping[str, Any], *, mails: ComplaintMailDirectory) -> Email | None:
    found = _entry_of(detail, mails)
    if found is None or not found[0].get("respuesta"):
        return None
    entry, email, tenant = found
    values = {
        **_copy_values(entry, tenant),
        "respuesta": str(entry["respuesta"]),
        "answered": _when(entry.get("answered_at")),
    }
    subject = f"Respuesta a tu reclamo {values['codigo']} · {tenant}"
    return _consumer_email(email, subject, tenant, (_ANSWER_TEXT, _ANSWER_HTML), values, "respuesta")


def with_complaint_mails(
    renderers: Mapping[str, Renderer], *, mails: Callable[[], ComplaintMailDirectory]
) -> dict[str, Renderer]:
    """``renderers`` plus the two complaint e-mails (``mails`` gives the directory when one is rendered)."""
    return {
        **renderers,
        contracts.COMPLAINT_FILED: lambda detail: complaint_filed(detail, mails=mails()),
        contracts.COMPLAINT_ANSWERED: lambda detail: complaint_answered(detail, mails=mails()),
    }
