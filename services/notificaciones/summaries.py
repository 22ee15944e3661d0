"""The daily summary's schedule: each morning, one ``DailySummaryRequested`` per active tenant for the previous Lima
day, which the e-mail notifier turns into the admins' summary (``staff_mails.daily_summary``).

An EventBridge schedule (07:00 in Lima, ``cron(0 12 * * ? *)`` in UTC) puts its event into an SQS queue; this
function (``scheduler.lambda_handler``) reads it. The day comes from the schedule's own ``time``, not the clock, so
a redelivery asks for the same day; the notifier's ledger (``resumen#<day>`` in the tenant's partition) sends each
tenant's summary once, however often the schedule fires or the requests are published again.

Listing the tenants is the one Scan of the platform: the tenants table has no other key, and this runs once a day
outside any request. One message handles one page (``PAGE_SIZE`` tenants, two attributes each) and, when there is
more, puts the next page's message (the schedule's time and the Scan's cursor) on its own queue: each invocation
stays far inside the consumer timeout however many tenants there are. A page handled twice (a redelivery) asks
again for summaries the ledger sends once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from core import contracts
from core.clock import LIMA
from core.observability import logger
from notificaciones.dal import DependencyError

PUT_EVENTS_LIMIT = 10  # entries per PutEvents call
PAGE_SIZE = 200  # tenants per message: a Scan page and twenty PutEvents calls


def previous_lima_day(fired_at: datetime) -> date:
    """The Lima day before the one the schedule fired in."""
    return fired_at.astimezone(LIMA).date() - timedelta(days=1)


Cursor = dict[str, Any]


class Tenants(Protocol):
    def page(self, cursor: Cursor | None) -> tuple[list[str], Cursor | None]: ...


class Bus(Protocol):
    def request(self, tenant_ids: Sequence[str], day: date) -> None: ...


class NextPage(Protocol):
    def send(self, fired_at: datetime, cursor: Cursor) -> None: ...


def request_summaries(
    fired_at: datetime, cursor: Cursor | None, *, tenants: Tenants, bus: Bus, next_page: NextPage
) -> int:
    """Ask for the summary of the previous Lima day of each active tenant of one page (the first page without
    ``cursor``); queue the next page, if any. The number asked for."""
    day = previous_lima_day(fired_at)
    tenant_ids, following = tenants.page(cursor)
    for start in range(0, len(tenant_ids), PUT_EVENTS_LIMIT):
        bus.request(tenant_ids[start : start + PUT_EVENTS_LIMIT], day)
    if following:
        next_page.send(fired_at, following)
    logger.info("daily summaries requested", extra={"day": day.isoformat(), "tenants": len(tenant_ids)})
    return len(tenant_ids)


class TenantList:
    """The active tenants: a paged Scan of the tenants table (``tenant_id``, ``status`` only)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def page(self, cursor: Cursor | None) -> tuple[list[str], Cursor | None]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "ProjectionExpression": "tenant_id, #s",
            "ExpressionAttributeNames": {"#s": "status"},
            "Limit": PAGE_SIZE,
        }
        if cursor:
            params["ExclusiveStartKey"] = cursor
        try:
            page = self._client.scan(**params)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError("Could not list the tenants") from exc
        active = [
            item["tenant_id"]["S"]
            for item in page.get("Items", [])
            if item.get("status", {}).get("S", "active") == "active"
        ]
        return active, page.get("LastEvaluatedKey")


class PageQueue:
    """The next page's message, on the scheduler's own queue."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, fired_at: datetime, cursor: Cursor) -> None:
        body = {"time": fired_at.isoformat(), "cursor": cursor}
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(body))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError("Could not queue the next page of tenants") from exc


class SummaryBus:
    """``DailySummaryRequested`` events on the platform's bus, up to ten per PutEvents; a rejected entry raises."""

    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name

    def request(self, tenant_ids: Sequence[str], day: date) -> None:
        entries = [
            {
                "EventBusName": self._bus,
                "Source": contracts.EVENT_SOURCE_NOTIFICATIONS,
                "DetailType": contracts.DAILY_SUMMARY_REQUESTED,
                "Detail": json.dumps({"tenant_id": tenant_id, "day": day.isoformat()}),
            }
            for tenant_id in tenant_ids
        ]
        try:
            response = self._client.put_events(Entries=entries)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError("Could not publish the summary requests") from exc
        if response.get("FailedEntryCount"):
            # The whole schedule event is retried: the tenants already asked are asked again, and mailed once.
            raise DependencyError(f"EventBridge rejected {response['FailedEntryCount']} summary requests")
