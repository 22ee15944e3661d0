"""What ``make deploy`` checks before ``cdk deploy``: it refuses, saying why, rather than deploy a stage that
cannot work.

``python -m scripts.predeploy --stage prod``

- AWS credentials answer (``sts:GetCallerIdentity``), and name the account ``CDK_DEFAULT_ACCOUNT`` names if set;
- every secret the stage reads exists and holds its keys: ``<prefix>/smtp/gmail`` (``username``, ``password``:
  a Gmail app password) and each tenant's ``mercadopago_secret_name`` (``access_token``, ``public_key``,
  ``webhook_secret``), taken from the ``Tenant(...)`` instances of ``app.py``;
- a production-like stage (staging, prod) has somewhere to send alarms (``alarm_email`` in ``cdk.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import Any

SMTP_KEYS = ("username", "password")
MERCADOPAGO_KEYS = ("access_token", "public_key", "webhook_secret")


def required_secrets(stage: str) -> tuple[dict[str, tuple[str, ...]], Any]:
    """The secrets the stage's functions read, with their keys, and the stage's settings (from ``app.py``)."""
    import aws_cdk as cdk

    import app as entry
    from stacks.notification_services import SMTP_SECRET

    with tempfile.TemporaryDirectory() as outdir:
        cdk_app = cdk.App(context={**entry.cdk_json_context(), "stage": stage}, outdir=outdir)
        platform = entry.build(cdk_app)
    secrets: dict[str, tuple[str, ...]] = {platform.stage.secret_name(SMTP_SECRET): SMTP_KEYS}
    for tenant in platform.tenants.registry.tenants:  # app.py's Tenant(...) and the stage's tenants file
        secrets[str(tenant.config["mercadopago_secret_name"])] = MERCADOPAGO_KEYS
    return secrets, platform.stage


def secret_problems(client: Any, required: dict[str, tuple[str, ...]]) -> list[str]:
    """What is wrong with the secrets, one sentence each (nothing when all exist with their keys)."""
    problems = []
    for name, keys in sorted(required.items()):
        try:
            raw = client.get_secret_value(SecretId=name)["SecretString"]
        except client.exceptions.ResourceNotFoundException:
            problems.append(f"secret {name} does not exist: create it with the keys {', '.join(keys)}")
            continue
        try:
            values = json.loads(raw)
        except ValueError:
            problems.append(f"secret {name} is not JSON: it must be an object with {', '.join(keys)}")
            continue
        missing = [key for key in keys if not (isinstance(values, dict) and values.get(key))]
        if missing:
            problems.append(f"secret {name} lacks {', '.join(missing)}")
    return problems


def settings_problems(stage: Any) -> list[str]:
    """What is missing from the stage's settings in ``cdk.json`` for a deploy (``stage``: a ``StageConfig``)."""
    if stage.production_like and not stage.alarm_email:
        return [f"stages.{stage.name}.alarm_email is empty in cdk.json: alarms would reach nobody"]
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    problems: list[str] = []
    try:
        identity = boto3.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        sys.exit(f"make deploy: no usable AWS credentials ({exc}); configure them and CDK_DEFAULT_REGION first")
    expected = os.environ.get("CDK_DEFAULT_ACCOUNT")
    if expected and identity["Account"] != expected:
        problems.append(f"the credentials are for account {identity['Account']}, CDK_DEFAULT_ACCOUNT says {expected}")
    required, stage = required_secrets(args.stage)
    problems += secret_problems(boto3.client("secretsmanager"), required)
    problems += settings_problems(stage)
    if problems:
        sys.exit("make deploy refused:\n  - " + "\n  - ".join(problems))
    print(f"make deploy: account {identity['Account']} ready for {args.stage} ({len(required)} secrets checked)")


if __name__ == "__main__":
    main()
