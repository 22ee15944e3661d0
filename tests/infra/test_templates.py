"""Assertions on the synthesized dev and prod templates (one synth per stage per session)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from core import contracts

# The only routes that may skip the authorizer: read before a session exists, or called by Mercado Pago.
PUBLIC_ALLOWED = {
    ("GET", "/health"),
    ("GET", "/config/{app}"),
    ("GET", "/tienda"),
    ("GET", "/producto"),
    ("GET", "/producto/{product_id}"),
    ("GET", "/combos"),
    ("GET", "/combos/{combo_id}"),
    ("GET", "/locales"),
    ("GET", "/locales/{location_id}"),
    ("GET", "/locales/{location_id}/espera"),  # the checkout's ready-time quote (metricas.quotes)
    ("POST", "/usuarios"),
    ("POST", "/usuarios/verificacion"),
    ("POST", "/usuarios/verificacion/reenvio"),
    ("POST", "/usuarios/contrasena/olvido"),
    ("POST", "/usuarios/contrasena/restablecer"),
    ("POST", "/usuarios/login"),
    ("POST", "/empleados/activar"),
    ("POST", "/pagos/webhook/{tenant}"),
}


def resources(template: Any, type_name: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(type_name))


def test_every_table_is_partitioned_by_tenant_id(dev_app) -> None:
    tables = resources(dev_app.template("data"), "AWS::DynamoDB::Table")
    assert len(tables) >= 12
    for logical_id, table in tables.items():
        key_schema = table["Properties"]["KeySchema"]
        assert key_schema[0] == {"AttributeName": "tenant_id", "KeyType": "HASH"}, logical_id


def test_tables_have_the_indexes_the_access_patterns_need(dev_app) -> None:
    tables = resources(dev_app.template("data"), "AWS::DynamoDB::Table")
    by_name = {t["Properties"]["TableName"]: t["Properties"] for t in tables.values()}

    def gsis(name: str) -> set[str]:
        return {g["IndexName"] for g in by_name[f"bembos-dev-{name}"].get("GlobalSecondaryIndexes", [])}

    assert {"by_customer", "by_location_state"} <= gsis("pedidos")
    assert {"by_location", "by_email"} <= gsis("empleados")
    assert "by_email" in gsis("usuarios")
    for stage_table in ("cocina", "despachador", "delivery"):
        assert "by_queue" in gsis(stage_table)
    assert by_name["bembos-dev-tokens"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }


def test_every_table_has_exactly_the_schema_of_the_data_model(dev_app) -> None:
    """The unit tests build their moto tables from ``contracts.TABLES``: the deployed ones may not differ."""

    def attributes(table: dict[str, Any]) -> dict[str, str]:  # in any order
        return {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}

    def indexes(table: dict[str, Any]) -> dict[str, Any]:
        return {i["IndexName"]: (i["KeySchema"], i["Projection"]) for i in table.get("GlobalSecondaryIndexes", [])}

    prefix = dev_app.platform.stage.prefix
    deployed = {
        table["Properties"]["TableName"].removeprefix(f"{prefix}-"): table["Properties"]
        for table in resources(dev_app.template("data"), "AWS::DynamoDB::Table").values()
    }
    assert deployed.keys() == contracts.TABLES.keys()
    for name, schema in contracts.TABLES.items():
        table, declared = deployed[name], schema.create_request(name)
        assert table["KeySchema"] == declared["KeySchema"], name
        assert attributes(table) == attributes(declared), name
        assert indexes(table) == indexes(declared), name
        ttl = {"AttributeName": schema.ttl, "Enabled": True} if schema.ttl else None
        assert table.get("TimeToLiveSpecification") == ttl, name


def test_tables_are_encrypted(dev_app) -> None:
    for table in resources(dev_app.template("data"), "AWS::DynamoDB::Table").values():
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True


def test_images_bucket_is_private_encrypted_and_tls_only(dev_app) -> None:
    template = dev_app.template("data")
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": Match.any_value(),
            "LoggingConfiguration": Match.any_value(),
        },
    )
    policies = json.dumps(resources(template, "AWS::S3::BucketPolicy"))
    assert '"aws:SecureTransport": "false"' in policies


def test_work_queues_are_high_throughput_fifo_with_explicit_dedup_and_a_dlq(dev_app) -> None:
    queues = resources(dev_app.template("messaging"), "AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"]: q["Properties"] for q in queues.values()}
    for queue_name in (stage.slug for stage in contracts.STAGES.values()):
        props = by_name[f"bembos-dev-{queue_name}.fifo"]
        assert props["FifoQueue"] is True
        assert props["ContentBasedDeduplication"] is False
        assert props["DeduplicationScope"] == "messageGroup"
        assert props["FifoThroughputLimit"] == "perMessageGroupId"
        assert props["RedrivePolicy"]["maxReceiveCount"] == 5
        assert by_name[f"bembos-dev-{queue_name}-dlq.fifo"]["FifoQueue"] is True


def test_every_queue_has_a_dlq_and_every_dlq_an_alarm(dev_app) -> None:
    template = dev_app.template("messaging")
    queues = resources(template, "AWS::SQS::Queue")
    dlqs = {lid for lid, q in queues.items() if q["Properties"]["QueueName"].split(".")[0].endswith("-dlq")}
    workers = set(queues) - dlqs
    assert workers and dlqs
    for logical_id in workers:
        target = queues[logical_id]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
        assert target["Fn::GetAtt"][0] in dlqs
    alarmed = json.dumps(resources(template, "AWS::CloudWatch::Alarm"))
    for logical_id in queues:
        assert logical_id in alarmed, f"{logical_id} has no alarm"


def schedule(rule: dict[str, Any]) -> bool:
    """A schedule (the admins' daily summary) has no event pattern: it fires at a time."""
    return "ScheduleExpression" in rule["Properties"]


def test_payment_approved_topic_delivers_to_a_queue_and_events_reach_the_notifiers(dev_app) -> None:
    template = dev_app.template("messaging")
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "sqs", "RawMessageDelivery": True})
    rules = resources(template, "AWS::Events::Rule")
    detail_types = [r["Properties"]["EventPattern"]["detail-type"] for r in rules.values() if not schedule(r)]
    assert any(contracts.ORDER_STATUS_CHANGED in d for d in detail_types)
    for rule in rules.values():
        assert rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][1] == "Arn"


