"""The identity services in the synthesized dev app (passes once ApiStack calls ``add_identity_services``
and the Tenants stack, which asks for the first admins' invitations, deploys after it)."""

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


def test_onboarding_requests_first_admins_invitations_from_a_stack_deployed_after_the_rule(dev_app) -> None:
    template = dev_app.template("messaging")
    rules = _resources(template, "AWS::Events::Rule")
    assert any(
        contracts.EMPLOYEE_INVITATION_REQUESTED in r["Properties"].get("EventPattern", {}).get("detail-type", [])
        for r in rules.values()
    )
    assert dev_app.platform.messaging.stack_name in {s.stack_name for s in dev_app.platform.tenants.dependencies}
    assert not _resources(template, "Custom::AWS")  # no per-tenant request any more: the provisioner sends them


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
