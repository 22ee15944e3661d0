"""Status e-mails by role through the e-mail notifier: real SMTP (the local mailbox server), moto for the tables.

One tenant, two locations; its staff as the tests need them: who gets which e-mail, each once, as each chose.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from queue_events import Context, eventbridge, sqs_batch

from core import contracts
from core.dynamo import to_item
from localcloud.mailbox import Mailbox, start_smtp_server
from notificaciones import runtime, staff_mails

TENANT = "bembos-miraflores"
CONTACT = "dueno@bembos.pe"  # the tenant's contact address (onboarding), not an employee
TABLES = ("idempotencia", "empleados", "tenants", "locales", "metricas", "reclamaciones", "pedidos")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    server = start_smtp_server(box, port=0)
    box.port = server.port  # type: ignore[attr-defined]
    yield box
    server.stop()


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox) -> Iterator[Any]:
    """deliver(*events): one SQS batch of EventBridge events (``(detail_type, detail)`` or a whole event)."""
    env = {
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "notificaciones",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_STARTTLS": "false",  # type: ignore[attr-defined]
        "SMTP_SECRET_NAME": "", "MAIL_FROM": "Bembos <notificaciones@bembos.local>",
        "DEDUP_TABLE": "idempotencia", "ORDERS_TABLE": "pedidos", "TENANTS_TABLE": "tenants",
        "EMPLOYEES_TABLE": "empleados", "COMPLAINTS_TABLE": "reclamaciones", "LOCATIONS_TABLE": "locales",
        "METRICS_TABLE": "metricas",
    }  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    from notificaciones import handler

    runtime.reset()
    with mock_aws():
        db = boto3.client("dynamodb")
        for name in TABLES:
            db.create_table(**contracts.TABLES[name].create_request(name))
        put(db, "tenants", {"tenant_id": TENANT, "name": "Bembos Miraflores", "admin_email": CONTACT})
        for location_id, name in (("larco", "Larco"), ("benavides", "Benavides")):
            put(db, "locales", {"tenant_id": TENANT, "location_id": location_id, "name": name})

        def deliver(*events: Any) -> dict[str, Any]:
            bodies = [e if isinstance(e, dict) else eventbridge(*e) for e in events]
            return handler.lambda_handler(sqs_batch(*bodies), Context())

        deliver.db = db  # type: ignore[attr-defined]
        yield deliver
    runtime.reset()


def put(db: Any, table: str, item: dict[str, Any]) -> None:
    db.put_item(TableName=table, Item=to_item(item))


def employee(db: Any, name: str, rol: str, location_id: str = "larco", alerts: bool | None = None, **extra: Any):
    item = {
        "tenant_id": TENANT, "employee_id": f"e-{name}", "name": name, "email": f"{name}@bembos.pe", "rol": rol,
        "location_id": location_id, "tenant_location": f"{TENANT}#{location_id}", "status": "active", **extra,
    }  # fmt: skip
    if alerts is not None:
        item[contracts.EMPLOYEE_EMAIL_ALERTS] = alerts
    put(db, "empleados", item)


def order(estado: str, location_id: str = "larco", order_id: str = "o-1", **extra: Any) -> tuple[str, dict]:
    detail = {"tenant_id": TENANT, "order_id": order_id, "location_id": location_id, "estado_pedido": estado,
              "at": "2026-11-28T15:00:00.000Z", **extra}  # fmt: skip
    return contracts.ORDER_STATUS_CHANGED, detail


def overdue(estado: str = "COCINA", location_id: str = "larco") -> tuple[str, dict]:
    return contracts.ORDER_OVERDUE, order(estado, location_id)[1]


def inbox(box: Mailbox) -> dict[str, list[str]]:
    """Each address's subjects, in order."""
    found: dict[str, list[str]] = {}
    for message in box.messages():
        for address in sorted(message.recipients()):
            found.setdefault(address, []).append(message.subject)
    return found


@pytest.fixture
def staff(notify: Any) -> Any:
    db = notify.db
    employee(db, "ana", "admin")  # default: on
    employee(db, "beto", "admin", alerts=False)  # opted out
    employee(db, "carla", "cocinero", alerts=True)  # opted in
    employee(db, "dani", "cocinero")  # default: off
    employee(db, "eva", "cocinero", "benavides", alerts=True)  # another location
    employee(db, "fito", "empaquetador", alerts=True)
    employee(db, "gabi", "repartidor", alerts=True)
    employee(db, "hugo", "cocinero", alerts=True, status="inactive")  # deactivated: nothing
    return notify


