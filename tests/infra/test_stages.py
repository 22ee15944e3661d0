"""Every stage of cdk.json synthesizes (cdk-nag included), and each gets the settings its role asks for:
dev disposable, staging production-like but disposable, prod production-like and retained."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match

from tests.conftest import ROOT
from tests.infra.test_templates import resources

STAGES = ("dev", "staging", "prod")


@pytest.fixture(params=STAGES)
def app(request, dev_app, staging_app, prod_app):
    return {"dev": dev_app, "staging": staging_app, "prod": prod_app}[request.param]


def test_cdk_json_defines_exactly_the_stages_ci_synthesizes() -> None:
    stages = json.loads((ROOT / "cdk.json").read_text())["context"]["stages"]
    assert tuple(stages) == STAGES


def test_every_stage_synthesizes_its_seven_stacks_under_its_own_names(app) -> None:
    stage = app.platform.stage.name
    names = sorted(stack.stack_name for stack in app.platform.stacks)
    assert names == sorted(
        f"bembos-{stage}-{short}"
        for short in ("data", "messaging", "workflow", "api", "tenants", "frontend", "operations")
    )
    assert {path.name for path in app.template_files()} >= {f"{s}.template.json" for s in ("Data", "Api")}


def test_staging_runs_like_prod_but_can_be_torn_down(staging_app) -> None:
    data = staging_app.template("data")
    for table in resources(data, "AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"
        assert not table["Properties"].get("DeletionProtectionEnabled", False)
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    images = [b for k, b in resources(data, "AWS::S3::Bucket").items() if k.startswith("Images")]
    assert images[0]["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert not any(stack.termination_protection for stack in staging_app.platform.stacks)
    for function in resources(staging_app.template("api"), "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        if "POWERTOOLS_LOG_LEVEL" in variables:
            assert variables["POWERTOOLS_LOG_LEVEL"] == "INFO"
    staging_app.template("workflow").has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"LoggingConfiguration": Match.object_like({"IncludeExecutionData": False})},
    )
    staging_app.template("frontend").has_resource_properties("AWS::Amplify::Branch", {"Stage": "BETA"})


def test_only_prod_is_protected_from_deletion(dev_app, staging_app, prod_app) -> None:
    assert all(stack.termination_protection for stack in prod_app.platform.stacks)
    for app in (dev_app, staging_app):
        assert not any(stack.termination_protection for stack in app.platform.stacks)
    prod_app.template("frontend").has_resource_properties("AWS::Amplify::Branch", {"Stage": "PRODUCTION"})
    dev_app.template("frontend").has_resource_properties("AWS::Amplify::Branch", {"Stage": "DEVELOPMENT"})
