"""The complaint e-mails: the events the service publishes, through the e-mail notifier (real SMTP: the local
mailbox server), read the entry and send the consumer a dated copy, then the answer; each once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from complaints_world import World, complaint_body, customer, staff
from queue_events import Context, eventbridge, sqs_batch

from core import contracts
from localcloud.mailbox import Mailbox, start_smtp_server

ANA = "c-ana@bembos-miraflores.pe"


@pytest.fixture
def notify(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, Any]]:
    """(the mailbox, deliver(): the events the service published so far, as one SQS batch to the notifier)."""
    box = Mailbox()
    server = start_smtp_server(box, port=0)
    for key, value in {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(server.port), "SMTP_STARTTLS": "false", "SMTP_SECRET_NAME": "",
        "MAIL_FROM": "Bembos <notificaciones@bembos.local>", "DEDUP_TABLE": "t-idempotencia",
        "EMPLOYEES_TABLE": "t-empleados", "METRICS_TABLE": "t-metricas", "POWERTOOLS_SERVICE_NAME": "notificaciones",
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    from notificaciones import handler, runtime

    runtime.reset()
    for name in ("idempotencia", "empleados"):  # the ledger; the admins, who hear of each new entry
        boto3.client("dynamodb").create_table(**contracts.TABLES[name].create_request(f"t-{name}"))

    def deliver() -> dict[str, Any]:
        bodies = [eventbridge(kind, detail, source=contracts.EVENT_SOURCE_COMPLAINTS) for kind, detail in world.events]
        world.events.clear()
        return handler.lambda_handler(sqs_batch(*bodies), Context())

    yield box, deliver
    server.stop()
    runtime.reset()


def test_the_consumer_gets_a_dated_copy_at_once_and_the_answer_later_each_once(
    world: World, notify: tuple[Mailbox, Any]
) -> None:
    box, deliver = notify
    key = {"Idempotency-Key": "reclamo-mail-1"}
    body = complaint_body(detalle="Llegó frío <b>y</b> tarde.")
    world.call("POST", "/reclamaciones", customer(), body, headers=key)
    world.call("POST", "/reclamaciones", customer(), body, headers=key)  # a retry publishes again

    assert deliver() == {"batchItemFailures": []}
    [copy] = box.wait_for(to=ANA, count=1, timeout=10)
    assert copy.subject == "Copia de tu reclamo LR-2026-000001 · bembos-miraflores"
    text = (copy.text or "").replace("\r\n", "\n")
    assert "Fecha de registro:      27/11/2026 a las 10:30 (hora de Lima)" in text
    assert "Te responderemos a más tardar el 18/12/2026 a las 10:30" in text
    assert "DNI 45678912" in text and "Devolución del importe del combo" in text and "S/ 25.90" in text
    assert "Llegó frío &lt;b&gt;y&lt;/b&gt; tarde." in (copy.html or "")

    world.call("POST", "/reclamaciones/1/respuesta", staff(), {"respuesta": "Le devolvemos el importe hoy mismo."})
    assert deliver() == {"batchItemFailures": []}
    messages = box.wait_for(to=ANA, count=2, timeout=10)
    answer = messages[-1]
    assert answer.subject == "Respuesta a tu reclamo LR-2026-000001 · bembos-miraflores"
    lines = (answer.text or "").replace("\r\n", "\n")
    assert "Respuesta (27/11/2026 a las 10:30, hora de Lima):\nLe devolvemos el importe hoy mismo." in lines
    assert len(box.messages(to=ANA)) == 2


def test_the_bus_carries_no_consumer_data(world: World) -> None:
    world.file()

    [(kind, detail)] = world.events
    assert kind == "ComplaintFiled"
    assert set(detail) == {"tenant_id", "numero", "customer_id", "tipo", "location_id", "estado", "filed_at",
                           "due_at", "answered_at"}  # fmt: skip
    assert "45678912" not in json.dumps(detail) and "@" not in json.dumps(detail)


class Directory:
    """The entry and the tenant's name, as ComplaintMailDirectory reads them, in memory."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self._entry = entry

    def entry(self, tenant_id: str, numero: int) -> dict[str, Any]:
        return self._entry

    def tenant_name(self, tenant_id: str) -> str:
        return "Bembos Miraflores"


def test_the_html_parts_keep_the_consumers_and_the_admins_line_breaks_escaped() -> None:
    from notificaciones.complaint_mails import complaint_answered, complaint_filed

    detalle, pedido = "Pedí a las 8.\r\nLlegó a las 9 <frío>.\n\nY sin papas.", "1) Reembolso\n2) Disculpas"
    entry = {
        **complaint_body(detalle=detalle, pedido_consumidor=pedido),
        "codigo": "LR-2026-000001", "filed_at": "2026-11-27T15:30:00+00:00", "due_at": "2026-12-18T15:30:00+00:00",
        "consumidor": {**complaint_body()["consumidor"], "email": ANA},
        "respuesta": "Lamentamos lo ocurrido.\nLe devolvemos el importe.", "answered_at": "2026-11-28T15:00:00+00:00",
    }  # fmt: skip
    detail = {"tenant_id": "bembos-miraflores", "numero": 1}
    mails: Any = Directory(entry)

    copy, answer = complaint_filed(detail, mails=mails), complaint_answered(detail, mails=mails)

    assert copy is not None and answer is not None
    assert "Pedí a las 8.<br>\nLlegó a las 9 &lt;frío&gt;.<br>\n<br>\nY sin papas." in (copy.html or "")
    assert "1) Reembolso<br>\n2) Disculpas" in (copy.html or "")
    assert "Lamentamos lo ocurrido.<br>\nLe devolvemos el importe." in (answer.html or "")
    assert detalle in copy.text  # the plain part as written
