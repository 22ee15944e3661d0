"""The local cloud's fixes to moto (localcloud/moto_launcher.py), checked in-process."""

from __future__ import annotations

import json
import re
import time

import boto3
import pytest
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
