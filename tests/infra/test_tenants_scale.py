"""Tenants at scale: one more tenant adds no CloudFormation resource, a thousand stay under every limit, and the
provisioner may only do what applying them takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigw
from constructs.stage import StageConfig
from constructs.tenant import Tenant
from constructs.usage_plans import UsagePlans

import app as cdk_entry
from scripts.synth_scale import LIMITS, tenant_entries
from stacks.data import DataStack
from stacks.messaging import MessagingStack
from stacks.tenants import TenantsStack

MANY = 1000


def _synthesize(count: int, outdir: Path) -> dict[str, Any]:
    """The stacks a tenant could touch (Data, Messaging, Tenants, and the tier plans of Api) with ``count`` tenants
    from a tenants file; each template as written to the assembly, and the tenants asset."""
    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(outdir))
    stage = StageConfig.from_context(app)
    data = DataStack(app, "Data", stage=stage)
    messaging = MessagingStack(app, "Messaging", stage=stage)
    api = cdk.Stack(app, "Api")  # only what the tenants use of it: the tier plans of a REST API
    rest_api = apigw.RestApi(api, "RestApi")
    rest_api.root.add_method("GET", apigw.MockIntegration())
    plans = UsagePlans(api, "UsagePlans", stage=stage, api=rest_api)
    tenants = TenantsStack(app, "Tenants", stage=stage, data=data, messaging=messaging, usage_plans=plans)
    path = outdir.parent / f"tenants-{count}.json"
    path.write_text(json.dumps(tenant_entries(count)))
    cdk_entry.load_tenants_file(tenants.registry, stage, path)
    tenants.registry.publish()
    assembly = app.synth()
    templates = {s.stack_name: (Path(assembly.directory) / s.template_file) for s in assembly.stacks}
    asset = tenants.registry.asset
    assert asset is not None
    return {
        "templates": {name: json.loads(p.read_text()) for name, p in templates.items()},
        "sizes": {name: p.stat().st_size for name, p in templates.items()},
        "asset": json.loads((Path(assembly.directory) / asset.asset_path).read_text()),
        "key": asset.s3_object_key,
    }


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synthesize(MANY, tmp_path_factory.mktemp("many") / "out")


@pytest.fixture(scope="module")
def one_more(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synthesize(MANY + 1, tmp_path_factory.mktemp("one-more") / "out")


def test_one_more_tenant_adds_no_resource_to_any_stack_and_changes_only_the_assets_key(many, one_more) -> None:
    counts = {name: len(t["Resources"]) for name, t in many["templates"].items()}
    assert counts == {name: len(t["Resources"]) for name, t in one_more["templates"].items()}
    assert len(many["asset"]["tenants"]) == MANY and len(one_more["asset"]["tenants"]) == MANY + 1
    assert many["key"] != one_more["key"]  # CloudFormation sees a change of the custom resource: an Update


def test_a_thousand_tenants_keep_every_template_under_cloudformations_limits(many) -> None:
    for name, template in many["templates"].items():
        assert len(template["Resources"]) <= LIMITS["resources"], name
        assert len(template.get("Parameters", {})) <= LIMITS["parameters"], name
        assert len(template.get("Outputs", {})) <= LIMITS["outputs"], name
        assert many["sizes"][name] <= LIMITS["template_bytes"], name
    (applier,) = [r for r in many["templates"]["Tenants"]["Resources"].values() if r["Type"] == "Custom::Tenants"]
    assert applier["Properties"]["AssetKey"] == many["key"]


def test_the_same_tenants_give_the_same_asset_bytes(tmp_path) -> None:
    from constructs.tenant_registry import asset_bytes

    class Registry:  # what a Tenant needs of its registry
        tenants: list[Tenant]

        def __init__(self) -> None:
            self.tenants = []

        def register(self, tenant: Tenant) -> None:
            self.tenants.append(tenant)

    def build(order: list[int]) -> bytes:
        registry = Registry()
        entries = tenant_entries(5)
        for n in order:
            Tenant.from_file_entry(registry, entries[n], secret_name=f"s/{entries[n]['tenant_id']}")  # type: ignore[arg-type]
        return asset_bytes(registry.tenants)

    assert build([0, 1, 2, 3, 4]) == build([4, 2, 0, 3, 1])


def _statements(template: Any, role_prefix: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [
        s
        for logical_id, p in policies.items()
        if logical_id.startswith(role_prefix)
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_provisioner_may_write_only_the_tenant_tables_put_on_the_bus_read_the_assets_and_key_the_plans(
    dev_app,
) -> None:
    template = dev_app.template("tenants")
    granted = {}
    for statement in _statements(template, "TenantsProvisionerRole"):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            granted.setdefault(action, []).extend(json.dumps(r) for r in resources)
    assert set(granted) == {
        "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "events:PutEvents", "s3:GetObject",
        "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
        "apigateway:GET", "apigateway:POST", "apigateway:DELETE",
    }  # fmt: skip
    assert all(any(t in r for t in ("Tenants", "Locations", "Employees")) for r in granted["dynamodb:PutItem"])
    assert len(granted["dynamodb:PutItem"]) == 3
    assert all("Tenants" in r for r in granted["dynamodb:UpdateItem"] + granted["dynamodb:GetItem"])
    assert all("Bus" in r for r in granted["events:PutEvents"])
    assert all("cdk-hnb659fds-assets" in r and r.endswith('/*.json"]]}') for r in granted["s3:GetObject"])

    # The tenants' API keys and their membership of the stage's three tier plans (imported from the Api stack),
    # each method on its own paths: never a plan itself, never DELETE or PATCH of a key.
    def paths(action: str) -> list[tuple[str, str]]:
        found = []
        for resource in map(json.loads, granted[action]):
            if isinstance(resource, str):
                found.append(("", resource.split("::", 1)[1]))
            else:
                part = resource["Fn::Join"][1]
                found.append((part[1]["Fn::ImportValue"], part[2]))
        return sorted(found)

    plans = [f"bembos-dev-usage-plan-{tier}" for tier in ("basico", "estandar", "cadena")]
    assert paths("apigateway:GET") == sorted(
        [("", "/apikeys"), ("", "/apikeys/*"), *((p, "/keys") for p in plans), *((p, "/keys/*") for p in plans)]
    )
    assert paths("apigateway:POST") == sorted([("", "/apikeys"), *((p, "/keys") for p in plans)])
    assert paths("apigateway:DELETE") == sorted((p, "/keys/*") for p in plans)


def test_the_custom_resource_names_the_tier_plans_so_a_change_of_them_is_an_update(dev_app) -> None:
    (applier,) = dev_app.template("tenants").find_resources("Custom::Tenants").values()
    joined = json.dumps(applier["Properties"]["UsagePlans"])
    for tier in ("basico", "estandar", "cadena"):
        assert f"bembos-dev-usage-plan-{tier}" in joined  # each tier's plan id, imported from the Api stack
