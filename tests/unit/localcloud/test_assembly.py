"""The cloud assembly reader and the intrinsic-function resolver, on hand-written fragments."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from localcloud.assembly import (
    AssemblyError,
    Resolver,
    ResourceValues,
    StackArtifact,
    UnresolvableError,
    generated_name,
    load_stacks,
    resource_order,
)


def _stack(template: dict[str, Any], name: str = "Shop-Data") -> StackArtifact:
    return StackArtifact(
        key=name, artifact_id=name, stack_name=name, display_name=name, template=template, dependencies=()
    )


def _resolver(template: dict[str, Any], **kwargs: Any) -> Resolver:
    return Resolver(_stack(template), **kwargs)


TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/version",
        },
        "Stage": {"Type": "String", "Default": "dev"},
    },
    "Mappings": {"Sizes": {"dev": {"Memory": "256"}}},
    "Conditions": {
        "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
        "IsProd": {"Fn::Not": [{"Condition": "IsDev"}]},
        "DevInUsEast": {"Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "DevInUsEast"}]},
    },
    "Resources": {
        "Orders1A2B3C4D": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "orders"}},
        "Kitchen5E6F7A8B": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
        "Topic11111111": {"Type": "AWS::SNS::Topic"},
        "Bus22222222": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders-bus"}},
        "Role33333333": {"Type": "AWS::IAM::Role"},
        "Fn44444444": {"Type": "AWS::Lambda::Function", "DependsOn": "Role33333333"},
        "Rest55555555": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "shop"}},
        "ProdOnly66666666": {"Type": "AWS::SNS::Topic", "Condition": "IsProd"},
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "Orders1A2B3C4D"}, "Export": {"Name": "Shop-Data:TableName"}},
        "ProdTopic": {"Value": {"Ref": "ProdOnly66666666"}, "Condition": "IsProd"},
    },
}


def test_pseudo_parameters_and_parameter_defaults() -> None:
    resolver = _resolver(TEMPLATE, account_id="111122223333", region="eu-west-1")

    assert resolver.resolve({"Ref": "AWS::Region"}) == "eu-west-1"
    assert resolver.resolve({"Ref": "AWS::AccountId"}) == "111122223333"
    assert resolver.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Ref": "AWS::StackName"}) == "Shop-Data"
    assert resolver.resolve({"Ref": "BootstrapVersion"}) == "/cdk-bootstrap/version"
    assert resolver.resolve({"Ref": "Stage"}) == "dev"


def test_parameters_can_be_overridden() -> None:
    assert _resolver(TEMPLATE, parameters={"Stage": "prod"}).resolve({"Ref": "Stage"}) == "prod"


def test_account_and_region_default_to_the_local_cloud() -> None:
    assert _resolver(TEMPLATE).resolve({"Fn::Sub": "${AWS::AccountId}/${AWS::Region}"}) == "000000000000/us-east-1"


def test_ref_and_get_att_use_explicit_names_and_arn_patterns() -> None:
    resolver = _resolver(TEMPLATE)

    assert resolver.resolve({"Ref": "Orders1A2B3C4D"}) == "orders"
    assert resolver.resolve({"Fn::GetAtt": ["Orders1A2B3C4D", "Arn"]}) == (
        "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    )
    assert resolver.resolve({"Ref": "Bus22222222"}) == "orders-bus"
    assert resolver.resolve({"Fn::GetAtt": "Bus22222222.Arn"}) == (
        "arn:aws:events:us-east-1:000000000000:event-bus/orders-bus"
    )
    assert resolver.resolve({"Fn::GetAtt": ["Rest55555555", "RootResourceId"]}) != resolver.resolve(
        {"Ref": "Rest55555555"}
    )


def test_generated_names_are_cloudformation_shaped_and_stable() -> None:
    first = _resolver(TEMPLATE)
    second = _resolver(TEMPLATE)

    queue = first.resolve({"Fn::GetAtt": ["Kitchen5E6F7A8B", "QueueName"]})
    role = first.resolve({"Ref": "Role33333333"})

    assert queue == second.resolve({"Fn::GetAtt": ["Kitchen5E6F7A8B", "QueueName"]})
    assert queue.startswith("Shop-Data-Kitchen5E6F7A8B-") and queue.endswith(".fifo")
    assert first.resolve({"Ref": "Kitchen5E6F7A8B"}) == f"https://sqs.us-east-1.amazonaws.com/000000000000/{queue}"
    assert first.resolve({"Fn::GetAtt": ["Role33333333", "Arn"]}) == f"arn:aws:iam::000000000000:role/{role}"
    assert first.resolve({"Ref": "Topic11111111"}).startswith("arn:aws:sns:us-east-1:000000000000:Shop-Data-Topic")


def test_generated_names_respect_length_limits_and_lowercase() -> None:
    long_stack, long_id = "S" * 80, "Logical" * 20

    queue = generated_name(long_stack, long_id, max_length=80, extension=".fifo")
    bucket = generated_name("Shop-Data", "Images1234ABCD", max_length=63, lowercase=True)

    assert len(queue) == 80 and queue.endswith(".fifo")
    assert bucket == bucket.lower() and bucket.startswith("shop-data-images1234abcd-")


def test_recorded_state_wins_over_planned_values() -> None:
    resolver = _resolver(TEMPLATE)
    resolver.state["Kitchen5E6F7A8B"] = ResourceValues("http://moto/000000000000/q.fifo", {"Arn": "arn:q"})

    assert resolver.resolve({"Ref": "Kitchen5E6F7A8B"}) == "http://moto/000000000000/q.fifo"
    assert resolver.resolve({"Fn::GetAtt": ["Kitchen5E6F7A8B", "Arn"]}) == "arn:q"


def test_join_select_split() -> None:
    resolver = _resolver(TEMPLATE)
    arn = {"Fn::GetAtt": ["Orders1A2B3C4D", "Arn"]}

    assert resolver.resolve({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":x"]]}) == "arn:aws:x"
    assert resolver.resolve({"Fn::Select": [3, {"Fn::Split": [":", arn]}]}) == "us-east-1"
    assert resolver.resolve({"Fn::Select": ["1", ["a", "b"]]}) == "b"
    assert resolver.resolve({"Fn::Join": [",", {"Fn::Split": ["/", "a/b/c"]}]}) == "a,b,c"


def test_sub_in_both_forms_with_attributes_and_literals() -> None:
    resolver = _resolver(TEMPLATE)

    assert resolver.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Orders1A2B3C4D}/*"}) == "arn:aws:s3:::orders/*"
    assert resolver.resolve({"Fn::Sub": "${Bus22222222.Arn}"}).endswith(":event-bus/orders-bus")
    assert resolver.resolve({"Fn::Sub": "${!Literal}-${Stage}"}) == "${Literal}-dev"
    assert resolver.resolve({"Fn::Sub": ["${Name}@${AWS::Region}", {"Name": {"Ref": "Orders1A2B3C4D"}}]}) == (
        "orders@us-east-1"
    )


def test_conditions_if_and_no_value() -> None:
    resolver = _resolver(TEMPLATE)

    assert resolver.condition("IsDev") is True
    assert resolver.condition("IsProd") is False
    assert resolver.condition("DevInUsEast") is True
    assert resolver.condition("Either") is True
    assert resolver.resolve({"Fn::If": ["IsDev", "small", "large"]}) == "small"
    assert resolver.resolve({"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "B": 2}) == {"B": 2}
    assert resolver.resolve([1, {"Ref": "AWS::NoValue"}, 3]) == [1, 3]
    assert resolver.is_active("ProdOnly66666666") is False
    assert resolver.outputs() == {"TableName": "orders"}


def test_find_in_map_base64_get_azs_and_json() -> None:
    resolver = _resolver(TEMPLATE)

    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}) == "256"
    assert resolver.resolve({"Fn::Base64": "hola"}) == base64.b64encode(b"hola").decode()
    assert resolver.resolve({"Fn::GetAZs": ""}) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert json.loads(resolver.resolve({"Fn::ToJsonString": {"a": {"Ref": "Stage"}}})) == {"a": "dev"}


def test_import_value_reads_exports_of_other_stacks() -> None:
    producer = _resolver(TEMPLATE)
    exports = producer.exported()
    consumer = Resolver(_stack({"Resources": {}}, name="Shop-Api"), exports=exports)

    assert exports == {"Shop-Data:TableName": "orders"}
    assert consumer.resolve({"Fn::ImportValue": "Shop-Data:TableName"}) == "orders"
    with pytest.raises(UnresolvableError, match="unknown export"):
        consumer.resolve({"Fn::ImportValue": "Shop-Data:Missing"})


def test_unknown_references_and_attributes_fail_loudly() -> None:
    resolver = _resolver(TEMPLATE)

    with pytest.raises(UnresolvableError, match="Nope"):
        resolver.resolve({"Ref": "Nope"})
    with pytest.raises(UnresolvableError, match="no attribute 'Colour'"):
        resolver.resolve({"Fn::GetAtt": ["Orders1A2B3C4D", "Colour"]})
    with pytest.raises(UnresolvableError, match="Fn::Cidr"):
        resolver.resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]})


def test_resource_order_follows_depends_on_and_references() -> None:
    stack = _stack(
        {
            "Resources": {
                "Rule": {
                    "Type": "AWS::Events::Rule",
                    "Properties": {"Targets": [{"Arn": {"Fn::GetAtt": ["Q", "Arn"]}}]},
                },
                "Sub": {
                    "Type": "AWS::SNS::Subscription",
                    "Properties": {"Endpoint": {"Fn::Sub": "${Dlq.Arn}"}},
                },
                "Q": {"Type": "AWS::SQS::Queue", "DependsOn": ["Dlq"]},
                "Dlq": {"Type": "AWS::SQS::Queue"},
            }
        }
    )

    order = resource_order(stack)

    assert order.index("Dlq") < order.index("Q") < order.index("Rule")
    assert order.index("Dlq") < order.index("Sub")


def test_resource_cycles_are_reported() -> None:
    stack = _stack({"Resources": {"A": {"Type": "X", "DependsOn": "B"}, "B": {"Type": "X", "DependsOn": "A"}}})

    with pytest.raises(AssemblyError, match="cycle"):
        resource_order(stack)


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def test_load_stacks_reads_top_level_and_stage_assemblies_in_dependency_order(tmp_path: Path) -> None:
    (tmp_path / "asset.abc123").mkdir()
    _write_json(
        tmp_path / "manifest.json",
        {
            "artifacts": {
                "assembly-Prod": {
                    "type": "cdk:cloud-assembly",
                    "properties": {"directoryName": "assembly-Prod"},
                },
                "Tools": {
                    "type": "aws:cloudformation:stack",
                    "properties": {"templateFile": "Tools.template.json"},
                },
            }
        },
    )
    _write_json(tmp_path / "Tools.template.json", {"Resources": {}})
    nested = tmp_path / "assembly-Prod"
    _write_json(
        nested / "manifest.json",
        {
            "artifacts": {
                "ProdApi.assets": {
                    "type": "cdk:asset-manifest",
                    "properties": {"file": "ProdApi.assets.json"},
                },
                "ProdApi": {
                    "type": "aws:cloudformation:stack",
                    "displayName": "Prod/Api",
                    "properties": {"templateFile": "ProdApi.template.json", "stackName": "Prod-Api"},
                    "dependencies": ["ProdData", "ProdApi.assets"],
                },
                "ProdData": {
                    "type": "aws:cloudformation:stack",
                    "properties": {"templateFile": "ProdData.template.json", "stackName": "Prod-Data"},
                },
            }
        },
    )
    _write_json(nested / "ProdApi.template.json", {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}})
    _write_json(nested / "ProdData.template.json", {"Resources": {}})
    _write_json(
        nested / "ProdApi.assets.json",
        {"files": {"abc123": {"source": {"path": "../asset.abc123", "packaging": "zip"}, "destinations": {}}}},
    )

    stacks = load_stacks(tmp_path)

    assert [s.stack_name for s in stacks] == ["Prod-Data", "Prod-Api", "Tools"]
    api = stacks[1]
    assert api.key == "assembly-Prod/ProdApi" and api.display_name == "Prod/Api"
    assert api.dependencies == ("assembly-Prod/ProdData",)
    assert api.asset_path("abc123.zip") == (tmp_path / "asset.abc123").resolve()
    assert api.asset_path("missing.zip") is None


def test_load_stacks_rejects_a_folder_without_manifest(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match=r"manifest\.json"):
        load_stacks(tmp_path)
