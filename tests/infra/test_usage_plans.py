"""Per-tenant fairness at the API: one usage plan per tenant tier, the authorizer's key on every protected method."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from constructs.stage import StageConfig, TierLimits, _tenant_tiers

from core import contracts


def _resources(template: Any, kind: str) -> dict[str, Any]:
    return template.find_resources(kind)


def test_each_tier_has_one_usage_plan_with_its_limits_on_the_api_stage(dev_app) -> None:
    template = dev_app.template("api")
    stage = dev_app.platform.stage
    plans = {
        p["Properties"]["UsagePlanName"]: p["Properties"]
        for p in _resources(template, "AWS::ApiGateway::UsagePlan").values()
    }
    assert sorted(plans) == sorted(f"{stage.prefix}-{tier}" for tier in contracts.TENANT_TIERS)
    for limits in stage.tenant_tiers:
        plan = plans[f"{stage.prefix}-{limits.tier}"]
        assert plan["Throttle"] == {"RateLimit": limits.rate_limit, "BurstLimit": limits.burst_limit}
        assert ("Quota" in plan) == (limits.daily_quota is not None)
        (api_stage,) = plan["ApiStages"]
        assert api_stage["ApiId"] == {
            "Ref": dev_app.platform.api.get_logical_id(dev_app.platform.api.api.node.default_child)
        }


def test_the_api_takes_its_keys_from_the_authorizer_and_every_protected_method_requires_one(dev_app) -> None:
    template = dev_app.template("api")
    (api,) = _resources(template, "AWS::ApiGateway::RestApi").values()
    assert api["Properties"]["ApiKeySourceType"] == "AUTHORIZER"
    methods = [m["Properties"] for m in _resources(template, "AWS::ApiGateway::Method").values()]
    protected = [m for m in methods if m["AuthorizationType"] == "CUSTOM"]
    public = [m for m in methods if m["AuthorizationType"] == "NONE" and m["HttpMethod"] != "OPTIONS"]
    assert protected and public
    assert all(m.get("ApiKeyRequired") is True for m in protected)
    assert not any(m.get("ApiKeyRequired") for m in public)  # public routes: the stage throttle only


def test_the_authorizer_names_the_keys_of_the_stage_the_provisioner_creates(dev_app) -> None:
    """Key values are unique in the account: both sides compute them from the same stage prefix."""

    def environment(stack: str, service: str) -> dict[str, Any]:
        functions = _resources(dev_app.template(stack), "AWS::Lambda::Function").values()
        (variables,) = [
            f["Properties"]["Environment"]["Variables"]
            for f in functions
            if f["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME") == service
        ]
        return dict(variables)

    authorizer = environment("api", "authorizer")["STAGE_PREFIX"]
    assert authorizer == environment("tenants", "tenants-provisioner")["STAGE_PREFIX"] == "bembos-dev"


def test_the_plan_ids_by_tier_are_an_output_of_the_api_stack(dev_app) -> None:
    outputs = dev_app.template("api").find_outputs("UsagePlanIds")
    joined = json.dumps(outputs["UsagePlanIds"]["Value"])
    for tier in contracts.TENANT_TIERS:
        assert f'\\"{tier}\\"' in joined


def test_key_management_grant_is_exact_and_nag_clean(tmp_path) -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_iam as iam
    from aws_cdk.assertions import Template
    from cdk_nag import AwsSolutionsChecks
    from constructs.usage_plans import UsagePlans

    import app as cdk_entry

    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path))
    stack = cdk.Stack(app, "Plans")
    api = apigw.RestApi(stack, "Api", deploy=True)
    api.root.add_method("GET", apigw.MockIntegration())
    plans = UsagePlans(stack, "UsagePlans", stage=StageConfig.from_context(app), api=api)
    role = iam.Role(stack, "Provisioner", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    plans.grant_key_management(role)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    # Only the role's findings matter here: the bare test API has findings of its own (no logs, no authorizer).
    for path in ("Api", "UsagePlans"):
        cdk.Validations.of(stack.node.find_child(path)).acknowledge(
            *(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-{rule}", reason="the bare API of this test")
                for rule in ("APIG1", "APIG2", "APIG3", "APIG4", "APIG6", "COG4")
            )
        )
    app.synth()  # raises on an unacknowledged finding
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    granted: dict[str, set[str]] = {}
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            granted.setdefault(action, set()).update(_path(r) for r in resources)
    tiers = {f"/usageplans/Plan{tier.capitalize()}" for tier in contracts.TENANT_TIERS}
    assert granted == {
        "apigateway:GET": {"/apikeys", "/apikeys/*", *(f"{p}/keys" for p in tiers), *(f"{p}/keys/*" for p in tiers)},
        "apigateway:POST": {"/apikeys", *(f"{p}/keys" for p in tiers)},  # a key, a key into a plan
        "apigateway:DELETE": {f"{p}/keys/*" for p in tiers},  # a key out of a plan; never a key itself
    }


def _path(resource: Any) -> str:
    """An ``arn:<partition>:apigateway:<region>::<path>`` resource's path, a plan's reference named by its
    construct id (``{"Ref": "UsagePlansPlanBasico1A2B3C4D"}`` -> ``PlanBasico``)."""
    parts = resource["Fn::Join"][1] if isinstance(resource, dict) else [resource]
    text = "".join(p if isinstance(p, str) else f"<{p.get('Ref', '')}>" for p in parts)
    path = "/" + text.split("::/", 1)[1]
    for tier in contracts.TENANT_TIERS:
        path = re.sub(rf"<UsagePlansPlan{tier.capitalize()}[0-9A-F]{{8}}>", f"Plan{tier.capitalize()}", path)
    return path


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ({"basico": {"rate_limit": 1, "burst_limit": 2}}, "exactly the tiers"),
        ({**{t: {"rate_limit": 1, "burst_limit": 2} for t in contracts.TENANT_TIERS}, "oro": {}}, "exactly the tiers"),
        ({t: {"rate_limit": 0, "burst_limit": 2} for t in contracts.TENANT_TIERS}, "rate_limit"),
        ({t: {"rate_limit": 51, "burst_limit": 2} for t in contracts.TENANT_TIERS}, "stage's per-method 50"),
        ({t: {"rate_limit": 1, "burst_limit": 101} for t in contracts.TENANT_TIERS}, "stage's per-method 100"),
        ({t: {"rate_limit": 1, "burst_limit": 2.5} for t in contracts.TENANT_TIERS}, "burst_limit"),
        ({t: {"rate_limit": 1, "burst_limit": 2, "daily_quota": 0} for t in contracts.TENANT_TIERS}, "daily_quota"),
        ({t: {"rate_limit": 1, "burst_limit": 2, "limite": 3} for t in contracts.TENANT_TIERS}, "must be an object"),
        (None, "exactly the tiers"),
    ],
)
def test_tier_limits_are_validated_against_the_tiers_and_the_stages_per_method_limit(tiers: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _tenant_tiers(tiers, stage_rate=50, stage_burst=100)


def test_valid_tier_limits_are_read_in_the_contracts_order() -> None:
    raw = {t: {"rate_limit": n + 1, "burst_limit": 2 * (n + 1)} for n, t in enumerate(reversed(contracts.TENANT_TIERS))}
    tiers = _tenant_tiers(raw, stage_rate=50, stage_burst=100)
    assert [t.tier for t in tiers] == list(contracts.TENANT_TIERS)
    assert tiers[0] == TierLimits("basico", rate_limit=3.0, burst_limit=6, daily_quota=None)
