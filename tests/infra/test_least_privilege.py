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


def test_each_completion_is_checked_later_through_a_delayed_queue(dev_app) -> None:
    messaging = dev_app.template("messaging")
    [queue] = [
        q
        for q in dict(messaging.find_resources("AWS::SQS::Queue")).values()
        if str(q["Properties"].get("QueueName", "")).endswith("-etapas-verificacion")
    ]
    assert queue["Properties"]["DelaySeconds"] == contracts.COMPLETION_CHECK_DELAY_SECONDS
    api = dev_app.template("api")
    mappings = dict(api.find_resources("AWS::Lambda::EventSourceMapping")).values()
    checker = [m for m in mappings if "CompletionChecker" in json.dumps(m["Properties"]["FunctionName"])]
    assert len(checker) == 1 and "CompletionChecksQueue" in json.dumps(checker[0]["Properties"]["EventSourceArn"])
    policies = dict(api.find_resources("AWS::IAM::Policy"))
    [staff] = [p for k, p in policies.items() if k.startswith("Etapas")]
    sends = [s for s in staff["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "sqs:SendMessage"]
    assert len(sends) == 1 and "CompletionChecksQueue" in json.dumps(sends[0]["Resource"])


def test_no_function_that_settles_payments_outlives_the_in_flight_window(dev_app) -> None:
    from pagos.settlement import IN_FLIGHT_SECONDS

    functions = dict(dev_app.template("api").find_resources("AWS::Lambda::Function")).values()
    settling = [
        f["Properties"]["Timeout"]
        for f in functions
        if f["Properties"].get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME")
        in {"pedidos", "pagos", "pagos-revisor"}
    ]
    assert len(settling) == 3
    assert max(settling) <= contracts.SETTLING_FUNCTION_MAX_SECONDS < IN_FLIGHT_SECONDS


def test_each_order_has_a_payment_review_timer_on_its_own_queue_read_by_its_own_function(dev_app) -> None:
    messaging = dev_app.template("messaging")
    queues = dict(messaging.find_resources("AWS::SQS::Queue")).values()
    [queue] = [q for q in queues if str(q["Properties"].get("QueueName", "")).endswith("-pagos-revision")]
    assert "DelaySeconds" not in queue["Properties"]  # each message says its own delay
    assert "PaymentReviewsQueueDlq" in json.dumps(queue["Properties"]["RedrivePolicy"])
    api = dev_app.template("api")
    mappings = dict(api.find_resources("AWS::Lambda::EventSourceMapping")).values()
    [mapping] = [m for m in mappings if "PaymentReviewsQueue" in json.dumps(m["Properties"]["EventSourceArn"])]
    assert "PaymentReviewer" in json.dumps(mapping["Properties"]["FunctionName"])
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    policies = dict(api.find_resources("AWS::IAM::Policy"))

    def sends(prefix: str) -> list[dict[str, Any]]:
        [policy] = [p for k, p in policies.items() if k.startswith(prefix)]
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        return [s for s in statements if "sqs:SendMessage" in json.dumps(s["Action"])]

    for sender in ("Pedidos", "PaymentReviewer"):  # the order's timer and payment checks; the timer's next look
        [statement] = sends(sender)
        assert "PaymentReviewsQueue" in json.dumps(statement["Resource"])
    [reviewer] = [p for k, p in policies.items() if k.startswith("PaymentReviewer")]
    actions = sorted(
        a
        for s in reviewer["Properties"]["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    # orders (get, update), tenants (get), combos (update: an approval it settles takes the combos' stock)
    assert [a for a in actions if a.startswith("dynamodb:")] == [
        "dynamodb:GetItem",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:UpdateItem",
    ]
    assert "dynamodb:Scan" not in actions and "dynamodb:Query" not in actions


def test_the_public_users_function_updates_only_the_attributes_its_writes_name(dev_app) -> None:
    for table, attributes in (
        ("ExportsOutputFnGetAttEmployees", contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES),
        ("ExportsOutputFnGetAttUsers", contracts.CUSTOMER_UPDATE_ATTRIBUTES),
    ):
        statements = _statements_on(dev_app, "Usuarios", table)
        updates = [s for s in statements if "dynamodb:UpdateItem" in json.dumps(s["Action"])]
        assert len(updates) == 1 and updates[0]["Action"] == "dynamodb:UpdateItem", table
        assert updates[0]["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:Attributes": list(attributes)}}
    assert "rol" not in contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES


def test_the_users_function_reads_only_the_customer_apps_address_of_ssm_and_scans_nothing(dev_app) -> None:
    # The mailed links (verification, password reset) point at the customer app, whose address FrontendStack
    # publishes: the users function may read that one parameter, and no other.
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith("Usuarios")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    ssm = [s for s in statements if "ssm:" in json.dumps(s["Action"])]
    assert [s["Action"] for s in ssm] == ["ssm:GetParameter"]
    assert "web/customer-url" in json.dumps(ssm[0]["Resource"]) and "staff-url" not in json.dumps(ssm[0]["Resource"])
    actions = json.dumps([s["Action"] for s in statements])
    assert "dynamodb:Scan" not in actions and "dynamodb:BatchGetItem" not in actions


def test_the_complaints_function_reads_only_the_customers_address_and_whose_an_order_is(dev_app) -> None:
    for table, attributes in (
        ("ExportsOutputFnGetAttUsers", contracts.COMPLAINT_CUSTOMER_ATTRIBUTES),
        ("ExportsOutputFnGetAttOrders", contracts.COMPLAINT_ORDER_ATTRIBUTES),
    ):
        [statement] = _statements_on(dev_app, "Reclamaciones", table)
        assert statement["Action"] == "dynamodb:GetItem"
        assert statement["Condition"]["ForAllValues:StringEquals"] == {"dynamodb:Attributes": list(attributes)}
    complaints = _statements_on(dev_app, "Reclamaciones", "ExportsOutputFnGetAttComplaints")
    actions = {a for s in complaints for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"}
    assert "password_hash" not in contracts.COMPLAINT_CUSTOMER_ATTRIBUTES


def test_the_email_notifier_hears_the_complaint_events_and_reads_the_entry(dev_app) -> None:
    rules = dict(dev_app.template("messaging").find_resources("AWS::Events::Rule"))
    [email_rule] = [r for k, r in rules.items() if k.startswith("EmailRule")]
    pattern = email_rule["Properties"]["EventPattern"]
    assert contracts.EVENT_SOURCE_COMPLAINTS in pattern["source"]
    assert {contracts.COMPLAINT_FILED, contracts.COMPLAINT_ANSWERED} <= set(pattern["detail-type"])
    [read] = [s for s in _statements_on(dev_app, "EmailNotifier", "ExportsOutputFnGetAttComplaints")]
    assert read["Action"] == "dynamodb:GetItem"


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_the_staff_mails_read_the_staff_by_index_and_the_metrics_day_rows_and_the_summary_is_scheduled(dev_app):
    rules = dict(dev_app.template("messaging").find_resources("AWS::Events::Rule"))
    [email_rule] = [r for k, r in rules.items() if k.startswith("EmailRule")]
    pattern = email_rule["Properties"]["EventPattern"]
    assert contracts.EVENT_SOURCE_NOTIFICATIONS in pattern["source"]
    assert contracts.DAILY_SUMMARY_REQUESTED in pattern["detail-type"]
    [schedule] = [r for k, r in rules.items() if k.startswith("DailySummarySchedule")]
    assert schedule["Properties"]["ScheduleExpression"] == "cron(0 12 * * ? *)"  # 07:00 in Lima
    assert "DailySummaryQueue" in json.dumps(schedule["Properties"]["Targets"])

    employees = _statements_on(dev_app, "EmailNotifier", "ExportsOutputFnGetAttEmployees")
    assert _actions(employees) == {"dynamodb:Query"}
    assert "/index/by_location" in json.dumps(employees) and "/index/by_email" in json.dumps(employees)
    assert _actions(_statements_on(dev_app, "EmailNotifier", "ExportsOutputFnGetAttMetrics")) == {
        "dynamodb:BatchGetItem"
    }
    assert _actions(_statements_on(dev_app, "EmailNotifier", "ExportsOutputFnGetAttLocations")) == {"dynamodb:Query"}

    # The scheduler lists the tenants (its one Scan, of that table only) and publishes; it reads nothing else.
    policies = dict(dev_app.template("api").find_resources("AWS::IAM::Policy"))
    [policy] = [p for k, p in policies.items() if k.startswith("DailySummaryScheduler")]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    dynamodb = [s for s in statements if "dynamodb:" in json.dumps(s["Action"])]
    assert [s["Action"] for s in dynamodb if "dynamodb:Scan" in json.dumps(s["Action"])] == ["dynamodb:Scan"]
    assert all("ExportsOutputFnGetAttTenants" in json.dumps(s["Resource"]) for s in dynamodb)
    assert _actions(_statements_on(dev_app, "DailySummaryScheduler", "DailySummaryQueue")) >= {"sqs:SendMessage"}
