"""The admins' business metrics: counting each order event once (the consumer), and the three reports (the routes).

**Exactly once.** An event is counted by one ``TransactWriteItems``: a mark keyed on the business fact it states
(``X#<order>#<state>``; an overdue alert: ``X#<order>#OVERDUE#<stage>#<at>``), put only if absent, and the ``ADD``s
of every counter it moves. A redelivered message, or an EventBridge replay (a new event id, the same fact), finds
the mark and the transaction writes nothing. The maxima are a separate conditional update, naturally idempotent, so
it is repeated on a duplicate too: a crash between the two is repaired by the redelivery. The business metrics are
emitted last, for a newly counted event; the transaction's ``ClientRequestToken`` is the fact's (``dal``), so a
redelivery within ten minutes of a commit whose invocation failed afterwards (a lost response, a timeout, the maxima)
is answered "committed" by DynamoDB, without a write, and emits them. The price: an event delivered again within
those ten minutes after a complete first delivery emits them twice (the counters never move twice). A mark lives
``MARK_KEEP_DAYS`` from the event's own time, and events older than ``COUNT_WINDOW_DAYS`` are not counted (logged):
any mark an event could have left is still there while it can be counted.

**AWS calls per event.** A state that ends a stage (the next stage entered, ENTREGADO) reads that stage's tracking
row (one GetItem: its ``enqueued_at``, ``completed_at``, who completed it and their name), writes one transaction
(the mark, the day rows of the location and of all locations, and the employee's day and month rows: 7 items) and
raises the maxima of the two day rows and of the employee's four rows (six UpdateItems); the tenant's time limits
(one GetItem) are cached a minute per container. Every other event is one transaction of 3 items (PAGADO: 5, with
the hour rows). Carrying the row's times in the events instead would need the workflow's task output and the stage
consumer to change; one GetItem per stage is cheaper than that coupling.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from core import contracts
from core.clock import from_iso, iso
from core.contracts import SlaMinutes
from core.errors import DomainError
from core.observability import logger, tenant_metric
from core.principal import Principal
from core.tenant_config import TenantConfig, UnknownTenant
from core.validation import CATALOG_ID_PATTERN, ISO_DAY_RE, TENANT_ID_RE
from metricas import counters, quotes
from metricas.counters import ALL_LOCATIONS, BUCKETS, REASONS, Tally, lima_day, percentile
from metricas.dal import MetricsDal
from metricas.models import (
    Cancellation,
    DaySeries,
    DayStage,
    EmployeeEntry,
    EmployeeRanking,
    EventEnvelope,
    HourEntry,
    HourSeries,
    LeftStage,
    LocationQuote,
    MetricsSummary,
    OrderCounts,
    OrderEvent,
    OrderQuote,
    QuoteAccuracy,
    StageBasis,
    StageSummary,
)

COUNT_WINDOW_DAYS = 30  # an older event (a late replay) is not counted: its mark may have expired
MARK_KEEP_DAYS = 35  # a mark outlives the window in which its event can be counted
MAX_RANGE_DAYS = 400
_LOCATION_RE = re.compile(CATALOG_ID_PATTERN)

Outcome = Literal["counted", "duplicate", "ignored", "too_old"]
Emit = Callable[[str, str, float, MetricUnit, str | None], None]


class Tenants(Protocol):
    def get(self, tenant_id: str) -> TenantConfig: ...


class InvalidQuery(DomainError):
    status = 400
    code = "invalid_query"


class NoEstimate(DomainError):
    status = 404
    code = "order_not_found"


def sla_seconds(tenants: Tenants, tenant_id: str) -> dict[str, int]:
    """The tenant's time limit per stage (by state), in seconds; the defaults for a tenant no longer active."""
    try:
        minutes = tenants.get(tenant_id).sla_minutes
    except UnknownTenant:
        logger.warning("metrics of a tenant that is not active: default time limits")
        minutes = SlaMinutes()
    return minutes.seconds_by_state()


# -- the consumer ---------------------------------------------------------------------------------------


def _emit(name: str, tenant_id: str, value: float, unit: MetricUnit, stage: str | None) -> None:
    dimensions = {contracts.METRIC_STAGE_DIMENSION: stage} if stage else None
    tenant_metric(name, tenant_id, value, unit, dimensions=dimensions)


