"""Issue 3 with the notifier: a bus event reaches its rule's queue and consumer; a failing send ends in the DLQ."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from e2e_support import eventually

from localcloud.mailbox import BOUNCING_DOMAIN

pytestmark = pytest.mark.e2e

BUS = "bembos-dev-eventos"
TENANT = "bembos-miraflores"


def _queue_url(name: str) -> str:
    return boto3.client("sqs").get_queue_url(QueueName=f"bembos-dev-{name}")["QueueUrl"]


def _customer_registered(email: str, customer_id: str) -> dict:
    return {
        "EventBusName": BUS,
        "Source": "bembos.identity",
        "DetailType": "CustomerRegistered",
        "Detail": json.dumps(
            {
                "tenant_id": TENANT,
                "tenant_name": "Bembos Miraflores",
                "customer_id": customer_id,
                "customer_name": "Prueba Bus",
                "email": email,
            }
        ),
    }


def test_an_event_on_the_bus_reaches_the_email_queue_and_its_consumer_sends_the_mail(cloud) -> None:
    # Given a CustomerRegistered event for a new address
    email = f"bus-{uuid.uuid4().hex[:10]}@demo.pe"
    # When it is put on the platform's bus
    response = boto3.client("events").put_events(Entries=[_customer_registered(email, uuid.uuid4().hex)])
    assert response["FailedEntryCount"] == 0
    # Then the rule delivers it to the email queue, whose consumer sends the welcome mail
    [mail] = cloud.mailbox.wait_for(to=email, count=1, timeout=30)
    assert "Bienvenido" in mail.subject
    assert "Prueba Bus" in (mail.text or "") and "Prueba Bus" in (mail.html or "")


def test_a_send_that_keeps_failing_is_redriven_to_the_email_dlq(cloud) -> None:
    sqs = boto3.client("sqs")
    queue, dlq = _queue_url("notificaciones-email"), _queue_url("notificaciones-email-dlq")
    original = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout", "RedrivePolicy"])[
        "Attributes"
    ]
    redrive = json.loads(original["RedrivePolicy"])
    customer_id = uuid.uuid4().hex
    try:
        # Given the email queue retries quickly (2 s visibility, two receives before the DLQ)
        sqs.set_queue_attributes(
            QueueUrl=queue,
            Attributes={"VisibilityTimeout": "2", "RedrivePolicy": json.dumps({**redrive, "maxReceiveCount": 2})},
        )
        # A ReceiveMessage takes the queue's visibility timeout when it starts: let the consumer's long poll
        # that may have started before the change (it waits up to wait_seconds) end first.
        time.sleep(cloud.poller.wait_seconds + 1)
        # When a welcome email goes to an address the SMTP server refuses (550)
        email = f"nadie-{customer_id[:8]}@{BOUNCING_DOMAIN}"
        boto3.client("events").put_events(Entries=[_customer_registered(email, customer_id)])

        # Then the event ends in the DLQ, untouched, instead of being dropped
        def in_dlq() -> dict | None:
            messages = sqs.receive_message(
                QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=1
            ).get("Messages", [])
            return next((m for m in messages if customer_id in m["Body"]), None)

        message = eventually(in_dlq, timeout=60)
        event = json.loads(message["Body"])
        assert (event["source"], event["detail-type"]) == ("bembos.identity", "CustomerRegistered")
        assert event["detail"]["email"] == email
        sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
        # and nothing reached the mailbox
        assert cloud.mailbox.messages(to=email) == []
    finally:
        sqs.set_queue_attributes(
            QueueUrl=queue,
            Attributes={"VisibilityTimeout": original["VisibilityTimeout"], "RedrivePolicy": original["RedrivePolicy"]},
        )
