"""The rules around taking an order's money: opening hours, expiry, prices re-checked, combo stock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from orders_support import TENANT
from test_orders import CUSTOMER, body

from core.dynamo import to_item
from core.errors import Conflict
from pedidos import hours, logic
from pedidos.dal import OrdersDal

EVERY_DAY = {day: "11:00-23:00" for day in hours.DAYS}
FRIDAY_NOON_LIMA = datetime(2026, 5, 1, 17, tzinfo=UTC)  # Friday 12:00 in Lima (UTC-5)


def lima(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of May 2026 given in Lima time (1 May 2026 is a Friday)."""
    return datetime(2026, 5, day, hour, minute, tzinfo=hours.LIMA)


def put_location(dynamodb: Any, dal: OrdersDal, location_id: str, opening_hours: dict[str, str]) -> None:
    item = {"tenant_id": TENANT, "location_id": location_id, "dispatch_types": ["delivery", "pickup"],
            "paused": False, "opening_hours": opening_hours}  # fmt: skip
    dynamodb.put_item(TableName=dal.tables.locations, Item=to_item(item))


# -- opening hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening_hours", "moment", "open_"),
    [
        (EVERY_DAY, lima(1, 10, 59), False),
        (EVERY_DAY, lima(1, 11, 0), True),
        (EVERY_DAY, lima(1, 22, 59), True),
        (EVERY_DAY, lima(1, 23, 0), False),
        ({"vie": "11:00-24:00"}, lima(1, 23, 59), True),
        ({"vie": "11:00-24:00"}, lima(2, 0, 0), False),
        ({"vie": "18:00-02:00"}, lima(2, 1, 30), True),  # Friday night runs into Saturday
        ({"vie": "18:00-02:00"}, lima(2, 2, 0), False),
        ({"vie": "18:00-02:00"}, lima(1, 1, 30), False),  # Thursday night: no Thursday hours
        ({day: "00:00-24:00" for day in hours.DAYS}, lima(3, 4, 0), True),
        ({"sab": "11:00-23:00"}, lima(1, 12, 0), False),  # a day missing is a day closed
        ({}, lima(1, 12, 0), False),
    ],
)
def test_a_location_is_open_within_its_lima_hours(opening_hours: dict[str, str], moment: datetime, open_: bool) -> None:
    assert hours.is_open(opening_hours, moment) is open_
    assert hours.is_open(opening_hours, moment.astimezone(UTC)) is open_  # the same instant, told in UTC


def test_the_next_opening_is_the_next_span_that_starts_later() -> None:
    assert hours.next_opening(EVERY_DAY, lima(1, 7, 0)) == lima(1, 11, 0)
    assert hours.next_opening(EVERY_DAY, lima(1, 23, 30)) == lima(2, 11, 0)
    assert hours.next_opening({"vie": "18:00-02:00"}, lima(2, 3, 0)) == lima(8, 18, 0)  # a week later
    assert hours.next_opening({}, lima(1, 7, 0)) is None


def test_an_order_outside_the_locations_hours_is_refused_says_when_it_opens_and_writes_nothing(
    dal: OrdersDal, dynamodb: Any
) -> None:
    put_location(dynamodb, dal, "horario", EVERY_DAY)

    with pytest.raises(Conflict) as refused:
        logic.create_order(CUSTOMER, body(location_id="horario"), None, dal=dal, now=lima(1, 7, 0))

    assert (refused.value.status, refused.value.code) == (409, "location_closed")
    assert refused.value.details == {"opens_at": "2026-05-01T16:00:00.000Z"}  # Friday 11:00 in Lima
    assert "vie 11:00" in refused.value.message
    assert dynamodb.scan(TableName=dal.tables.orders)["Count"] == 0

    order, created = logic.create_order(CUSTOMER, body(location_id="horario"), None, dal=dal, now=FRIDAY_NOON_LIMA)
    assert created and order.location_id == "horario"


def test_the_closed_error_reaches_the_client_in_the_platforms_error_shape() -> None:
    from core.api import create_resolver

    app = create_resolver("test")

    @app.get("/cerrado")
    def closed() -> None:
        raise Conflict("This store is closed now", code="location_closed", details={"opens_at": "x"})

    event = {"httpMethod": "GET", "path": "/cerrado", "resource": "/cerrado", "headers": {},
             "requestContext": {"authorizer": {}, "requestId": "r"}, "body": None}  # fmt: skip
    response = app.resolve(event, None)

    assert response["statusCode"] == 409
    assert json.loads(response["body"]) == {
        "error": "location_closed",
        "message": "This store is closed now",
        "details": {"opens_at": "x"},
    }
