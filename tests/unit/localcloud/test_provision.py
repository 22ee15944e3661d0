"""End-to-end: synthesize a small CDK app, provision it into a moto server, use the resources."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from localcloud.assembly import load_stacks
from localcloud.model import Assembly, FunctionSpec
from localcloud.provision import LocalUrls, enable_stepfunctions_execution, provision

ACCOUNT = "000000000000"
REGION = "us-east-1"
LOCAL_URLS = LocalUrls(
    rest="http://127.0.0.1:9100/{stage}",
    websocket="ws://127.0.0.1:9101/{stage}",
    websocket_callback="http://127.0.0.1:9101/{stage}",
)


def _synthesize(outdir: Path, asset_dir: Path) -> None:
    """A small app in a Stage (nested assembly) with two stacks and cross-stack references."""
    import aws_cdk as cdk
    from aws_cdk import aws_apigateway as apigw
    from aws_cdk import aws_apigatewayv2 as apigwv2
    from aws_cdk import aws_apigatewayv2_authorizers as ws_authorizers
    from aws_cdk import aws_apigatewayv2_integrations as ws_integrations
    from aws_cdk import aws_dynamodb as ddb
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sns_subscriptions as subscriptions
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks
    from aws_cdk import custom_resources as cr

    app = cdk.App(outdir=str(outdir))
    stage = cdk.Stage(app, "Test")

    data = cdk.Stack(stage, "Data")
    dlq = sqs.Queue(data, "KitchenDlq", fifo=True)
    kitchen = sqs.Queue(
        data,
        "Kitchen",
        fifo=True,
        content_based_deduplication=True,
        visibility_timeout=cdk.Duration.seconds(45),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3),
    )
    orders = ddb.Table(
        data,
        "Orders",
        partition_key=ddb.Attribute(name="tenant_id", type=ddb.AttributeType.STRING),
        sort_key=ddb.Attribute(name="order_id", type=ddb.AttributeType.STRING),
        billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
        time_to_live_attribute="expires_at",
    )
    orders.add_global_secondary_index(
        index_name="by_status",
        partition_key=ddb.Attribute(name="estado_pedido", type=ddb.AttributeType.STRING),
    )

    seed_call = cr.AwsSdkCall(
        service="DynamoDB",
        action="putItem",
        parameters={
            "TableName": orders.table_name,
            "Item": {"tenant_id": {"S": "t1"}, "order_id": {"S": "seed"}, "estado_pedido": {"S": "PAGADO"}},
        },
        physical_resource_id=cr.PhysicalResourceId.of("seed-t1"),
    )
    cr.AwsCustomResource(
        data,
        "Seed",
        on_create=seed_call,
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[orders.table_arn]),
    )

    api = cdk.Stack(stage, "Api")
    api.add_dependency(data)
    topic = sns.Topic(api, "PaymentApproved")
    starter_queue = sqs.Queue(api, "Starter")
    topic.add_subscription(subscriptions.SqsSubscription(starter_queue, raw_message_delivery=True))
    bus = events.EventBus(api, "Bus", event_bus_name="test-orders")
    status_queue = sqs.Queue(api, "Status", fifo=True, content_based_deduplication=True)
    rule = events.Rule(
        api,
        "StatusChanged",
        event_bus=bus,
        event_pattern=events.EventPattern(detail_type=["OrderStatusChanged"]),
    )
    rule.add_target(targets.SqsQueue(status_queue, message_group_id="orders"))

    code = lambda_.Code.from_asset(str(asset_dir))
    orders_fn = lambda_.Function(
        api,
        "OrdersFn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=code,
        timeout=cdk.Duration.seconds(20),
        memory_size=256,
        environment={"TABLE_NAME": orders.table_name, "KITCHEN_QUEUE_URL": kitchen.queue_url},
    )
    orders_fn.add_event_source(sources.SqsEventSource(starter_queue, batch_size=5, report_batch_item_failures=True))
    authorizer_fn = lambda_.Function(
        api, "AuthFn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.authorize", code=code
    )
    authorizer = apigw.RequestAuthorizer(
        api,
        "Authorizer",
        handler=authorizer_fn,
        identity_sources=[apigw.IdentitySource.header("Authorization")],
        results_cache_ttl=cdk.Duration.seconds(60),
    )
    rest = apigw.RestApi(
        api,
        "Rest",
        deploy_options=apigw.StageOptions(stage_name="v1"),
        default_cors_preflight_options=apigw.CorsOptions(
            allow_origins=["http://localhost:5173", "http://localhost:5174"]
        ),
    )
    rest.add_gateway_response(
        "Cors4xx",
        type=apigw.ResponseType.DEFAULT_4_XX,
        response_headers={"Access-Control-Allow-Origin": "'*'"},
    )
    pedidos = rest.root.add_resource("pedidos")
    pedidos.add_method("GET", apigw.LambdaIntegration(orders_fn), authorizer=authorizer, api_key_required=True)
    rest.add_usage_plan(
        "Basico",
        name="test-basico",
        throttle=apigw.ThrottleSettings(rate_limit=2, burst_limit=4),
        quota=apigw.QuotaSettings(limit=1000, period=apigw.Period.DAY),
        api_stages=[apigw.UsagePlanPerApiStage(api=rest, stage=rest.deployment_stage)],
    )
    pedidos.add_proxy(
        default_integration=apigw.LambdaIntegration(orders_fn),
        any_method=True,
        default_method_options=apigw.MethodOptions(authorizer=authorizer),
    )

    # Nested stacks (the Api stack's groups of microservices): a function consuming a queue of the parent, its
    # route on the parent's API and authorizer, and a resource that a sibling nested stack builds on.
    group_queue = sqs.Queue(api, "GroupWork")
    group = cdk.NestedStack(api, "Group")
    group_fn = lambda_.Function(
        group,
        "GroupFn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.group",
        code=lambda_.Code.from_asset(str(asset_dir)),  # a code asset is bound to one stack
        environment={
            "TABLE_NAME": orders.table_name,
            "TOPIC_ARN": topic.topic_arn,
            # The API's URL from its id, as ApiStack's (rest.url names the stage, which waits for the deployment,
            # which waits for this nested stack: a cycle).
            "API_URL": f"https://{rest.rest_api_id}.execute-api.{api.region}.{api.url_suffix}/v1/",
        },
    )
    group_fn.add_event_source(sources.SqsEventSource(group_queue, batch_size=3))
    orders.grant_read_data(group_fn)
    menu = apigw.Resource(group, "Menu", parent=rest.root, path_part="menu")
    apigw.Method(
        menu,
        "GET",
        resource=menu,
        http_method="GET",
        # Not scoped to the method: a method's ARN names the stage, which waits for the deployment, which waits for
        # this nested stack (a cycle). The permission goes beside the API, in the parent.
        integration=apigw.LambdaIntegration(group_fn, scope_permission_to_method=False),
        options=apigw.MethodOptions(authorizer=authorizer),
    )
    sibling = cdk.NestedStack(api, "Sibling")
    item = apigw.Resource(sibling, "Item", parent=menu, path_part="{item_id}")
    integration = apigw.LambdaIntegration(group_fn, scope_permission_to_method=False)
    apigw.Method(item, "GET", resource=item, http_method="GET", integration=integration)

    ws_fn = lambda_.Function(api, "WsFn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.ws", code=code)
    ws_api = apigwv2.WebSocketApi(
        api,
        "Ws",
        connect_route_options=apigwv2.WebSocketRouteOptions(
            integration=ws_integrations.WebSocketLambdaIntegration("Connect", ws_fn),
            authorizer=ws_authorizers.WebSocketLambdaAuthorizer(
                "WsAuth", authorizer_fn, identity_source=["route.request.querystring.token"]
            ),
        ),
        disconnect_route_options=apigwv2.WebSocketRouteOptions(
            integration=ws_integrations.WebSocketLambdaIntegration("Disconnect", ws_fn)
        ),
    )
    ws_api.add_route("subscribe", integration=ws_integrations.WebSocketLambdaIntegration("Subscribe", ws_fn))
    ws_stage = apigwv2.WebSocketStage(api, "WsStage", web_socket_api=ws_api, stage_name="live", auto_deploy=True)
    lambda_.Function(
        api,
        "NotifierFn",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.notify",
        code=code,
        environment={
            "WS_CALLBACK_URL": ws_stage.callback_url,
            "API_URL": rest.url,
            "BUS_NAME": bus.event_bus_name,
            "TOPIC_ARN": topic.topic_arn,
        },
    )

    send = tasks.SqsSendMessage(
        api,
        "SendToKitchen",
        queue=kitchen,
        integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        message_body=sfn.TaskInput.from_object(
            {"task_token": sfn.JsonPath.task_token, "order_id": sfn.JsonPath.string_at("$.order_id")}
        ),
        message_group_id="tenant#location",
        result_path=sfn.JsonPath.DISCARD,
    )
    record = tasks.DynamoUpdateItem(
        api,
        "RecordCooked",
        table=orders,
        key={
            "tenant_id": tasks.DynamoAttributeValue.from_string("t1"),
            "order_id": tasks.DynamoAttributeValue.from_string(sfn.JsonPath.string_at("$.order_id")),
        },
        update_expression="SET estado_pedido = :s",
        expression_attribute_values={":s": tasks.DynamoAttributeValue.from_string("EMPAQUETAMIENTO")},
        result_path=sfn.JsonPath.DISCARD,
    )
    sfn.StateMachine(api, "OrderFlow", definition_body=sfn.DefinitionBody.from_chainable(send.next(record)))

    cdk.CfnResource(api, "Mystery", type="AWS::Mystery::Thing", properties={"Size": 1})
    cdk.CfnOutput(api, "RestUrl", value=rest.url)
    cdk.CfnOutput(api, "WsUrl", value=ws_stage.url)
    cdk.CfnOutput(api, "KitchenQueueUrl", value=kitchen.queue_url)
    app.synth()


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("assembly")
    asset_dir = root / "src"
    asset_dir.mkdir()
    (asset_dir / "index.py").write_text("def handler(event, context):\n    return {}\n")
    _synthesize(root / "cdk.out", asset_dir)
    return root / "cdk.out"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as patch:
        # The Step Functions interpreter runs inside the (in-process) server and calls back to MOTO_PORT.
        patch.setenv("MOTO_PORT", str(port))
        patch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
        yield url
        enable_stepfunctions_execution(url, enabled=False)
    server.stop()


@pytest.fixture(scope="module")
def assembly(cdk_out: Path, endpoint: str) -> Assembly:
    return provision(cdk_out, endpoint_url=endpoint, region=REGION, local_urls=LOCAL_URLS)


def _client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _physical(assembly: Assembly, stack: str, prefix: str) -> str:
    """The physical id of the construct ``prefix``'s default resource (logical id = prefix + 8-hex hash)."""
    pattern = re.compile(rf"{stack}/{prefix}[0-9A-F]{{8}}")
    (value,) = [v for k, v in assembly.physical_ids.items() if pattern.fullmatch(k)]
    return value


