"""The local API Gateway turns HTTP and WebSocket traffic into API Gateway's Lambda events."""

from __future__ import annotations

import base64
import json
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from localcloud.gateway import create_gateway, evaluate_policy
from localcloud.lambda_runtime import LambdaRuntime
from localcloud.model import (
    AuthorizerSpec,
    FunctionSpec,
    MockResponse,
    RestApiSpec,
    RestRoute,
    WebSocketApiSpec,
    WebSocketRoute,
)
from localcloud.serve import serve_in_thread

ARN_PREFIX = "arn:aws:execute-api:us-east-1:123456789012"

HANDLERS = {
    "fns/__init__.py": "",
    "fns/rest.py": """
        import base64, json

        def echo(event, context):
            return {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json", "X-Single": "one", "X-Both": "single"},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["multi-1", "multi-2"]},
                "body": json.dumps(event),
            }

        def binary(event, context):
            return {
                "statusCode": 201,
                "headers": {"Content-Type": "image/png"},
                "body": base64.b64encode(bytes(range(256))).decode(),
                "isBase64Encoded": True,
            }

        def fails(event, context):
            raise RuntimeError("database down")

        def malformed(event, context):
            return {"body": {"not": "a string"}}
    """,
    "fns/auth.py": """
        def _policy(effect, resource, principal, context=None):
            answer = {
                "principalId": principal,
                "policyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
                },
            }
            if context is not None:
                answer["context"] = context
            return answer

        def rest(event, context):
            token = event["headers"].get("Authorization", "")
            arn = event["methodArn"]
            prefix = arn.split("/")[0]
            if token.startswith("allow-"):
                tenant = token.removeprefix("allow-")
                return _policy("Allow", prefix + "/dev/GET/private/*", "user-" + tenant,
                               {"tenant_id": tenant, "level": 3, "admin": True, "seen_arn": arn})
            if token == "deny":
                return _policy("Deny", arn, "someone")
            if token == "unauthorized":
                raise Exception("Unauthorized")
            raise ValueError("authorizer bug")

        def ws(event, context):
            token = (event.get("queryStringParameters") or {}).get("token", "")
            if token.startswith("ok-"):
                tenant = token.removeprefix("ok-")
                return _policy("Allow", event["methodArn"], "ws-" + token, {"tenant_id": tenant})
            return _policy("Deny", event["methodArn"], "ws-nobody")
    """,
    "fns/ws.py": """
        import json, os
        import boto3

        def _client(event):
            ctx = event["requestContext"]
            return boto3.client(
                "apigatewaymanagementapi",
                endpoint_url="http://" + ctx["domainName"] + "/ws/" + ctx["stage"],
            )

        def connect(event, context):
            if (event.get("queryStringParameters") or {}).get("reject"):
                return {"statusCode": 403}
            return {"statusCode": 200}

        def disconnect(event, context):
            ctx = event["requestContext"]
            with open(os.environ["DISCONNECT_LOG"], "a") as log:
                log.write(json.dumps({"id": ctx["connectionId"], "code": ctx["disconnectStatusCode"],
                                      "type": ctx["eventType"]}) + "\\n")
            return {"statusCode": 200}

        def echo(event, context):
            ctx = event["requestContext"]
            reply = {"route": ctx["routeKey"], "eventType": ctx["eventType"],
                     "body": json.loads(event["body"]), "connectionId": ctx["connectionId"],
                     "authorizer": ctx.get("authorizer"), "hasMessageId": bool(ctx.get("messageId"))}
            data = json.dumps(reply).encode()
            _client(event).post_to_connection(ConnectionId=ctx["connectionId"], Data=data)
            return {"statusCode": 200}

        def default(event, context):
            ctx = event["requestContext"]
            _client(event).post_to_connection(ConnectionId=ctx["connectionId"],
                                              Data=json.dumps({"route": ctx["routeKey"]}).encode())
            if event["body"] == "explode":
                raise RuntimeError("boom")
            return {"statusCode": 200}
    """,
}


