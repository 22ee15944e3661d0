"""The platform's one clock, and timestamps as AWS writes them (``2026-11-28T15:04:05.123Z``).

Logic takes ``now: datetime`` (UTC, from ``utc_now()`` at the edge, fixed in tests) and stores
``iso(now)``: the order's timeline mixes the workflow's ``$$.State.EnteredTime`` with the services'
own times, and GSIs sort orders by ``created_at`` as a string, so one format keeps them comparable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# The business's clock: Lima, UTC-5 all year (Peru has no daylight saving). Days and hours of reports are Lima's.
LIMA = timezone(timedelta(hours=-5), "America/Lima")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now_iso() -> str:
    return iso(utc_now())


def from_iso(value: str) -> datetime:
    """An ISO 8601 timestamp as AWS and the platform write it (``...Z`` or an offset) -> an aware datetime."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