def _function(assembly: Assembly, prefix: str) -> FunctionSpec:
    (spec,) = [f for f in assembly.functions.values() if f.logical_id.startswith(f"Test-Api/{prefix}")]
    return spec


def _receive(sqs: Any, url: str, attempts: int = 10) -> dict[str, Any]:
    for _ in range(attempts):
        messages = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if messages:
            message: dict[str, Any] = messages[0]
            return message
    raise AssertionError(f"no message arrived on {url}")


def test_stacks_of_a_stage_are_read_from_the_nested_assembly_in_dependency_order(cdk_out: Path) -> None:
    stacks = load_stacks(cdk_out)

    assert [s.stack_name for s in stacks] == ["Test-Data", "Test-Api"]
    assert stacks[1].dependencies == (stacks[0].key,)


def test_fifo_queue_is_created_with_its_dead_letter_queue(assembly: Assembly, endpoint: str) -> None:
    sqs = _client(endpoint, "sqs")
    kitchen_url = assembly.outputs["Test-Api.KitchenQueueUrl"]
    dlq_url = _physical(assembly, "Test-Data", "KitchenDlq")

    attributes = sqs.get_queue_attributes(QueueUrl=kitchen_url, AttributeNames=["All"])["Attributes"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    assert kitchen_url.endswith(".fifo") and f"/{ACCOUNT}/Test-Data-Kitchen" in kitchen_url
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["VisibilityTimeout"] == "45"
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}


