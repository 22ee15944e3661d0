"""The metrics routes: admins of the tenant only, a period checked before anything is read, one Query per chart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from metrics_world import TENANT_A, World, admin
from scripted import ANA, COCINA, LUIS, Step, events, lima

from localcloud.demo_metrics import ScriptedOrder
from metricas import logic, runtime
from metricas.counters import BUCKET_BOUNDS, percentile


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"desde": "2026-13-01"}, "invalid_date"),
        ({"hasta": "28/11/2026"}, "invalid_date"),
        ({"desde": "1700000000"}, "invalid_date"),
        ({"desde": "2026-11-28", "hasta": "2026-11-27"}, "invalid_range"),
        ({"desde": "2025-10-24", "hasta": "2026-11-28"}, "range_too_long"),  # 401 days
        ({"local": "Larco!"}, "invalid_location"),
    ],
)
def test_a_bad_period_is_a_400_in_the_platforms_error_shape_and_reads_nothing(
    world: World, query: dict[str, str], code: str
) -> None:
    for path in ("/metricas", "/metricas/empleados", "/metricas/horas"):
        world.calls.clear()
        answer = world.get(path, admin(), **query)

        assert answer.status == 400, (path, answer.body)
        assert answer.body["error"] == code and isinstance(answer.body["message"], str)
        assert world.calls == []


def test_only_the_tenants_admins_read_the_metrics(world: World) -> None:
    for path in ("/metricas", "/metricas/empleados", "/metricas/horas"):
        assert world.get(path, None).status == 401
        for rol in ("cocinero", "empaquetador", "repartidor"):
            assert world.get(path, admin(rol=rol)).status == 403
        customer = {"tenant_id": TENANT_A, "subject_id": "c-1", "kind": "customer", "rol": "cliente"}
        assert world.get(path, customer).status == 403
        assert world.get(path, admin()).status == 200


def test_the_period_defaults_to_today_in_lima_and_may_hold_400_days_read_in_one_query(world: World) -> None:
    today = world.get("/metricas", admin()).body  # 2026-11-28 23:00 UTC is 18:00 on the 28th in Lima
    world.calls.clear()
    year = world.get("/metricas", admin(), desde="2025-10-25", hasta="2026-11-28").body

    assert (today["from"], today["to"], len(today["days"])) == ("2026-11-28", "2026-11-28", 1)
    assert today["days"][0] == {
        "date": "2026-11-28", "paid": 0, "delivered": 0, "cancelled": 0, "revenue_cents": 0,
        "stages": {s: {"completed": 0, "avg_seconds": None, "p90_seconds": None}
                   for s in ("COCINA", "EMPAQUETAMIENTO", "DELIVERY")},
        "quote_median_error_minutes": None,
    }  # fmt: skip
    assert [s["sla_seconds"] for s in today["stages"]] == [900, 300, 2700]
    assert len(year["days"]) == 400 and year["days"][-1]["date"] == "2026-11-28"
    assert world.calls == ["Query"]  # the tenant's time limits: cached


def test_whole_months_rank_the_employees_from_their_month_rows_with_the_same_numbers_as_their_days(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given kitchen completions on the last day of October and in November
    orders = (
        ScriptedOrder("m1", "larco", "pickup", lima(27, 12, 0).replace(month=10, day=31), 3000,
                      steps=(Step(COCINA, 300, *ANA),)),
        ScriptedOrder("m2", "larco", "pickup", lima(2, 12, 0), 3000, steps=(Step(COCINA, 600, *ANA),)),
        ScriptedOrder("m3", "larco", "pickup", lima(20, 12, 0), 3000, steps=(Step(COCINA, 1200, *ANA),)),
    )  # fmt: skip
    assert world.deliver(*(e for order in events(world, orders).values() for e in order)) == []
    keys: list[tuple[str, str]] = []
    rows = runtime.dal().rows
    monkeypatch.setattr(runtime.dal(), "rows", lambda t, low, high: keys.append((low, high)) or rows(t, low, high))

    # When the admins rank November (whole), up to today (whole so far), and the same days as a range of days
    november = world.get("/metricas/empleados", admin(), desde="2026-11-01", hasta="2026-11-30").body
    so_far = world.get("/metricas/empleados", admin(), desde="2026-10-01", hasta="2026-12-15").body
    by_days = world.get("/metricas/empleados", admin(), desde="2026-11-02", hasta="2026-11-27").body

    # Then the month rows answer the whole months, and they say what the days say
    assert keys == [("E#*#m#2026-11", "E#*#m#2026-11~"), ("E#*#m#2026-10", "E#*#m#2026-12~"),
                    ("E#*#d#2026-11-02", "E#*#d#2026-11-27~")]  # fmt: skip
    assert november["employees"] == by_days["employees"]
    [ana] = november["employees"]
    assert (ana["completed"], ana["avg_seconds"], ana["overdue"]) == (2, 900.0, 1)  # 600 s and 1200 s (late)
    assert [(e["completed"], e["avg_seconds"]) for e in so_far["employees"]] == [(3, 700.0)]


def test_a_range_of_partial_and_whole_months_ranks_from_the_days_of_its_partial_months_and_the_whole_months_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given kitchen completions from September to November (counted as they happened: a window that reaches them),
    # on the first and last days of the range 15 Sep - 20 Nov, and the days just outside it
    monkeypatch.setattr(logic, "COUNT_WINDOW_DAYS", 90)

    def on(month: int, day: int, n: int) -> datetime:
        return lima(1, 12, n).replace(month=month, day=day)

    orders = (
        ScriptedOrder("r1", "larco", "pickup", on(9, 14, 0), 3000, steps=(Step(COCINA, 100, *ANA),)),  # outside
        ScriptedOrder("r2", "larco", "pickup", on(9, 15, 0), 3000, steps=(Step(COCINA, 300, *ANA),)),
        ScriptedOrder("r3", "larco", "pickup", on(9, 30, 0), 3000, steps=(Step(COCINA, 400, *LUIS),)),
        ScriptedOrder("r4", "larco", "pickup", on(10, 1, 0), 3000, steps=(Step(COCINA, 500, *LUIS),)),
        ScriptedOrder("r5", "benavides", "pickup", on(10, 31, 0), 3000, steps=(Step(COCINA, 600, *ANA),)),
        ScriptedOrder("r6", "larco", "pickup", on(11, 20, 0), 3000, steps=(Step(COCINA, 1000, *ANA),)),  # late
        ScriptedOrder("r7", "larco", "pickup", on(11, 21, 0), 3000, steps=(Step(COCINA, 2000, *ANA),)),  # outside
    )
    assert world.deliver(*(e for order in events(world, orders).values() for e in order)) == []
    keys: list[tuple[str, str]] = []
    rows = runtime.dal().rows
    monkeypatch.setattr(runtime.dal(), "rows", lambda t, low, high: keys.append((low, high)) or rows(t, low, high))

    # When the admins rank 15 Sep - 20 Nov (today is 28 Nov)
    ranking = world.get("/metricas/empleados", admin(), desde="2026-09-15", hasta="2026-11-20").body["employees"]

    # Then it read September's days from the 15th, October's month rows and November's days to the 20th
    assert keys == [("E#*#d#2026-09-15", "E#*#d#2026-09-30~"), ("E#*#m#2026-10", "E#*#m#2026-10~"),
                    ("E#*#d#2026-11-01", "E#*#d#2026-11-20~")]  # fmt: skip
    # and it says what the range's day rows add up to
    days = [i for i in world.items() if i["metric_key"].startswith("E#*#d#")
            and "2026-09-15" <= i["metric_key"].split("#")[3] <= "2026-11-20"]  # fmt: skip
    summed: dict[str, list[int]] = {}
    for row in days:
        totals = summed.setdefault(row["name"], [0, 0, 0])
        for i, name in enumerate(("completed", "ms", "late")):
            totals[i] += int(row[name])
    assert {e["name"]: (e["completed"], e["avg_seconds"], e["overdue"]) for e in ranking} == {
        name: (completed, round(ms / completed / 1000, 1), late) for name, (completed, ms, late) in summed.items()
    }
    # which are, worked out by hand: Ana 300 s, 600 s, 1000 s (late); Luis 400 s, 500 s
    assert [(e["name"], e["completed"], e["avg_seconds"], e["p90_seconds"], e["overdue"]) for e in ranking] == [
        ("Ana Pérez", 3, 633.3, 1000.0, 1),  # p90: rank 3, the top of (900, 1200], capped at her 1000 s
        ("Luis Quispe", 2, 450.0, 500.0, 0),  # rank 2, the top of (420, 600], capped at his 500 s
    ]


@pytest.mark.parametrize(
    ("first", "last", "ranges"),
    [
        ("2026-11-02", "2026-11-27", [("d", "2026-11-02", "2026-11-27")]),  # within a month: its days
        ("2027-01-01", "2027-01-15", [("m", "2027-01", "2027-01")]),  # a month up to today is whole
        ("2026-11-15", "2026-12-10", [("d", "2026-11-15", "2026-12-10")]),  # two partial months: one range of days
        ("2026-10-01", "2026-12-31", [("m", "2026-10", "2026-12")]),  # whole months: one range of months
        ("2026-12-01", "2027-01-10", [("m", "2026-12", "2026-12"), ("d", "2027-01-01", "2027-01-10")]),
        (
            "2026-02-20",
            "2027-01-14",
            [("d", "2026-02-20", "2026-02-28"), ("m", "2026-03", "2026-12"), ("d", "2027-01-01", "2027-01-14")],
        ),  # a partial month, whole months, a partial month
    ],
)
def test_the_ranking_reads_the_days_of_partial_months_only(
    first: str, last: str, ranges: list[tuple[str, ...]]
) -> None:
    query = logic.Period("larco", date.fromisoformat(first), date.fromisoformat(last))

    found = logic.ranking_ranges(query, today=date(2027, 1, 15))

    assert found == [(f"E#larco#{kind}#{a}", f"E#larco#{kind}#{b}~") for kind, a, b in ranges]


def test_the_rankings_p90_is_never_above_the_employees_maximum_by_day_or_by_month(world: World) -> None:
    # Given one kitchen completion of Ana in 61 s (the (60, 120] bucket) and one of Luis in 7300 s (beyond the last
    # bound, 7200 s)
    orders = (
        ScriptedOrder("q1", "larco", "pickup", lima(20, 12, 0), 3000, steps=(Step(COCINA, 61, *ANA),)),
        ScriptedOrder("q2", "larco", "pickup", lima(20, 13, 0), 3000, steps=(Step(COCINA, 7300, *LUIS),)),
    )
    assert world.deliver(*(e for order in events(world, orders).values() for e in order)) == []

    # When the admins rank that day (its day rows) and November (its month rows)
    by_day = world.get("/metricas/empleados", admin(), desde="2026-11-20", hasta="2026-11-20").body["employees"]
    by_month = world.get("/metricas/empleados", admin(), desde="2026-11-01").body["employees"]

    # Then each p90 is the employee's own time, as the summary's maximum is: not the top of the bucket (120 s),
    # nor the last bound (7200 s)
    for ranking in (by_day, by_month):
        assert {e["name"]: (e["completed"], e["avg_seconds"], e["p90_seconds"]) for e in ranking} == {
            "Ana Pérez": (1, 61.0, 61.0),
            "Luis Quispe": (1, 7300.0, 7300.0),
        }


def test_aws_calls_per_metrics_request(world: World) -> None:
    """Measured: one Query per route (the ranking: one per partial month and one for the whole months, at most three);
    the summary's first request of a container also reads the tenant (cached)."""
    measured: dict[str, list[str]] = {}

    def measure(name: str, path: str, **query: Any) -> None:
        world.calls.clear()
        assert world.get(path, admin(), **query).status == 200
        measured[name] = list(world.calls)

    measure("GET /metricas (cold tenant cache)", "/metricas", desde="2026-11-01")
    measure("GET /metricas", "/metricas", local="larco", desde="2025-10-25")
    measure("GET /metricas/empleados (days)", "/metricas/empleados", desde="2026-11-02")
    measure("GET /metricas/empleados (whole months)", "/metricas/empleados", desde="2025-12-01")
    measure("GET /metricas/empleados (a partial month, then whole)", "/metricas/empleados", desde="2025-12-15")
    measure("GET /metricas/empleados (partial, whole, partial)", "/metricas/empleados", desde="2025-12-15",
            hasta="2026-11-20")  # fmt: skip
    measure("GET /metricas/horas", "/metricas/horas", desde="2025-10-25")

    assert measured == {
        "GET /metricas (cold tenant cache)": ["Query", "GetItem"],
        "GET /metricas": ["Query"],
        "GET /metricas/empleados (days)": ["Query"],
        "GET /metricas/empleados (whole months)": ["Query"],
        "GET /metricas/empleados (a partial month, then whole)": ["Query", "Query"],  # its days, then the months
        "GET /metricas/empleados (partial, whole, partial)": ["Query", "Query", "Query"],
        "GET /metricas/horas": ["Query"],
    }


@pytest.mark.parametrize(
    ("times", "p50", "p90"),
    [
        ([400, 500, 1000], 600.0, 1000.0),  # p90 in the (900, 1200] bucket, never above the maximum
        ([10, 20, 30, 40], 20.0, 40.0),  # rank 2 of 3 in (0, 30]; rank 4 at the top of (30, 60], capped
        ([7300], 7300.0, 7300.0),  # beyond the last bound: the maximum
    ],
)
def test_percentiles_are_read_from_the_buckets_within_the_width_of_one(
    times: list[int], p50: float, p90: float
) -> None:
    buckets = [0] * (len(BUCKET_BOUNDS) + 1)
    for seconds in times:
        buckets[next((i for i, b in enumerate(BUCKET_BOUNDS) if seconds <= b), len(BUCKET_BOUNDS))] += 1

    assert percentile(buckets, 0.5, max(times)) == p50
    assert percentile(buckets, 0.9, max(times)) == p90
    assert percentile([0] * len(buckets), 0.5, None) is None
