"""Room to grow: every stack of a stage, nested ones included, stays well below CloudFormation's limits, and the
API split into nested stacks (one per group of microservices) still deploys as one API.

CloudFormation's quotas (per template, nested or not): 500 resources, 200 parameters, 200 outputs, and a 1 MB
template body when uploaded from S3 (as ``cdk deploy`` does).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_apigateway as apigw

RESOURCE_CEILING = 400  # of CloudFormation's 500: a stack that passes it is split before it becomes a deploy blocker
PARAMETER_LIMIT = OUTPUT_LIMIT = 200
TEMPLATE_BODY_LIMIT = 1_000_000  # bytes, a template uploaded to S3


def _templates(app: Any) -> dict[str, dict[str, Any]]:
    """Every template of the stage's assembly, top-level and nested, by file name."""
    return {path.name: json.loads(path.read_text()) for path in app.template_files()}


def _app(request: pytest.FixtureRequest, stage: str) -> Any:
    return request.getfixturevalue(f"{stage}_app")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_no_stack_passes_400_resources(request: pytest.FixtureRequest, stage: str) -> None:
    templates = _templates(_app(request, stage))
    assert any(name.endswith(".nested.template.json") for name in templates)  # the nested stacks are counted too
    counts = {name: len(t.get("Resources", {})) for name, t in templates.items()}
    assert max(counts.values()) <= RESOURCE_CEILING, {n: c for n, c in counts.items() if c > RESOURCE_CEILING}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_template_fits_cloudformations_other_quotas(request: pytest.FixtureRequest, stage: str) -> None:
    app = _app(request, stage)
    for path in app.template_files():
        template = json.loads(path.read_text())
        assert len(template.get("Parameters", {})) <= PARAMETER_LIMIT, path.name
        assert len(template.get("Outputs", {})) <= OUTPUT_LIMIT, path.name
        assert path.stat().st_size <= TEMPLATE_BODY_LIMIT, path.name


def test_each_group_of_microservices_is_a_nested_stack_with_its_functions_and_routes(dev_app) -> None:
    """The parent Api template keeps the API itself (and the authorizer and WebSocket functions); every REST
    function, its method and its invoke permission are in its group's nested stack."""
    parent = json.loads((dev_app.outdir / "Api.template.json").read_text())
    parent_types = Counter(r["Type"] for r in parent["Resources"].values())
    assert parent_types["AWS::CloudFormation::Stack"] == len(dev_app.nested_stacks("api")) >= 10
    assert parent_types["AWS::ApiGateway::Method"] == 1  # the root's CORS preflight only
    assert parent_types["AWS::ApiGateway::Resource"] == 0
    # the authorizer, the WebSocket function and the consumer that closes a suspended tenant's sockets
    assert parent_types["AWS::Lambda::Function"] == 3
    functions = {k for k, r in parent["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    invoked = [
        r["Properties"]["FunctionName"] for r in parent["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"
    ]
    assert all(name["Fn::GetAtt"][0] in functions for name in invoked), invoked  # no nested function's permission
    for service in dev_app.platform.api.microservices.values():
        nested = service.node.scopes[2]  # Api / <group> / <microservice>
        assert nested in dev_app.nested_stacks("api"), service.service


def test_the_api_has_one_authorizer_shared_by_every_group(dev_app) -> None:
    templates = _templates(dev_app)
    authorizers = [
        (name, logical_id)
        for name, t in templates.items()
        for logical_id, r in t["Resources"].items()
        if r["Type"] == "AWS::ApiGateway::Authorizer"
    ]
    assert [name for name, _ in authorizers] == ["Api.template.json"]
    custom = [
        r["Properties"]
        for name, t in templates.items()
        if name.startswith("Api")
        for r in t["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Method" and r["Properties"]["AuthorizationType"] == "CUSTOM"
    ]
    assert custom  # every protected method names the parent's authorizer (a nested parameter: its Ref)
    assert all("AuthorizerId" in props for props in custom)


def test_each_api_path_is_one_resource_across_the_nested_stacks(dev_app) -> None:
    """Two groups sharing a prefix (``/locales/{location_id}``: catalog, metrics, orders) make it once: API
    Gateway refuses a second resource of one path."""
    template = dev_app.template("api").to_json()
    resources = {
        k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::Resource"
    }

    def path_of(logical_id: str) -> str:
        parent = resources[logical_id]["ParentId"]
        prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{resources[logical_id]['PathPart']}"

    paths = Counter(path_of(logical_id) for logical_id in resources)
    assert "/locales/{location_id}/espera" in paths and "/locales/{location_id}/pedidos" in paths
    assert [p for p, n in paths.items() if n > 1] == []


def test_the_deployment_waits_for_every_group_with_routes(dev_app) -> None:
    parent = json.loads((dev_app.outdir / "Api.template.json").read_text())
    api = dev_app.platform.api
    nested = {
        api.get_logical_id(group.nested_stack_resource)
        for group in dev_app.nested_stacks("api")
        if any(isinstance(c, apigw.CfnMethod) for c in group.node.find_all())
    }
    assert len(nested) >= 9  # every group but the notifiers (no route)
    (deployment,) = [r for r in parent["Resources"].values() if r["Type"] == "AWS::ApiGateway::Deployment"]
    assert nested <= set(deployment["DependsOn"])


def _deployment_id(outdir: Path, routes: list[tuple[str, str]]) -> str:
    """The logical id of a small API's deployment whose routes are in a nested stack."""
    import aws_cdk as cdk
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_lambda as lambda_
    from constructs.microservice import Microservice, RestEndpoint, Route
    from constructs.stage import StageConfig

    import app as cdk_entry

    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(outdir))
    stack = cdk.Stack(app, "Api")
    api = apigw.RestApi(stack, "RestApi")
    function = lambda_.Function(
        stack, "Authorizer", runtime=lambda_.Runtime.PYTHON_3_12, handler="a.b", code=lambda_.Code.from_inline("x")
    )
    endpoint = RestEndpoint(
        stage=StageConfig.from_context(app),
        layer=lambda_.LayerVersion.from_layer_version_arn(stack, "Layer", "arn:aws:lambda:us-east-1:1:layer:l:1"),
        api=api,
        authorizer=apigw.RequestAuthorizer(
            stack, "Authorizer2", handler=function, identity_sources=[apigw.IdentitySource.header("Authorization")]
        ),
        validator=api.add_request_validator("Validator", validate_request_body=True),
    )
    group = cdk.NestedStack(stack, "Group")
    Microservice(group, "Service", endpoint=endpoint, service="s", handler="s.h", routes=[Route(*r) for r in routes])
    template = app.synth().get_stack_by_name("Api").template
    (deployment,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::ApiGateway::Deployment"]
    return deployment


def test_a_route_added_in_a_nested_stack_redeploys_the_api(tmp_path: Path) -> None:
    """API Gateway serves a deployment's snapshot: a route added to a group must give the parent's Deployment a new
    logical id (CloudFormation then creates a new deployment), though the route's template is another one."""
    before = _deployment_id(tmp_path / "a", [("GET", "/a")])
    assert _deployment_id(tmp_path / "b", [("GET", "/a")]) == before  # stable when nothing changes
    assert _deployment_id(tmp_path / "c", [("GET", "/a"), ("POST", "/a")]) != before