@dataclass
class Env:
    base_url: str
    runtime: LambdaRuntime
    clock: list[float]
    disconnect_log: Path

    def auth_calls(self, name: str) -> int:
        stats = self.runtime.stats().get(name)
        return stats.invocations if stats else 0


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    code_dir = tmp_path_factory.mktemp("gateway-fns")
    for relative, source in HANDLERS.items():
        (code_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (code_dir / relative).write_text(textwrap.dedent(source))
    disconnect_log = code_dir / "disconnects.jsonl"

    def fn(name: str, handler: str) -> FunctionSpec:
        return FunctionSpec(f"S/{name}", name, handler, code_dir, {"DISCONNECT_LOG": str(disconnect_log)})

    functions = {
        f.name: f
        for f in (
            fn("echo", "fns.rest.echo"),
            fn("binary", "fns.rest.binary"),
            fn("fails", "fns.rest.fails"),
            fn("malformed", "fns.rest.malformed"),
            fn("rest-auth", "fns.auth.rest"),
            fn("ws-auth", "fns.auth.ws"),
            fn("ws-connect", "fns.ws.connect"),
            fn("ws-disconnect", "fns.ws.disconnect"),
            fn("ws-echo", "fns.ws.echo"),
            fn("ws-default", "fns.ws.default"),
        )
    }
    cached = AuthorizerSpec("rest-auth", ("method.request.header.Authorization",), 300)
    uncached = AuthorizerSpec("rest-auth", ("method.request.header.Authorization",), 0)
    rest = RestApiSpec(
        name="api",
        stage_name="dev",
        api_id="abc123",
        routes=(
            RestRoute("GET", "/", "echo"),
            RestRoute("GET", "/items/{id}", "echo"),
            RestRoute("GET", "/items/special", "echo"),
            RestRoute("ANY", "/items/{proxy+}", "echo"),
            RestRoute("POST", "/upload", "echo"),
            RestRoute("GET", "/binary", "binary"),
            RestRoute("GET", "/fails", "fails"),
            RestRoute("GET", "/malformed", "malformed"),
            RestRoute("GET", "/private/{id}", "echo", authorizer=cached),
            RestRoute("POST", "/private/{id}", "echo", authorizer=cached),
            RestRoute("GET", "/fresh/{id}", "echo", authorizer=uncached),
            RestRoute(
                "OPTIONS",
                "/items/{id}",
                None,
                mock=MockResponse(
                    204,
                    {
                        "Access-Control-Allow-Origin": "https://app.example",
                        "Access-Control-Allow-Methods": "GET,OPTIONS",
                        "Vary": "Origin",
                    },
                    allowed_origins=("https://staff.example",),
                ),
            ),
        ),
    )
    ws = WebSocketApiSpec(
        name="ws",
        stage_name="dev",
        route_selection_expression="$request.body.action",
        api_id="wsapi1",
        routes=(
            WebSocketRoute(
                "$connect", "ws-connect", AuthorizerSpec("ws-auth", ("route.request.querystring.token",), 0)
            ),
            WebSocketRoute("$disconnect", "ws-disconnect"),
            WebSocketRoute("$default", "ws-default"),
            WebSocketRoute("echo", "ws-echo"),
        ),
    )
    runtime = LambdaRuntime(
        functions,
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"},
        log_sink=lambda fn, line: None,
    )
    clock = [1000.0]
    app = create_gateway([rest], [ws], runtime, clock=lambda: clock[0])
    server, base_url = serve_in_thread(app)
    try:
        yield Env(base_url, runtime, clock, disconnect_log)
    finally:
        server.stop()
        runtime.close()


def get_event(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()
    return event


# -- REST ---------------------------------------------------------------------------------------


def test_proxy_event_has_api_gateway_fields(env: Env) -> None:
    response = httpx.get(
        f"{env.base_url}/dev/items/42?q=a&q=b&one=1",
        headers=[("Accept", "application/json"), ("X-Multi", "x1"), ("X-Multi", "x2")],
    )

    event = get_event(response)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"q": "b", "one": "1"}
    assert event["multiValueQueryStringParameters"] == {"q": ["a", "b"], "one": ["1"]}
    assert event["headers"]["Accept"] == "application/json"
    assert event["headers"]["X-Multi"] == "x2"
    assert event["multiValueHeaders"]["X-Multi"] == ["x1", "x2"]
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/items/{id}"
    assert ctx["httpMethod"] == "GET"
    assert ctx["path"] == "/dev/items/42"
    assert ctx["stage"] == "dev"
    assert ctx["apiId"] == "abc123"
    assert ctx["accountId"] == "123456789012"
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"].startswith("python-httpx")
    assert ctx["domainName"] == env.base_url.removeprefix("http://")
    assert ctx["requestId"] == response.headers["x-amzn-RequestId"]
    assert ctx["requestTime"].endswith("+0000") and isinstance(ctx["requestTimeEpoch"], int)
    assert "authorizer" not in ctx


def test_rest_api_is_also_served_under_restapis_prefix(env: Env) -> None:
    event = get_event(httpx.get(f"{env.base_url}/restapis/abc123/dev/items/7"))

    assert event["pathParameters"] == {"id": "7"}
    assert event["requestContext"]["path"] == "/dev/items/7"


def test_literal_beats_param_beats_greedy_proxy(env: Env) -> None:
    special = get_event(httpx.get(f"{env.base_url}/dev/items/special"))
    param = get_event(httpx.get(f"{env.base_url}/dev/items/other"))
    greedy = get_event(httpx.delete(f"{env.base_url}/dev/items/a/b/c"))
    root = get_event(httpx.get(f"{env.base_url}/dev/"))

    assert (special["resource"], special["pathParameters"]) == ("/items/special", None)
    assert (param["resource"], param["pathParameters"]) == ("/items/{id}", {"id": "other"})
    assert (greedy["resource"], greedy["pathParameters"]) == ("/items/{proxy+}", {"proxy": "a/b/c"})
    assert greedy["httpMethod"] == "DELETE"
    assert root["resource"] == "/"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/dev/nowhere"), ("DELETE", "/dev/items/42"), ("GET", "/prod/items/42"), ("GET", "/dev/items"),
     ("TRACE", "/dev/items/42"), ("QUERY", "/dev/items")],
)  # fmt: skip
def test_unknown_route_answers_missing_authentication_token(env: Env, method: str, path: str) -> None:
    response = httpx.request(method, f"{env.base_url}{path}")

    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_path_parameter_holding_a_newline_is_routed_as_api_gateway_does(env: Env) -> None:
    event = get_event(httpx.get(f"{env.base_url}/dev/items/a%0Ab"))

    assert (event["resource"], event["pathParameters"]) == ("/items/{id}", {"id": "a\nb"})


