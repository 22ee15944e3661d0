"""Status e-mails by role: what the staff hear by e-mail, each as they chose in their profile.

- **admins** of the tenant (every admin employee, plus the tenant's contact address unless it is an employee):
  each cancellation (``OrderStatusChanged`` CANCELADO), each overdue order (``OrderOverdue``), each new complaint
  (``ComplaintFiled``) and the daily summary of the previous Lima day per location (``DailySummaryRequested``);
- **cooks, packers and drivers** of a location: each order entering their stage there (COCINA, EMPAQUETAMIENTO,
  DELIVERY) and each order overdue in their stage there.

Each employee's ``email_alerts`` decides (absent: ``contracts.EMAIL_ALERTS_DEFAULT``, on for admins, off for the
roles whose boards are live). The notifier's ledger keeps each of these e-mails once, under ``staff#<fact>``
(``logic.deliver_all``), apart from the customer's e-mail of the same event.

The staff are found without a scan (``StaffDirectory``): a location's role is one Query of the employees'
``by_location`` index (``tenant_location`` / ``rol``), the tenant's admins one Query of ``by_email`` (the tenant's
employees) filtered to ``rol = admin``, as ``GET /mensajes/contactos`` lists them. The daily summary reads the
metrics consumer's day rows (``D#<loc>#<yyyy-mm-dd>``, ``metricas.counters``): one Query of the locations and one
BatchGetItem of their rows; nothing is recomputed from the orders.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
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
from notificaciones.order_mails import OrderEventDetail
from notificaciones.templates import _html, _text, format_datetime

Renderer = Callable[[Mapping[str, Any]], Email | None]
ALL_LOCATIONS = "*"  # the metrics' row of all the tenant's locations (metricas.counters.ALL_LOCATIONS)
STAGE_NAMES = {
    **{stage.state: stage.slug for stage in contracts.STAGES.values()},
    "REQUIERE_ADMIN": "requiere un administrador",
}
ROLE_OF_STAGE = {stage.state: stage.role for stage in contracts.STAGES.values()}
DELIVERING = ("active", "invited")  # who may get e-mails: not a deactivated employee
BATCH_GET_LIMIT = 100
STAFF_SCOPE = "staff#"  # the ledger keys of the staff's e-mails: staff#<the event's dedup key>


def day_key(location: str, day: date) -> str:
    """A metrics day row's key (the layout of ``metricas.counters.day_key``; a unit test keeps them equal)."""
    return f"D#{location}#{day.isoformat()}"


@dataclass(frozen=True)
class StaffMember:
    email: str
    rol: str
    email_alerts: bool | None = None

    @property
    def wants_mail(self) -> bool:
        default = contracts.EMAIL_ALERTS_DEFAULT.get(self.rol, False)
        return default if self.email_alerts is None else self.email_alerts


@dataclass(frozen=True)
class Location:
    location_id: str
    name: str


