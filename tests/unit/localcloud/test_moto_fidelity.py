"""The local cloud's fidelity to AWS (moto plus the fixes in localcloud/moto_launcher.py), checked in-process."""

from __future__ import annotations

import json
import re
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import moto_launcher

ROLE = "arn:aws:iam::123456789012:role/sfn"


def _run(definition: dict, monkeypatch: pytest.MonkeyPatch, limit: int | None = None) -> tuple[str, list[dict]]:
    if limit is not None:
        monkeypatch.setattr(moto_launcher, "HISTORY_LIMIT", limit)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
        for _ in range(300):
            status = sfn.describe_execution(executionArn=arn)["status"]
            if status != "RUNNING":
                break
            time.sleep(0.05)
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        return status, events


def test_an_execution_whose_history_passes_the_limit_fails_as_on_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    forever = {"StartAt": "Otra vez", "States": {"Otra vez": {"Type": "Pass", "Next": "Otra vez"}}}
    status, events = _run(forever, monkeypatch, limit=200)
    assert status == "FAILED"
    assert events[-1]["type"] == "ExecutionFailed"
    assert events[-1]["executionFailedEventDetails"]["error"] == "States.Runtime"
    assert len(events) <= 201


def test_state_entered_times_are_written_as_aws_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    echo = {
        "StartAt": "Hora",
        "States": {"Hora": {"Type": "Pass", "Parameters": {"at.$": "$$.State.EnteredTime"}, "End": True}},
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machine = sfn.create_state_machine(name="m", definition=json.dumps(echo), roleArn=ROLE)
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
        for _ in range(100):
            described = sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", json.loads(described["output"])["at"])


def _put(key: str, **extra: dict) -> dict:
    return {"PutRequest": {"Item": {"k": {"S": key}, **extra}}}


def _transact_put(key: str) -> dict:
    return {"Put": {"TableName": "t", "Item": {"k": {"S": key}}}}


# What AWS refuses and the local cloud must refuse too (moto itself, or the launcher's patches), each
# as a call a function could make; a moto upgrade that drops one fails here, not on AWS.
REFUSED = {
    "batch write of 26 requests": (
        "dynamodb",
        lambda c: c.batch_write_item(RequestItems={"t": [_put(f"k{n}") for n in range(26)]}),
    ),
    "batch write repeating a key": (
        "dynamodb",
        lambda c: c.batch_write_item(RequestItems={"t": [_put("a"), _put("a")]}),
    ),
    "transaction of 101 items": (
        "dynamodb",
        lambda c: c.transact_write_items(TransactItems=[_transact_put(f"k{n}") for n in range(101)]),
    ),
    "transaction repeating a key": (
        "dynamodb",
        lambda c: c.transact_write_items(TransactItems=[_transact_put("a"), _transact_put("a")]),
    ),
    "item over 400 KB": (
        "dynamodb",
        lambda c: c.put_item(TableName="t", Item={"k": {"S": "a"}, "v": {"S": "x" * 410_000}}),
    ),
    "SNS message over 256 KB": (
        "sns",
        lambda c: c.publish(TopicArn=c.create_topic(Name="x")["TopicArn"], Message="x" * 262_145),
    ),
    "SQS message over 1 MiB": (
        "sqs",
        lambda c: c.send_message(QueueUrl=c.create_queue(QueueName="q")["QueueUrl"], MessageBody="x" * 1_048_577),
    ),
    "event over 256 KB": (
        "events",
        lambda c: c.put_events(
            Entries=[{"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "x" * 262_144})}]
        ),
    ),
}


@pytest.mark.parametrize("call", REFUSED.values(), ids=REFUSED.keys())
def test_requests_over_aws_limits_are_refused_locally(call) -> None:
    service, request = call
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        with pytest.raises(ClientError) as refused:
            request(boto3.client(service, region_name="us-east-1"))
    assert refused.value.response["Error"]["Code"] in {
        "ValidationException",
        "InvalidParameter",
        "InvalidParameterValue",
    }


def test_requests_at_aws_limits_pass_locally() -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.batch_write_item(RequestItems={"t": [_put(f"b{n}") for n in range(25)]})
        dynamodb.transact_write_items(TransactItems=[_transact_put(f"t{n}") for n in range(100)])
        assert dynamodb.scan(TableName="t", Select="COUNT")["Count"] == 125
