"""The identity services in the synthesized dev app (passes once ApiStack calls ``add_identity_services``
and ``app.py`` passes ``invitations=platform.messaging.invitations`` to each ``Tenant``)."""

from __future__ import annotations

import json
from typing import Any

from core import contracts


def _resources(template: Any, type_name: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(type_name))


def _function(dev_app, service: str) -> dict[str, Any]:
    functions = _resources(dev_app.template("api"), "AWS::Lambda::Function")
    return next(
        f["Properties"]
        for f in functions.values()
        if f["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME") == service
    )


def test_identity_functions_get_their_tables_bus_and_staff_app_url(dev_app) -> None:
    users = _function(dev_app, "usuarios")["Environment"]["Variables"]
    employees = _function(dev_app, "empleados")["Environment"]["Variables"]
    assert {"TENANTS_TABLE", "USERS_TABLE", "EMPLOYEES_TABLE", "TOKENS_TABLE", "EVENT_BUS_NAME"} <= set(users)
    assert {"LOCATIONS_TABLE", "TOKENS_TABLE", "EVENT_BUS_NAME", "STAFF_APP_URL"} <= set(employees)
    assert _function(dev_app, "invitaciones")["Handler"] == "empleados.worker.lambda_handler"


def test_only_registration_login_and_activation_are_public(dev_app) -> None:
    template = dev_app.template("api")
    text = json.dumps(_resources(template, "AWS::ApiGateway::Resource"))
    for part in ("usuarios", "login", "logout", "perfil", "empleados", "activar", "{employee_id}"):
        assert f'"PathPart": "{part}"' in text, part
    public = [
        m
        for m in _resources(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] != "OPTIONS" and m["Properties"]["AuthorizationType"] == "NONE"
    ]
    # /health, /config/{app} + POST /usuarios, POST /usuarios/login, POST /empleados/activar (+ other services' own)
    assert len(public) >= 5


def test_the_invitations_worker_consumes_its_queue_with_partial_batch_failures(dev_app) -> None:
    mappings = _resources(dev_app.template("api"), "AWS::Lambda::EventSourceMapping")
    assert any(
        m["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
        and "Invitations" in json.dumps(m["Properties"]["EventSourceArn"])
        for m in mappings.values()
    )


def test_onboarding_requests_each_first_admins_invitation_after_the_rule_exists(dev_app) -> None:
    template = dev_app.template("messaging")
    rules = _resources(template, "AWS::Events::Rule")
    rule_id = next(
        k
        for k, r in rules.items()
        if contracts.EMPLOYEE_INVITATION_REQUESTED in r["Properties"].get("EventPattern", {}).get("detail-type", [])
    )
    requests = [r for r in _resources(template, "Custom::AWS").values() if "putEvents" in json.dumps(r["Properties"])]
    assert len(requests) == 2  # one per tenant of app.py
    for request in requests:
        assert rule_id in request["DependsOn"]


def test_identity_roles_write_no_wildcard_resources(dev_app) -> None:
    policies = _resources(dev_app.template("api"), "AWS::IAM::Policy")
    ours = {k: p for k, p in policies.items() if k.startswith(("Usuarios", "Empleados", "InvitacionesWorker"))}
    assert len(ours) == 3
    for logical_id, policy in ours.items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if any(a.startswith("dynamodb:") for a in actions):
                assert "*" not in json.dumps(statement["Resource"]), logical_id
                assert "dynamodb:Scan" not in actions
