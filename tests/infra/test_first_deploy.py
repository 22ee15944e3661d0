"""What a first ``cdk deploy`` to a fresh account needs of the templates (issue: ready for the first deploy)."""

from __future__ import annotations

import importlib.metadata
import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def resources(template: Any, type_name: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(type_name))


@pytest.fixture(params=["dev", "prod"])
def app(request, dev_app, prod_app):
    return dev_app if request.param == "dev" else prod_app


def test_the_websocket_stage_waits_for_the_accounts_api_gateway_logging_role(app) -> None:
    template = app.template("api")
    (account_id,) = resources(template, "AWS::ApiGateway::Account")
    (ws_stage,) = resources(template, "AWS::ApiGatewayV2::Stage").values()
    assert "AccessLogSettings" in ws_stage["Properties"]
    assert account_id in ws_stage.get("DependsOn", [])


def test_destroying_a_stage_never_removes_the_account_wide_api_gateway_logging_role(app) -> None:
    template = app.template("api")
    account = next(iter(resources(template, "AWS::ApiGateway::Account").values()))
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = resources(template, "AWS::IAM::Role")[role_id]
    assert account["DeletionPolicy"] == role["DeletionPolicy"] == "Retain"


def test_cloudwatch_alarms_may_publish_to_the_encrypted_alarm_topic(app) -> None:
    template = app.template("messaging")
    topics = resources(template, "AWS::SNS::Topic")
    alarm_topic_id, alarm_topic = next(
        (k, t) for k, t in topics.items() if t["Properties"]["TopicName"].endswith("alarmas")
    )
    key_ref = alarm_topic["Properties"]["KmsMasterKeyId"]
    assert "Fn::GetAtt" in key_ref, "the AWS-managed SNS key cannot be used by CloudWatch"
    key = resources(template, "AWS::KMS::Key")[key_ref["Fn::GetAtt"][0]]
    assert key["Properties"]["EnableKeyRotation"] is True
    key_grants = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"
    ]
    assert key_grants and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(key_grants[0]["Action"])
    policies = [
        p
        for p in resources(template, "AWS::SNS::TopicPolicy").values()
        if {"Ref": alarm_topic_id} in p["Properties"]["Topics"]
    ]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    allows = [
        s
        for s in statements
        if s["Effect"] == "Allow" and s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"
    ]
    assert allows and allows[0]["Action"] == "sns:Publish"
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms and all({"Ref": alarm_topic_id} in a["Properties"]["AlarmActions"] for a in alarms.values())


def test_every_queue_hides_a_message_six_times_as_long_as_its_consumer_runs_and_pollers_are_capped(dev_app) -> None:
    queues = resources(dev_app.template("messaging"), "AWS::SQS::Queue")
    visibility = {
        logical_id: q["Properties"].get("VisibilityTimeout", 30)
        for logical_id, q in queues.items()
        if "RedrivePolicy" in q["Properties"]
    }
    api = dev_app.template("api")
    functions = resources(api, "AWS::Lambda::Function")
    mappings = resources(api, "AWS::Lambda::EventSourceMapping")
    assert len(mappings) >= 7
    for mapping in mappings.values():
        properties = mapping["Properties"]
        assert properties["ScalingConfig"]["MaximumConcurrency"] >= 2
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        timeout = functions[properties["FunctionName"]["Ref"]]["Properties"]["Timeout"]
        assert all(seconds >= 6 * timeout for seconds in visibility.values()), (visibility, timeout)


def test_the_layer_ships_the_boto3_and_botocore_the_functions_are_tested_with() -> None:
    pins = dict(
        re.findall(r"^([a-z0-9-]+)==([\w.]+)", (ROOT / "services" / "requirements.txt").read_text(), re.MULTILINE)
    )
    assert pins["boto3"] == importlib.metadata.version("boto3")
    assert pins["botocore"] == importlib.metadata.version("botocore")
    from constructs.dependencies_layer import build_layer_folder

    layer = build_layer_folder() / "python"
    assert (layer / "boto3").is_dir() and (layer / "botocore").is_dir()
    assert list(layer.glob(f"boto3-{pins['boto3']}.dist-info")) and list(
        layer.glob(f"botocore-{pins['botocore']}.dist-info")
    )