def test_each_role_gets_exactly_its_events_as_each_chose(staff: Any, mailbox: Mailbox) -> None:
    result = staff(
        order("COCINA"),
        order("EMPAQUETAMIENTO"),
        order("DELIVERY"),
        order("ENTREGADO"),
        overdue("COCINA"),
        order("CANCELADO", order_id="o-2", reason="Sin stock", customer_email="cli@example.pe"),
    )

    assert result == {"batchItemFailures": []}
    kitchen_overdue = "Pedido vencido en cocina: o-1 (larco)"
    cancelled = "Pedido cancelado: o-2 (larco)"
    assert inbox(mailbox) == {
        "carla@bembos.pe": ["Nuevo pedido en cocina: o-1 (larco)", kitchen_overdue],
        "fito@bembos.pe": ["Nuevo pedido en empaquetamiento: o-1 (larco)"],
        "gabi@bembos.pe": ["Nuevo pedido en delivery: o-1 (larco)"],
        CONTACT: [kitchen_overdue, cancelled],
        "ana@bembos.pe": [kitchen_overdue, cancelled],
        "cli@example.pe": ["Tu pedido fue cancelado · Bembos Miraflores"],  # the customer's, as before
    }
    [cancel] = [m for m in mailbox.messages() if m.subject == cancelled]
    assert "Motivo: Sin stock" in (cancel.text or "") and "28/11/2026 a las 10:00" in (cancel.text or "")


def test_each_email_is_sent_once_whatever_delivers_its_event_again(staff: Any, mailbox: Mailbox) -> None:
    events = [order("COCINA"), overdue("COCINA"), order("CANCELADO", order_id="o-2")]
    assert staff(*events) == {"batchItemFailures": []}
    sent = inbox(mailbox)

    # The same batch redelivered, and the same facts published again under new event ids.
    assert staff(*events) == {"batchItemFailures": []}
    assert staff(*(eventbridge(*e) for e in events)) == {"batchItemFailures": []}

    assert inbox(mailbox) == sent
    assert len(mailbox.messages()) == 3  # the kitchen's, the overdue, the cancellation (its order has no customer)


def test_an_admin_who_is_the_contact_and_opted_out_gets_nothing(notify: Any, mailbox: Mailbox) -> None:
    employee(notify.db, "dueno", "admin", alerts=False)  # the contact address is this admin's
    employee(notify.db, "ana", "admin")

    assert notify(order("CANCELADO")) == {"batchItemFailures": []}

    assert inbox(mailbox) == {"ana@bembos.pe": ["Pedido cancelado: o-1 (larco)"]}


def test_a_cook_who_opts_out_again_hears_nothing_and_nobody_opted_in_sends_nothing(
    notify: Any, mailbox: Mailbox
) -> None:
    employee(notify.db, "carla", "cocinero", alerts=False)
    employee(notify.db, "dani", "cocinero")

    assert notify(order("COCINA")) == {"batchItemFailures": []}

    assert mailbox.messages() == []


def test_admins_hear_of_each_new_complaint_once_with_its_code_and_due_date(staff: Any, mailbox: Mailbox) -> None:
    entry = {"tenant_id": TENANT, "entry_key": "n#000000000007", "numero": 7, "codigo": "LR-2026-000007",
             "tipo": "queja", "location_id": "larco", "filed_at": "2026-11-27T15:30:00Z",
             "due_at": "2026-12-18T15:30:00Z", "consumidor": {"nombre": "Ana", "email": "cli@example.pe"}}  # fmt: skip
    put(staff.db, "reclamaciones", entry)
    filed = (contracts.COMPLAINT_FILED, {"tenant_id": TENANT, "numero": 7})

    assert staff(filed, filed) == {"batchItemFailures": []}

    subject = "Nuevo reclamo LR-2026-000007 · Bembos Miraflores"
    assert inbox(mailbox) == {
        CONTACT: [subject],
        "ana@bembos.pe": [subject],
        "cli@example.pe": ["Copia de tu reclamo LR-2026-000007 · Bembos Miraflores"],
    }
    [mail] = mailbox.messages(to="ana@bembos.pe")
    text = (mail.text or "").replace("\r\n", "\n")
    assert "el 27/11/2026 a las 10:30 (hora de Lima)" in text and "el 18/12/2026 a las 10:30" in text


def day_row(location: str, day: str, **counters: int) -> dict[str, Any]:
    return {"tenant_id": TENANT, "metric_key": f"D#{location}#{day}", **counters}


