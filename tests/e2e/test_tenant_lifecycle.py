"""Onboarding and offboarding as CloudFormation applies them, replayed by the local cloud: the tenants file changes,
the platform is deployed again against the same AWS (moto) server, twice.

On the session's cloud (app.py's two demo tenants): the first redeploy's tenants file is [tienda-saliente], the
second's [tienda-nueva]. Each is an Update of the one ``Custom::Tenants`` resource: tienda-saliente is onboarded
with one invitation e-mail, then suspended (logins refused, its sockets closed, its data kept) while tienda-nueva
is onboarded, the demo tenants untouched.

Each redeploy's assembly is the session's with what a synth of the changed tenants file changes, and nothing else:
the tenants asset and the custom resource's ``AssetKey`` and ``TenantCount`` (``tests/infra/test_tenants_scale.py``
checks that one more tenant changes only the asset's key), made by the same code the synth runs
(``Tenant.from_file_entry``, ``tenants_asset``). A synth per redeploy would cost two more app syntheses per run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from constructs.tenant import Tenant, tenants_asset
from e2e_support import issue_token
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from localcloud.cloud import REGION, LocalCloud
from localcloud.provision import LocalUrls, provision

LEAVING, JOINING = "tienda-saliente", "tienda-nueva"
DEMO = ("bembos-miraflores", "bembos-san-isidro")
WAIT = 30.0
ITEM = {"kind": "producto", "item_id": "hamburguesa", "size": "regular", "quantity": 1}
TENANTS_RESOURCE = "Custom::Tenants"


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


class _Registry:
    """What ``Tenant`` registers with (the stage's ``TenantRegistry`` in a synth)."""

    def register(self, tenant: Tenant) -> None:
        pass


def assembly_with_tenants_file(base: Path, folder: Path, entries: Iterable[dict[str, Any]], prefix: str) -> Path:
    """``base`` (the session's assembly, app.py's tenants) as synthesized with ``entries`` as the tenants file."""
    folder.mkdir()
    for child in base.iterdir():  # the JSON documents are rewritten, the assets (code, layer, web apps) shared
        (shutil.copy(child, folder) if child.suffix == ".json" else (folder / child.name).symlink_to(child))
    manifest = json.loads((base / "manifest.json").read_text())
    tenants_stack = next(
        artifact["properties"]
        for artifact in manifest["artifacts"].values()
        if artifact.get("properties", {}).get("stackName") == f"{prefix}-tenants"
    )
    template_path = folder / tenants_stack["templateFile"]
    template = json.loads(template_path.read_text())
    resource = next(r for r in template["Resources"].values() if r["Type"] == TENANTS_RESOURCE)
    old_hash = resource["Properties"]["AssetKey"].split(".", 1)[0]
    current = json.loads((base / f"asset.{old_hash}.json").read_text())["tenants"]
    added = [
        Tenant.from_file_entry(_Registry(), e, secret_name=f"{prefix}/mercadopago/{e['tenant_id']}").asset_entry()
        for e in entries
    ]
    body = tenants_asset([*current, *added])
    new_hash = hashlib.sha256(body).hexdigest()
    (folder / f"asset.{new_hash}.json").write_bytes(body)
    resource["Properties"]["AssetKey"] = f"{new_hash}.json"
    resource["Properties"]["TenantCount"] = str(len(current) + len(added))
    template_path.write_text(json.dumps(template))
    assets_path = next(folder.glob(f"{Path(tenants_stack['templateFile']).stem.split('.')[0]}.assets.json"))
    assets = json.loads(assets_path.read_text())
    file_asset = json.loads(json.dumps(assets["files"][old_hash]).replace(old_hash, new_hash))
    assets["files"][new_hash] = file_asset
    assets_path.write_text(json.dumps(assets))
    return folder


def config(cloud: LocalCloud, tenant_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb").get_item(TableName=cloud.table("tenants"), Key={"tenant_id": {"S": tenant_id}})
    return {k: next(iter(v.values())) for k, v in item["Item"].items()}


def redeploy(cloud: LocalCloud, assembly: Path) -> None:
    """``cdk deploy`` of ``assembly`` against the same AWS: every stack again, the tenants as an Update."""
    base = cloud.urls.base
    provision(assembly, endpoint_url=cloud.urls.aws, region=REGION, local_urls=LocalUrls(
        rest=f"{base}/{{stage}}/", websocket=f"ws://127.0.0.1:{cloud.port}/ws/{{stage}}",
        websocket_callback=f"{base}/ws/{{stage}}", web_origin=base))  # fmt: skip


def test_a_redeploy_onboards_the_added_tenant_once_and_suspends_the_removed_one(cloud, tmp_path) -> None:
    base = cloud.assembly_dir or cloud.root / "cdk.out"
    first = assembly_with_tenants_file(base, tmp_path / "first", [entry(LEAVING)], cloud.prefix)
    second = assembly_with_tenants_file(base, tmp_path / "second", [entry(JOINING)], cloud.prefix)
    # Given a deploy with tienda-saliente in the tenants file: onboarded, its admin invited once, a customer's socket
    redeploy(cloud, first)
    assert config(cloud, LEAVING)["status"] == "active"
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
