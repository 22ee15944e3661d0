"""A location's opening hours, in Lima time (UTC-5 all year: Peru has no daylight saving).

``opening_hours`` is what the catalog stores: ``{"lun": "11:00-23:00", "sab": "11:00-24:00"}``, a
day missing is a day closed. A span whose close is not after its open runs past midnight into the
next day (``"18:00-02:00"`` on Friday closes at 02:00 on Saturday); ``"00:00-24:00"`` is the whole day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from core.clock import LIMA

DAYS = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")  # as date.weekday() counts them, Monday first
DAY_MINUTES = 24 * 60


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _span(day: date, hours: str) -> tuple[datetime, datetime]:
    """The day's open and close instants (Lima)."""
    opens, closes = (_minutes(part) for part in hours.split("-"))
    if closes <= opens:
        closes += DAY_MINUTES
    midnight = datetime.combine(day, time(), tzinfo=LIMA)
    return midnight + timedelta(minutes=opens), midnight + timedelta(minutes=closes)


def is_open(opening_hours: Mapping[str, str], now: datetime) -> bool:
    """Whether ``now`` falls in today's span or in last night's span that runs past midnight."""
    local = now.astimezone(LIMA)
    for offset in (-1, 0):
        day = local.date() + timedelta(days=offset)
        hours = opening_hours.get(DAYS[day.weekday()])
        if hours:
            opens, closes = _span(day, hours)
            if opens <= local < closes:
                return True
    return False


def next_opening(opening_hours: Mapping[str, str], now: datetime) -> datetime | None:
    """The next instant after ``now`` the location opens (Lima), or None when it has no hours at all."""
    local = now.astimezone(LIMA)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        hours = opening_hours.get(DAYS[day.weekday()])
        if hours:
            opens, _ = _span(day, hours)
            if opens > local:
                return opens
    return None
