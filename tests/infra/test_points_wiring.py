"""The loyalty points in the templates: only the events that move points reach their consumer's queue, and each
points function may do exactly what it needs (the order's projected attributes; an admin's customer by key)."""

from __future__ import annotations

import json
from typing import Any

from core import contracts
from puntos import dal as points_dal
from stacks.points_services import ORDER_ATTRIBUTES


def _policy_statements(dev_app: Any, prefix: str) -> list[dict[str, Any]]:
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith(prefix)]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _dynamodb(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in statements if "dynamodb:" in json.dumps(s["Action"])]


def test_only_deliveries_and_refunds_reach_the_points_queue(dev_app) -> None:
    rules = dict(dev_app.template("messaging").find_resources("AWS::Events::Rule"))
    patterns = {k.split("Rule")[0]: r["Properties"]["EventPattern"] for k, r in rules.items() if k.startswith("Points")}

    assert patterns == {
        "PointsDelivered": {
            "source": [contracts.EVENT_SOURCE_ORDERS],
            "detail-type": [contracts.ORDER_STATUS_CHANGED],
            "detail": {"estado_pedido": ["ENTREGADO"]},
        },
        "PointsRefunded": {
            "source": [contracts.EVENT_SOURCE_ORDERS],
            "detail-type": [contracts.ORDER_OVERDUE],
            "detail": {"estado_pedido": ["REQUIERE_ADMIN"], "reason": ["payment_refunded", "payment_charged_back"]},
        },
    }
    for key, rule in rules.items():
        if key.startswith("Points"):
            target = rule["Properties"]["Targets"][0]
            assert target["Arn"]["Fn::GetAtt"][0].startswith("PointsQueue")
            assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("PointsQueueDlq")
    mappings = dict(dev_app.template("api").find_resources("AWS::Lambda::EventSourceMapping")).values()
    [mapping] = [m for m in mappings if "PointsQueue" in json.dumps(m["Properties"]["EventSourceArn"])]
    assert "PointsConsumer" in json.dumps(mapping["Properties"]["FunctionName"])
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_points_consumer_reads_of_an_order_only_what_it_projects_and_writes_only_the_points(dev_app) -> None:
    orders, points = _dynamodb(_policy_statements(dev_app, "PointsConsumer"))

    assert orders["Action"] == "dynamodb:GetItem" and "Orders" in json.dumps(orders["Resource"])
    assert orders["Condition"]["ForAllValues:StringEquals"] == {"dynamodb:Attributes": list(ORDER_ATTRIBUTES)}
    assert ORDER_ATTRIBUTES == points_dal.ORDER_ATTRIBUTES  # what its GetItem projects
    assert "customer_email" not in ORDER_ATTRIBUTES and "customer_phone" not in ORDER_ATTRIBUTES
    assert sorted(points["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert "Points" in json.dumps(points["Resource"]) and "Orders" not in json.dumps(points["Resource"])


def test_the_points_routes_read_the_points_and_only_the_key_of_a_customer(dev_app) -> None:
    points, users = _dynamodb(_policy_statements(dev_app, "Puntos"))

    assert sorted(points["Action"]) == ["dynamodb:GetItem", "dynamodb:Query"]
    assert "Points" in json.dumps(points["Resource"]) and "/index/" not in json.dumps(points["Resource"])
    assert users["Action"] == "dynamodb:GetItem" and "Users" in json.dumps(users["Resource"])
    assert users["Condition"]["ForAllValues:StringEquals"] == {"dynamodb:Attributes": ["tenant_id", "user_id"]}