def test_text_body_is_passed_as_is(env: Env) -> None:
    event = get_event(httpx.post(f"{env.base_url}/dev/upload", json={"nombre": "Hamburguesa"}))

    assert json.loads(event["body"]) == {"nombre": "Hamburguesa"}
    assert event["isBase64Encoded"] is False


def test_binary_body_is_base64_encoded(env: Env) -> None:
    payload = bytes(range(256))
    response = httpx.post(f"{env.base_url}/dev/upload", content=payload, headers={"Content-Type": "image/png"})

    event = get_event(response)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_base64_proxy_result_is_decoded(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/binary")

    assert response.status_code == 201
    assert response.headers["content-type"] == "image/png"
    assert response.content == bytes(range(256))


def test_headers_and_multi_value_headers_are_merged(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/items/1")

    assert response.headers["x-single"] == "one"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.headers.get_list("x-both") == ["multi-1", "multi-2"]


@pytest.mark.parametrize("path", ["/dev/fails", "/dev/malformed"])
def test_function_error_or_malformed_result_is_502(env: Env, path: str) -> None:
    response = httpx.get(f"{env.base_url}{path}")

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_body_over_ten_megabytes_is_413(env: Env) -> None:
    response = httpx.post(f"{env.base_url}/dev/upload", content=b"x" * (10 * 1024 * 1024 + 1))

    assert response.status_code == 413


def test_mock_options_answers_cors_preflight(env: Env) -> None:
    listed = httpx.options(f"{env.base_url}/dev/items/1", headers={"Origin": "https://staff.example"})
    first = httpx.options(f"{env.base_url}/dev/items/1", headers={"Origin": "https://app.example"})
    stranger = httpx.options(f"{env.base_url}/dev/items/1", headers={"Origin": "https://evil.example"})

    assert listed.status_code == 204
    assert listed.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert listed.headers["access-control-allow-origin"] == "https://staff.example"
    assert first.headers["access-control-allow-origin"] == "https://app.example"
    assert stranger.headers["access-control-allow-origin"] == "https://app.example"


# -- REST authorizer ----------------------------------------------------------------------------


def test_authorizer_allow_passes_context_and_principal(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/private/9", headers={"Authorization": "allow-tenant-a"})

    authorizer = get_event(response)["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-tenant-a"
    assert authorizer["tenant_id"] == "tenant-a"
    assert authorizer["level"] == 3 and authorizer["admin"] is True
    assert authorizer["seen_arn"] == f"{ARN_PREFIX}:abc123/dev/GET/private/9"


def test_missing_identity_source_is_401_without_calling_the_authorizer(env: Env) -> None:
    before = env.auth_calls("rest-auth")

    response = httpx.get(f"{env.base_url}/dev/private/9")

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert env.auth_calls("rest-auth") == before


def test_authorizer_raising_unauthorized_is_401(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/private/9", headers={"Authorization": "unauthorized"})

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_explicit_deny_is_403(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/private/9", headers={"Authorization": "deny"})

    assert response.status_code == 403
    assert response.json() == {"Message": "User is not authorized to access this resource with an explicit deny"}


def test_authorizer_failure_is_500(env: Env) -> None:
    response = httpx.get(f"{env.base_url}/dev/private/9", headers={"Authorization": "garbage"})

    assert response.status_code == 500
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_cached_policy_is_evaluated_against_each_request(env: Env) -> None:
    # The policy allows GET /private/* only; a cached result must not allow POST.
    headers = {"Authorization": "allow-tenant-cache"}
    before = env.auth_calls("rest-auth")

    first = httpx.get(f"{env.base_url}/dev/private/1", headers=headers)
    second = httpx.get(f"{env.base_url}/dev/private/2", headers=headers)
    post = httpx.post(f"{env.base_url}/dev/private/3", headers=headers)

    assert first.status_code == second.status_code == 200
    assert post.status_code == 403
    assert env.auth_calls("rest-auth") == before + 1
    # the cached context is the one of the first evaluation
    assert get_event(second)["requestContext"]["authorizer"]["seen_arn"].endswith("/GET/private/1")


def test_authorizer_cache_expires_after_ttl(env: Env) -> None:
    headers = {"Authorization": "allow-tenant-ttl"}
    before = env.auth_calls("rest-auth")
    httpx.get(f"{env.base_url}/dev/private/1", headers=headers)

    env.clock[0] += 301
    httpx.get(f"{env.base_url}/dev/private/1", headers=headers)

    assert env.auth_calls("rest-auth") == before + 2


def test_ttl_zero_disables_the_cache(env: Env) -> None:
    headers = {"Authorization": "allow-tenant-nocache"}
    before = env.auth_calls("rest-auth")

    for _ in range(2):
        httpx.get(f"{env.base_url}/dev/fresh/1", headers=headers)

    assert env.auth_calls("rest-auth") == before + 2


def test_policy_evaluation_wildcards_and_explicit_deny() -> None:
    arn = f"{ARN_PREFIX}:abc123/dev/GET/pedidos/1"

    def policy(*statements: tuple[str, str]) -> dict[str, Any]:
        return {"Statement": [{"Effect": e, "Action": "execute-api:Invoke", "Resource": [r]} for e, r in statements]}

    assert evaluate_policy(policy(("Allow", f"{ARN_PREFIX}:abc123/*/GET/*")), arn) == "Allow"
    assert evaluate_policy(policy(("Allow", f"{ARN_PREFIX}:abc123/dev/POST/*")), arn) == "ImplicitDeny"
    assert evaluate_policy(policy(("Allow", "*"), ("Deny", f"{ARN_PREFIX}:*/dev/*/pedidos/?")), arn) == "Deny"


# -- WebSocket ----------------------------------------------------------------------------------


def ws_url(env: Env, query: str) -> str:
    return env.base_url.replace("http://", "ws://") + "/ws/dev" + query


def management_client(env: Env) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"{env.base_url}/ws/dev",
        region_name="us-east-1",
        aws_access_key_id="any",
        aws_secret_access_key="any",
    )


def test_websocket_without_token_is_rejected_with_401(env: Env) -> None:
    with pytest.raises(InvalidStatus) as excinfo:
        connect(ws_url(env, ""), open_timeout=10)

    assert excinfo.value.response.status_code == 401


def test_websocket_with_denied_token_is_rejected_with_403(env: Env) -> None:
    with pytest.raises(InvalidStatus) as excinfo:
        connect(ws_url(env, "?token=bad"), open_timeout=10)

    assert excinfo.value.response.status_code == 403


def test_connect_handler_returning_non_2xx_rejects_the_handshake(env: Env) -> None:
    with pytest.raises(InvalidStatus):
        connect(ws_url(env, "?token=ok-t1&reject=1"), open_timeout=10)


def test_message_route_selection_and_post_to_connection(env: Env) -> None:
    with connect(ws_url(env, "?token=ok-tenant-ws"), open_timeout=10) as ws:
        ws.send(json.dumps({"action": "echo", "n": 1}))
        echoed = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"action": "unknown"}))
        fallback = json.loads(ws.recv(timeout=10))
        ws.send("not json")
        not_json = json.loads(ws.recv(timeout=10))

    assert echoed["route"] == "echo" and echoed["eventType"] == "MESSAGE" and echoed["hasMessageId"]
    assert echoed["body"] == {"action": "echo", "n": 1}
    assert echoed["authorizer"]["principalId"] == "ws-ok-tenant-ws"
    assert echoed["authorizer"]["tenant_id"] == "tenant-ws"
    assert fallback == {"route": "$default"}
    assert not_json == {"route": "$default"}


def test_integration_error_sends_internal_server_error_to_the_client(env: Env) -> None:
    with connect(ws_url(env, "?token=ok-err"), open_timeout=10) as ws:
        ws.send("explode")
        first = json.loads(ws.recv(timeout=10))
        second = json.loads(ws.recv(timeout=10))

    assert first == {"route": "$default"}
    assert second["message"] == "Internal server error"


def test_boto3_management_api_reaches_client_and_answers_gone_after_disconnect(env: Env) -> None:
    client = management_client(env)
    with connect(ws_url(env, "?token=ok-boto"), open_timeout=10) as ws:
        ws.send(json.dumps({"action": "echo"}))
        connection_id = json.loads(ws.recv(timeout=10))["connectionId"]

        client.post_to_connection(ConnectionId=connection_id, Data=b'{"estado_pedido": "COCINA"}')
        pushed = ws.recv(timeout=10)
        info = client.get_connection(ConnectionId=connection_id)

    assert json.loads(pushed) == {"estado_pedido": "COCINA"}
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert "ConnectedAt" in info and "LastActiveAt" in info
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=connection_id, Data=b"late")
    disconnects = wait_for_disconnect(env, connection_id)
    assert disconnects["type"] == "DISCONNECT" and disconnects["code"] == 1000


def test_delete_connection_closes_the_socket(env: Env) -> None:
    client = management_client(env)
    with connect(ws_url(env, "?token=ok-del"), open_timeout=10) as ws:
        ws.send(json.dumps({"action": "echo"}))
        connection_id = json.loads(ws.recv(timeout=10))["connectionId"]

        client.delete_connection(ConnectionId=connection_id)

        with pytest.raises(Exception) as excinfo:
            ws.recv(timeout=10)
    assert type(excinfo.value).__name__.startswith("ConnectionClosed")
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId=connection_id)


def test_unknown_connection_is_gone(env: Env) -> None:
    client = management_client(env)

    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="bm90LWEtY29ubg=", Data=b"x")


def wait_for_disconnect(env: Env, connection_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if env.disconnect_log.exists():
            for line in env.disconnect_log.read_text().splitlines():
                record: dict[str, Any] = json.loads(line)
                if record["id"] == connection_id:
                    return record
        time.sleep(0.05)
    raise AssertionError(f"no $disconnect for {connection_id}")
