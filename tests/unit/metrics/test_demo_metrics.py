"""The local cloud's demo month of metrics: seeded through the aggregator's arithmetic, it is what the scripted
orders add up to (the numbers a dashboard test can expect, computed from the orders, not from the aggregator)."""

from __future__ import annotations

from datetime import date, timedelta

from metrics_world import METRICS, NOW, TENANT_A, TENANTS, World, admin

from core import contracts
from core.dynamo import to_item
from localcloud.demo_metrics import DAYS, demo_month, expected, seed_metrics, seed_tenant, tenant_month

TODAY = date(2026, 11, 28)  # NOW in Lima
LOCATIONS = [("larco", "delivery"), ("benavides", "pickup")]
SLA = {"COCINA": 900, "EMPAQUETAMIENTO": 300, "DELIVERY": 2700}


def cards(summary: dict) -> dict:
    return {
        "orders": summary["orders"],
        "revenue_cents": summary["revenue_cents"],
        "average_ticket_cents": summary["average_ticket_cents"],
        "stages": {
            s["stage"]: {k: s[k] for k in ("completed", "avg_seconds", "max_seconds")} for s in summary["stages"]
        },
    }


def test_the_seeded_month_shows_what_its_scripted_orders_add_up_to(world: World) -> None:
    orders = demo_month(TODAY, LOCATIONS, SLA)
    seeded = seed_metrics(world.dynamodb, METRICS, TENANT_A, orders, sla_seconds=SLA)
    week = (TODAY - timedelta(days=7), TODAY - timedelta(days=1))  # the last 7 days before today

    for location, (first, last) in [
        ("larco", (TODAY, TODAY)),
        ("larco", week),
        (None, week),
        ("benavides", (TODAY - timedelta(days=DAYS - 1), TODAY)),
    ]:
        query = {"desde": first.isoformat(), "hasta": last.isoformat(), **({"local": location} if location else {})}
        summary = world.get("/metricas", admin(), **query).body
        assert cards(summary) == expected(orders, location, first, last), (location, first, last)
    assert seeded["orders"] == len(orders) and expected(orders, "larco", TODAY, TODAY)["orders"]["paid"] >= 3
    month = world.get("/metricas", admin(), desde=(TODAY - timedelta(days=29)).isoformat()).body
    assert month["orders"]["overdue"] > 0 and month["orders"]["cancelled"] > 0
    assert {c["reason"] for c in month["cancellations"]} == {"admin", "expired_unpaid"}
    ranking = world.get("/metricas/empleados", admin(), local="larco", desde="2026-11-01").body["employees"]
    assert {e["name"] for e in ranking} == {"Ana Pérez", "Luis Quispe", "Rosa Huamán", "Jorge Flores", "Carla Rojas"}
    assert NOW.date() == TODAY


def test_the_demo_month_of_a_location_is_the_same_for_the_same_day_whatever_other_locations_exist() -> None:
    month = demo_month(TODAY, LOCATIONS, SLA)

    assert month == demo_month(TODAY, LOCATIONS, SLA)
    assert month != demo_month(TODAY + timedelta(days=1), LOCATIONS, SLA)
    with_another = demo_month(TODAY, [("a-nueva", "pickup"), *LOCATIONS], SLA)
    assert [o for o in with_another if o.location_id == "larco"] == demo_month(TODAY, [("larco", "delivery")], SLA)


def test_a_tenants_month_comes_from_its_locations_and_time_limits(world: World) -> None:
    world.dynamodb.create_table(**contracts.TABLES["locales"].create_request("t-locales"))
    for location, dispatch in (("larco", ["delivery", "pickup"]), ("benavides", ["pickup"])):
        item = {"tenant_id": TENANT_A, "location_id": location, "dispatch_types": dispatch}
        world.dynamodb.put_item(TableName="t-locales", Item=to_item(item))
    tables = {"tenants": TENANTS, "locales": "t-locales", "metricas": METRICS}

    seeded = seed_tenant(world.dynamodb, tables, TENANT_A, TODAY)

    orders, sla = tenant_month(world.dynamodb, tables, TENANT_A, TODAY)
    assert sla == SLA  # the tenant's 15, 5 and 45 minutes
    assert orders == demo_month(TODAY, sorted(LOCATIONS), SLA) and seeded["orders"] == len(orders)
    assert {o.dispatch for o in orders if o.location_id == "benavides"} == {"pickup"}