def test_table_has_its_keys_gsi_and_ttl(assembly: Assembly, endpoint: str) -> None:
    ddb = _client(endpoint, "dynamodb")
    name = _function(assembly, "OrdersFn").environment["TABLE_NAME"]

    table = ddb.describe_table(TableName=name)["Table"]
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]

    assert name.startswith("Test-Data-Orders")
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["tenant_id", "order_id"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by_status"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_sns_subscription_delivers_a_raw_message_to_the_queue(assembly: Assembly, endpoint: str) -> None:
    topic_arn = _function(assembly, "NotifierFn").environment["TOPIC_ARN"]
    (mapping,) = [m for m in assembly.event_source_mappings if m.function_name == _function(assembly, "OrdersFn").name]

    _client(endpoint, "sns").publish(TopicArn=topic_arn, Message='{"order_id": "o-1"}')

    message = _receive(_client(endpoint, "sqs"), mapping.queue_url)
    assert json.loads(message["Body"]) == {"order_id": "o-1"}


def test_event_rule_routes_a_matching_event_to_the_fifo_queue(assembly: Assembly, endpoint: str) -> None:
    bus = _function(assembly, "NotifierFn").environment["BUS_NAME"]
    status_url = _physical(assembly, "Test-Api", "Status")

    _client(endpoint, "events").put_events(
        Entries=[
            {"EventBusName": bus, "Source": "orders", "DetailType": "Ignored", "Detail": "{}"},
            {
                "EventBusName": bus,
                "Source": "orders",
                "DetailType": "OrderStatusChanged",
                "Detail": '{"id": "o-2"}',
            },
        ]
    )

    message = _receive(_client(endpoint, "sqs"), status_url)
    assert json.loads(message["Body"])["detail"] == {"id": "o-2"}
    assert bus == "test-orders"


def test_state_machine_waits_on_the_fifo_queue_and_completes_on_task_success(assembly: Assembly, endpoint: str) -> None:
    sfn = _client(endpoint, "stepfunctions")
    sqs = _client(endpoint, "sqs")
    machine_arn = _physical(assembly, "Test-Api", "OrderFlow")
    kitchen_url = assembly.outputs["Test-Api.KitchenQueueUrl"]
    table = _function(assembly, "OrdersFn").environment["TABLE_NAME"]

    execution = sfn.start_execution(stateMachineArn=machine_arn, name="o-3", input='{"order_id": "o-3"}')
    message = _receive(sqs, kitchen_url)
    body = json.loads(message["Body"])
    assert body["order_id"] == "o-3"
    assert message["Attributes"]["MessageGroupId"] == "tenant#location"

    sfn.send_task_success(taskToken=body["task_token"], output="{}")

    status = "RUNNING"
    for _ in range(100):
        status = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        if status != "RUNNING":
            break
        time.sleep(0.05)
    assert status == "SUCCEEDED"
    item = _client(endpoint, "dynamodb").get_item(
        TableName=table, Key={"tenant_id": {"S": "t1"}, "order_id": {"S": "o-3"}}
    )["Item"]
    assert item["estado_pedido"] == {"S": "EMPAQUETAMIENTO"}


def test_function_records_have_resolved_environment_and_code(assembly: Assembly, endpoint: str) -> None:
    orders_fn = _function(assembly, "OrdersFn")
    notifier = _function(assembly, "NotifierFn")

    assert orders_fn.handler == "index.handler"
    assert (orders_fn.code_dir / "index.py").is_file()
    assert (orders_fn.timeout_seconds, orders_fn.memory_mb) == (20, 256)
    assert orders_fn.environment["KITCHEN_QUEUE_URL"] == assembly.outputs["Test-Api.KitchenQueueUrl"]
    assert orders_fn.environment["KITCHEN_QUEUE_URL"].startswith(endpoint)
    assert notifier.environment["API_URL"] == "http://127.0.0.1:9100/v1/"
    assert notifier.environment["WS_CALLBACK_URL"] == "http://127.0.0.1:9101/live"
    assert notifier.environment["TOPIC_ARN"].startswith(f"arn:aws:sns:{REGION}:{ACCOUNT}:")


def test_sqs_event_source_mapping_is_recorded(assembly: Assembly) -> None:
    (mapping,) = [m for m in assembly.event_source_mappings if m.function_name == _function(assembly, "OrdersFn").name]

    assert mapping.function_name == _function(assembly, "OrdersFn").name
    assert mapping.queue_arn.endswith(mapping.queue_url.rsplit("/", 1)[1])
    assert (mapping.batch_size, mapping.report_batch_item_failures, mapping.enabled) == (5, True, True)


def test_rest_routes_have_paths_authorizer_and_cors_mocks(assembly: Assembly) -> None:
    (api,) = assembly.rest_apis
    routes = {(r.http_method, r.resource_path): r for r in api.routes}
    auth_fn = _function(assembly, "AuthFn").name

    assert api.stage_name == "v1"
    get = routes[("GET", "/pedidos")]
    assert get.function_name == _function(assembly, "OrdersFn").name
    assert get.authorizer is not None
    assert get.authorizer.function_name == auth_fn
    assert get.authorizer.identity_sources == ("method.request.header.Authorization",)
    assert get.authorizer.result_ttl_seconds == 60
    assert routes[("ANY", "/pedidos/{proxy+}")].authorizer == get.authorizer
    preflight = routes[("OPTIONS", "/pedidos/{proxy+}")]
    assert preflight.function_name is None and preflight.authorizer is None
    assert preflight.mock is not None and preflight.mock.status_code == 204
    assert preflight.mock.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "Authorization" in preflight.mock.headers["Access-Control-Allow-Headers"]
    assert preflight.mock.allowed_origins == ("http://localhost:5173", "http://localhost:5174")
    assert ("OPTIONS", "/") in routes


def test_usage_plans_exist_in_moto_and_reach_the_gateway_with_the_keyed_methods(
    assembly: Assembly, endpoint: str
) -> None:
    (api,) = assembly.rest_apis
    (plan,) = api.usage_plans
    routes = {(r.http_method, r.resource_path): r for r in api.routes}

    assert (plan.name, plan.rate_limit, plan.burst_limit) == ("test-basico", 2.0, 4)
    assert (plan.quota_limit, plan.quota_period) == (1000, "DAY")
    in_moto = _client(endpoint, "apigateway").get_usage_plan(usagePlanId=plan.plan_id)
    assert in_moto["name"] == "test-basico" and in_moto["throttle"] == {"rateLimit": 2.0, "burstLimit": 4}
    assert routes[("GET", "/pedidos")].api_key_required is True
    assert routes[("ANY", "/pedidos/{proxy+}")].api_key_required is False


def test_websocket_routes_and_authorizer(assembly: Assembly) -> None:
    (api,) = assembly.websocket_apis
    routes = {r.route_key: r for r in api.routes}
    ws_fn = _function(assembly, "WsFn").name

    assert (api.stage_name, api.route_selection_expression) == ("live", "$request.body.action")
    assert set(routes) == {"$connect", "$disconnect", "subscribe"}
    assert {r.function_name for r in routes.values()} == {ws_fn}
    connect_auth = routes["$connect"].authorizer
    assert connect_auth is not None
    assert connect_auth.function_name == _function(assembly, "AuthFn").name
    assert connect_auth.identity_sources == ("route.request.querystring.token",)
    assert routes["subscribe"].authorizer is None


def test_outputs_are_resolved_to_local_urls(assembly: Assembly) -> None:
    assert assembly.outputs["Test-Api.RestUrl"] == "http://127.0.0.1:9100/v1/"
    assert assembly.outputs["Test-Api.WsUrl"] == "ws://127.0.0.1:9101/live"


def test_unknown_resource_type_is_reported_as_unsupported(assembly: Assembly) -> None:
    assert assembly.unsupported == ["Test-Api/Mystery (AWS::Mystery::Thing)"]
    assert any("provider function of Custom::AWS" in w for w in assembly.warnings)


def test_aws_custom_resource_call_is_made_once(assembly: Assembly, cdk_out: Path, endpoint: str) -> None:
    ddb = _client(endpoint, "dynamodb")
    table = _function(assembly, "OrdersFn").environment["TABLE_NAME"]
    key = {"tenant_id": {"S": "t1"}, "order_id": {"S": "seed"}}
    assert ddb.get_item(TableName=table, Key=key)["Item"]["estado_pedido"] == {"S": "PAGADO"}
    assert _physical(assembly, "Test-Data", "Seed") == "seed-t1"

    ddb.put_item(TableName=table, Item={**key, "estado_pedido": {"S": "COCINA"}})
    provision(cdk_out, endpoint_url=endpoint, region=REGION, local_urls=LOCAL_URLS)

    assert ddb.get_item(TableName=table, Key=key)["Item"]["estado_pedido"] == {"S": "COCINA"}


def test_gateway_responses_are_recorded(assembly: Assembly) -> None:
    (api,) = assembly.rest_apis

    assert api.gateway_responses["DEFAULT_4XX"].headers == {"Access-Control-Allow-Origin": "*"}
    assert api.gateway_responses["DEFAULT_4XX"].status_code is None


def test_provisioning_again_is_idempotent(assembly: Assembly, cdk_out: Path, endpoint: str) -> None:
    again = provision(cdk_out, endpoint_url=endpoint, region=REGION, local_urls=LOCAL_URLS)

    assert again.physical_ids == assembly.physical_ids
    assert again.functions == assembly.functions
    assert again.rest_apis == assembly.rest_apis


def test_account_defaults_to_the_servers(assembly: Assembly) -> None:
    assert _physical(assembly, "Test-Api", "OrderFlow").startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:")


def test_a_buckets_cors_rules_also_allow_the_local_clouds_own_web_origin() -> None:
    from localcloud.provision import _cors_rule

    rule = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["https://pedidos.example.pe"], "MaxAge": "3600"}
    local = _cors_rule(rule, "http://127.0.0.1:51234")
    assert local["AllowedOrigins"] == ["https://pedidos.example.pe", "http://127.0.0.1:51234"]
    assert local["MaxAgeSeconds"] == 3600
    assert _cors_rule({**rule, "AllowedOrigins": ["*"]}, "http://127.0.0.1:51234")["AllowedOrigins"] == ["*"]
    assert _cors_rule(rule)["AllowedOrigins"] == ["https://pedidos.example.pe"]