class StaffDirectory:
    """The reads the staff e-mails need (employees, the tenant, its locations, the metrics' day rows)."""

    def __init__(
        self, client: Any, *, employees_table: str, tenants_table: str, locations_table: str, metrics_table: str
    ) -> None:
        self._client = client
        self._employees = employees_table
        self._tenants = tenants_table
        self._locations = locations_table
        self._metrics = metrics_table

    def tenant(self, tenant_id: str) -> tuple[str, str | None]:
        """``(name, contact address)`` of the tenant: one GetItem."""
        item = (
            self._call(
                "get_item",
                TableName=self._tenants,
                Key={"tenant_id": {"S": tenant_id}},
                ProjectionExpression="#n, admin_email",
                ExpressionAttributeNames={"#n": "name"},
            ).get("Item")
            or {}
        )
        return item.get("name", {}).get("S", tenant_id), item.get("admin_email", {}).get("S")

    def admins(self, tenant_id: str) -> list[StaffMember]:
        """The tenant's admins: one Query of ``by_email`` (the tenant's employees, by e-mail), filtered to admins."""
        return self._members(
            IndexName="by_email",
            KeyConditionExpression="tenant_id = :k",
            FilterExpression="rol = :rol",
            ExpressionAttributeValues={":k": {"S": tenant_id}, ":rol": {"S": "admin"}},
        )

    def at_location(self, tenant_id: str, location_id: str, rol: str) -> list[StaffMember]:
        """One role of one location: one Query of ``by_location`` (``tenant_location`` / ``rol``)."""
        return self._members(
            IndexName="by_location",
            KeyConditionExpression="tenant_location = :k AND rol = :rol",
            ExpressionAttributeValues={":k": {"S": f"{tenant_id}#{location_id}"}, ":rol": {"S": rol}},
        )

    def locations(self, tenant_id: str) -> list[Location]:
        """The tenant's locations: one Query (paged)."""
        params: dict[str, Any] = {
            "TableName": self._locations,
            "KeyConditionExpression": "tenant_id = :k",
            "ExpressionAttributeValues": {":k": {"S": tenant_id}},
            "ProjectionExpression": "location_id, #n",
            "ExpressionAttributeNames": {"#n": "name"},
        }
        found: list[Location] = []
        for item in self._pages(params):
            location_id = item["location_id"]["S"]
            found.append(Location(location_id, item.get("name", {}).get("S", location_id)))
        return found

    def day_rows(self, tenant_id: str, locations: Sequence[str], day: date) -> dict[str, dict[str, Any]]:
        """The metrics day rows of ``locations`` on ``day``, by location (absent: no event that day)."""
        keys = [{"tenant_id": {"S": tenant_id}, "metric_key": {"S": day_key(loc, day)}} for loc in locations]
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending: dict[str, Any] = {self._metrics: {"Keys": keys[start : start + BATCH_GET_LIMIT]}}
            for _ in range(5):
                response = self._call("batch_get_item", RequestItems=pending)
                for item in response.get("Responses", {}).get(self._metrics, []):
                    row = from_item(item)
                    rows[str(row["metric_key"]).split("#")[1]] = row
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
            if pending:
                raise DependencyError("DynamoDB left metrics rows unread")
        return rows

    def _members(self, **query: Any) -> list[StaffMember]:
        query.update(
            TableName=self._employees,
            ProjectionExpression="email, rol, #s, " + contracts.EMPLOYEE_EMAIL_ALERTS,
            ExpressionAttributeNames={"#s": "status"},
        )
        return [
            StaffMember(item["email"]["S"], item["rol"]["S"], item.get(contracts.EMPLOYEE_EMAIL_ALERTS, {}).get("BOOL"))
            for item in self._pages(query)
            if "email" in item and "rol" in item and item.get("status", {}).get("S") in DELIVERING
        ]

    def _pages(self, params: dict[str, Any]) -> Iterable[dict[str, Any]]:
        while True:
            page = self._call("query", **params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"Could not {operation} for the staff e-mails") from exc
        return response


def recipients(members: Iterable[StaffMember], contact: str | None = None) -> tuple[str, ...]:
    """The addresses of ``members`` who want the e-mail, and the tenant's ``contact`` address unless it is one of
    the employees (whose own choice then decides): each once, in order."""
    members = list(members)
    chosen = [m.email for m in members if m.wants_mail]
    if contact and contact.lower() not in {m.email.lower() for m in members}:
        chosen.insert(0, contact)
    return tuple(dict.fromkeys(chosen))


def _when(value: str | None) -> str:
    return format_datetime(from_iso(value)) if value else "-"


def _mail(to: tuple[str, ...], subject: str, tenant: str, *, body: tuple[Template, Template], values: Any) -> Email:
    text, page = body
    return Email(to=to, subject=subject, text=_text(text, values, tenant), html=_html(subject, tenant, page, values))


# -- admins: a cancellation ------------------------------------------------------------------------------

