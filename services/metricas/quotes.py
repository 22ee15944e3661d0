"""Ready-time quotes: when an order will be ready (pickup) or arrive (delivery), from one item per location kept
current by the metrics consumer. Pure: no AWS call, no clock (``now`` is handed in).

**The quote state** is the item ``Q#<loc>`` of the metrics table (one GetItem answers a quote; never a Query or a
Scan). Its attributes:

- ``<slug>_ms_h<yyyymmddHH>``, ``<slug>_n_h<yyyymmddHH>``: the sum of the times in stage (milliseconds, entering
  the stage to its completion by the staff, as the metrics count them: ``counters.time_in_stage``) and how many,
  of the stage's completions in that UTC hour;
- ``<slug>_ms_d<yyyymmdd>``, ``<slug>_n_d<yyyymmdd>``: the same for the Lima day;
- ``o_<order>``: ``<stage>|<entered_at>``, the stage an order is in now (the queue depth per stage is the count of
  these), removed when it is ENTREGADO or CANCELADO;
- ``p_<order>``: ``<paid_at>|<quoted seconds>|<customer>|<dispatch>``, the quote given at payment, removed at the
  end (its error is then counted in the day rows: ``error_counters``).

The consumer changes it inside the event's metrics transaction (``counters.Tally``), so each event changes it
exactly once. A completion ``ADD``s to its hour's and day's buckets and ``REMOVE``s the same stage's buckets of the
24 hours before the last hour and of the week before today: the item holds only the buckets a quote can read (a
location closed for more than a day may keep a few old buckets, which no quote reads; they go with the next
completion in the same hours). The ``o_`` attributes are ``SET`` without a condition: an enter of a stage that SQS
delivers after the order's next state puts it back in that stage until its end removes it; an entry older than
``STALE_SECONDS`` (the workflow's limit per stage) is not counted.

**The formula.** For each stage ``k``, ``W_k`` is the mean time in stage over the last hour (the buckets of this
UTC hour and the one before), else over today (Lima), else the tenant's time limit for the stage. ``W_k`` already
holds the wait that was usual in that window, so the queue only counts as far as it is longer than it usually was:
``L_k`` is the average number of orders that were in the stage at once over the last hour (Little's law: the sum of
the window's times in stage over the window's length; 0 without hour data). An order's remaining time, from the
stage ``k0`` it is in (or the first, before it enters one) with ``a`` orders ahead of it there and ``e`` seconds
already spent there, is::

    max(0, W_k0 * max(1, (1 + a) / (1 + L_k0)) - e)  +  sum of W_k over the later stages of its dispatch

(pickup: COCINA, EMPAQUETAMIENTO; delivery: and DELIVERY), at least a minute. Before ordering (the checkout), ``a``
is every order in the kitchen now. The orders ahead only matter in the order's own stage: the queues of the later
stages will have moved on by the time it gets there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from core import contracts
from core.clock import LIMA, from_iso

STALE_SECONDS = 6 * 3600  # the workflow's hard limit per stage: an entry older than this is not an order waiting
HOURS_KEPT = 24  # a completion removes its stage's hour buckets from 2 to 25 hours before its own
DAYS_KEPT = 7  # and its day buckets from 1 to 7 days before
ERROR_BUCKETS = 61  # error minutes 0..59, and 60 for an hour or more
MIN_QUOTE_SECONDS = 60
PICKUP_STAGES = (contracts.COCINA, contracts.EMPAQUETAMIENTO)
DELIVERY_STAGES = (*PICKUP_STAGES, contracts.DELIVERY)
Source = Literal["hora", "dia", "sla"]


def state_key(location_id: str) -> str:
    return f"Q#{location_id}"


def order_attribute(order_id: str) -> str:
    return f"o_{order_id}"


def paid_attribute(order_id: str) -> str:
    return f"p_{order_id}"


def _hour(moment: datetime) -> str:
    return f"{moment:%Y%m%d%H}"


def _day(moment: datetime) -> str:
    return f"{moment.astimezone(LIMA):%Y%m%d}"


def hour_attributes(slug: str, moment: datetime) -> tuple[str, str]:
    """The sum and count attributes of ``slug``'s bucket of the UTC hour of ``moment``."""
    return f"{slug}_ms_h{_hour(moment)}", f"{slug}_n_h{_hour(moment)}"


def day_attributes(slug: str, moment: datetime) -> tuple[str, str]:
    return f"{slug}_ms_d{_day(moment)}", f"{slug}_n_d{_day(moment)}"


def stages_of(dispatch: str | None) -> tuple[str, ...]:
    return PICKUP_STAGES if dispatch == "pickup" else DELIVERY_STAGES


# -- what an event changes (the consumer) -----------------------------------------------------------------


@dataclass
class StateChange:
    """What a completion changes of the quote state: counters ``ADD``ed, attributes ``REMOVE``d."""

    add: dict[str, int]
    removes: list[str]


def completion_change(stage: str, completed_at: datetime, milliseconds: int) -> StateChange:
    """A stage completed: its time in the hour's and the day's buckets, and the stage's old buckets gone."""
    slug = contracts.STAGES[stage].slug
    add = {name: value for names in (hour_attributes(slug, completed_at), day_attributes(slug, completed_at))
           for name, value in zip(names, (milliseconds, 1), strict=True)}  # fmt: skip
    hours = (completed_at - timedelta(hours=h) for h in range(2, HOURS_KEPT + 2))
    days = (completed_at - timedelta(days=d) for d in range(1, DAYS_KEPT + 1))
    removes = [name for moment in hours for name in hour_attributes(slug, moment)]
    removes += [name for moment in days for name in day_attributes(slug, moment)]
    return StateChange(add=add, removes=removes)


