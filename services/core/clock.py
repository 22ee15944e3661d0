"""Timestamps as AWS writes them (``2026-11-28T15:04:05.123Z``: UTC, milliseconds, ``Z``).

The order's timeline mixes the workflow's ``$$.State.EnteredTime`` with the services' own times, and
GSIs sort orders by ``created_at`` as a string: one format everywhere keeps them comparable.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now_iso() -> str:
    return iso(datetime.now(UTC))