_CANCEL_TEXT = Template("""Hola:

El pedido $order del local $location fue cancelado el $at (hora de Lima).
$reason
Si estaba pagado, su pago se devuelve al cliente.
""")
_CANCEL_HTML = Template("""<p>Hola:</p>
<p>El pedido <strong>$order</strong> del local <strong>$location</strong> fue cancelado el $at (hora de Lima).</p>
<p>$reason</p>
<p>Si estaba pagado, su pago se devuelve al cliente.</p>""")


def cancelled(event: OrderEventDetail, *, staff: StaffDirectory) -> Email | None:
    tenant, contact = staff.tenant(event.tenant_id)
    to = recipients(staff.admins(event.tenant_id), contact)
    if not to:
        return None
    values = {
        "order": event.order_id,
        "location": event.location_id or "-",
        "at": _when(event.at),
        "reason": f"Motivo: {event.reason}" if event.reason else "",
    }
    subject = f"Pedido cancelado: {event.order_id} ({event.location_id or '-'})"
    return _mail(to, subject, tenant, body=(_CANCEL_TEXT, _CANCEL_HTML), values=values)


# -- cooks, packers, drivers: an order enters their stage --------------------------------------------------

_ENTERED_TEXT = Template("""Hola:

El pedido $order entró a $stage en el local $location ($at, hora de Lima).
Lo encuentras en tu bandeja de $stage.
""")
_ENTERED_HTML = Template("""<p>Hola:</p>
<p>El pedido <strong>$order</strong> entró a <strong>$stage</strong> en el local <strong>$location</strong>
($at, hora de Lima).</p>
<p>Lo encuentras en tu bandeja de $stage.</p>""")


def entered_stage(event: OrderEventDetail, *, staff: StaffDirectory) -> Email | None:
    if not event.location_id:
        return None
    to = recipients(staff.at_location(event.tenant_id, event.location_id, ROLE_OF_STAGE[event.estado_pedido]))
    if not to:
        return None  # one Query when nobody there opted in
    tenant, _ = staff.tenant(event.tenant_id)
    stage = STAGE_NAMES[event.estado_pedido]
    values = {"order": event.order_id, "location": event.location_id, "stage": stage, "at": _when(event.at)}
    subject = f"Nuevo pedido en {stage}: {event.order_id} ({event.location_id})"
    return _mail(to, subject, tenant, body=(_ENTERED_TEXT, _ENTERED_HTML), values=values)


def order_status(detail: Mapping[str, Any], *, staff: StaffDirectory) -> Email | None:
    event = OrderEventDetail.model_validate(detail)
    if event.estado_pedido == contracts.CANCELADO:
        return cancelled(event, staff=staff)
    if event.estado_pedido in ROLE_OF_STAGE:
        return entered_stage(event, staff=staff)
    return None


# -- admins and the stage's role: an overdue order -----------------------------------------------------------

_OVERDUE_TEXT = Template("""Hola:

El pedido $order del local $location pasó el tiempo límite de la etapa $stage.
El pedido sigue esperando: revisa la bandeja de $stage del local.
$reason""")
_OVERDUE_HTML = Template("""<p>Hola:</p>
<p>El pedido <strong>$order</strong> del local <strong>$location</strong> pasó el tiempo límite de la etapa
<strong>$stage</strong>.</p>
<p>El pedido sigue esperando: revisa la bandeja de $stage del local.</p>
<p>$reason</p>""")


def overdue(detail: Mapping[str, Any], *, staff: StaffDirectory) -> Email | None:
    event = OrderEventDetail.model_validate(detail)
    tenant, contact = staff.tenant(event.tenant_id)
    members = staff.admins(event.tenant_id)
    rol = ROLE_OF_STAGE.get(event.estado_pedido)
    if rol and event.location_id:
        members += staff.at_location(event.tenant_id, event.location_id, rol)
    to = recipients(members, contact)
    if not to:
        return None
    stage = STAGE_NAMES.get(event.estado_pedido, event.estado_pedido.lower())
    values = {
        "order": event.order_id,
        "location": event.location_id or "-",
        "stage": stage,
        "reason": f"Detalle: {event.reason}" if event.reason else "",
    }
    subject = f"Pedido vencido en {stage}: {event.order_id} ({event.location_id or '-'})"
    return _mail(to, subject, tenant, body=(_OVERDUE_TEXT, _OVERDUE_HTML), values=values)