def _nested_function(assembly: Assembly, nested: str, prefix: str) -> FunctionSpec:
    pattern = re.compile(rf"Test-Api-{nested}NestedStack{nested}NestedStackResource[0-9A-F]{{8}}-\w+/{prefix}")
    (spec,) = [f for f in assembly.functions.values() if pattern.match(f.logical_id)]
    return spec


def test_a_nested_stacks_function_gets_what_its_parent_passes_it(assembly: Assembly) -> None:
    group_fn = _nested_function(assembly, "Group", "GroupFn")

    assert group_fn.environment["TABLE_NAME"] == _physical(assembly, "Test-Data", "Orders")  # Data -> Api -> Group
    assert group_fn.environment["TOPIC_ARN"].startswith(f"arn:aws:sns:{REGION}:{ACCOUNT}:Test-Api-PaymentApproved")
    assert group_fn.environment["API_URL"] == "http://127.0.0.1:9100/v1/"
    assert group_fn.role_name in assembly.role_policies  # its role's grants, for the IAM-enforcing endpoint


def test_a_nested_stacks_queue_consumer_and_routes_join_the_parents(assembly: Assembly) -> None:
    group_fn = _nested_function(assembly, "Group", "GroupFn").name
    (mapping,) = [m for m in assembly.event_source_mappings if m.function_name == group_fn]
    (api,) = assembly.rest_apis
    routes = {(r.http_method, r.resource_path): r for r in api.routes}

    assert mapping.batch_size == 3 and "GroupWork" in mapping.queue_url
    assert routes[("GET", "/menu")].function_name == group_fn
    assert routes[("GET", "/menu")].authorizer == routes[("GET", "/pedidos")].authorizer  # the parent's authorizer
    # A sibling nested stack's resource under the first one's (an output, passed through the parent).
    assert routes[("GET", "/menu/{item_id}")].function_name == group_fn
    assert routes[("OPTIONS", "/menu/{item_id}")].mock is not None
    assert not any("nested stack" in w for w in assembly.warnings)


def test_a_nested_stack_that_only_serves_custom_resources_is_not_provisioned() -> None:
    from localcloud.assembly import StackArtifact
    from localcloud.provision import _provider_stacks

    resources = {
        "Provider": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"}},
        "Group": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "y"}},
        "Deploy": {
            "Type": "Custom::AmplifyAssetDeployment",
            "Properties": {"ServiceToken": {"Fn::GetAtt": ["Provider", "Outputs.Arn"]}},
        },
        "Uses": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::GetAtt": ["Group", "Outputs.Name"]}}},
    }
    stack = StackArtifact("k", "k", "s", "s", {"Resources": resources}, ())

    assert _provider_stacks(stack) == {"Provider": {"Custom::AmplifyAssetDeployment"}}
