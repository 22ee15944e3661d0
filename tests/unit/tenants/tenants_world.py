"""Moto (in-process) tables, the assets bucket and a captured bus for the tenants' provisioner; tenants built by the
real ``Tenant`` construct, so the asset is what ``app.py`` writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from constructs.tenant import Location, Tenant
from moto import mock_aws

from core import contracts
from tenants.dal import TenantsDal

REGION = "us-east-1"
BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
BUS = "bembos-test-eventos"
TABLES = {"tenants": "bembos-test-tenants", "empleados": "bembos-test-empleados", "locales": "bembos-test-locales"}


class FakeRegistry:
    """What a ``Tenant`` needs of its scope (``TenantRegistry.register``), without jsii."""

    def __init__(self) -> None:
        self.tenants: list[Tenant] = []

    def register(self, tenant: Tenant) -> None:
        self.tenants.append(tenant)


def tenant(tenant_id: str, *, name: str | None = None, **settings: Any) -> dict[str, Any]:
    """One tenant's asset entry, as the construct writes it."""
    registry = FakeRegistry()
    built = Tenant(
        registry,  # type: ignore[arg-type]
        f"T-{tenant_id}",
        tenant_id=tenant_id,
        name=name or tenant_id.title(),
        admin_email=f"admin@{tenant_id}.pe",
        mercadopago_secret_name=f"bembos-test/mercadopago/{tenant_id}",
        locations=[Location("centro", "Centro", "Av. Uno 1", "Lima", -12.05, -77.04, "+51 1 0000000")],
        **settings,
    )
    return built.asset_entry()


def asset_body(*tenants: dict[str, Any]) -> bytes:
    document = {"format": 1, "tenants": sorted(tenants, key=lambda t: t["tenant_id"])}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class World:
    dynamodb: Any
    s3: Any
    events: Any
    sqs: Any
    queue_url: str
    store: TenantsDal
    put_events_calls: list[int] = field(default_factory=list)
    _seen: list[dict[str, Any]] = field(default_factory=list)

    def upload(self, *tenants: dict[str, Any]) -> dict[str, str]:
        """The asset of ``tenants`` in the bucket; the custom resource's properties naming it."""
        body = asset_body(*tenants)
        key = f"{abs(hash(body))}.json"
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        return {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p", "AssetBucket": BUCKET,
                "AssetKey": key}  # fmt: skip

    def config(self, tenant_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(TableName=TABLES["tenants"], Key={"tenant_id": {"S": tenant_id}}).get("Item")
        return {k: next(iter(v.values())) for k, v in item.items()} if item else None

    def count(self, table: str, tenant_id: str) -> int:
        return int(
            self.dynamodb.query(
                TableName=TABLES[table],
                KeyConditionExpression="tenant_id = :t",
                ExpressionAttributeValues={":t": {"S": tenant_id}},
                Select="COUNT",
            )["Count"]
        )

    def events_of(self, detail_type: str) -> list[dict[str, Any]]:
        """The details of the events of ``detail_type`` put on the bus since the last call that asked for them."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                self._seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        found = [e for e in self._seen if e["detail-type"] == detail_type]
        self._seen = [e for e in self._seen if e["detail-type"] != detail_type]
        return [e["detail"] for e in found]


def create_event(properties: dict[str, str]) -> dict[str, Any]:
    return {"RequestType": "Create", "ResourceProperties": properties, **_ids()}


def update_event(old: dict[str, str], new: dict[str, str]) -> dict[str, Any]:
    return {"RequestType": "Update", "ResourceProperties": new, "OldResourceProperties": old,
            "PhysicalResourceId": "tenants", **_ids()}  # fmt: skip


def _ids() -> dict[str, str]:
    return {
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/bembos-test-tenants/x",
        "RequestId": "r-1",
        "LogicalResourceId": "TenantsApply",
        "ResponseURL": "https://example.invalid/r",
    }


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for key, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_TRACE_DISABLED": "true"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for short, name in TABLES.items():
            dynamodb.create_table(**contracts.TABLES[short].create_request(name))
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name=BUS)
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="bus-capture")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"account": ["123456789012"]}))
        events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
        calls: list[int] = []

        def count_calls(params: dict[str, Any], **_: Any) -> None:
            calls.append(len(params["Entries"]))

        events.meta.events.register("provide-client-params.events.PutEvents", count_calls)
        store = TenantsDal(
            dynamodb=dynamodb,
            s3=s3,
            events=events,
            tenants_table=TABLES["tenants"],
            locations_table=TABLES["locales"],
            employees_table=TABLES["empleados"],
            event_bus_name=BUS,
        )
        yield World(dynamodb, s3, events, sqs, queue_url, store, calls)
