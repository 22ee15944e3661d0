"""The identity microservices on the REST API: users (``/usuarios``, ``/perfil``), employees (``/empleados``)
and the worker that sends onboarding's invitations. Called once from ``ApiStack``.

Each function gets exactly the DynamoDB actions its DAL makes, on the exact tables and indexes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs.grants import allow, index_arn, parameter_arn
from constructs.microservice import Route
from constructs.service_function import ServiceFunction
from constructs.work_queue import CONSUMER_TIMEOUT

from services.core import contracts

if TYPE_CHECKING:  # the ApiStack calls add_identity_services from its __init__
    from stacks.api import ApiStack


def staff_app_url(api: ApiStack) -> str:
    """The staff app's base when the operator set one (``-c staff_app_url=https://...``); else empty, and
    the functions read the Amplify app's address that FrontendStack publishes. The local cloud overrides it."""
    origin = str(api.node.try_get_context("staff_app_url") or "")
    return f"{origin.rstrip('/')}/{contracts.WEB_APP_PATHS['staff']}" if origin else ""


def add_identity_services(api: ApiStack) -> None:
    if "usuarios" in api.microservices:
        raise RuntimeError("add_identity_services() was already called on this ApiStack")
    data, bus = api.data, api.messaging.bus
    users = api.add_microservice(
        "usuarios",
        handler="usuarios.handler.lambda_handler",
        routes=[
            Route("POST", "/usuarios", public=True),
            Route("POST", "/usuarios/login", public=True),
            Route("POST", "/usuarios/logout"),
            Route("GET", "/perfil"),
            Route("PUT", "/perfil"),
            Route("PATCH", "/perfil"),
            Route("DELETE", "/perfil"),
        ],
        environment={
            "TENANTS_TABLE": data.tenants.table_name,
            "USERS_TABLE": data.users.table_name,
            "EMPLOYEES_TABLE": data.employees.table_name,
            "TOKENS_TABLE": data.tokens.table_name,
            "EVENT_BUS_NAME": bus.event_bus_name,
        },
        # argon2id (19 MiB, t=2) takes tens of milliseconds; a cold start plus a login fits easily.
        timeout=cdk.Duration.seconds(15),
    )
    allow(users.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
    allow(
        users.role,
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        [data.users.table_arn],
    )
    # Login reads an account through its email lock (strongly consistent GetItems), never the by_email index.
    allow(users.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.employees.table_arn])
    allow(
        users.role,
        # a token and its subject's index in one transaction (PutItem + UpdateItem), revocation (GetItem,
        # BatchWriteItem), logout (DeleteItem)
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ],
        [data.tokens.table_arn],
    )
    allow(users.role, ["dynamodb:Query"], [index_arn(data.tokens, "by_subject")])
    allow(users.role, ["events:PutEvents"], [bus.event_bus_arn])

    employees_env = {
        "TENANTS_TABLE": data.tenants.table_name,
        "EMPLOYEES_TABLE": data.employees.table_name,
        "LOCATIONS_TABLE": data.locations.table_name,
        "TOKENS_TABLE": data.tokens.table_name,
        "EVENT_BUS_NAME": bus.event_bus_name,
        "STAFF_APP_URL": staff_app_url(api),
        "STAFF_APP_URL_PARAMETER": api.stage.web_parameter("staff-url"),
    }
    employees = api.add_microservice(
        "empleados",
        handler="empleados.handler.lambda_handler",
        routes=[
            Route("POST", "/empleados"),
            Route("GET", "/empleados"),
            Route("GET", "/empleados/{employee_id}"),
            Route("PATCH", "/empleados/{employee_id}"),
            Route("DELETE", "/empleados/{employee_id}"),
            Route("POST", "/empleados/{employee_id}/invitacion"),
            Route("POST", "/empleados/activar", public=True),
        ],
        environment=employees_env,
        timeout=cdk.Duration.seconds(15),
    )
    _grant_employees(employees.role, api)
    staff_url = parameter_arn(api, api.stage.web_parameter("staff-url"))  # published by FrontendStack
    allow(employees.role, ["ssm:GetParameter"], [staff_url])

    worker = ServiceFunction(
        api,
        "InvitacionesWorker",
        stage=api.stage,
        service="invitaciones",
        handler="empleados.worker.lambda_handler",
        layer=api.layer,
        environment=employees_env,
        timeout=CONSUMER_TIMEOUT,
    )
    # The worker reads the employee and the tenant, stores the invitation token, marks the employee, publishes.
    allow(worker.role, ["dynamodb:GetItem"], [data.tenants.table_arn])
    allow(worker.role, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [data.employees.table_arn])
    allow(worker.role, ["dynamodb:PutItem", "dynamodb:UpdateItem"], [data.tokens.table_arn])  # token + subject index
    allow(worker.role, ["events:PutEvents"], [bus.event_bus_arn])
    allow(worker.role, ["ssm:GetParameter"], [staff_url])
    api.messaging.invitation_requests.consumed_by(worker.function, batch_size=10, max_concurrency=2)


def _grant_employees(role: iam.IRole, api: ApiStack) -> None:
    """What the employees DAL calls: tenants/locations reads, employees writes, tokens, the bus."""
    data = api.data
    allow(role, ["dynamodb:GetItem"], [data.tenants.table_arn, data.locations.table_arn])
    allow(role, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [data.employees.table_arn])
    allow(
        role,
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ],
        [data.tokens.table_arn],
    )
    allow(role, ["dynamodb:Query"], [index_arn(data.tokens, "by_subject")])
    allow(role, ["dynamodb:Query"], [index_arn(data.employees, "by_email"), index_arn(data.employees, "by_location")])
    allow(role, ["events:PutEvents"], [api.messaging.bus.event_bus_arn])
