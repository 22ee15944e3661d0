"""The metrics' table layout and arithmetic: the keys of its counter rows, the time buckets, and what one order
event adds to which rows (``tally``). Pure: no AWS call, no clock; the consumer (``logic``) and the demo seed
(``localcloud.demo_metrics``) share it.

**Rows** (table ``metricas``: ``tenant_id`` / ``metric_key``; ``<loc>`` is a location id, or ``*`` for all the
tenant's locations, so the whole tenant is one Query too):

- ``D#<loc>#<yyyy-mm-dd>``: one Lima day: ``paid``, ``revenue_cents``, ``delivered``, ``cancelled``, ``overdue``,
  ``cancel_<reason>``, and per stage (by slug) ``<slug>_entered``, ``<slug>_completed``, ``<slug>_ms`` (the sum of
  the times in stage), ``<slug>_max_ms``, ``<slug>_overdue``, ``<slug>_b00``..``<slug>_b15`` (the histogram);
- ``H#<loc>#<yyyy-mm-dd>``: the day's paid orders and revenue by Lima hour, ``hHH_orders``, ``hHH_revenue_cents``;
- ``E#<loc>#d#<yyyy-mm-dd>#<stage>#<employee>`` and ``E#<loc>#m#<yyyy-mm>#<stage>#<employee>``: what one employee
  completed of one stage on a day, and in a month (the rollup long ranges read): ``completed``, ``ms``, ``late``,
  ``max_ms``, the histogram, and ``name``, ``employee_id``, ``stage``;
- ``X#<order>#<fact>``: the mark that an event was counted (see ``logic``).

Each chart is one Query of one key range: the summary reads the range's ``D`` rows (under 1 KB a day: a year is
one page), the hours its ``H`` rows; the ranking reads the ``E`` month rows of the range's whole months and the day
rows of a partial first and last month only (``logic.ranking_ranges``: one Query within a month or for whole
months, at most three). Counter rows live ``ROW_KEEP_DAYS`` after their day (or month) ends.

**Percentiles** come from the histogram: the bucket holding the rank, linearly within its bounds, never above the
range's maximum. They are exact to the width of that bucket (30 s up to 1 min, then 1 min up to 5 min, 2-3 min up
to 10 min, then 5, 10 and 15 min, and 30 min beyond an hour); averages and maxima are exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from core import contracts
from core.clock import LIMA, from_iso
from metricas.models import LeftStage, OrderEvent

ALL_LOCATIONS = "*"
ROW_KEEP_DAYS = 400  # 13 months and then some: a year-on-year comparison still finds last year's rows
# Upper bounds (seconds) of the time-in-stage buckets; one more bucket holds everything above the last.
BUCKET_BOUNDS = (30, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)
BUCKETS = len(BUCKET_BOUNDS) + 1

# Why an order was cancelled, from who cancelled it (the event's ``by``) and whether it had been paid:
PAID_REASONS = ("admin", "sold_out")  # an admin cancelled a paid order; a combo sold out at approval (refunded)
REASONS = (*PAID_REASONS, "customer", "expired_unpaid", "admin_unpaid", "other")


def cancel_reason(event: OrderEvent) -> str:
    """The readable category of a CANCELADO event.

    - ``workflow``: the workflow's own CANCELADO, which only an admin's cancel of an order in a stage causes;
    - ``empleado:<id>``: an admin's direct cancel: of a paid order (refunded: ``refund_id``) or of an unpaid one;
    - ``cliente:<id>``: the customer (unpaid orders only); ``sistema``: expired unpaid (``payable_until`` passed);
    - ``plataforma``: a combo sold out when the payment was approved (the payment refunded at once).
    """
    by = (event.by or "").split(":", 1)[0]
    if by == contracts.WORKFLOW_ACTOR:
        return "admin"
    if by == "empleado":
        return "admin" if event.refund_id else "admin_unpaid"
    if by == "cliente":
        return "customer"
    if by == contracts.EXPIRY_ACTOR:
        return "expired_unpaid"
    if by == "plataforma":
        return "sold_out"
    return "other"


# -- keys ------------------------------------------------------------------------------------------------


def day_key(location: str, day: date) -> str:
    return f"D#{location}#{day.isoformat()}"


def hour_key(location: str, day: date) -> str:
    return f"H#{location}#{day.isoformat()}"


def employee_day_key(location: str, day: date, stage: str, employee: str) -> str:
    return f"E#{location}#d#{day.isoformat()}#{stage}#{employee}"


def employee_month_key(location: str, month: str, stage: str, employee: str) -> str:
    return f"E#{location}#m#{month}#{stage}#{employee}"


def employee_days(location: str, first: date, last: date) -> tuple[str, str]:
    """The key range of the ``E`` day rows of ``first``..``last`` ('~' sorts after every id character)."""
    return f"E#{location}#d#{first.isoformat()}", f"E#{location}#d#{last.isoformat()}~"


def employee_months(location: str, first: date, last: date) -> tuple[str, str]:
    return f"E#{location}#m#{first:%Y-%m}", f"E#{location}#m#{last:%Y-%m}~"


def mark_key(event: OrderEvent, detail_type: str) -> str:
    """The business fact an event states, whatever its event id: an order reaches each state once; each overdue
    alert of a stage is its own (the workflow's ``at`` of that alert)."""
    if detail_type == contracts.ORDER_OVERDUE:
        return f"X#{event.order_id}#OVERDUE#{event.estado_pedido}#{event.at}"
    return f"X#{event.order_id}#{event.estado_pedido}"


# -- time ------------------------------------------------------------------------------------------------


def lima_day(moment: datetime) -> date:
    return moment.astimezone(LIMA).date()


def last_day_of_month(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def day_expiry(last_day: date) -> int:
    return _expiry(last_day)


def _expiry(last_day: date) -> int:
    """Epoch seconds ``ROW_KEEP_DAYS`` after the end of ``last_day`` (Lima)."""
    end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=LIMA) + timedelta(days=1 + ROW_KEEP_DAYS)
    return int(end.astimezone(UTC).timestamp())


def bucket_of(seconds: float) -> int:
    return next((i for i, bound in enumerate(BUCKET_BOUNDS) if seconds <= bound), len(BUCKET_BOUNDS))


def percentile(buckets: Sequence[int], q: float, max_seconds: float | None) -> float | None:
    """The ``q`` quantile (0..1) of the values counted in ``buckets``, to the width of the bucket holding it."""
    total = sum(buckets)
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for index, count in enumerate(buckets):
        if seen + count >= rank and count:
            lower = BUCKET_BOUNDS[index - 1] if index else 0
            upper = BUCKET_BOUNDS[index] if index < len(BUCKET_BOUNDS) else max(max_seconds or lower, lower)
            value = lower + (upper - lower) * (rank - seen) / count
            return round(min(value, max_seconds) if max_seconds is not None else value, 1)
        seen += count
    return None  # unreachable: the ranks add up to total


# -- what one event adds ------------------------------------------------------------------------------------


@dataclass
class RowChange:
    """What one row gains: counters ``ADD``ed, labels ``SET``, attributes ``REMOVE``d (the quote state's old
    buckets and ended orders: ``quotes``), and when it expires."""

    expires_at: int
    add: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    removes: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """One event's contribution: its mark, the rows' counters, the maxima to raise, the business metrics."""

    mark: str
    rows: dict[str, RowChange] = field(default_factory=dict)
    maxima: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> attribute -> milliseconds
    # The business metrics it makes (core.contracts.METRIC_*): (name, value, unit, its stage or None)
    metrics: list[tuple[str, float, str, str | None]] = field(default_factory=list)

    def add(
        self, key: str, expires_at: int, counters: Mapping[str, int], labels: Mapping[str, str] | None = None
    ) -> None:
        row = self.rows.setdefault(key, RowChange(expires_at))
        for name, value in counters.items():
            row.add[name] = row.add.get(name, 0) + value
        row.labels.update(labels or {})

    def remove(self, key: str, expires_at: int, names: Iterable[str]) -> None:
        row = self.rows.setdefault(key, RowChange(expires_at))
        row.removes += [name for name in names if name not in row.removes]

    def raise_max(self, key: str, attribute: str, value: int) -> None:
        current = self.maxima.setdefault(key, {})
        current[attribute] = max(value, current.get(attribute, value))


def _locations(event: OrderEvent) -> tuple[str, str]:
    return event.location_id, ALL_LOCATIONS


def _on_days(tally: Tally, event: OrderEvent, day: date, counters: Mapping[str, int]) -> None:
    for location in _locations(event):
        tally.add(day_key(location, day), _expiry(day), counters)


def tally(
    detail_type: str, event: OrderEvent, *, left: LeftStage | None = None, sla_seconds: Mapping[str, int] | None = None
) -> Tally | None:
    """What ``event`` adds to the metrics, or None when it counts for nothing (another state, another alert).

    ``left`` is the tracking row of the stage the order left with this change (completed by the staff);
    ``sla_seconds`` the tenant's time limit per stage (by state), to tell a late completion.
    """
    estado = event.estado_pedido
    moment = from_iso(event.at)
    day = lima_day(moment)
    result = Tally(mark_key(event, detail_type))
    if detail_type == contracts.ORDER_OVERDUE:
        if estado not in contracts.STAGES:
            return None  # REQUIERE_ADMIN: the workflow handing an order to the admins, not a stage's alert
        _on_days(result, event, day, {"overdue": 1, f"{contracts.STAGES[estado].slug}_overdue": 1})
        result.metrics.append((contracts.METRIC_ORDERS_OVERDUE, 1, "Count", estado))
        return result
    if detail_type != contracts.ORDER_STATUS_CHANGED:
        return None
    if estado == contracts.PAGADO:
        total = event.total_cents or 0
        _on_days(result, event, day, {"paid": 1, "revenue_cents": total})
        hour = f"h{moment.astimezone(LIMA).hour:02d}"
        for location in _locations(event):
            result.add(hour_key(location, day), _expiry(day), {f"{hour}_orders": 1, f"{hour}_revenue_cents": total})
        result.metrics.append((contracts.METRIC_ORDERS_PAID, 1, "Count", None))
    elif estado in contracts.STAGES:
        _on_days(result, event, day, {f"{contracts.STAGES[estado].slug}_entered": 1})
    elif estado == contracts.ENTREGADO:
        _on_days(result, event, day, {"delivered": 1})
        result.metrics.append((contracts.METRIC_ORDERS_DELIVERED, 1, "Count", None))
    elif estado == contracts.CANCELADO:
        reason = cancel_reason(event)
        paid = reason in PAID_REASONS
        _on_days(result, event, day, {f"cancel_{reason}": 1, **({"cancelled": 1} if paid else {})})
        if paid:
            result.metrics.append((contracts.METRIC_ORDERS_CANCELLED, 1, "Count", None))
    else:
        return None
    if left is not None:
        _completion(result, event, left, sla_seconds or {})
    return result


def employee_of(left: LeftStage) -> tuple[str, str] | None:
    """Who completed the stage, and their name as the row has it (the claimant's; else the id)."""
    employee = left.completed_by
    if not employee or employee == contracts.WORKFLOW_ACTOR:
        return None
    name = left.claimed_by_name if left.claimed_by == employee and left.claimed_by_name else employee
    return employee, name


def time_in_stage(left: LeftStage) -> float | None:
    """Seconds from entering the stage to its completion by the staff (None when it was not completed)."""
    if left.status != "completed" or not left.completed_at:
        return None
    return max(0.0, (from_iso(left.completed_at) - from_iso(left.enqueued_at)).total_seconds())


def _completion(result: Tally, event: OrderEvent, left: LeftStage, sla_seconds: Mapping[str, int]) -> None:
    seconds = time_in_stage(left)
    if seconds is None or left.completed_at is None:
        return
    stage = contracts.STAGES[left.stage]
    day = lima_day(from_iso(left.completed_at))
    milliseconds = round(seconds * 1000)
    bucket = f"b{bucket_of(seconds):02d}"
    slug = stage.slug
    _on_days(result, event, day, {f"{slug}_completed": 1, f"{slug}_ms": milliseconds, f"{slug}_{bucket}": 1})
    for location in _locations(event):
        result.raise_max(day_key(location, day), f"{slug}_max_ms", milliseconds)
    result.metrics.append((contracts.METRIC_STAGE_SECONDS, seconds, "Seconds", left.stage))
    who = employee_of(left)
    if who is None:
        return
    employee, name = who
    late = int(seconds > sla_seconds.get(left.stage, math.inf))
    counters = {"completed": 1, "ms": milliseconds, bucket: 1, "late": late}
    labels = {"employee_id": employee, "name": name, "stage": left.stage}
    month_end = last_day_of_month(day)
    for location in _locations(event):
        day_row = employee_day_key(location, day, left.stage, employee)
        month_row = employee_month_key(location, f"{day:%Y-%m}", left.stage, employee)
        result.add(day_row, _expiry(day), counters, labels)
        result.add(month_row, _expiry(month_end), counters, labels)
        for key in (day_row, month_row):  # the ranking's percentiles are never above the employee's maximum
            result.raise_max(key, "max_ms", milliseconds)


def left_stage_of(event: OrderEvent) -> str | None:
    """The stage an ``OrderStatusChanged`` says the order left (None: none, or a cancel: nothing completed).

    The stage consumer's events name it (``previous``); the workflow's ENTREGADO follows packing for a pickup
    order and delivery otherwise (``dispatch``; without it, None: the caller looks at both)."""
    if event.estado_pedido in contracts.STAGES:
        return event.previous if event.previous in contracts.STAGES else None
    if event.estado_pedido == contracts.ENTREGADO and event.dispatch:
        return contracts.EMPAQUETAMIENTO if event.dispatch == "pickup" else contracts.DELIVERY
    return None
