"""The daily summary's scheduler (moto): the schedule's event asks for each active tenant's summary of the previous
Lima day, a page of tenants per message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from queue_events import Context, sqs_batch

from core import contracts
from notificaciones import runtime, summaries

BUS = "bembos-test-eventos"


def scheduled(time: str) -> dict[str, Any]:
    """What the schedule's SQS target delivers."""
    return {"version": "0", "id": "s-1", "detail-type": "Scheduled Event", "source": "aws.events", "time": time,
            "region": "us-east-1", "resources": [], "detail": {}}  # fmt: skip


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "resumen-diario",
        "TENANTS_TABLE": "tenants", "EVENT_BUS_NAME": BUS,
    }.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    runtime.reset()
    with mock_aws():
        db, sqs, events = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("events")
        db.create_table(**contracts.TABLES["tenants"].create_request("tenants"))
        own = sqs.create_queue(QueueName="resumen-diario")["QueueUrl"]
        monkeypatch.setenv("SUMMARY_QUEUE_URL", own)
        captured = sqs.create_queue(QueueName="captured")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=captured, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.create_event_bus(Name=BUS)
        events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
        events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}])

        class Cloud:
            @staticmethod
            def drain(url: str) -> list[str]:
                bodies = []
                while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                    for m in messages:
                        bodies.append(m["Body"])
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                return bodies

        cloud = Cloud()
        cloud.db, cloud.own, cloud.captured = db, own, captured  # type: ignore[attr-defined]
        yield cloud
    runtime.reset()


@pytest.mark.parametrize(
    ("fired", "day"),
    [("2026-11-28T12:00:00Z", date(2026, 11, 27)), ("2026-11-29T04:59:00Z", date(2026, 11, 27)),
     ("2026-11-29T05:00:00Z", date(2026, 11, 28)), ("2026-01-01T12:00:00Z", date(2025, 12, 31))],
)  # fmt: skip
def test_the_summary_is_of_the_lima_day_before_the_one_the_schedule_fired_in(fired: str, day: date) -> None:
    assert summaries.previous_lima_day(datetime.fromisoformat(fired).astimezone(UTC)) == day


def test_each_active_tenant_is_asked_for_once_a_page_per_message(cloud: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from notificaciones import scheduler

    monkeypatch.setattr(summaries, "PAGE_SIZE", 2)
    tenants = [f"tenant-{i}" for i in range(5)]
    for tenant_id in tenants:
        status = "suspended" if tenant_id == "tenant-3" else "active"
        cloud.db.put_item(TableName="tenants", Item={"tenant_id": {"S": tenant_id}, "status": {"S": status}})

    messages = [json.dumps(scheduled("2026-11-28T12:00:00Z"))]
    handled = 0
    while messages:  # the schedule's message, then each next page's
        assert scheduler.lambda_handler(sqs_batch(*messages), Context()) == {"batchItemFailures": []}
        handled += len(messages)
        messages = cloud.drain(cloud.own)

    requests = [json.loads(body) for body in cloud.drain(cloud.captured)]
    assert handled == 3  # five tenants, two a page
    assert {r["source"] for r in requests} == {contracts.EVENT_SOURCE_NOTIFICATIONS}
    assert {r["detail-type"] for r in requests} == {contracts.DAILY_SUMMARY_REQUESTED}
    assert sorted(r["detail"]["tenant_id"] for r in requests) == ["tenant-0", "tenant-1", "tenant-2", "tenant-4"]
    assert {r["detail"]["day"] for r in requests} == {"2026-11-27"}


def test_a_message_that_is_not_a_schedules_fails_its_record(cloud: Any) -> None:
    from notificaciones import scheduler

    result = scheduler.lambda_handler(sqs_batch(json.dumps({"time": "yesterday"})), Context())

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}
    assert cloud.drain(cloud.captured) == []
