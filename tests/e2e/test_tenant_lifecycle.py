"""Onboarding and offboarding as CloudFormation applies them, replayed by the local cloud: deploy, change the
tenants file, deploy again against the same AWS (moto) server.

The first assembly has the tenants file [tienda-saliente], the second [tienda-nueva] (both also have app.py's two
demo tenants, unchanged). The second provisioning is an Update of the one ``Custom::Tenants`` resource: tienda-nueva
is onboarded with one invitation e-mail, tienda-saliente suspended (logins refused, its sockets closed, its data
kept), the demo tenants untouched. Both assemblies are synthesized at once, in two processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from e2e_support import issue_token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from localcloud.cloud import REGION, LocalCloud, free_port
from localcloud.provision import LocalUrls, provision

ROOT = Path(__file__).resolve().parents[2]
LEAVING, JOINING = "tienda-saliente", "tienda-nueva"
DEMO = ("bembos-miraflores", "bembos-san-isidro")
WAIT = 30.0
ITEM = {"kind": "producto", "item_id": "hamburguesa", "size": "regular", "quantity": 1}


def entry(tenant_id: str) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "name": tenant_id.replace("-", " ").title(),
        "admin_email": f"admin@{tenant_id}.pe",
        "locations": [
            {"location_id": "centro", "name": "Centro", "address": "Av. Arequipa 100", "district": "Lince",
             "lat": -12.08, "lng": -77.03, "phone": "+51 1 4000000",
             "opening_hours": {d: "00:00-24:00" for d in ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}},
        ],
    }  # fmt: skip


def synthesize_both(folder: Path) -> tuple[Path, Path]:
    """Two dev assemblies, one per tenants file, synthesized in parallel (``python app.py``, as ``cdk synth``)."""
    runs = []
    for name, tenant_id in (("first", LEAVING), ("second", JOINING)):
        tenants_file = folder / f"{name}.json"
        tenants_file.write_text(json.dumps({"tenants": [entry(tenant_id)]}))
        env = {**os.environ, "CDK_OUTDIR": str(folder / name), "CDK_DEFAULT_REGION": REGION,
               "CDK_CONTEXT_JSON": json.dumps({"stage": "dev", "tenants_file": str(tenants_file)}),
               "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"}  # fmt: skip
        runs.append(subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True))  # fmt: skip
    for run in runs:
        _, errors = run.communicate(timeout=600)
        assert run.returncode == 0, errors[-3000:]
    return folder / "first", folder / "second"


@pytest.fixture(scope="module")
def deploys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, Path]]:
    first, second = synthesize_both(tmp_path_factory.mktemp("tenant-lifecycle"))
    # The demo seed also creates the SMTP secret the invitations' mailer reads (as an operator would in AWS).
    cloud = LocalCloud(port=free_port(), synth=False, assembly_dir=first, quiet_functions=True, queue_pollers=1)
    try:
        yield cloud.start(), second
    finally:
        cloud.stop()


def config(cloud: LocalCloud, tenant_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=cloud.table("tenants"), Key={"tenant_id": {"S": tenant_id}})
    return {k: next(iter(v.values())) for k, v in item["Item"].items()}


def redeploy(cloud: LocalCloud, assembly: Path) -> None:
    """``cdk deploy`` of the second assembly against the same AWS: every stack again, the tenants as an Update."""
    base = cloud.urls.base
    provision(assembly, endpoint_url=cloud.urls.aws, region=REGION, local_urls=LocalUrls(
        rest=f"{base}/{{stage}}/", websocket=f"ws://127.0.0.1:{cloud.port}/ws/{{stage}}",
        websocket_callback=f"{base}/ws/{{stage}}", web_origin=base))  # fmt: skip


def test_a_redeploy_onboards_the_added_tenant_once_and_suspends_the_removed_one(deploys) -> None:
    cloud, second = deploys
    # Given the first deploy: tienda-saliente onboarded (its admin invited once), a customer's socket open
    assert cloud.mailbox.wait_for(to=f"admin@{LEAVING}.pe", count=1, timeout=WAIT)
    customer = issue_token(cloud, LEAVING, subject_id="cliente-1", kind="customer", rol="cliente")
    socket = connect(f"{cloud.urls.websocket}?token={customer}", open_timeout=WAIT)
    socket.send(json.dumps({"action": "ping"}))
    assert json.loads(socket.recv(timeout=WAIT)) == {"type": "pong"}
    dynamodb = boto3.client("dynamodb")
    dynamodb.update_item(
        TableName=cloud.table("tenants"),
        Key={"tenant_id": {"S": DEMO[0]}},
        UpdateExpression="SET marker = :m",  # a mark no deploy writes: a demo tenant's row rewritten would lose it
        ExpressionAttributeValues={":m": {"S": "kept"}},
    )
    demo_before = [config(cloud, tenant_id) for tenant_id in DEMO]

    # When the tenants file changes (tienda-saliente out, tienda-nueva in) and the platform is deployed again
    redeploy(cloud, second)

    # Then tienda-nueva is onboarded and its admin gets exactly one invitation
    assert config(cloud, JOINING)["status"] == "active"
    assert len(cloud.mailbox.wait_for(to=f"admin@{JOINING}.pe", count=1, timeout=WAIT)) == 1
    # tienda-saliente is suspended, its data kept, its socket closed, its login refused
    assert config(cloud, LEAVING)["status"] == "suspended"
    assert dynamodb.get_item(TableName=cloud.table("locales"),
                             Key={"tenant_id": {"S": LEAVING}, "location_id": {"S": "centro"}}).get("Item")  # fmt: skip
    deadline = time.monotonic() + WAIT
    with pytest.raises(ConnectionClosed):
        while time.monotonic() < deadline:
            socket.send(json.dumps({"action": "ping"}))
            socket.recv(timeout=1)
    login = httpx.post(f"{cloud.urls.api}usuarios/login", headers={"X-Tenant-Id": LEAVING},
                       json={"email": "cliente@demo.pe", "password": "x" * 12}, timeout=WAIT)  # fmt: skip
    assert (login.status_code, login.json()["error"]) == (404, "unknown_tenant")
    # (its orders: the authorizer or the orders service refuses them, whichever reads the suspension first)
    order = httpx.post(f"{cloud.urls.api}pedidos", headers={"Authorization": f"Bearer {customer}"},
                       json={"location_id": "centro", "dispatch": "pickup", "items": [ITEM]}, timeout=WAIT)  # fmt: skip
    assert order.status_code in (401, 404) and order.json()["error"] in ("unauthenticated", "unknown_tenant")
    # the demo tenants were not written at all, and nobody got a second invitation
    assert [config(cloud, tenant_id) for tenant_id in DEMO] == demo_before
    assert len(cloud.mailbox.messages(to=f"admin@{LEAVING}.pe")) == 1
    assert len(cloud.mailbox.messages(to=f"admin@{JOINING}.pe")) == 1