def _definition(dev_app) -> dict[str, Any]:
    machine = next(iter(resources(dev_app.template("workflow"), "AWS::StepFunctions::StateMachine").values()))
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    # References sit inside JSON strings of the definition ("QueueUrl": "<Ref>"): a placeholder keeps it JSON.
    return json.loads("".join(p if isinstance(p, str) else "REF" for p in parts))


def test_state_machine_waits_on_the_three_role_queues_with_no_lambda_task(dev_app) -> None:
    states = _definition(dev_app)["States"]
    waiting = {name for name, s in states.items() if s.get("Resource", "").endswith("sqs:sendMessage.waitForTaskToken")}
    assert waiting == {contracts.COCINA, contracts.EMPAQUETAMIENTO, contracts.DELIVERY}
    assert not [n for n, s in states.items() if "lambda" in s.get("Resource", "")]
    for name in waiting:
        params = states[name]["Parameters"]
        assert params["MessageGroupId.$"].startswith("States.Format('{}#{}', $.tenant_id, $.location_id)")
        assert "$.order_id" in params["MessageDeduplicationId.$"]
        assert states[name]["HeartbeatSecondsPath"] == f"$.sla.{name.lower()}"
        caught = [error for catch in states[name]["Catch"] for error in catch["ErrorEquals"]]
        assert caught == ["States.HeartbeatTimeout", contracts.ORDER_CANCELLED_ERROR, "States.ALL"]


def test_pickup_orders_skip_delivery(dev_app) -> None:
    states = _definition(dev_app)["States"]
    choice = next(s for s in states.values() if s["Type"] == "Choice")
    assert choice["Choices"][0]["StringEquals"] == "pickup"
    assert choice["Choices"][0]["Next"] == "DeliveryAEntregado"
    assert choice["Default"] == contracts.DELIVERY


def test_state_machine_logs_and_traces(dev_app) -> None:
    dev_app.template("workflow").has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"TracingConfiguration": {"Enabled": True}, "LoggingConfiguration": Match.object_like({"Level": "ALL"})},
    )


