"""Email notifier: real SMTP (the local mailbox server), moto for the secret and the sent ledger."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from queue_events import Context, eventbridge, sqs_batch

from core import contracts
from localcloud.mailbox import Mailbox, start_smtp_server
from notificaciones import runtime

SECRET = "bembos-test/smtp/gmail"
LEDGER = "idempotencia"


def welcome_detail(email: str = "ana@example.pe", name: str = "Ana Quispe") -> dict[str, Any]:
    return {
        "tenant_id": "bembos-miraflores",
        "tenant_name": "Bembos Miraflores",
        "customer_id": "c-1",
        "customer_name": name,
        "email": email,
    }


def invite_detail() -> dict[str, Any]:
    return {
        "tenant_id": "bembos-miraflores",
        "tenant_name": "Bembos Miraflores",
        "employee_id": "e-1",
        "employee_name": "Luis Rojas",
        "email": "luis@example.pe",
        "rol": "cocinero",
        "location_id": "larco",
        "invite_url": "https://staff.bembos.local/invitacion?token=abc&x=1",
        "expires_at": "2026-11-27T23:30:00Z",
    }


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, Any]]:
    box = Mailbox()
    server = start_smtp_server(box, port=0)
    yield box, server
    server.stop()


@pytest.fixture
def notifier(monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, Any]) -> Iterator[Any]:
    _, server = mailbox
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "notificaciones",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(server.port),
        "SMTP_STARTTLS": "false",
        "SMTP_SECRET_NAME": SECRET,
        "MAIL_FROM": "Bembos <notificaciones@bembos.local>",
        "DEDUP_TABLE": LEDGER,
        "ORDERS_TABLE": "pedidos",
        "TENANTS_TABLE": "tenants",
        "EMPLOYEES_TABLE": "empleados",
        "COMPLAINTS_TABLE": "reclamaciones",
        "LOCATIONS_TABLE": "locales",
        "METRICS_TABLE": "metricas",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    from notificaciones import handler

    runtime.reset()
    with mock_aws():
        boto3.client("secretsmanager").create_secret(
            Name=SECRET, SecretString=json.dumps({"username": "notificaciones@bembos.local", "password": "app-pass"})
        )
        boto3.client("dynamodb").create_table(**contracts.TABLES["idempotencia"].create_request(LEDGER))
        yield handler
    runtime.reset()


def test_welcome_email_arrives_with_text_and_html_parts(notifier, mailbox) -> None:
    box, _ = mailbox
    result = notifier.lambda_handler(sqs_batch(eventbridge("CustomerRegistered", welcome_detail())), Context())
    assert result == {"batchItemFailures": []}
    [message] = box.wait_for(to="ana@example.pe", count=1, timeout=10)
    assert message.subject == "¡Bienvenido(a) a Bembos Miraflores!"
    assert "Hola, Ana Quispe" in (message.text or "")
    assert "<strong>Ana Quispe</strong>" in (message.html or "")
    assert 'lang="es-PE"' in (message.html or "")


def test_invitation_email_carries_the_escaped_link_and_lima_expiry(notifier, mailbox) -> None:
    box, _ = mailbox
    result = notifier.lambda_handler(sqs_batch(eventbridge("EmployeeInvited", invite_detail())), Context())
    assert result == {"batchItemFailures": []}
    [message] = box.wait_for(to="luis@example.pe", count=1, timeout=10)
    assert "https://staff.bembos.local/invitacion?token=abc&x=1" in (message.text or "")
    assert 'href="https://staff.bembos.local/invitacion?token=abc&amp;x=1"' in (message.html or "")
    assert "27/11/2026 a las 18:30" in (message.text or "")  # 23:30 UTC is 18:30 in Lima
    assert "cocinero(a)" in (message.text or "")


def test_values_are_html_escaped(notifier, mailbox) -> None:
    box, _ = mailbox
    detail = welcome_detail(name="<script>alert(1)</script>")
    notifier.lambda_handler(sqs_batch(eventbridge("CustomerRegistered", detail)), Context())
    [message] = box.wait_for(to="ana@example.pe", count=1, timeout=10)
    assert "<script>" not in (message.html or "")
    assert "&lt;script&gt;" in (message.html or "")


def test_the_same_event_delivered_twice_sends_once(notifier, mailbox) -> None:
    box, _ = mailbox
    event = eventbridge("CustomerRegistered", welcome_detail(), event_id="evt-1")
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": []}
    assert notifier.lambda_handler(sqs_batch(event, event), Context()) == {"batchItemFailures": []}
    box.wait_for(to="ana@example.pe", count=1, timeout=10)
    assert len(box.messages(to="ana@example.pe")) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once the socket closes


def test_smtp_down_reports_the_record_failed_and_a_retry_sends_it(notifier, mailbox, monkeypatch) -> None:
    box, server = mailbox
    event = eventbridge("CustomerRegistered", welcome_detail(), event_id="evt-retry")
    ok = eventbridge("CustomerRegistered", welcome_detail(email="otro@example.pe"))
    monkeypatch.setenv("SMTP_PORT", str(_closed_port()))
    runtime.reset()
    result = notifier.lambda_handler(sqs_batch(event, ok), Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]}
    assert box.messages() == []

    # The queue redelivers once the server is back: the failed send left no "sent" mark behind.
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    runtime.reset()
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": []}
    assert len(box.wait_for(to="ana@example.pe", count=1, timeout=10)) == 1


def test_one_failed_record_does_not_fail_the_batch(notifier, mailbox) -> None:
    box, _ = mailbox
    broken = eventbridge("CustomerRegistered", {"tenant_id": "bembos-miraflores"})  # detail without its fields
    result = notifier.lambda_handler(sqs_batch(broken, eventbridge("CustomerRegistered", welcome_detail())), Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert len(box.wait_for(to="ana@example.pe", count=1, timeout=10)) == 1


def test_unknown_detail_types_are_acknowledged_without_email(notifier, mailbox) -> None:
    box, _ = mailbox
    result = notifier.lambda_handler(sqs_batch(eventbridge("SomethingElse", {"tenant_id": "x"})), Context())
    assert result == {"batchItemFailures": []}
    assert box.messages() == []


def test_a_body_that_is_not_an_eventbridge_event_fails_the_record(notifier) -> None:
    event = {"Records": [{**sqs_batch(eventbridge("X", {}))["Records"][0], "body": "no es json"}]}
    assert notifier.lambda_handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_an_event_being_sent_elsewhere_is_retried_not_sent_twice(notifier, mailbox) -> None:
    box, _ = mailbox
    runtime.ledger().claim("bembos-miraflores", "evt-busy")  # another delivery holds the lease
    event = eventbridge("CustomerRegistered", welcome_detail(), event_id="evt-busy")
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert box.messages() == []


# -- faults: a refusing server, a crash between the send and its record -------------------------------------


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    """An SMTP server that greets every connection with ``421`` (busy, closing) and hangs up: reachable, refusing."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"421 4.3.2 Service not available, closing transmission channel\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(timeout=2)
    listener.close()


