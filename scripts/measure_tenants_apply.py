"""How long the tenants' provisioner takes to apply N new tenants, against moto in-process.

    python -m scripts.measure_tenants_apply 1000

Builds N tenants with the real ``Tenant`` (one location each), writes the asset, and runs the provisioner's
Create (``tenants.logic.on_event``) with its real DAL on moto's in-process backend: N transactions, N/10
``PutEvents`` and N invitation updates. One worker: moto's in-process backend is not thread-safe. Prints wall
and CPU time (process time) and the rate, and then a no-change Update (which reads two assets and writes nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "services"))


class _Registry:
    def __init__(self) -> None:
        self.tenants: list[Any] = []

    def register(self, tenant: Any) -> None:
        self.tenants.append(tenant)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=1000)
    args = parser.parse_args(argv)
    os.environ.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_LOG_LEVEL": "WARNING"})  # fmt: skip
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from constructs.tenant import Tenant
    from constructs.tenant_registry import asset_bytes
    from moto import mock_aws

    from core import contracts
    from scripts.synth_scale import tenant_entries
    from tenants import logic
    from tenants.dal import TenantsDal

    registry = _Registry()
    for entry in tenant_entries(args.count):
        Tenant.from_file_entry(registry, entry, secret_name=f"mp/{entry['tenant_id']}")  # type: ignore[arg-type]
    body = asset_bytes(registry.tenants)
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        tables = {"tenants": "t-tenants", "locales": "t-locales", "empleados": "t-empleados"}
        for short, name in tables.items():
            dynamodb.create_table(**contracts.TABLES[short].create_request(name))
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="assets")
        s3.put_object(Bucket="assets", Key="a.json", Body=body)
        events = boto3.client("events")
        events.create_event_bus(Name="bus")
        store = TenantsDal(dynamodb=dynamodb, s3=s3, events=events, tenants_table=tables["tenants"],
                           locations_table=tables["locales"], employees_table=tables["empleados"],
                           event_bus_name="bus")  # fmt: skip
        properties = {"AssetBucket": "assets", "AssetKey": "a.json"}
        wall, cpu = time.perf_counter(), time.process_time()
        applied = logic.on_event({"RequestType": "Create", "ResourceProperties": properties}, store=store, workers=1)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{args.count} new tenants: {wall:.1f} s wall, {cpu:.1f} s CPU ({args.count / wall:.0f} tenants/s); "
              f"{applied.counts()}")  # fmt: skip
        update = {"RequestType": "Update", "ResourceProperties": properties, "OldResourceProperties": properties}
        wall = time.perf_counter()
        applied = logic.on_event(update, store=store, workers=1)
        print(f"no-change update: {time.perf_counter() - wall:.2f} s; {applied.counts()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
