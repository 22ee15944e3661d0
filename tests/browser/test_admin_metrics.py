"""The admin's metrics dashboard in Chromium, over the local cloud's real metrics API (issue 10).

The local cloud's seed feeds a scripted month of orders of the demo tenant through the metrics aggregator
(``localcloud.demo_metrics``); the numbers the dashboard must show are summed here from the scripted orders
themselves (``expected``), not read back from the API. The ranges end yesterday: other tests place real orders at
Larco today. (A run that crosses Lima's midnight between the cloud's start and this test would see today's real
orders in "yesterday": it is not worth guarding.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from browser_support import MIRAFLORES, assert_accessible, staff_app, staff_log_in
from playwright.sync_api import expect

from localcloud.demo_metrics import expected, tenant_month
from tests.e2e.identity_support import staff_account

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}


def soles(cents: int) -> str:
    return f"S/ {cents // 100:,}.{cents % 100:02d}"


def stat(page: Any, label: str) -> Any:
    """The number of one of the dashboard's cards (Pagados, Ventas...)."""
    return page.locator(".stat").filter(has=page.get_by_text(label, exact=True)).get_by_role("definition")


def expect_cards(page: Any, cards: dict[str, Any]) -> None:
    expect(stat(page, "Pagados")).to_have_text(f"{cards['orders']['paid']:,}")
    expect(stat(page, "Entregados")).to_have_text(f"{cards['orders']['delivered']:,}")
    expect(stat(page, "Cancelados tras pagar")).to_have_text(f"{cards['orders']['cancelled']:,}")
    expect(stat(page, "Ventas")).to_have_text(soles(cards["revenue_cents"]))
    expect(stat(page, "Ticket promedio")).to_have_text(soles(cards["average_ticket_cents"]))


def test_the_admin_lands_on_the_dashboard_and_reads_the_seeded_months_numbers_by_location_and_range(
    new_page, cloud
) -> None:
    today = dt.datetime.now(ZoneInfo("America/Lima")).date()
    yesterday, week_start = today - dt.timedelta(days=1), today - dt.timedelta(days=7)
    tables = {"tenants": cloud.table("tenants"), "locales": cloud.table("locales")}
    orders, _ = tenant_month(boto3.client("dynamodb"), tables, MIRAFLORES, today)
    page = new_page(PHONE)
    # Given the demo admin logs in: the console opens on the metrics
    staff_log_in(page, cloud, MIRAFLORES, staff_account(cloud, MIRAFLORES, "admin")["email"])
    expect(page.get_by_role("heading", name="Métricas", exact=True)).to_be_visible()

    # When the admin picks Larco and yesterday
    page.get_by_label("Local").select_option(label="Bembos Larco")
    page.get_by_label("Rango").select_option(label="Ayer")
    # Then yesterday's numbers at Larco, as the scripted orders make them, and the address keeps the choice
    expect_cards(page, expected(orders, "larco", yesterday, yesterday))
    assert page.url.endswith("/admin/metricas?local=larco&rango=ayer")
    # (the demo's orders were seeded without ready-time quotes: the accuracy card says none was measured)
    expect(stat(page, "Error de la hora estimada")).to_have_text("—sin pedidos entregados con hora estimada")

    # And a link to the week before today opens on that week's numbers, its stages and its people
    page.goto(staff_app(cloud, MIRAFLORES, f"admin/metricas?local=larco&desde={week_start}&hasta={yesterday}"))
    week = expected(orders, "larco", week_start, yesterday)
    expect_cards(page, week)
    cocina = week["stages"]["COCINA"]["completed"]
    expect(page.get_by_role("article", name="Cocina")).to_contain_text(f"{cocina:,} completados de")
    expect(page.get_by_role("img", name="Cocina: tiempo promedio por día", exact=False)).to_be_visible()
    ana = sum(
        step.name == "Ana Pérez"
        for order in orders
        if order.location_id == "larco" and order.paid and week_start <= order.day <= yesterday
        for step in order.steps
    )
    expect(page.get_by_role("row").filter(has_text="Ana Pérez").get_by_role("cell").first).to_have_text(f"{ana:,}")
    assert_accessible(page, "metrics dashboard")
