"""``make deploy`` refuses a stage whose secrets are missing or incomplete, or a production-like stage that
would send its alarms nowhere, and says which."""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from scripts.predeploy import MERCADOPAGO_KEYS, SMTP_KEYS, secret_problems, settings_problems

REQUIRED = {"bembos-prod/smtp/gmail": SMTP_KEYS, "bembos-prod/mercadopago/bembos-a": MERCADOPAGO_KEYS}


def test_missing_and_incomplete_secrets_are_named_with_the_keys_they_need() -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name="bembos-prod/smtp/gmail", SecretString=json.dumps({"username": "x@gmail.com"}))

        problems = secret_problems(client, REQUIRED)

    assert problems == [
        "secret bembos-prod/mercadopago/bembos-a does not exist: create it with the keys "
        "access_token, public_key, webhook_secret",
        "secret bembos-prod/smtp/gmail lacks password",
    ]


def test_complete_secrets_pass() -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        for name, keys in REQUIRED.items():
            client.create_secret(Name=name, SecretString=json.dumps(dict.fromkeys(keys, "value")))

        assert secret_problems(client, REQUIRED) == []


@pytest.mark.parametrize(
    ("stage", "production_like", "alarm_email", "refused"),
    [
        ("staging", True, "", True),
        ("prod", True, "", True),
        ("prod", True, "alertas@bembos.com.pe", False),
        ("dev", False, "", False),
    ],
)
def test_a_production_like_stage_needs_an_alarm_email(stage, production_like, alarm_email, refused) -> None:
    config = SimpleNamespace(name=stage, production_like=production_like, alarm_email=alarm_email)

    problems = settings_problems(config)

    assert problems == (
        [f"stages.{stage}.alarm_email is empty in cdk.json: alarms would reach nobody"] if refused else []
    )
