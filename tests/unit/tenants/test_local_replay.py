"""The local cloud replays a Lambda-backed custom resource as CloudFormation would, across provisionings against
the same moto server: Create, then nothing while its properties stay, then Update with the old properties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from localcloud.model import FunctionSpec
from localcloud.provision import provision
from tenants import cfn


def _synthesize(outdir: Path, value: str) -> Path:
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Tenants")
    function = lambda_.Function(
        stack,
        "Provisioner",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    )
    cdk.CustomResource(
        stack,
        "Apply",
        service_token=function.function_arn,
        resource_type="Custom::Tenants",
        properties={"Value": value},
    )
    app.synth()
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

    first, second = _synthesize(tmp_path / "one", "1"), _synthesize(tmp_path / "two", "2")
    local = {"endpoint_url": endpoint, "execute_state_machines": False, "invoke": invoke}

    provision(first, **local)
    provision(first, **local)  # unchanged: CloudFormation sends nothing
    assembly = provision(second, **local)

    assert [r["RequestType"] for r in requests] == ["Create", "Update"]
    update = requests[1]
    assert update["ResourceProperties"]["Value"] == "2" and update["OldResourceProperties"]["Value"] == "1"
    assert update["PhysicalResourceId"] == "tenants" and update["ResourceType"] == "Custom::Tenants"
    assert assembly.physical_ids["Tenants/Apply"] == "tenants"