def paid_value(paid_at: str, quoted_seconds: int, customer_id: str, dispatch: str) -> str:
    return f"{paid_at}|{quoted_seconds}|{customer_id}|{dispatch}"


@dataclass(frozen=True)
class PaidQuote:
    """The quote an order was given at payment (its ``p_`` attribute)."""

    paid_at: str
    quoted_seconds: int
    customer_id: str
    dispatch: str

    @classmethod
    def parse(cls, value: str | None) -> PaidQuote | None:
        parts = (value or "").split("|")
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2], parts[3])


def error_counters(quote: PaidQuote, delivered_at: datetime) -> dict[str, int]:
    """What a delivered order adds to its day rows: one quoted order, the absolute error in milliseconds, and one
    in the histogram of the error in whole minutes (rounded half up; 60: an hour or more)."""
    actual = (delivered_at - from_iso(quote.paid_at)).total_seconds()
    error = abs(actual - quote.quoted_seconds)
    minute = min(int(error / 60 + 0.5), ERROR_BUCKETS - 1)  # half a minute up
    return {"quote_n": 1, "quote_err_ms": round(error * 1000), f"quote_err_m{minute:02d}": 1}


def median_minutes(row_sum: Mapping[str, int]) -> int | None:
    """The median absolute error in whole minutes (the lower median), from the summed histogram of day rows:
    exact to the minute the errors were rounded to."""
    counts = [int(row_sum.get(f"quote_err_m{m:02d}", 0)) for m in range(ERROR_BUCKETS)]
    total = sum(counts)
    if not total:
        return None
    rank, seen = math.ceil(total / 2), 0
    for minute, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return minute
    return None  # unreachable


# -- the quote (the routes, and the consumer at PAGADO) ----------------------------------------------------


@dataclass(frozen=True)
class StageLoad:
    stage: str
    mean_seconds: float  # W_k
    source: Source
    in_stage: int  # orders in the stage now
    concurrency: float  # L_k (0 without hour data)


@dataclass(frozen=True)
class Entry:
    order_id: str
    stage: str
    entered_at: str


def entries(item: Mapping[str, Any], now: datetime) -> list[Entry]:
    """The orders in a stage now (their ``o_`` attributes), the stale ones left out."""
    found = []
    for name, value in item.items():
        if not name.startswith("o_") or not isinstance(value, str):
            continue
        stage, _, entered_at = value.partition("|")
        if stage not in contracts.STAGES or not entered_at:
            continue
        if (now - from_iso(entered_at)).total_seconds() > STALE_SECONDS:
            continue
        found.append(Entry(name[2:], stage, entered_at))
    return found


def loads(item: Mapping[str, Any], sla_seconds: Mapping[str, int], now: datetime) -> dict[str, StageLoad]:
    """Each stage's ``W_k``, its source, its queue depth and ``L_k`` (see the module's docstring)."""
    waiting = entries(item, now)
    previous = now - timedelta(hours=1)
    window = (now - previous.replace(minute=0, second=0, microsecond=0)).total_seconds()
    result = {}
    for stage in contracts.STAGES.values():
        hour_ms = hour_n = 0
        for moment in (previous, now):
            ms, n = hour_attributes(stage.slug, moment)
            hour_ms, hour_n = hour_ms + int(item.get(ms, 0)), hour_n + int(item.get(n, 0))
        day_ms, day_n = (int(item.get(name, 0)) for name in day_attributes(stage.slug, now))
        concurrency = 0.0
        if hour_n:
            mean, source = hour_ms / 1000 / hour_n, "hora"
            concurrency = hour_ms / 1000 / window
        elif day_n:
            mean, source = day_ms / 1000 / day_n, "dia"
        else:
            mean, source = float(sla_seconds[stage.state]), "sla"
        depth = sum(1 for e in waiting if e.stage == stage.state)
        result[stage.state] = StageLoad(stage.state, mean, source, depth, concurrency)  # type: ignore[arg-type]
    return result


def remaining_seconds(
    stage_loads: Mapping[str, StageLoad], stages: tuple[str, ...], *, ahead: int, elapsed: float = 0.0
) -> int:
    """The formula of the module's docstring: ``stages`` from the one the order is in (or will enter first)."""
    first, *later = stages
    load = stage_loads[first]
    current = load.mean_seconds * max(1.0, (1 + ahead) / (1 + load.concurrency)) - elapsed
    total = max(0.0, current) + sum(stage_loads[k].mean_seconds for k in later)
    return max(MIN_QUOTE_SECONDS, math.ceil(total))


def before_ordering(stage_loads: Mapping[str, StageLoad], dispatch: str) -> int:
    """An order placed now: it will wait behind every order in the kitchen."""
    return remaining_seconds(stage_loads, stages_of(dispatch), ahead=stage_loads[contracts.COCINA].in_stage)


def for_order(
    item: Mapping[str, Any], stage_loads: Mapping[str, StageLoad], order_id: str, dispatch: str, now: datetime
) -> tuple[str, int]:
    """An order's state as the quote state knows it (PAGADO before it enters the kitchen) and its remaining
    seconds: behind the orders that entered its stage before it, less the time it has spent there."""
    stages = stages_of(dispatch)
    waiting = entries(item, now)
    mine = next((e for e in waiting if e.order_id == order_id), None)
    if mine is None or mine.stage not in stages:
        return contracts.PAGADO, before_ordering(stage_loads, dispatch)
    position = (mine.entered_at, order_id)
    ahead = sum(1 for e in waiting if e.stage == mine.stage and (e.entered_at, e.order_id) < position)
    elapsed = max(0.0, (now - from_iso(mine.entered_at)).total_seconds())
    rest = stages[stages.index(mine.stage) :]
    return mine.stage, remaining_seconds(stage_loads, rest, ahead=ahead, elapsed=elapsed)
