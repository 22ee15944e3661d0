"""The local cloud replays a Lambda-backed custom resource as CloudFormation would, across provisionings against
the same moto server: Create, then nothing while its properties stay, then Update with the old properties."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from localcloud.model import FunctionSpec
from localcloud.provision import provision
from tenants import cfn


def _assembly(outdir: Path, value: str) -> Path:
    """A cloud assembly as ``cdk synth`` writes it: one stack, a Python function (inline code) and the custom
    resource it serves, whose properties carry ``value``."""
    template = {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Provisioner": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
                },
            },
            "Apply": {
                "Type": "Custom::Tenants",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Provisioner", "Arn"]}, "Value": value},
            },
        }
    }
    outdir.mkdir(parents=True)
    (outdir / "Tenants.template.json").write_text(json.dumps(template))
    manifest = {"version": "36.0.0", "artifacts": {"Tenants": {"type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Tenants.template.json", "stackName": "Tenants"}}}}  # fmt: skip
    (outdir / "manifest.json").write_text(json.dumps(manifest))
    return outdir


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_create_then_nothing_then_update_with_the_old_properties(tmp_path, endpoint) -> None:
    requests: list[dict[str, Any]] = []

    def invoke(function: FunctionSpec, event: dict[str, Any]) -> None:  # the provisioner, answering as in AWS
        requests.append(event)
        body = cfn.response_body(event, status="SUCCESS", physical_id="tenants", data={"seen": event["RequestType"]})
        cfn.send(event["ResponseURL"], body)

    first, second = _assembly(tmp_path / "one", "1"), _assembly(tmp_path / "two", "2")
    local = {"endpoint_url": endpoint, "execute_state_machines": False, "invoke": invoke}

    provision(first, **local)
    provision(first, **local)  # unchanged: CloudFormation sends nothing
    assembly = provision(second, **local)

    assert [r["RequestType"] for r in requests] == ["Create", "Update"]
    update = requests[1]
    assert update["ResourceProperties"]["Value"] == "2" and update["OldResourceProperties"]["Value"] == "1"
    assert update["PhysicalResourceId"] == "tenants" and update["ResourceType"] == "Custom::Tenants"
    assert assembly.physical_ids["Tenants/Apply"] == "tenants"