# -- admins: a new complaint -----------------------------------------------------------------------------------

_COMPLAINT_TEXT = Template("""Hola:

Un cliente registró la entrada $codigo en el Libro de Reclamaciones el $filed (hora de Lima).

Tipo:     $tipo
Local:    $location
Pedido:   $order

Respóndela a más tardar el $due (hora de Lima), en la consola de administración (Libro de Reclamaciones).
""")
_COMPLAINT_HTML = Template("""<p>Hola:</p>
<p>Un cliente registró la entrada <strong>$codigo</strong> en el Libro de Reclamaciones el $filed (hora de Lima).</p>
<p>Tipo: $tipo<br>Local: $location<br>Pedido: $order</p>
<p>Respóndela a más tardar el <strong>$due</strong> (hora de Lima), en la consola de administración
(Libro de Reclamaciones).</p>""")


class ComplaintDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    numero: int


def complaint_filed(
    detail: Mapping[str, Any], *, staff: StaffDirectory, entry: Callable[[str, int], Mapping[str, Any] | None]
) -> Email | None:
    """``entry`` reads the book's entry (``ComplaintMailDirectory.entry``): the event names it, nothing more."""
    event = ComplaintDetail.model_validate(detail)
    tenant, contact = staff.tenant(event.tenant_id)
    to = recipients(staff.admins(event.tenant_id), contact)
    found = entry(event.tenant_id, event.numero) if to else None
    if not to or not found:
        return None
    values = {
        "codigo": str(found.get("codigo", event.numero)),
        "filed": _when(found.get("filed_at")),
        "due": _when(found.get("due_at")),
        "tipo": str(found.get("tipo", "-")),
        "location": str(found.get("location_id") or "-"),
        "order": str(found.get("order_id") or "-"),
    }
    subject = f"Nuevo reclamo {values['codigo']} · {tenant}"
    return _mail(to, subject, tenant, body=(_COMPLAINT_TEXT, _COMPLAINT_HTML), values=values)


# -- admins: the daily summary -----------------------------------------------------------------------------


class SummaryDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    day: date


def _n(row: Mapping[str, Any], name: str) -> int:
    return int(row.get(name, 0))


def _soles(cents: int) -> str:
    return f"S/ {cents / 100:,.2f}"


def average_stage_seconds(row: Mapping[str, Any], slug: str) -> int | None:
    """The day's average time in a stage, in whole seconds (the row's sum of times over its completions)."""
    completed = _n(row, f"{slug}_completed")
    return round(_n(row, f"{slug}_ms") / completed / 1000) if completed else None


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest:02d} s"


