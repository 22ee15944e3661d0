"""Least privilege the unit tests cannot see: what the synthesized roles may read."""

from __future__ import annotations

import json
from typing import Any

from core import contracts


def _statements_on(dev_app: Any, policy_prefix: str, table_logical_prefix: str) -> list[dict[str, Any]]:
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith(policy_prefix)]
    return [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if table_logical_prefix in json.dumps(s["Resource"])
    ]


def test_the_orders_function_reads_only_what_an_order_copies_from_its_customer(dev_app) -> None:
    [statement] = _statements_on(dev_app, "Pedidos", "ExportsOutputFnGetAttUsers")
    assert statement["Action"] == "dynamodb:BatchGetItem"
    assert statement["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": list(contracts.ORDER_CUSTOMER_ATTRIBUTES)},
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }
    assert "password_hash" not in contracts.ORDER_CUSTOMER_ATTRIBUTES


def test_the_authorizer_reads_the_token_and_its_tenant_only(dev_app) -> None:
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith("AuthorizerFunction")]
    dynamo = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "dynamodb" in json.dumps(s["Action"])]
    assert [s["Action"] for s in dynamo] == ["dynamodb:GetItem"]
    resources = json.dumps(dynamo[0]["Resource"])
    assert "Tokens" in resources and "Tenants" in resources
    assert len(dynamo[0]["Resource"]) == 2
