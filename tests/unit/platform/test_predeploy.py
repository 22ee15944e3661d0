"""``make deploy`` refuses a stage whose secrets are missing or incomplete, and says which."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from scripts.predeploy import MERCADOPAGO_KEYS, SMTP_KEYS, secret_problems

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
