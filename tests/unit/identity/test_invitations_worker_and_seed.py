"""Onboarding's invitation request (SQS worker) and the demo seeding script."""

from __future__ import annotations

import json

from identity_world import LambdaContext, authorize, call, table_name
from rest_events import rest_event

import empleados.worker as worker
import usuarios.handler as users_handler
from localcloud.demo_identity import DEMO_PASSWORD, seed_identity


def onboard_admin(cloud, status="invited", employee_id="admin-1"):
    """What the Tenant construct writes for a tenant's first admin."""
    cloud.dynamodb.put_item(
        TableName=table_name("empleados"),
        Item={
            "tenant_id": {"S": "tenant-a"},
            "employee_id": {"S": employee_id},
            "email": {"S": "admin@tenant-a.pe"},
            "name": {"S": "Administrador"},
            "rol": {"S": "admin"},
            "location_id": {"S": "larco"},
            "tenant_location": {"S": "tenant-a#larco"},
            "status": {"S": status},
        },
    )
    cloud.dynamodb.put_item(
        TableName=table_name("tenants"),
        Item={
            "tenant_id": {"S": "tenant-a"},
            "name": {"S": "Bembos A"},
            "status": {"S": "active"},
            "admin_email": {"S": "admin@tenant-a.pe"},
        },
    )


def sqs_batch(*requests):
    records = []
    for i, (event_id, employee_id) in enumerate(requests):
        body = {
            "id": event_id,
            "source": "bembos.identity",
            "detail-type": "EmployeeInvitationRequested",
            "detail": {"tenant_id": "tenant-a", "employee_id": employee_id},
        }
        records.append(
            {
                "messageId": f"m{i}",
                "receiptHandle": "r",
                "body": json.dumps(body),
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:invitaciones",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def test_onboarding_request_invites_the_first_admin_once_per_event(cloud) -> None:
    onboard_admin(cloud)

    first = worker.lambda_handler(sqs_batch(("ev-1", "admin-1")), LambdaContext())
    redelivered = worker.lambda_handler(sqs_batch(("ev-1", "admin-1")), LambdaContext())

    assert first == redelivered == {"batchItemFailures": []}
    [event] = cloud.events("EmployeeInvited")
    assert event["detail"]["email"] == "admin@tenant-a.pe" and event["detail"]["rol"] == "admin"
    assert len(cloud.tokens()) == 1


def test_an_active_admin_is_not_invited_again(cloud) -> None:
    onboard_admin(cloud, status="active")
    assert worker.lambda_handler(sqs_batch(("ev-1", "admin-1")), LambdaContext()) == {"batchItemFailures": []}
    assert cloud.events("EmployeeInvited") == [] and cloud.tokens() == []


def test_an_unknown_employee_fails_only_its_own_message(cloud) -> None:
    onboard_admin(cloud)
    result = worker.lambda_handler(sqs_batch(("ev-1", "ghost"), ("ev-2", "admin-1")), LambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert len(cloud.events("EmployeeInvited")) == 1


def tables():
    return {short: table_name(short) for short in ("tenants", "usuarios", "tokens", "empleados", "locales")}


def test_seeding_creates_active_staff_of_every_role_and_a_customer_who_can_log_in(cloud) -> None:
    onboard_admin(cloud)

    accounts = seed_identity(cloud.dynamodb, tables(), "tenant-a")

    assert {s["rol"] for s in accounts["staff"]} == {"admin", "cocinero", "empaquetador", "repartidor"}
    assert "cocina.larco@tenant-a.pe" in {s["email"] for s in accounts["staff"]}
    for email, expected in [(s["email"], s["rol"]) for s in accounts["staff"]] + [("cliente@demo.pe", "cliente")]:
        status, session = call(
            users_handler,
            rest_event(
                "POST",
                "/usuarios/login",
                body={"email": email, "password": DEMO_PASSWORD},
                headers={"X-Tenant-Id": "tenant-a"},
            ),
        )
        assert status == 200 and session["rol"] == expected, email
        assert authorize(session["token"])["rol"] == expected
    assert cloud.events() == []  # no demo emails


def test_seeding_twice_changes_nothing(cloud) -> None:
    onboard_admin(cloud)
    first = seed_identity(cloud.dynamodb, tables(), "tenant-a")
    before = cloud.snapshot()

    second = seed_identity(cloud.dynamodb, tables(), "tenant-a")

    assert second == first
    assert cloud.snapshot() == before