def _ledger(event_id: str) -> dict[str, Any] | None:
    item = boto3.client("dynamodb").get_item(
        TableName=LEDGER,
        Key={"tenant_id": {"S": "bembos-miraflores"}, "idempotency_key": {"S": f"email#{event_id}"}},
        ConsistentRead=True,
    )
    return item.get("Item")


def test_smtp_refusing_fails_the_record_leaves_no_mark_and_the_redeliveries_send_exactly_one(
    notifier, mailbox, refusing_smtp, monkeypatch
) -> None:
    box, server = mailbox
    event = eventbridge("CustomerRegistered", welcome_detail(), event_id="evt-refused")
    monkeypatch.setenv("SMTP_PORT", str(refusing_smtp))
    runtime.reset()

    # The server refuses: the record fails, nothing is sent and nothing is recorded, not even a claim.
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert box.messages() == [] and _ledger("evt-refused") is None

    # Back to a working server: the redelivery sends it and records it sent; a later duplicate sends nothing.
    monkeypatch.setenv("SMTP_PORT", str(server.port))
    runtime.reset()
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": []}
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": []}
    assert len(box.messages(to="ana@example.pe")) == 1
    assert (_ledger("evt-refused") or {})["status"] == {"S": "sent"}


class Crash(BaseException):
    """The function dies (a timeout, out of memory): nothing of it catches this."""