def test_the_first_admins_invitation_is_requested_after_eventbridge_may_deliver_it(dev_app) -> None:
    """The tenants' provisioner asks for invitations from the Tenants stack, which deploys after Messaging (its bus,
    the invitations rule and the queue's policies): a cross-stack dependency, so every request finds its way."""
    (applier,) = resources(dev_app.template("tenants"), "Custom::Tenants").values()
    assert "Provisioner" in applier["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    # a provisioner that timed out without answering fails the stack in minutes, not CloudFormation's hour
    assert int(applier["Properties"]["ServiceTimeout"]) == 16 * 60
    assert dev_app.platform.messaging.stack_name in {s.stack_name for s in dev_app.platform.tenants.dependencies}
    messaging = dev_app.template("messaging")
    assert any(k.startswith("InvitationsRule") for k in resources(messaging, "AWS::Events::Rule"))


def _joined(value: Any) -> str:
    """A template string as text (Fn::Join parts flattened; references kept as their JSON)."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(_joined(part) for part in value["Fn::Join"][1])
    return value if isinstance(value, str) else json.dumps(value)


def test_the_web_apps_own_origins_reach_cors_links_and_the_images_bucket(prod_app) -> None:
    frontend = prod_app.template("frontend")
    apps = resources(frontend, "AWS::Amplify::App")
    parameters = {
        p["Properties"]["Name"]: _joined(p["Properties"]["Value"])
        for p in resources(frontend, "AWS::SSM::Parameter").values()
    }
    origins = parameters["/bembos-prod/web/origins"]
    for app_id in apps:  # each Amplify app's own address, beside the configured custom domains
        assert f'https://main.{{"Fn::GetAtt": ["{app_id}", "DefaultDomain"]}}' in origins
    assert "https://pedidos.bembos.com.pe" in origins
    assert parameters["/bembos-prod/web/customer-url"].endswith("/clientes")
    assert parameters["/bembos-prod/web/staff-url"].endswith("/staff")
    # the images bucket's CORS: set here, with those origins (DataStack sets none)
    (bucket,) = [
        b for k, b in resources(prod_app.template("data"), "AWS::S3::Bucket").items() if k.startswith("Images")
    ]
    assert "CorsConfiguration" not in bucket["Properties"]
    (cors,) = [r for k, r in resources(frontend, "Custom::AWS").items() if k.startswith("ImagesCors")]
    create = _joined(cors["Properties"]["Create"])
    assert "putBucketCors" in create and all(app_id in create for app_id in apps)
    # every REST function answers CORS for those origins (read by name at cold start), not for "*"
    api = prod_app.template("api")
    functions = resources(api, "AWS::Lambda::Function")
    rest = [f for f in functions.values() if "ALLOWED_ORIGINS_PARAMETER" in f["Properties"]["Environment"]["Variables"]]
    assert (
        len(rest) == 13
    )  # plataforma, usuarios, empleados, productos, combos, locales, pedidos, pagos, etapas, metricas, reclamaciones,
    # mensajes, puntos
    for function in rest:
        env = function["Properties"]["Environment"]["Variables"]
        assert env["ALLOWED_ORIGINS_PARAMETER"] == "/bembos-prod/web/origins"
        assert env["ALLOWED_ORIGINS"] == "https://pedidos.bembos.com.pe,https://staff.bembos.com.pe"
    statements = json.dumps(resources(api, "AWS::IAM::Policy"))
    for name in ("web/origins", "web/customer-url", "web/staff-url"):
        assert f":parameter/bembos-prod/{name}" in statements
    links = {k: f["Properties"]["Environment"]["Variables"] for k, f in functions.items()}
    assert any(env.get("CUSTOMER_APP_URL_PARAMETER") == "/bembos-prod/web/customer-url" for env in links.values())
    assert any(env.get("STAFF_APP_URL_PARAMETER") == "/bembos-prod/web/staff-url" for env in links.values())
