"""The complaints routes: bad input is a clear 4xx that stores nothing; a customer reads only their own entries;
only the tenant's admins answer and export; another tenant's admin finds nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from complaints_world import TENANT_A, TENANT_B, World, complaint_body, customer, staff

from reclamos import logic


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"tipo": "sugerencia"}, 422, "validation_failed"),
        ({"detalle": "corto"}, 422, "validation_failed"),
        ({"detalle": "x" * 2001}, 422, "validation_failed"),
        ({"descripcion_bien": "   "}, 422, "validation_failed"),
        ({"monto_cents": -1}, 422, "validation_failed"),
        ({"pedido_consumidor": ""}, 422, "validation_failed"),
        ({"consumidor": {**complaint_body()["consumidor"], "email": "otro@example.pe"}}, 422, "validation_failed"),
        ({"consumidor": {**complaint_body()["consumidor"], "documento_tipo": "LE"}}, 422, "validation_failed"),
        ({"tenant_id": TENANT_B}, 422, "validation_failed"),
        ({"order_id": "order-of-nobody"}, 404, "order_not_found"),
        ({"location_id": "no-such-local"}, 404, "location_not_found"),
    ],
)
def test_a_bad_entry_is_a_clear_4xx_and_nothing_is_stored(
    world: World, changes: dict[str, Any], status: int, code: str
) -> None:
    answer = world.file(**changes)

    assert answer.status == status, answer.body
    assert answer.body["error"] == code and isinstance(answer.body["message"], str)
    assert world.stored() == [] and world.events == []


def test_another_customers_order_is_not_found(world: World) -> None:
    answer = world.file(customer("c-beto"), order_id="order-ana-1")

    assert answer.status == 404 and answer.body["error"] == "order_not_found"
    assert world.stored() == []


def test_a_customer_reads_only_their_own_entries_newest_first(world: World) -> None:
    world.file(), world.file(customer("c-beto")), world.file()

    mine = world.call("GET", "/reclamaciones", customer()).body
    assert [e["numero"] for e in mine["items"]] == [3, 1]
    assert world.call("GET", "/reclamaciones/1", customer()).status == 200
    refused = world.call("GET", "/reclamaciones/2", customer())
    assert refused.status == 404 and refused.body["error"] == "complaint_not_found"


def test_the_admins_book_is_by_number_by_estado_and_paginated(world: World) -> None:
    for _ in range(3):
        world.file()
    world.call("POST", "/reclamaciones/2/respuesta", staff(), {"respuesta": "Le devolvemos el importe hoy."})

    first = world.call("GET", "/reclamaciones", staff(), limit="2").body
    rest = world.call("GET", "/reclamaciones", staff(), limit="2", cursor=first["next_cursor"]).body
    pending = world.call("GET", "/reclamaciones", staff(), estado="pendiente").body

    assert [e["numero"] for e in first["items"] + rest["items"]] == [1, 2, 3]
    assert [e["numero"] for e in pending["items"]] == [1, 3]
    assert "Scan" not in world.calls


def test_only_the_tenants_admin_answers_once_and_the_customer_reads_it(world: World) -> None:
    world.file()
    text = {"respuesta": "Lamentamos lo ocurrido: le devolvemos S/ 25.90."}

    for who in (customer(), staff("cocinero"), staff("empaquetador"), staff("repartidor")):
        assert world.call("POST", "/reclamaciones/1/respuesta", who, text).status == 403
    assert world.call("POST", "/reclamaciones/1/respuesta", staff(tenant=TENANT_B), text).status == 404
    short = world.call("POST", "/reclamaciones/1/respuesta", staff(), {"respuesta": "ok"})
    assert short.status == 422 and world.entries()[0]["estado"] == "pendiente"

    answered = world.call("POST", "/reclamaciones/1/respuesta", staff(), text)
    assert answered.status == 200
    assert (answered.body["estado"], answered.body["respuesta"]) == ("respondido", text["respuesta"])
    assert answered.body["answered_by"] == "Rosa Admin" and answered.body["answered_at"]
    second = world.call("POST", "/reclamaciones/1/respuesta", staff(), {"respuesta": "Otra respuesta distinta."})
    assert second.status == 409 and second.body["error"] == "already_answered"
    assert world.call("GET", "/reclamaciones/1", customer()).body["respuesta"] == text["respuesta"]
    assert [t for t, _ in world.events] == ["ComplaintFiled", "ComplaintAnswered"]
    assert world.events[1][1] == {
        "tenant_id": TENANT_A, "numero": 1, "customer_id": "c-ana", "tipo": "reclamo", "location_id": None,
        "estado": "respondido", "filed_at": "2026-11-27T15:30:00.000Z", "due_at": "2026-12-18T15:30:00.000Z",
        "answered_at": "2026-11-27T15:30:00.000Z",
    }  # fmt: skip


def test_staff_and_another_tenants_people_cannot_read_an_entry(world: World) -> None:
    world.file()

    for who in (staff("cocinero"), staff("repartidor")):
        assert world.call("GET", "/reclamaciones/1", who).status == 403
        assert world.call("GET", "/reclamaciones", who).status == 403
    assert world.call("GET", "/reclamaciones/1", staff(tenant=TENANT_B)).status == 404
    assert world.call("GET", "/reclamaciones/1", customer(tenant=TENANT_B)).status == 404
    assert world.call("GET", "/reclamaciones", staff(tenant=TENANT_B)).body["items"] == []
    assert world.call("GET", "/reclamaciones/1", None).status == 401


def test_the_book_exports_as_csv_by_number_with_its_text_escaped(world: World) -> None:
    world.file(detalle='Dijeron "no hay", luego;\nme cobraron dos veces.')
    world.file(descripcion_bien='=HYPERLINK("http://x")')
    world.file(customer(tenant=TENANT_B))

    assert world.call("GET", "/reclamaciones/libro", customer()).status == 403
    answer = world.call("GET", "/reclamaciones/libro", staff())

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="libro-reclamaciones-{TENANT_A}.csv"'
    rows = list(csv.reader(io.StringIO(answer.body)))
    assert rows[0] == list(logic.CSV_HEADER) and rows[0][0] == "Número"
    assert [r[0] for r in rows[1:]] == ["1", "2"]  # tenant A's only, by number
    assert rows[1][16] == 'Dijeron "no hay", luego;\nme cobraron dos veces.'
    assert rows[2][5] == '\'=HYPERLINK("http://x")'  # never a formula in a spreadsheet
    assert rows[1][2] == "2026-11-27 10:30" and rows[1][6] == "25.90"


@pytest.mark.parametrize(
    ("filed", "days", "due"),
    [
        (datetime(2026, 11, 27, 15, 30, tzinfo=UTC), 1, "2026-11-30 10:30"),  # Friday -> Monday
        (datetime(2026, 11, 28, 15, 0, tzinfo=UTC), 1, "2026-11-30 10:00"),  # Saturday -> Monday
        (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), 1, "2026-11-30 22:00"),  # Sunday 22:00 in Lima -> Monday
        (datetime(2026, 11, 23, 15, 0, tzinfo=UTC), 15, "2026-12-14 10:00"),  # three weeks of weekdays
    ],
)
def test_the_term_counts_business_days_in_lima(filed: datetime, days: int, due: str) -> None:
    from core.clock import LIMA

    assert logic.add_business_days(filed, days).astimezone(LIMA).strftime("%Y-%m-%d %H:%M") == due


def test_the_tenants_own_term_sets_the_due_date(world: World) -> None:
    entry = world.file(customer(tenant=TENANT_B)).body  # this tenant answers in 30 business days

    assert entry["due_at"] == "2027-01-08T15:30:00.000Z"