def test_a_crash_between_the_send_and_its_record_is_not_resent_during_the_lease_and_is_resent_after_it(
    notifier, mailbox
) -> None:
    # At least once, by design: SMTP cannot say whether a message went out, so a send whose record was never
    # written is sent again once its claim's lease (45 s) is over, rather than risk losing it.
    box, _ = mailbox
    event = eventbridge("CustomerRegistered", welcome_detail(), event_id="evt-crash")

    def crash_on_confirm(model: Any, **_: Any) -> None:
        if model.name == "UpdateItem":
            raise Crash

    runtime.ledger()
    client = runtime.cached.client("dynamodb")  # the ledger's client
    client.meta.events.register("before-call.dynamodb.UpdateItem", crash_on_confirm)
    with pytest.raises(Crash):
        notifier.lambda_handler(sqs_batch(event), Context())
    client.meta.events.unregister("before-call.dynamodb.UpdateItem", crash_on_confirm)
    assert len(box.messages(to="ana@example.pe")) == 1
    assert (_ledger("evt-crash") or {})["status"] == {"S": "sending"}

    # A redelivery while the claim's lease runs (a concurrent duplicate delivery) fails and sends nothing,
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert len(box.messages(to="ana@example.pe")) == 1

    # and once the lease is over (the queue's redelivery after a crash comes later: its visibility timeout is
    # longer), the email is sent again and recorded: never lost, at worst twice.
    boto3.client("dynamodb").update_item(
        TableName=LEDGER,
        Key={"tenant_id": {"S": "bembos-miraflores"}, "idempotency_key": {"S": "email#evt-crash"}},
        UpdateExpression="SET lease_until = :past",
        ExpressionAttributeValues={":past": {"N": "0"}},
    )
    assert notifier.lambda_handler(sqs_batch(event), Context()) == {"batchItemFailures": []}
    assert len(box.messages(to="ana@example.pe")) == 2
    assert (_ledger("evt-crash") or {})["status"] == {"S": "sent"}


@dataclass
class SilentServer:
    port: int
    taken: list[socket.socket]  # the connections it accepted


@pytest.fixture
def silent_smtp() -> Iterator[SilentServer]:
    """An SMTP server that accepts connections and never says a word: a server hanging."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    server = SilentServer(int(listener.getsockname()[1]), [])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                server.taken.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(timeout=2)
    for connection in server.taken:
        connection.close()
    listener.close()


def test_smtp_hanging_fails_the_whole_batch_after_one_timeout_not_one_per_email(notifier, silent_smtp, monkeypatch):
    # A batch of ten waiting the SMTP timeout (10 s) each would outlive the function (30 s): it would time out
    # and report nothing. Once the server did not answer, the batch's other emails fail at once, for a retry later.
    monkeypatch.setenv("SMTP_PORT", str(silent_smtp.port))
    monkeypatch.setenv("SMTP_TIMEOUT_SECONDS", "0.2")
    runtime.reset()
    events = [eventbridge("CustomerRegistered", welcome_detail(email=f"c{i}@example.pe")) for i in range(4)]

    result = notifier.lambda_handler(sqs_batch(*events), Context())

    assert result == {"batchItemFailures": [{"itemIdentifier": f"msg-{i}"} for i in range(4)]}
    assert len(silent_smtp.taken) == 1  # one connection waited for; the other emails did not wait again
    assert boto3.client("dynamodb").scan(TableName=LEDGER)["Count"] == 0  # every claim released