def count_event(
    envelope: EventEnvelope, *, dal: MetricsDal, tenants: Tenants, now: datetime, emit: Emit = _emit
) -> Outcome:
    """Add one order event to the metrics, once (see the module's docstring)."""
    if envelope.detail_type not in (contracts.ORDER_STATUS_CHANGED, contracts.ORDER_OVERDUE):
        logger.warning("not an order event", extra={"detail_type": envelope.detail_type})
        return "ignored"
    event = OrderEvent.model_validate(envelope.detail)
    at = from_iso(event.at)
    if at < now - timedelta(days=COUNT_WINDOW_DAYS):
        logger.warning("event too old to count exactly once: not counted", extra={"at": event.at})
        return "too_old"
    left = _left_stage(envelope.detail_type, event, dal)
    completed = left is not None and counters.time_in_stage(left) is not None
    sla = sla_seconds(tenants, event.tenant_id) if completed else {}
    tally = counters.tally(envelope.detail_type, event, left=left, sla_seconds=sla)
    if tally is None:
        return "ignored"
    expires_at = int((at + timedelta(days=MARK_KEEP_DAYS)).timestamp())
    if envelope.detail_type == contracts.ORDER_STATUS_CHANGED:
        _quote_state(tally, event, left, dal=dal, tenants=tenants, expires_at=expires_at)
    outcome: Outcome = "counted" if dal.record(event.tenant_id, tally, mark_expires_at=expires_at) else "duplicate"
    dal.raise_maxima(event.tenant_id, tally)
    if outcome == "counted":  # once the record is done: a failure before this leaves them to its redelivery
        for name, value, unit, stage in tally.metrics:
            emit(name, event.tenant_id, value, MetricUnit(unit), stage)
    logger.info("order event counted" if outcome == "counted" else "order event counted before",
                extra={"estado_pedido": event.estado_pedido, "detail_type": envelope.detail_type})  # fmt: skip
    return outcome


def _quote_state(
    tally: Tally, event: OrderEvent, left: LeftStage | None, *, dal: MetricsDal, tenants: Tenants, expires_at: int
) -> None:
    """What the event changes of its location's quote state (``quotes``), into the same transaction: the stage the
    order is in, the time in stage of the one it left, the quote given at payment, and at the end the quote's error
    in the day rows. PAGADO reads the state (one GetItem: the quote it is given), ENTREGADO its quote (one GetItem
    of one attribute)."""
    key = quotes.state_key(event.location_id)
    at = from_iso(event.at)
    estado, order = event.estado_pedido, event.order_id
    seconds = counters.time_in_stage(left) if left is not None else None
    if left is not None and seconds is not None and left.completed_at is not None:
        change = quotes.completion_change(left.stage, from_iso(left.completed_at), round(seconds * 1000))
        tally.add(key, expires_at, change.add)
        tally.remove(key, expires_at, change.removes)
    if estado in contracts.STAGES:
        tally.add(key, expires_at, {}, {quotes.order_attribute(order): f"{estado}|{event.at}"})
    elif estado == contracts.PAGADO:
        dispatch = event.dispatched or "delivery"
        state = dal.quote_state(event.tenant_id, event.location_id)
        loads = quotes.loads(state, sla_seconds(tenants, event.tenant_id), at)
        quoted = quotes.before_ordering(loads, dispatch)
        value = quotes.paid_value(event.at, quoted, event.customer_id or "", dispatch)
        tally.add(key, expires_at, {}, {quotes.paid_attribute(order): value})
    elif estado in (contracts.ENTREGADO, contracts.CANCELADO):
        if estado == contracts.ENTREGADO:
            paid = quotes.paid_attribute(order)
            stored = dal.quote_state(event.tenant_id, event.location_id, only=[paid], consistent=True)
            quote = quotes.PaidQuote.parse(stored.get(paid))
            if quote is not None:
                _on_days_of(tally, event, counters.lima_day(at), quotes.error_counters(quote, at))
        tally.remove(key, expires_at, [quotes.order_attribute(order), quotes.paid_attribute(order)])


def _on_days_of(tally: Tally, event: OrderEvent, day: date, values: Mapping[str, int]) -> None:
    for location in (event.location_id, ALL_LOCATIONS):
        tally.add(counters.day_key(location, day), counters.day_expiry(day), values)


def _left_stage(detail_type: str, event: OrderEvent, dal: MetricsDal) -> LeftStage | None:
    """The tracking row of the stage this change ended, if it ended one."""
    if detail_type != contracts.ORDER_STATUS_CHANGED:
        return None
    stage = counters.left_stage_of(event)
    if stage is not None:
        return dal.left_stage(stage, event.tenant_id, event.order_id)
    if event.estado_pedido == contracts.ENTREGADO:  # an event that does not say how the order was dispatched
        for candidate in (contracts.DELIVERY, contracts.EMPAQUETAMIENTO):
            row = dal.left_stage(candidate, event.tenant_id, event.order_id)
            if row is not None:
                return row
    return None