@dataclass(frozen=True)
class SummaryLine:
    """One location's day (or the tenant's, ``location_id = "*"``)."""

    location_id: str
    name: str
    orders: int  # paid that day
    revenue_cents: int
    delivered: int
    cancelled: int
    overdue: int
    average_seconds: dict[str, int | None]  # by stage slug

    @classmethod
    def of(cls, location: Location, row: Mapping[str, Any]) -> SummaryLine:
        return cls(
            location_id=location.location_id,
            name=location.name,
            orders=_n(row, "paid"),
            revenue_cents=_n(row, "revenue_cents"),
            delivered=_n(row, "delivered"),
            cancelled=_n(row, "cancelled"),
            overdue=_n(row, "overdue"),
            average_seconds={s.slug: average_stage_seconds(row, s.slug) for s in contracts.STAGES.values()},
        )

    def text(self) -> str:
        stages = ", ".join(f"{slug} {_duration(v)}" for slug, v in self.average_seconds.items())
        return (
            f"{self.name}: {self.orders} {'pedido' if self.orders == 1 else 'pedidos'}, {_soles(self.revenue_cents)}; "
            f"entregados {self.delivered}, "
            f"cancelados {self.cancelled}, vencidos {self.overdue}\n  Tiempo promedio por etapa: {stages}"
        )

    def html_row(self) -> str:
        cells = [
            self.name,
            str(self.orders),
            _soles(self.revenue_cents),
            str(self.delivered),
            str(self.cancelled),
            *(_duration(v) for v in self.average_seconds.values()),
        ]
        return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def summary_lines(staff: StaffDirectory, tenant_id: str, day: date) -> list[SummaryLine]:
    """Each location's line, then the tenant's total (the metrics' all-locations row), from the day rows."""
    locations = staff.locations(tenant_id)
    rows = staff.day_rows(tenant_id, [*(loc.location_id for loc in locations), ALL_LOCATIONS], day)
    lines = [SummaryLine.of(loc, rows.get(loc.location_id, {})) for loc in locations]
    return [*lines, SummaryLine.of(Location(ALL_LOCATIONS, "Total"), rows.get(ALL_LOCATIONS, {}))]


_SUMMARY_TEXT = Template("""Hola:

Este es el resumen del $day (día de Lima), por local.

$lines

Los pedidos y la recaudación cuentan los pagados ese día; los tiempos, las etapas completadas ese día.
""")
_SUMMARY_HTML_HEAD = """<p>Hola:</p>
<p>Este es el resumen del <strong>$day</strong> (día de Lima), por local.</p>
"""
_SUMMARY_HTML_TAIL = """
<p style="font-size:13px;color:#555">Los pedidos y la recaudación cuentan los pagados ese día; los tiempos, las
etapas completadas ese día.</p>"""


def daily_summary(detail: Mapping[str, Any], *, staff: StaffDirectory) -> Email | None:
    event = SummaryDetail.model_validate(detail)
    tenant, contact = staff.tenant(event.tenant_id)
    to = recipients(staff.admins(event.tenant_id), contact)
    if not to:
        return None
    lines = summary_lines(staff, event.tenant_id, event.day)
    day = event.day.strftime("%d/%m/%Y")
    header = ["Local", "Pedidos", "Recaudación", "Entregados", "Cancelados"]
    header += [f"Prom. {s.slug}" for s in contracts.STAGES.values()]
    table = (
        '<table role="presentation" cellpadding="4" cellspacing="0" style="font-size:13px">'
        + "<tr>"
        + "".join(f"<th align=left>{h}</th>" for h in header)
        + "</tr>"
        + "".join(line.html_row() for line in lines)
        + "</table>"
    )
    subject = f"Resumen del {day} · {tenant}"
    text = _text(_SUMMARY_TEXT, {"day": day, "lines": "\n".join(line.text() for line in lines)}, tenant)
    # The table's cells are escaped already ("$" doubled so the template keeps it): only ``day`` is a value.
    content = Template(_SUMMARY_HTML_HEAD + table.replace("$", "$$") + _SUMMARY_HTML_TAIL)
    return Email(to=to, subject=subject, text=text, html=_html(subject, tenant, content, {"day": day}))


def staff_renderers(
    *, staff: Callable[[], StaffDirectory], entry: Callable[[], Callable[[str, int], Mapping[str, Any] | None]]
) -> dict[str, Renderer]:
    """The staff's e-mails by detail type (``logic.deliver_all`` keeps them apart from the customer's)."""
    return {
        contracts.ORDER_STATUS_CHANGED: lambda detail: order_status(detail, staff=staff()),
        contracts.ORDER_OVERDUE: lambda detail: overdue(detail, staff=staff()),
        contracts.COMPLAINT_FILED: lambda detail: complaint_filed(detail, staff=staff(), entry=entry()),
        contracts.DAILY_SUMMARY_REQUESTED: lambda detail: daily_summary(detail, staff=staff()),
    }
