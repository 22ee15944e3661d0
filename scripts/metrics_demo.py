"""Metrics answers in the shape of the metrics API's contract (issue 10), for the dashboard's browser test
and its screenshots, without the backend.

``answer(path, query)`` answers ``GET /metricas``, ``/metricas/empleados`` and ``/metricas/horas`` for a
query (``local``, ``desde``, ``hasta``). A single day is the scripted day below (``DAY_*``): the numbers a
test expects to read, known in advance. A longer range gets a deterministic day per date (so the same
date always has the same numbers) and totals that are those days' sums, as the real API's are.
Durations in seconds, money in céntimos, dates in Lima.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

TIMEZONE = "America/Lima"
STAGES = ("COCINA", "EMPAQUETAMIENTO", "DELIVERY")
# bembos-miraflores's limits (core.contracts.SlaMinutes' defaults: 15, 5 and 45 minutes)
SLA_SECONDS = {"COCINA": 900, "EMPAQUETAMIENTO": 300, "DELIVERY": 2700}

# -- the scripted day: what a test reads on the dashboard for a one-day range -----------------------------

DAY_ORDERS = {"paid": 12, "delivered": 10, "cancelled": 1, "overdue": 6}
DAY_REVENUE_CENTS = 45600
DAY_CANCELLATIONS = [{"reason": "Nos quedamos sin pan", "count": 1}]
# stage -> entered, completed, avg, p50, p90, max, overdue: on time; more than 1 in 10 late; late on average
DAY_STAGES: dict[str, tuple[int, int, float, int, int, int, int]] = {
    "COCINA": (12, 11, 420.5, 400, 800, 1000, 1),
    "EMPAQUETAMIENTO": (11, 11, 190.0, 170, 360, 420, 1),
    "DELIVERY": (10, 10, 2830.0, 2700, 3300, 3600, 4),
}
DAY_EMPLOYEES: list[tuple[str, str, str, int, float, int, int]] = [
    ("e-rosa", "Rosa Huamán", "EMPAQUETAMIENTO", 11, 190.0, 360, 1),
    ("e-ana", "Ana Pérez", "COCINA", 8, 380.0, 600, 0),
    ("e-jorge", "Jorge Díaz", "DELIVERY", 6, 2650.0, 3100, 2),
    ("e-carla", "Carla Rojas", "DELIVERY", 4, 3100.0, 3600, 2),
    ("e-luis", "Luis Quispe", "COCINA", 3, 530.0, 900, 1),
]
DAY_HOURS = {12: 3, 13: 4, 14: 2, 19: 2, 20: 1}  # 12 paid orders, S/ 38.00 each
TICKET_CENTS = DAY_REVENUE_CENTS // DAY_ORDERS["paid"]


def _dates(desde: str, hasta: str) -> list[str]:
    first, last = dt.date.fromisoformat(desde), dt.date.fromisoformat(hasta)
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _day(date: str) -> dict[str, Any]:
    """A day of a longer range: busier at weekends, with stage times that drift around their limits."""
    ordinal = dt.date.fromisoformat(date).toordinal()
    weekend = dt.date.fromisoformat(date).weekday() >= 4
    paid = 18 + (ordinal * 7) % 11 + (14 if weekend else 0)
    cancelled = (ordinal % 5 == 0) + (ordinal % 13 == 0)
    stages = {}
    for index, stage in enumerate(STAGES):
        sla = SLA_SECONDS[stage]
        drift = 0.3 * math.sin(ordinal / (2.5 + index))  # -0.3 .. +0.3 of the limit, a few days' waves
        avg = round(sla * (0.55 + drift + (0.15 if weekend else 0)), 1)
        stages[stage] = {"completed": paid - cancelled, "avg_seconds": avg, "p90_seconds": round(avg * 1.6)}
    return {
        "date": date,
        "paid": paid,
        "delivered": paid - cancelled,
        "cancelled": cancelled,
        "revenue_cents": paid * TICKET_CENTS + (ordinal % 7) * 150,
        "stages": stages,
    }


def _scripted_day(date: str) -> dict[str, Any]:
    return {
        "date": date,
        "paid": DAY_ORDERS["paid"],
        "delivered": DAY_ORDERS["delivered"],
        "cancelled": DAY_ORDERS["cancelled"],
        "revenue_cents": DAY_REVENUE_CENTS,
        "stages": {
            stage: {"completed": completed, "avg_seconds": avg, "p90_seconds": p90}
            for stage, (_, completed, avg, _, p90, _, _) in DAY_STAGES.items()
        },
    }


def summary(local: str | None, desde: str, hasta: str) -> dict[str, Any]:
    """GET /metricas"""
    base = {"location_id": local, "from": desde, "to": hasta, "timezone": TIMEZONE}
    if desde == hasta:
        return {
            **base,
            "orders": dict(DAY_ORDERS),
            "revenue_cents": DAY_REVENUE_CENTS,
            "average_ticket_cents": TICKET_CENTS,
            "cancellations": list(DAY_CANCELLATIONS),
            "stages": [
                {
                    "stage": stage,
                    "sla_seconds": SLA_SECONDS[stage],
                    "entered": entered,
                    "completed": completed,
                    "avg_seconds": avg,
                    "p50_seconds": p50,
                    "p90_seconds": p90,
                    "max_seconds": top,
                    "overdue": overdue,
                }
                for stage, (entered, completed, avg, p50, p90, top, overdue) in DAY_STAGES.items()
            ],
            "days": [_scripted_day(desde)],
        }
    days = [_day(date) for date in _dates(desde, hasta)]
    paid = sum(d["paid"] for d in days)
    revenue = sum(d["revenue_cents"] for d in days)
    stages = []
    for stage in STAGES:
        rows = [d["stages"][stage] for d in days]
        completed = sum(r["completed"] for r in rows)
        late = sum(r["completed"] // 10 for r in rows if r["p90_seconds"] > SLA_SECONDS[stage])
        stages.append(
            {
                "stage": stage,
                "sla_seconds": SLA_SECONDS[stage],
                "entered": completed + 1,
                "completed": completed,
                "avg_seconds": round(sum(r["avg_seconds"] * r["completed"] for r in rows) / completed, 1),
                "p50_seconds": round(sum(r["avg_seconds"] for r in rows) / len(rows) * 0.95),
                "p90_seconds": sorted(r["p90_seconds"] for r in rows)[int(len(rows) * 0.9) - 1 if len(rows) > 1 else 0],
                "max_seconds": max(r["p90_seconds"] for r in rows) + 120,
                "overdue": late,
            }
        )
    cancelled = sum(d["cancelled"] for d in days)
    reasons = ["Nos quedamos sin pan", "El cliente no respondió", "Dirección fuera de la zona de reparto"]
    counts = (cancelled - cancelled // 2, cancelled // 3, cancelled // 2 - cancelled // 3)
    cancellations = [{"reason": reason, "count": count} for reason, count in zip(reasons, counts, strict=True) if count]
    return {
        **base,
        "orders": {
            "paid": paid,
            "delivered": sum(d["delivered"] for d in days),
            "cancelled": cancelled,
            "overdue": sum(s["overdue"] for s in stages),
        },
        "revenue_cents": revenue,
        "average_ticket_cents": revenue // paid if paid else None,
        "cancellations": cancellations,
        "stages": stages,
        "days": days,
    }


def employees(local: str | None, desde: str, hasta: str) -> dict[str, Any]:
    """GET /metricas/empleados: most completed first, then fastest."""
    scale = len(_dates(desde, hasta))
    rows: list[dict[str, Any]] = [
        {
            "employee_id": employee_id,
            "name": name,
            "stage": stage,
            "completed": completed * scale,
            "avg_seconds": avg,
            "p90_seconds": p90,
            "overdue": overdue * scale,
        }
        for employee_id, name, stage, completed, avg, p90, overdue in DAY_EMPLOYEES
    ]
    rows.sort(key=lambda row: (-row["completed"], row["avg_seconds"]))
    return {"location_id": local, "from": desde, "to": hasta, "employees": rows}


def hours(local: str | None, desde: str, hasta: str) -> dict[str, Any]:
    """GET /metricas/horas: the range's paid orders by hour of the day (Lima)."""
    if desde == hasta:
        by_hour = dict(DAY_HOURS)
    else:
        total = summary(local, desde, hasta)["orders"]["paid"]
        weights = {11: 3, 12: 9, 13: 12, 14: 7, 15: 3, 16: 2, 17: 3, 18: 6, 19: 11, 20: 10, 21: 6, 22: 2}
        by_hour = {hour: total * weight // sum(weights.values()) for hour, weight in weights.items()}
        by_hour[13] += total - sum(by_hour.values())
    return {
        "location_id": local,
        "from": desde,
        "to": hasta,
        "hours": [
            {"hour": hour, "orders": by_hour.get(hour, 0), "revenue_cents": by_hour.get(hour, 0) * TICKET_CENTS}
            for hour in range(24)
        ],
    }


def answer(path: str, query: dict[str, str]) -> dict[str, Any]:
    """The answer to ``GET <path>`` (``metricas``, ``metricas/empleados``, ``metricas/horas``)."""
    local = query.get("local") or None
    desde, hasta = query["desde"], query["hasta"]
    kind = path.rstrip("/").rsplit("/", 1)[-1]
    if kind == "empleados":
        return employees(local, desde, hasta)
    if kind == "horas":
        return hours(local, desde, hasta)
    return summary(local, desde, hasta)
