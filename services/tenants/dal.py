"""Every AWS call of the tenants' provisioner: the asset in S3, the three tenant tables, the platform's bus.

One tenant's first rows are one ``TransactWriteItems`` (all or nothing), conditional on the tenant's config row
not existing: that condition is what decides the tenant is new, and so that its first admin is invited. A
later change of settings writes the config row only (locations and staff belong to the tenant's admins from
the first deploy on). Nothing here deletes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.dynamo import from_item, to_item
from core.observability import logger
from tenants.models import INVITATION_ATTRIBUTE, INVITATION_PENDING, INVITATION_REQUESTED, TenantsAsset, TenantSpec

MAX_EVENTS_PER_CALL = 10  # EventBridge's PutEvents limit
EVENT_ATTEMPTS = 3


class ProvisioningFailed(Exception):
    """An AWS call of the provisioner failed (the custom resource reports FAILED with this reason)."""


class TenantsDal:
    def __init__(
        self,
        *,
        dynamodb: Any,
        s3: Any,
        events: Any,
        tenants_table: str,
        locations_table: str,
        employees_table: str,
        event_bus_name: str,
    ) -> None:
        self._dynamodb, self._s3, self._events = dynamodb, s3, events
        self._tenants, self._locations, self._employees = tenants_table, locations_table, employees_table
        self._bus = event_bus_name

    # -- the asset ---------------------------------------------------------------------------------------
    def read_asset(self, bucket: str, key: str) -> TenantsAsset | None:
        """The tenants asset at ``s3://bucket/key``; None when it is gone."""
        try:
            body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"NoSuchKey", "404"}:
                return None
            raise ProvisioningFailed(f"cannot read the tenants asset s3://{bucket}/{key}: {exc}") from exc
        return TenantsAsset.model_validate_json(body)

    # -- tenants -----------------------------------------------------------------------------------------
    def create(self, spec: TenantSpec) -> bool:
        """The tenant's config (invitation pending), locations, first admin and its email lock, in one transaction;
        False (nothing written) when the tenant's config row already exists."""
        config = {**spec.config, INVITATION_ATTRIBUTE: INVITATION_PENDING}
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._tenants,
                    "Item": to_item(config),
                    "ConditionExpression": "attribute_not_exists(tenant_id)",
                }
            },
            *({"Put": {"TableName": self._locations, "Item": to_item(row)}} for row in spec.locations),
            {"Put": {"TableName": self._employees, "Item": to_item(spec.admin)}},
            {"Put": {"TableName": self._employees, "Item": to_item(spec.admin_email_lock)}},
        ]
        try:
            self._dynamodb.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if _condition_failed_first(exc):
                return False
            raise ProvisioningFailed(f"tenant {spec.tenant_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise ProvisioningFailed(f"tenant {spec.tenant_id}: {exc}") from exc
        return True

    def config(self, tenant_id: str) -> dict[str, Any] | None:
        """The tenant's config row as stored (strongly consistent), None when there is none."""
        try:
            item = self._dynamodb.get_item(
                TableName=self._tenants, Key={"tenant_id": {"S": tenant_id}}, ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise ProvisioningFailed(f"tenant {tenant_id}: {exc}") from exc
        return from_item(item) if item else None

    def put_config(self, config: Mapping[str, Any]) -> None:
        """Replace the tenant's config row (the caller keeps the row's bookkeeping in ``config``)."""
        try:
            self._dynamodb.put_item(TableName=self._tenants, Item=to_item(config))
        except (ClientError, BotoCoreError) as exc:
            raise ProvisioningFailed(f"tenant {config.get('tenant_id')}: {exc}") from exc

    def suspend(self, tenant_id: str) -> bool:
        """``status: suspended`` on an existing, not yet suspended tenant; False when there was nothing to do."""
        try:
            self._dynamodb.update_item(
                TableName=self._tenants,
                Key={"tenant_id": {"S": tenant_id}},
                UpdateExpression="SET #s = :suspended",
                ConditionExpression="attribute_exists(tenant_id) AND #s <> :suspended",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":suspended": {"S": "suspended"}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise ProvisioningFailed(f"tenant {tenant_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise ProvisioningFailed(f"tenant {tenant_id}: {exc}") from exc
        return True

    def invitation_requested(self, tenant_id: str) -> None:
        """The first admin's invitation went out: the config row says so (a retry does not send another)."""
        try:
            self._dynamodb.update_item(
                TableName=self._tenants,
                Key={"tenant_id": {"S": tenant_id}},
                UpdateExpression="SET #i = :requested",
                ConditionExpression="#i = :pending",
                ExpressionAttributeNames={"#i": INVITATION_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":pending": {"S": INVITATION_PENDING},
                    ":requested": {"S": INVITATION_REQUESTED},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise ProvisioningFailed(f"tenant {tenant_id}: {exc}") from exc
        except BotoCoreError as exc:
            raise ProvisioningFailed(f"tenant {tenant_id}: {exc}") from exc

    # -- events ------------------------------------------------------------------------------------------
    def publish(self, events: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
        """``(source, detail type, detail)`` events on the platform's bus, ten per ``PutEvents``; the entries a call
        rejects are sent again (``EVENT_ATTEMPTS`` times), then it raises."""
        for start in range(0, len(events), MAX_EVENTS_PER_CALL):
            entries = [
                {"EventBusName": self._bus, "Source": source, "DetailType": kind, "Detail": json.dumps(detail)}
                for source, kind, detail in events[start : start + MAX_EVENTS_PER_CALL]
            ]
            self._put_entries(entries)

    def _put_entries(self, entries: list[dict[str, Any]]) -> None:
        for _ in range(EVENT_ATTEMPTS):
            try:
                response = self._events.put_events(Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise ProvisioningFailed(f"EventBridge refused the tenants' events: {exc}") from exc
            if not response.get("FailedEntryCount"):
                return
            entries = list(_failed(entries, response["Entries"]))
            logger.warning("EventBridge rejected some tenants' events", extra={"rejected": len(entries)})
        raise ProvisioningFailed(f"EventBridge rejected {len(entries)} tenants' events {EVENT_ATTEMPTS} times")


def _failed(entries: Iterable[dict[str, Any]], results: Iterable[Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    return (entry for entry, result in zip(entries, results, strict=True) if result.get("ErrorCode"))


def _condition_failed_first(exc: ClientError) -> bool:
    """A cancelled transaction whose first item (the config row) failed its condition."""
    if exc.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return bool(reasons[0].get("Code") == "ConditionalCheckFailed")
    # moto (and older SDKs) may put the reasons in the message only: "[ConditionalCheckFailed, None, ...]".
    message = exc.response["Error"].get("Message", "")
    return "[ConditionalCheckFailed" in message
