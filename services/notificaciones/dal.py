"""The notifier's AWS calls: the SMTP secret (Secrets Manager) and the sent-email ledger (DynamoDB)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from notificaciones.mailer import SmtpCredentials

Claim = Literal["claimed", "already_sent", "in_flight"]


class DependencyError(Exception):
    """An AWS call failed; the record is retried through the queue."""


class SecretCredentials:
    """SMTP login from a Secrets Manager secret ``{"username", "password"}``, cached in the warm container."""

    def __init__(self, client: Any, secret_name: str) -> None:
        self._client = client
        self._secret_name = secret_name
        self._cached: SmtpCredentials | None = None

    def __call__(self) -> SmtpCredentials | None:
        if not self._secret_name:
            return None  # a server that needs no login (the local cloud may run this way)
        if self._cached is None:
            try:
                raw = self._client.get_secret_value(SecretId=self._secret_name)["SecretString"]
                values = json.loads(raw)
                self._cached = SmtpCredentials(username=values["username"], password=values["password"])
            except (ClientError, BotoCoreError, KeyError, ValueError) as exc:
                raise DependencyError(f"Could not read the SMTP secret {self._secret_name}") from exc
        return self._cached

    def forget(self) -> None:
        self._cached = None


@dataclass(frozen=True)
class LedgerConfig:
    table: str
    lease_seconds: int = 45  # longer than the function timeout, shorter than the queue's visibility timeout
    keep_days: int = 7  # longer than the queue's retention of a message (4 days)


class SentLedger:
    """Which events already produced their email: ``tenant_id`` / ``idempotency_key = email#<event id>``.

    ``claim`` is a conditional put (status ``sending`` with a short lease); ``confirm`` marks it
    ``sent``; ``release`` deletes it after a failed send so the redelivery sends again. An expired
    lease (a crash between send and confirm) may be claimed again: at-least-once, never lost.
    """

    def __init__(self, client: Any, config: LedgerConfig, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._config = config
        self._clock = clock

    def _key(self, tenant_id: str, event_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "idempotency_key": {"S": f"email#{event_id}"}}

    def claim(self, tenant_id: str, event_id: str) -> Claim:
        now = int(self._clock())
        item = {
            **self._key(tenant_id, event_id),
            "status": {"S": "sending"},
            "lease_until": {"N": str(now + self._config.lease_seconds)},
            "expires_at": {"N": str(now + self._config.keep_days * 86400)},
        }
        try:
            self._client.put_item(
                TableName=self._config.table,
                Item=item,
                ConditionExpression="attribute_not_exists(tenant_id) OR (#s = :sending AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sending": {"S": "sending"}, ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise DependencyError("Could not claim the email in the ledger") from exc
            old = exc.response.get("Item") or {}
            return "already_sent" if old.get("status", {}).get("S") == "sent" else "in_flight"
        except BotoCoreError as exc:
            raise DependencyError("Could not claim the email in the ledger") from exc
        return "claimed"

    def confirm(self, tenant_id: str, event_id: str) -> None:
        try:
            self._client.update_item(
                TableName=self._config.table,
                Key=self._key(tenant_id, event_id),
                UpdateExpression="SET #s = :sent REMOVE lease_until",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":sent": {"S": "sent"}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError("Could not record the sent email") from exc

    def release(self, tenant_id: str, event_id: str) -> None:
        try:
            self._client.delete_item(TableName=self._config.table, Key=self._key(tenant_id, event_id))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError("Could not release the email claim (its lease expires on its own)") from exc
