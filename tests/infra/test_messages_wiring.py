"""Issue 11's realtime wiring in the templates: the complaint events reach the realtime notifier, the messages'
REST function only reads, and the users and employees functions may close a person's sockets and nothing more."""

from __future__ import annotations

import json
from typing import Any

from core import contracts


def _statements(dev_app: Any, prefix: str) -> list[dict[str, Any]]:
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    found = [p for k, p in policies.items() if k.startswith(prefix)]
    assert found, prefix
    return [s for p in found for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return sorted(action if isinstance(action, list) else [action])


def test_the_complaint_events_reach_the_realtime_notifiers_queue(dev_app) -> None:
    rules = dict(dev_app.template("messaging").find_resources("AWS::Events::Rule"))
    [rule] = [r for k, r in rules.items() if k.startswith("RealtimeRule")]
    pattern = rule["Properties"]["EventPattern"]
    assert contracts.EVENT_SOURCE_COMPLAINTS in pattern["source"]
    assert {contracts.COMPLAINT_FILED, contracts.COMPLAINT_ANSWERED} <= set(pattern["detail-type"])


def test_the_messages_rest_function_only_queries_the_messages_and_the_staff_directory(dev_app) -> None:
    dynamodb = [s for s in _statements(dev_app, "MensajesServiceRole") if _actions(s)[0].startswith("dynamodb:")]
    assert {a for s in dynamodb for a in _actions(s)} == {"dynamodb:Query"}
    resources = json.dumps([s["Resource"] for s in dynamodb])
    assert "Messages" in resources and "/index/by_sender" in resources
    assert "/index/by_location" in resources and "/index/by_email" in resources
    assert "Connections" not in resources and "Tokens" not in resources


def test_the_users_and_employees_functions_may_close_sockets_on_the_connections_path_only(dev_app) -> None:
    for prefix in ("UsuariosServiceRole", "EmpleadosServiceRole"):
        statements = _statements(dev_app, prefix)
        manage = [s for s in statements if "execute-api:ManageConnections" in _actions(s)]
        assert len(manage) == 1 and _actions(manage[0]) == ["execute-api:ManageConnections"]
        assert json.dumps(manage[0]["Resource"]).endswith('/*/@connections/*"]]}')
        connections = [s for s in statements if "Connections" in json.dumps(s["Resource"])]
        grants = {(a, "/index/" in json.dumps(s["Resource"])) for s in connections for a in _actions(s)}
        assert grants == {("dynamodb:Query", True), ("dynamodb:DeleteItem", False)}, prefix
        assert "by_subject" in json.dumps([s["Resource"] for s in connections])
