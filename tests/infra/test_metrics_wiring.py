"""The admins' metrics in the templates: the order events reach their consumer through a queue of their own, each
metrics function may do exactly what it needs, and the workflow's events say how the order was dispatched."""

from __future__ import annotations

import json
from typing import Any

from core import contracts
from metricas import dal as metrics_dal
from stacks.metrics_services import TRACKING_ROW_ATTRIBUTES


def _policy_statements(dev_app: Any, prefix: str) -> list[dict[str, Any]]:
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith(prefix)]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _dynamodb_grants(statements: list[dict[str, Any]]) -> list[tuple[list[str], str]]:
    """(actions, resources as JSON) of each DynamoDB statement."""
    found = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(a.startswith("dynamodb:") for a in actions):
            found.append((sorted(actions), json.dumps(statement["Resource"])))
    return found


def test_the_order_events_reach_the_metrics_consumer_through_their_own_queue(dev_app) -> None:
    messaging = dev_app.template("messaging")
    rules = dict(messaging.find_resources("AWS::Events::Rule"))
    [rule] = [r for k, r in rules.items() if k.startswith("MetricsRule")]
    assert rule["Properties"]["EventPattern"] == {
        "source": [contracts.EVENT_SOURCE_ORDERS],
        "detail-type": [contracts.ORDER_STATUS_CHANGED, contracts.ORDER_OVERDUE],
    }
    target = rule["Properties"]["Targets"][0]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("MetricsQueue")
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("MetricsQueueDlq")
    mappings = dict(dev_app.template("api").find_resources("AWS::Lambda::EventSourceMapping")).values()
    [mapping] = [m for m in mappings if "MetricsQueue" in json.dumps(m["Properties"]["EventSourceArn"])]
    assert "MetricsConsumer" in json.dumps(mapping["Properties"]["FunctionName"])
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_metrics_consumer_reads_the_stage_rows_and_the_tenants_and_writes_only_the_metrics(dev_app) -> None:
    grants = _dynamodb_grants(_policy_statements(dev_app, "MetricsConsumer"))

    assert [actions for actions, _ in grants] == [
        ["dynamodb:GetItem"],
        ["dynamodb:GetItem"],
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],  # the quote state read at PAGADO, ENTREGADO
    ]
    rows, tenants, writes = (resources for _, resources in grants)
    assert all(table in rows for table in ("Cocina", "Despachador", "Delivery"))
    assert "Tenants" in tenants and all(t not in tenants for t in ("Cocina", "Despachador", "Delivery"))
    assert all(t not in rows + tenants for t in ("Metrics", "Orders"))
    assert "Metrics" in writes and all(t not in writes for t in ("Cocina", "Tenants", "Orders"))


def test_the_metrics_consumer_reads_of_a_tracking_row_only_what_its_dal_projects_never_the_task_token(dev_app) -> None:
    [rows] = [s for s in _policy_statements(dev_app, "MetricsConsumer") if "Cocina" in json.dumps(s["Resource"])]

    assert rows["Action"] == "dynamodb:GetItem"
    assert rows["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:Attributes": list(TRACKING_ROW_ATTRIBUTES)},
        "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    }
    # the attributes the consumer's GetItem projects (metricas.dal), the row's keys among them
    assert TRACKING_ROW_ATTRIBUTES == metrics_dal.TRACKING_ROW_ATTRIBUTES
    assert {"tenant_id", "order_id"} <= set(TRACKING_ROW_ATTRIBUTES) and "task_token" not in TRACKING_ROW_ATTRIBUTES


def test_the_metrics_routes_query_the_metrics_and_read_the_tenants_only(dev_app) -> None:
    grants = _dynamodb_grants(_policy_statements(dev_app, "Metricas"))

    # the reports' Queries and the quotes' GetItem of a location's quote state; the tenants' time limits
    assert [actions for actions, _ in grants] == [["dynamodb:GetItem", "dynamodb:Query"], ["dynamodb:GetItem"]]
    assert "Metrics" in grants[0][1] and "/index/" not in grants[0][1]
    assert "Tenants" in grants[1][1] and "Metrics" not in grants[1][1]


def test_every_event_of_the_workflow_says_how_the_order_is_dispatched(dev_app) -> None:
    machine = next(iter(dict(dev_app.template("workflow").find_resources("AWS::StepFunctions::StateMachine")).values()))
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    states = json.loads("".join(p if isinstance(p, str) else "REF" for p in parts))["States"]
    details = [
        entry["Detail"]
        for state in states.values()
        if state.get("Resource", "").endswith(":events:putEvents")
        for entry in state["Parameters"]["Entries"]
    ]
    assert len(details) >= 5  # ENTREGADO, CANCELADO, the three stages' overdue alerts, the hand-over to the admins
    assert all(detail["dispatch.$"] == "$.dispatch" for detail in details)