def _route_paths(template: Any) -> dict[str, str]:
    """logical id of each AWS::ApiGateway::Resource -> its full path."""
    api_resources = resources(template, "AWS::ApiGateway::Resource")
    paths: dict[str, str] = {}

    def path_of(logical_id: str) -> str:
        if logical_id not in paths:
            props = api_resources[logical_id]["Properties"]
            parent = props["ParentId"]
            prefix = path_of(parent["Ref"]) if "Ref" in parent else ""
            paths[logical_id] = f"{prefix}/{props['PathPart']}"
        return paths[logical_id]

    for logical_id in api_resources:
        path_of(logical_id)
    return paths


def test_authorizer_guards_every_route_but_the_declared_public_ones(dev_app) -> None:
    template = dev_app.template("api")
    paths = _route_paths(template)
    declared_public = {
        (route.method, route.path)
        for service in dev_app.platform.api.microservices.values()
        for route in service.routes
        if route.public
    }
    assert declared_public <= PUBLIC_ALLOWED, declared_public - PUBLIC_ALLOWED
    seen = set()
    for method in resources(template, "AWS::ApiGateway::Method").values():
        props = method["Properties"]
        verb = props["HttpMethod"]
        if verb == "OPTIONS":
            continue
        path = paths[props["ResourceId"]["Ref"]]
        seen.add((verb, path))
        if (verb, path) in declared_public:
            assert props["AuthorizationType"] == "NONE", path
        else:
            assert props["AuthorizationType"] == "CUSTOM", (verb, path)
            assert "AuthorizerId" in props
    assert declared_public <= seen
    assert ("GET", "/sesion") in seen


def test_apis_log_throttle_and_trace(dev_app) -> None:
    template = dev_app.template("api")
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "TracingEnabled": True,
            "MethodSettings": Match.array_with(
                [Match.object_like({"ThrottlingRateLimit": dev_app.platform.stage.api_throttle_rate})]
            ),
        },
    )
    template.has_resource_properties("AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"})
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in resources(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$disconnect", "$default", "mensaje"}  # mensaje: a staff message
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"


def test_functions_are_python312_arm64_traced_with_their_own_role(dev_app) -> None:
    functions = resources(dev_app.template("api"), "AWS::Lambda::Function")
    ours = {k: f for k, f in functions.items() if f["Properties"].get("Handler", "").endswith("lambda_handler")}
    assert ours
    roles = set()
    for function in ours.values():
        props = function["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Layers"]
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        roles.add(json.dumps(props["Role"]))
    assert len(roles) == len(ours)
    iam_roles = resources(dev_app.template("api"), "AWS::IAM::Role")
    for role in roles:
        role_id = json.loads(role)["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in iam_roles[role_id]["Properties"], role_id


def test_amplify_hosts_both_built_apps_below_their_paths_with_config_and_spa_rewrites(dev_app) -> None:
    template = dev_app.template("frontend")
    apps = resources(template, "AWS::Amplify::App")
    assert len(apps) == 2
    paths = set()
    for amplify_app in apps.values():
        rules = {rule["Source"]: rule for rule in amplify_app["Properties"]["CustomRules"]}
        path = next(p for p in contracts.WEB_APP_PATHS.values() if f"/{p}/config.json" in rules)
        paths.add(path)
        assert rules[f"/{path}/config.json"]["Status"] == "200"
        assert rules["/"]["Target"] == f"/{path}/" and rules["/"]["Status"] == "302"
        spa = [r for r in rules.values() if r["Target"] == f"/{path}/index.html"]
        assert len(spa) == 1 and spa[0]["Status"] == "200"
    assert paths == set(contracts.WEB_APP_PATHS.values())
    assert len(resources(template, "AWS::Amplify::Branch")) == 2
    # the deployed folders are the Vite builds: each holds <path>/index.html and its hashed assets
    built = [d for d in dev_app.outdir.glob("asset.*") if d.is_dir() and any(d.glob("*/index.html"))]
    assert {next(d.glob("*/index.html")).parent.name for d in built} == paths
    for folder in built:
        assert list(folder.glob("*/assets/index-*.js")), folder


def test_dev_data_is_disposable(dev_app) -> None:
    for table in resources(dev_app.template("data"), "AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"
        assert not table["Properties"].get("DeletionProtectionEnabled", False)


def test_prod_data_is_retained_protected_and_recoverable(prod_app) -> None:
    for table in resources(prod_app.template("data"), "AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    for log_group in resources(prod_app.template("api"), "AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 90