def fold(tallies: Iterable[Tally]) -> dict[str, dict[str, Any]]:
    """The rows that ``tallies`` add up to, as items (no marks): what the demo seed writes at once."""
    rows: dict[str, dict[str, Any]] = {}
    for tally in tallies:
        for key, change in tally.rows.items():
            row = rows.setdefault(key, {"metric_key": key})
            row["expires_at"] = change.expires_at
            for name, value in change.add.items():
                row[name] = row.get(name, 0) + value
            row.update(change.labels)
        for key, maxima in tally.maxima.items():
            for name, value in maxima.items():
                rows[key][name] = max(value, rows[key].get(name, value))
    return rows


# -- the reports ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A location (None: all the tenant's) and a range of Lima days, inclusive."""

    location_id: str | None
    first: date
    last: date

    @property
    def rows_location(self) -> str:
        return self.location_id or ALL_LOCATIONS

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def labels(self) -> dict[str, Any]:
        return {"location_id": self.location_id, "from": self.first.isoformat(), "to": self.last.isoformat()}


def _day(value: str | None, name: str, default: date) -> date:
    if value is None:
        return default
    try:
        if not ISO_DAY_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidQuery(f"{name} must be a calendar day, YYYY-MM-DD", code="invalid_date") from exc


def location_id(value: str) -> str:
    """A location id named in a path (400 ``invalid_location`` otherwise)."""
    if not _LOCATION_RE.match(value):
        raise InvalidQuery("The location must be a location id", code="invalid_location")
    return value


def period(local: str | None, desde: str | None, hasta: str | None, *, now: datetime) -> Period:
    """The query's period: each day defaults to today (Lima); a bad day, ``desde`` after ``hasta`` or more than
    ``MAX_RANGE_DAYS`` days is refused (400)."""
    if local is not None and not _LOCATION_RE.match(local):
        raise InvalidQuery("local must be a location id", code="invalid_location")
    today = lima_day(now)
    first, last = _day(desde, "desde", today), _day(hasta, "hasta", today)
    if first > last:
        raise InvalidQuery("desde is after hasta", code="invalid_range")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidQuery(f"A range holds at most {MAX_RANGE_DAYS} days", code="range_too_long")
    return Period(local, first, last)


def _n(row: Mapping[str, Any], name: str) -> int:
    return int(row.get(name, 0))


def _sum(rows: Iterable[Mapping[str, Any]], name: str) -> int:
    return sum(_n(row, name) for row in rows)


def _buckets(rows: Iterable[Mapping[str, Any]], prefix: str) -> list[int]:
    rows = list(rows)
    return [_sum(rows, f"{prefix}b{i:02d}") for i in range(BUCKETS)]


def _average(milliseconds: int, count: int) -> float | None:
    return round(milliseconds / count / 1000, 1) if count else None


def _seconds(max_ms: int | None, count: int) -> float | None:
    """A maximum in seconds, None when nothing was completed (or it is not known)."""
    return max_ms / 1000 if count and max_ms is not None else None