def test_the_daily_summary_gives_each_locations_numbers_from_its_day_rows_once_per_day(
    staff: Any, mailbox: Mailbox
) -> None:
    db = staff.db
    # Larco: 3 orders, S/ 75.50; kitchen 2 done in 10 min 30 s in all (5 min 15 s each), packing 1 in 90 s.
    put(db, "metricas", day_row("larco", "2026-11-27", paid=3, revenue_cents=7550, delivered=2, cancelled=1,
                                cocina_completed=2, cocina_ms=630_000, empaquetamiento_completed=1,
                                empaquetamiento_ms=90_000))  # fmt: skip
    # Benavides: one order, its delivery took 20 min 1 s.
    put(db, "metricas", day_row("benavides", "2026-11-27", paid=1, revenue_cents=1990, delivered=1,
                                delivery_completed=1, delivery_ms=1_200_600))  # fmt: skip
    put(db, "metricas", day_row("*", "2026-11-27", paid=4, revenue_cents=9540, delivered=3, cancelled=1,
                                cocina_completed=2, cocina_ms=630_000))  # fmt: skip
    put(db, "metricas", day_row("larco", "2026-11-28", paid=99, revenue_cents=999_999))  # today: not in it
    request = (contracts.DAILY_SUMMARY_REQUESTED, {"tenant_id": TENANT, "day": "2026-11-27"})

    assert staff(request) == {"batchItemFailures": []}
    assert staff(request, request) == {"batchItemFailures": []}  # the schedule fired again

    subject = "Resumen del 27/11/2026 · Bembos Miraflores"
    assert inbox(mailbox) == {CONTACT: [subject], "ana@bembos.pe": [subject]}
    [mail] = mailbox.messages(to="ana@bembos.pe")
    lines = (mail.text or "").replace("\r\n", "\n").splitlines()
    assert lines[4:10] == [  # the locations by id
        "Benavides: 1 pedido, S/ 19.90; entregados 1, cancelados 0, vencidos 0",
        "  Tiempo promedio por etapa: cocina -, empaquetamiento -, delivery 20 min 01 s",
        "Larco: 3 pedidos, S/ 75.50; entregados 2, cancelados 1, vencidos 0",
        "  Tiempo promedio por etapa: cocina 5 min 15 s, empaquetamiento 1 min 30 s, delivery -",
        "Total: 4 pedidos, S/ 95.40; entregados 3, cancelados 1, vencidos 0",
        "  Tiempo promedio por etapa: cocina 5 min 15 s, empaquetamiento -, delivery -",
    ]
    assert "<td>Larco</td><td>3</td><td>S/ 75.50</td>" in (mail.html or "")


def test_the_summary_reads_the_rows_the_metrics_consumer_writes() -> None:
    from datetime import date

    from metricas import counters

    assert staff_mails.day_key("larco", date(2026, 11, 27)) == counters.day_key("larco", date(2026, 11, 27))
    assert staff_mails.ALL_LOCATIONS == counters.ALL_LOCATIONS


def test_the_aws_calls_of_each_status_event(staff: Any) -> None:
    """Each event's calls: the customer's e-mail first (as before), then the staff's (``staff#`` in the ledger)."""
    calls: list[str] = []
    client = runtime.staff()._client  # the notifier's one DynamoDB client (the ledger's and the directories' too)
    client.meta.events.register("before-call.*.*", lambda model, **_: calls.append(model.name))

    def calls_of(*events: Any) -> list[str]:
        calls.clear()
        assert staff(*events) == {"batchItemFailures": []}
        return list(calls)

    claim_and_confirm = ["PutItem", "UpdateItem"]
    customer = ["GetItem", *claim_and_confirm]  # the tenant's name; the customer's address came with the event
    # An order entering a stage: its role at the location (Query) and, when someone there wants it, the tenant.
    entering = calls_of(order("COCINA", customer_email="cli@example.pe", customer_name="Cli"))
    assert entering == [*customer, "Query", "GetItem", *claim_and_confirm]
    # Nobody at benavides' packing opted in: one Query, no e-mail.
    assert calls_of(order("EMPAQUETAMIENTO", "benavides", customer_email="cli@example.pe")) == [*customer, "Query"]
    # A cancellation: the tenant (name, contact) and its admins (Query of by_email).
    cancelled = calls_of(order("CANCELADO", order_id="o-2", customer_email="cli@example.pe"))
    assert cancelled == [*customer, "GetItem", "Query", *claim_and_confirm]
    # Overdue (no customer e-mail): the tenant, its admins, the stage's role at the location.
    assert calls_of(overdue("EMPAQUETAMIENTO")) == ["GetItem", "Query", "Query", *claim_and_confirm]
    # The daily summary: the tenant, its admins, its locations (Query), their day rows (one BatchGetItem).
    summary = (contracts.DAILY_SUMMARY_REQUESTED, {"tenant_id": TENANT, "day": "2026-11-27"})
    assert calls_of(summary) == ["GetItem", "Query", "Query", "BatchGetItem", *claim_and_confirm]
    # A new complaint: the customer's copy (the entry, the tenant), then the tenant, its admins and the entry again.
    put(staff.db, "reclamaciones", {"tenant_id": TENANT, "entry_key": "n#000000000001", "numero": 1,
                                    "codigo": "LR-2026-000001", "consumidor": {"email": "cli@example.pe"}})  # fmt: skip
    filed = calls_of((contracts.COMPLAINT_FILED, {"tenant_id": TENANT, "numero": 1}))
    assert filed == ["GetItem", "GetItem", *claim_and_confirm, "GetItem", "Query", "GetItem", *claim_and_confirm]
    # Other states (PAGADO's receipt, ENTREGADO): no staff call at all.
    assert "Query" not in calls_of(order("ENTREGADO", order_id="o-3", customer_email="cli@example.pe"))