def summary(principal: Principal, query: Period, *, dal: MetricsDal, tenants: Tenants) -> MetricsSummary:
    """The dashboard's cards, the stages against the tenant's time limits, and a series per day: one Query."""
    loc = query.rows_location
    rows = dal.rows(principal.tenant_id, counters.day_key(loc, query.first), counters.day_key(loc, query.last))
    by_day = {row["metric_key"].rsplit("#", 1)[-1]: row for row in rows}
    sla = sla_seconds(tenants, principal.tenant_id)
    paid, revenue = _sum(rows, "paid"), _sum(rows, "revenue_cents")
    stages = []
    for stage in contracts.STAGES.values():
        slug, completed = stage.slug, _sum(rows, f"{stage.slug}_completed")
        max_ms = max((_n(row, f"{slug}_max_ms") for row in rows), default=0)
        max_seconds = _seconds(max_ms, completed)
        buckets = _buckets(rows, f"{slug}_")
        stages.append(
            StageSummary(
                stage=stage.state,
                sla_seconds=sla[stage.state],
                entered=_sum(rows, f"{slug}_entered"),
                completed=completed,
                avg_seconds=_average(_sum(rows, f"{slug}_ms"), completed),
                p50_seconds=percentile(buckets, 0.5, max_seconds),
                p90_seconds=percentile(buckets, 0.9, max_seconds),
                max_seconds=max_seconds,
                overdue=_sum(rows, f"{slug}_overdue"),
            )
        )
    cancellations = [Cancellation(reason=r, count=_sum(rows, f"cancel_{r}")) for r in REASONS]
    return MetricsSummary.model_validate(
        {
            **query.labels(),
            "orders": OrderCounts(
                paid=paid,
                delivered=_sum(rows, "delivered"),
                cancelled=_sum(rows, "cancelled"),
                overdue=_sum(rows, "overdue"),
            ),
            "revenue_cents": revenue,
            "average_ticket_cents": (revenue + paid // 2) // paid if paid else None,
            "cancellations": sorted((c for c in cancellations if c.count), key=lambda c: (-c.count, c.reason)),
            "stages": stages,
            "days": [_day_series(day, by_day.get(day.isoformat(), {})) for day in query.days()],
            "quote": _accuracy(rows),
        }
    )


def _accuracy(rows: list[dict[str, Any]]) -> QuoteAccuracy:
    """The quotes' median absolute error, from the days' histograms of minutes summed (``quotes.error_counters``)."""
    quoted = _sum(rows, "quote_n")
    histogram = {f"quote_err_m{m:02d}": _sum(rows, f"quote_err_m{m:02d}") for m in range(quotes.ERROR_BUCKETS)}
    mean = round(_sum(rows, "quote_err_ms") / quoted / 60000, 1) if quoted else None
    return QuoteAccuracy(quoted=quoted, median_abs_error_minutes=quotes.median_minutes(histogram),
                         mean_abs_error_minutes=mean)  # fmt: skip


def _day_series(day: date, row: Mapping[str, Any]) -> DaySeries:
    stages = {}
    for stage in contracts.STAGES.values():
        slug, completed = stage.slug, _n(row, f"{stage.slug}_completed")
        max_seconds = _seconds(_n(row, f"{slug}_max_ms"), completed)
        stages[stage.state] = DayStage(
            completed=completed,
            avg_seconds=_average(_n(row, f"{slug}_ms"), completed),
            p90_seconds=percentile(_buckets([row], f"{slug}_"), 0.9, max_seconds),
        )
    return DaySeries(
        date=day.isoformat(),
        paid=_n(row, "paid"),
        delivered=_n(row, "delivered"),
        cancelled=_n(row, "cancelled"),
        revenue_cents=_n(row, "revenue_cents"),
        stages=stages,
        quote_median_error_minutes=quotes.median_minutes(row),
    )


def ranking_ranges(query: Period, today: date) -> list[tuple[str, str]]:
    """The key ranges of the ``E`` rows the ranking reads, oldest first: the month rows of the range's whole months
    (a month from its 1st to its last day, or to today and beyond: its row holds nothing later), and the day rows of
    a partial first and last month only. So a year is at most 12 month rows and about 60 day rows per employee and
    stage, not 365 day rows, and it is read in at most three Queries (days, months, days); a range within one month,
    or of whole months only, is one Query (two partial months next to each other are one range of days)."""
    spans: list[tuple[str, date, date]] = []  # ("d" or "m", first day, last day)
    start = query.first
    while start <= query.last:
        month_end = counters.last_day_of_month(start)
        end = min(month_end, query.last)
        kind = "m" if start.day == 1 and (end == month_end or end >= today) else "d"
        if spans and spans[-1][0] == kind:
            spans[-1] = (kind, spans[-1][1], end)  # the next month, or the next days: one key range
        else:
            spans.append((kind, start, end))
        start = end + timedelta(days=1)
    loc = query.rows_location
    return [(counters.employee_months if kind == "m" else counters.employee_days)(loc, a, b) for kind, a, b in spans]


def ranking(principal: Principal, query: Period, *, dal: MetricsDal, now: datetime) -> EmployeeRanking:
    """Who completed each stage, how many and how fast: the month rows of whole months, the day rows of the partial
    first and last months (``ranking_ranges``: one Query within a month, at most three)."""
    ranges = ranking_ranges(query, lima_day(now))
    rows = (row for low, high in ranges for row in dal.rows(principal.tenant_id, low, high))
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:  # oldest first: the last name seen is the newest
        entry = merged.setdefault((row["employee_id"], row["stage"]), {"completed": 0, "ms": 0, "late": 0,
                                                                      "buckets": [0] * BUCKETS,
                                                                      "max_ms": 0})  # fmt: skip
        entry["name"] = row.get("name") or row["employee_id"]
        for name in ("completed", "ms", "late"):
            entry[name] += _n(row, name)
        entry["buckets"] = [a + b for a, b in zip(entry["buckets"], _buckets([row], ""), strict=True)]
        # A row with completions but no maximum (its maximum not raised yet: the redelivery will) leaves the
        # percentile uncapped rather than capped too low.
        top = row.get("max_ms") if _n(row, "completed") else 0
        entry["max_ms"] = None if top is None or entry["max_ms"] is None else max(entry["max_ms"], int(top))
    employees = [
        EmployeeEntry(
            employee_id=employee_id,
            name=entry["name"],
            stage=stage,
            completed=entry["completed"],
            avg_seconds=_average(entry["ms"], entry["completed"]),
            p90_seconds=percentile(entry["buckets"], 0.9, _seconds(entry["max_ms"], entry["completed"])),
            overdue=entry["late"],
        )
        for (employee_id, stage), entry in merged.items()
    ]
    employees.sort(key=lambda e: (-e.completed, e.avg_seconds if e.avg_seconds is not None else float("inf"), e.name))
    return EmployeeRanking.model_validate({**query.labels(), "employees": employees})


def hours(principal: Principal, query: Period, *, dal: MetricsDal) -> HourSeries:
    """Orders paid per Lima hour of the day over the range: one Query."""
    loc = query.rows_location
    rows = dal.rows(principal.tenant_id, counters.hour_key(loc, query.first), counters.hour_key(loc, query.last))
    entries = [
        HourEntry(hour=h, orders=_sum(rows, f"h{h:02d}_orders"), revenue_cents=_sum(rows, f"h{h:02d}_revenue_cents"))
        for h in range(24)
    ]
    return HourSeries.model_validate({**query.labels(), "hours": entries})


# -- ready-time quotes -------------------------------------------------------------------------------------


def _loads(tenant_id: str, location_id: str, *, dal: MetricsDal, tenants: Tenants, now: datetime) -> tuple[
    dict[str, Any], dict[str, quotes.StageLoad]
]:  # fmt: skip
    state = dal.quote_state(tenant_id, location_id)
    return state, quotes.loads(state, sla_seconds(tenants, tenant_id), now)


def location_quote(
    tenant: str | None, location_id: str, *, dal: MetricsDal, tenants: Tenants, now: datetime
) -> LocationQuote:
    """The checkout's quote for an order placed now at a location of the tenant the public call names (404
    ``unknown_tenant`` for none, or one not active): ``quotes``, one GetItem; the tenant's time limits cached."""
    if not tenant or not TENANT_ID_RE.match(tenant):
        raise UnknownTenant("Name a known tenant in the X-Tenant-Id header")
    tenant_id = tenants.get(tenant).tenant_id
    _, loads = _loads(tenant_id, location_id, dal=dal, tenants=tenants, now=now)
    return LocationQuote(
        location_id=location_id,
        pickup_minutes=_minutes(quotes.before_ordering(loads, "pickup")),
        delivery_minutes=_minutes(quotes.before_ordering(loads, "delivery")),
        stages=[StageBasis(stage=load.stage, mean_seconds=round(load.mean_seconds, 1), source=load.source,
                           in_stage=load.in_stage, concurrency=round(load.concurrency, 2))
                for load in loads.values()],
    )  # fmt: skip


def order_quote(
    principal: Principal, location_id: str, order_id: str, *, dal: MetricsDal, tenants: Tenants, now: datetime
) -> OrderQuote:
    """The estimate of the caller's own order as it moves: from the quote state alone (one GetItem), which knows
    the order from its payment until it is delivered or cancelled (404 before and after, and for another
    customer's order)."""
    state, loads = _loads(principal.tenant_id, location_id, dal=dal, tenants=tenants, now=now)
    paid = quotes.PaidQuote.parse(state.get(quotes.paid_attribute(order_id)))
    if paid is None or paid.customer_id != principal.subject_id:
        raise NoEstimate("No estimate for this order: it is not paid, is over, or is not yours")
    estado, seconds = quotes.for_order(state, loads, order_id, paid.dispatch, now)
    return OrderQuote(
        order_id=order_id,
        location_id=location_id,
        dispatch="pickup" if paid.dispatch == "pickup" else "delivery",
        estado_pedido=estado,
        minutes=_minutes(seconds),
        ready_at=iso(now + timedelta(seconds=seconds)),
        quoted_minutes=_minutes(paid.quoted_seconds),
    )


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
