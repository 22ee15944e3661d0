"""The local API Gateway: REST proxy routes, REQUEST authorizers, WebSocket routes, ``@connections``.

``create_gateway`` returns a Starlette app that turns HTTP and WebSocket traffic into the
events API Gateway sends to Lambda, invokes the functions through the Lambda runtime and
turns their answers back into HTTP, as API Gateway does.

URL scheme (``base`` is where the app is served, e.g. ``http://127.0.0.1:8080``):

- REST API: ``{base}/restapis/{api_id}/{stage}/{path}``; in addition ``{base}/{stage}/{path}``
  serves the first REST API with that stage name (there is normally just one), which
  mirrors AWS's ``https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/{path}``.
- WebSocket API: ``ws://…/ws/{stage}`` (first WebSocket API with that stage) and
  ``ws://…/wsapis/{api_id}/{stage}``.
- Management API (``apigatewaymanagementapi``): the callback URL is the WebSocket URL with
  ``http``, i.e. ``endpoint_url=f"{base}/ws/{stage}"``; botocore appends
  ``/@connections/{connectionId}`` to the endpoint's path. ``{base}/{stage}/@connections/…``
  works too, so a callback URL built as ``{domainName}/{stage}`` (AWS's form) also reaches it.

Deliberate simplifications, each as API Gateway behaves unless noted:

- A request is matched to the most specific resource first (literal segment beats
  ``{param}`` beats ``{proxy+}``), then to its method (``ANY`` as fallback); no match answers
  403 ``{"message":"Missing Authentication Token"}``.
- Header names reach the function in canonical Title-Case (the HTTP server lowercases them;
  API Gateway passes the client's spelling, which for HTTP/1.1 clients is usually Title-Case).
- Request bodies are base64-encoded for content types that are not text (the API's
  ``binaryMediaTypes`` are not modelled); a proxy result with ``isBase64Encoded`` is decoded.
- WebSocket messages of one connection are handled one after another; the return value
  of a message route is ignored (no route responses are configured in this platform).
- Usage plans (REST): a method with ``ApiKeyRequired`` takes the API key its authorizer returned as
  ``usageIdentifierKey`` (the platform's key source is ``AUTHORIZER``; an ``x-api-key`` header is not read).
  A key that is missing, unknown, disabled or in no plan of the API's stage answers 403 ``Forbidden``; else
  the key's own token bucket of its plan's rate and burst (and the plan's quota) admits the request or answers
  429 without calling the function. The keys and their plans are read from moto (``usage_keys``, refreshed
  every ``KEY_REFRESH_SECONDS``: a key created or moved by the provisioner counts within that); the limits
  from the template. No stage-level or account-level throttle is modelled, and the bucket is exact where
  API Gateway's is best effort.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from localcloud.lambda_runtime import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, InvokeResult
from localcloud.model import (
    AuthorizerSpec,
    MockResponse,
    RestApiSpec,
    RestRoute,
    UsagePlanSpec,
    WebSocketApiSpec,
)
from localcloud.model import WebSocketRoute as WebSocketRouteSpec  # starlette.routing has one too

_logger = logging.getLogger("localcloud.gateway")

MAX_REST_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway REST payload quota
MAX_WEBSOCKET_FRAME_BYTES = 128 * 1024  # API Gateway WebSocket message / PostToConnection quota
KEY_REFRESH_SECONDS = 1.0  # how stale the gateway's view of the API keys and their plans may be


class _AnyPath(Convertor[str]):
    """A path as API Gateway routes it: decoded, so it may hold a newline (``%0A``), which Starlette's ``path``
    convertor (``.*``) misses, answering its own plain-text 404. It replaces that convertor in the local cloud's
    process, for the gateway's routes and the mounts in front of them alike."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("path", _AnyPath())

# Every method reaches the API's routing: one it does not define answers API Gateway's own 403, not a 405.
_HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY"]
_TEXT_TYPES = (
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "application/x-ndjson",
)


class Invoker(Protocol):
    """What the gateway needs from ``LambdaRuntime``."""

    def invoke(self, function_name: str, event: Any) -> InvokeResult: ...


# -- authorizer policies -----------------------------------------------------------------------


def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def evaluate_policy(policy_document: dict[str, Any], method_arn: str) -> str:
    """Evaluate an authorizer's IAM policy for ``execute-api:Invoke`` on ``method_arn``.

    Returns ``"Allow"``, ``"Deny"`` (an explicit deny, which wins) or ``"ImplicitDeny"``.
    """
    allowed = False
    for statement in _as_list(policy_document.get("Statement", [])):
        if not isinstance(statement, dict):
            continue
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        if not any(_glob_regex(a.lower()).fullmatch("execute-api:invoke") for a in actions):
            continue
        if not any(_glob_regex(r).fullmatch(method_arn) for r in resources):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return "Deny"
        if effect == "allow":
            allowed = True
    return "Allow" if allowed else "ImplicitDeny"


@dataclass(frozen=True)
class _AuthOutcome:
    status: int  # 200 when allowed
    body: dict[str, Any] | None = None
    error_type: str = ""
    authorizer_context: dict[str, Any] | None = None
    usage_key: str | None = None  # the authorizer's usageIdentifierKey


_UNAUTHORIZED = _AuthOutcome(401, {"message": "Unauthorized"}, "UnauthorizedException")
_CONFIG_ERROR = _AuthOutcome(500, {"message": None}, "AuthorizerConfigurationException")


def _identity_value(source: str, headers: dict[str, str], query: dict[str, str]) -> str | None:
    """The value of one identity source (``method.request.header.X``, ``route.request.querystring.y``)."""
    parts = source.split(".")
    if len(parts) >= 4 and parts[1] == "request":
        name = ".".join(parts[3:])
        if parts[2] == "header":
            lowered = name.lower()
            return next((v for k, v in headers.items() if k.lower() == lowered), None) or None
        if parts[2] == "querystring":
            return query.get(name) or None
    return "-"  # stage variables / context sources: always present locally


@dataclass
class _CachedPolicy:
    expires_at: float
    response: dict[str, Any]


class _Authorizers:
    """Runs REQUEST authorizers with API Gateway's result cache."""

    def __init__(self, invoker: Invoker, clock: Callable[[], float]) -> None:
        self._invoker = invoker
        self._clock = clock
        self._cache: dict[tuple[str, ...], _CachedPolicy] = {}

    async def authorize(
        self,
        spec: AuthorizerSpec,
        api_id: str,
        event: dict[str, Any],
        headers: dict[str, str],
        query: dict[str, str],
    ) -> _AuthOutcome:
        values = [_identity_value(source, headers, query) for source in spec.identity_sources]
        if any(v is None for v in values):
            return _UNAUTHORIZED
        key = (api_id, spec.function_name, *[v or "" for v in values])
        cacheable = spec.result_ttl_seconds > 0 and bool(spec.identity_sources)
        cached = self._cache.get(key) if cacheable else None
        if cached is not None and cached.expires_at > self._clock():
            return _verdict(cached.response, event["methodArn"], 0)
        started = time.perf_counter()
        answer = await self._call(spec, event)
        if isinstance(answer, _AuthOutcome):
            return answer
        if cacheable:
            self._cache[key] = _CachedPolicy(self._clock() + spec.result_ttl_seconds, answer)
        return _verdict(answer, event["methodArn"], int((time.perf_counter() - started) * 1000))

    async def _call(self, spec: AuthorizerSpec, event: dict[str, Any]) -> dict[str, Any] | _AuthOutcome:
        result = await run_in_threadpool(self._invoker.invoke, spec.function_name, event)
        if result.error is not None:
            if result.error.get("errorMessage") == "Unauthorized":
                return _UNAUTHORIZED
            _logger.warning("authorizer %s failed: %s", spec.function_name, result.error)
            return _CONFIG_ERROR
        if not _valid_authorizer_response(result.payload):
            _logger.warning("authorizer %s returned an invalid response: %r", spec.function_name, result.payload)
            return _CONFIG_ERROR
        response: dict[str, Any] = result.payload
        return response


def _verdict(response: dict[str, Any], method_arn: str, latency_ms: int) -> _AuthOutcome:
    verdict = evaluate_policy(response["policyDocument"], method_arn)
    if verdict == "Deny":
        return _AuthOutcome(
            403,
            {"Message": "User is not authorized to access this resource with an explicit deny"},
            "AccessDeniedException",
        )
    if verdict != "Allow":
        return _AuthOutcome(403, {"Message": "User is not authorized to access this resource"}, "AccessDeniedException")
    context: dict[str, Any] = dict(response.get("context") or {})
    context["principalId"] = response["principalId"]
    context["integrationLatency"] = latency_ms
    key = response.get("usageIdentifierKey")
    return _AuthOutcome(200, authorizer_context=context, usage_key=key if isinstance(key, str) else None)


def _valid_authorizer_response(response: Any) -> bool:
    if not isinstance(response, dict) or "principalId" not in response:
        return False
    if not isinstance(response.get("policyDocument"), dict):
        return False
    context = response.get("context")
    if context is None:
        return True
    return isinstance(context, dict) and all(
        isinstance(v, str | int | float | bool) or v is None for v in context.values()
    )


# -- usage plans -------------------------------------------------------------------------------


@dataclass
class TokenBucket:
    """API Gateway's throttle: ``burst`` tokens at most, refilled at ``rate`` a second; a request takes one."""

    rate: float
    burst: int
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, burst: int, now: float) -> TokenBucket:
        return cls(rate, burst, float(burst), now)

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


def _quota_window(period: str | None, day: date) -> tuple[int, ...]:
    """The quota period (UTC) that ``day`` falls in."""
    if period == "WEEK":
        return tuple(day.isocalendar()[:2])
    if period == "MONTH":
        return (day.year, day.month)
    return (day.year, day.month, day.day)


class UsageKeys(Protocol):
    """The API keys as API Gateway holds them: enabled key value -> the ids of the plans it is a member of."""

    def __call__(self) -> dict[str, set[str]]: ...


class MotoUsageKeys:
    """``UsageKeys`` read from moto's API Gateway (where the tenant provisioner writes them): one ``GetApiKeys``
    and one ``GetUsagePlanKeys`` per plan."""

    def __init__(self, client: Any, plan_ids: Iterable[str]) -> None:
        self._client = client
        self._plan_ids = tuple(plan_ids)

    def __call__(self) -> dict[str, set[str]]:
        keys = self._paged(self._client.get_api_keys, includeValues=True)
        enabled = {k["id"]: k["value"] for k in keys if k.get("enabled")}
        members: dict[str, set[str]] = {}
        for plan_id in self._plan_ids:
            for key in self._paged(self._client.get_usage_plan_keys, usagePlanId=plan_id):
                if key["id"] in enabled:
                    members.setdefault(enabled[key["id"]], set()).add(plan_id)
        return members

    @staticmethod
    def _paged(call: Callable[..., dict[str, Any]], **request: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = call(limit=500, **request)
            yield from page.get("items", [])
            if not page.get("position"):
                return
            request["position"] = page["position"]


class UsagePlanGate:
    """The usage plans of one REST API's stage: which keys may call its keyed methods, and how fast.

    ``admit`` answers None (call the function) or the gateway's error: 403 for a key in no plan of the stage,
    429 past the key's bucket (``TooManyRequestsException``, THROTTLED) or its plan's quota
    (``LimitExceededException``, QUOTA_EXCEEDED). A throttled or refused request takes nothing from the bucket.
    """

    def __init__(
        self,
        plans: Sequence[UsagePlanSpec],
        keys: UsageKeys,
        clock: Callable[[], float],
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._plans = {plan.plan_id: plan for plan in plans}
        self._keys = keys
        self._clock = clock
        self._today = today
        self._members: dict[str, set[str]] = {}
        self._read_at: float | None = None
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._used: dict[tuple[str, str], tuple[tuple[int, ...], int]] = {}  # (plan, key) -> (window, count)
        self._lock = asyncio.Lock()

    def reread(self) -> None:
        """The keys changed (the tenant provisioner ran): read them again at the next request."""
        self._read_at = None

    async def admit(self, key: str | None) -> _AuthOutcome | None:
        async with self._lock:  # one reader of moto at a time; the buckets' updates are atomic anyway
            now = self._clock()
            if self._read_at is None or now - self._read_at >= KEY_REFRESH_SECONDS:
                self._members = await run_in_threadpool(self._keys)
                self._read_at = now
            plan = next((self._plans[p] for p in sorted(self._members.get(key or "", ())) if p in self._plans), None)
            if key is None or plan is None:
                return _AuthOutcome(403, {"message": "Forbidden"}, "ForbiddenException")
            return self._take(plan, key, now)

    def _take(self, plan: UsagePlanSpec, key: str, now: float) -> _AuthOutcome | None:
        slot = (plan.plan_id, key)
        if plan.quota_limit is not None:
            window = _quota_window(plan.quota_period, self._today())
            used_window, used = self._used.get(slot, (window, 0))
            used = used if used_window == window else 0
            if used >= plan.quota_limit:
                return _AuthOutcome(429, {"message": "Limit Exceeded"}, "LimitExceededException")
        if plan.rate_limit is not None and plan.burst_limit is not None:
            bucket = self._buckets.setdefault(slot, TokenBucket.full(plan.rate_limit, plan.burst_limit, now))
            if not bucket.take(now):
                return _AuthOutcome(429, {"message": "Too Many Requests"}, "TooManyRequestsException")
        if plan.quota_limit is not None:
            self._used[slot] = (window, used + 1)
        return None


# -- request helpers ---------------------------------------------------------------------------


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _value_maps(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each name's last value, and all its values in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


@dataclass(frozen=True)
class _Parameters:
    """A request's headers and query string, single- and multi-valued, as API Gateway's events carry them."""

    headers: dict[str, str]
    multi_headers: dict[str, list[str]]
    query: dict[str, str]
    multi_query: dict[str, list[str]]

    @classmethod
    def of(cls, connection: HTTPConnection) -> _Parameters:
        raw_headers = (
            (_title(name.decode("latin-1")), value.decode("latin-1")) for name, value in connection.headers.raw
        )
        headers, multi_headers = _value_maps(raw_headers)
        query, multi_query = _value_maps(connection.query_params.multi_items())
        return cls(headers, multi_headers, query, multi_query)

    def proxy_fields(self) -> dict[str, Any]:
        """As a proxy integration's event has them: no query string is ``None``."""
        return {
            "headers": self.headers,
            "multiValueHeaders": self.multi_headers,
            "queryStringParameters": self.query or None,
            "multiValueQueryStringParameters": self.multi_query or None,
        }

    def authorizer_fields(self) -> dict[str, Any]:
        """As a REQUEST authorizer's event has them: no query string is ``{}``."""
        query = {"queryStringParameters": self.query, "multiValueQueryStringParameters": self.multi_query}
        return {**self.proxy_fields(), **query}


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return True
    mime = content_type.split(";")[0].strip().lower()
    return mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(("+json", "+xml"))


def _event_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """A proxy event's ``body`` and ``isBase64Encoded``: text as it came, anything else in base64."""
    if not body:
        return None, False
    if _is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def _request_time(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _new_id() -> str:
    return base64.b64encode(secrets.token_bytes(6)).decode().rstrip("=").replace("/", "A").replace("+", "B") + "="


def _error_response(status: int, body: dict[str, Any] | None, error_type: str, request_id: str) -> Response:
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type}
    return JSONResponse(body, status_code=status, headers=headers)


# -- REST routing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    path: str
    segments: tuple[str, ...]

    @property
    def specificity(self) -> tuple[int, ...]:
        return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in self.segments)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for index, part in enumerate(self.segments):
            if part.startswith("{") and part.endswith("+}"):
                rest = segments[index:]
                if not rest or index != len(self.segments) - 1:
                    return None
                params[part[1:-2]] = "/".join(rest)
                return params
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = segments[index]
            elif part != segments[index]:
                return None
        return params if len(segments) == len(self.segments) else None


def _split(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


# The gateway's own errors, by the x-amzn-ErrorType it reports -> the GatewayResponse type that shapes them.
_RESPONSE_TYPES = {
    "MissingAuthenticationTokenException": "MISSING_AUTHENTICATION_TOKEN",
    "UnauthorizedException": "UNAUTHORIZED",
    "AccessDeniedException": "ACCESS_DENIED",
    "AuthorizerConfigurationException": "AUTHORIZER_CONFIGURATION_ERROR",
    "RequestTooLongException": "REQUEST_TOO_LARGE",
    "InternalServerErrorException": "DEFAULT_5XX",
    "ForbiddenException": "INVALID_API_KEY",
    "TooManyRequestsException": "THROTTLED",
    "LimitExceededException": "QUOTA_EXCEEDED",
}


def _render_template(template: str, message: str | None, response_type: str, request_id: str) -> str:
    """The few ``$context`` variables a gateway response template uses, substituted as API Gateway does."""
    return (
        template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.message", message or "")
        .replace("$context.error.responseType", response_type)
        .replace("$context.requestId", request_id)
    )


class _RestApi:
    def __init__(self, spec: RestApiSpec, gate: UsagePlanGate | None = None) -> None:
        self.spec = spec
        self.gate = gate  # its usage plans; None: no plan, so a keyed method admits no one (as on AWS)
        self.templates = [_Template(p, tuple(_split(p))) for p in sorted({r.resource_path for r in spec.routes})]

    async def admit(self, usage_key: str | None) -> _AuthOutcome | None:
        """A keyed method's check of the caller's key: None to go on, else the gateway's error."""
        if self.gate is None:
            return _AuthOutcome(403, {"message": "Forbidden"}, "ForbiddenException")
        return await self.gate.admit(usage_key)

    def error(self, status: int, body: dict[str, Any] | None, error_type: str, request_id: str) -> Response:
        """An error of the gateway itself, shaped by the API's ``GatewayResponse`` for its type (or the default)."""
        response_type = _RESPONSE_TYPES.get(error_type, "")
        default = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        shape = self.spec.gateway_responses.get(response_type) or self.spec.gateway_responses.get(default)
        if shape is None:
            return _error_response(status, body, error_type, request_id)
        headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": error_type, **shape.headers}
        status = shape.status_code or status
        template = shape.templates.get("application/json")
        if template is None:
            return JSONResponse(body, status_code=status, headers=headers)
        message = next(iter((body or {}).values()), None)
        content = _render_template(template, message, response_type or default, request_id)
        return Response(content, status_code=status, headers=headers, media_type="application/json")

    def match(self, path: str, method: str) -> tuple[RestRoute, dict[str, str]] | None:
        segments = _split(path)
        candidates = [(t.specificity, t, p) for t in self.templates if (p := t.match(segments)) is not None]
        if not candidates:
            return None
        _, template, params = min(candidates, key=lambda c: c[0])
        routes = [r for r in self.spec.routes if r.resource_path == template.path]
        route = next((r for r in routes if r.http_method == method), None)
        route = route or next((r for r in routes if r.http_method == "ANY"), None)
        return (route, params) if route is not None else None


@dataclass(frozen=True)
class _RestCall:
    """A matched REST request, in the parts that its proxy event and its authorizer's event share."""

    method: str
    path: str
    route: RestRoute
    path_params: dict[str, str]
    params: _Parameters
    context: dict[str, Any]  # the requestContext; the authorizer's answer is added to it

    def proxy_event(self, body: str | None, is_base64: bool) -> dict[str, Any]:
        return {
            "resource": self.route.resource_path,
            "path": self.path,
            "httpMethod": self.method,
            **self.params.proxy_fields(),
            "pathParameters": self.path_params or None,
            "stageVariables": None,
            "requestContext": self.context,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def authorizer_event(self, method_arn: str) -> dict[str, Any]:
        return {
            "type": "REQUEST",
            "methodArn": method_arn,
            "resource": self.route.resource_path,
            "path": self.path,
            "httpMethod": self.method,
            **self.params.authorizer_fields(),
            "pathParameters": self.path_params,
            "stageVariables": {},
            "requestContext": self.context,
        }


def _rest_identity(source_ip: str, user_agent: str | None) -> dict[str, Any]:
    """``requestContext.identity`` of a caller without IAM or Cognito credentials."""
    return {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": user_agent,
        "user": None,
    }


def _proxy_result(function_name: str, result: InvokeResult) -> tuple[int, bytes, dict[str, Any]] | None:
    """Status, body and payload of a well-formed Lambda proxy answer; None (a 502) for anything else."""
    if result.error is not None:
        error_type, message = result.error.get("errorType"), result.error.get("errorMessage")
        _logger.warning("%s failed: %s: %s", function_name, error_type, message)
        return None
    payload = result.payload
    if not isinstance(payload, dict) or not isinstance(payload.get("statusCode"), int | str):
        _logger.warning("%s returned a malformed Lambda proxy response: %r", function_name, payload)
        return None
    try:
        status = int(payload["statusCode"])
    except ValueError:
        return None
    body = payload.get("body")
    if body is not None and not isinstance(body, str):
        _logger.warning("%s returned a non-string body", function_name)
        return None
    content = b""
    if body:
        try:
            content = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode("utf-8")
        except ValueError:
            return None
    return status, content, payload


def _proxy_headers(
    raw_headers: list[tuple[bytes, bytes]], payload: dict[str, Any], request_id: str
) -> list[tuple[bytes, bytes]]:
    """The response's length, then the function's headers (multi-valued ones win), then the gateway's."""
    merged: dict[str, tuple[str, list[str]]] = {}  # lowercase name -> (name, values)
    for name, value in (payload.get("headers") or {}).items():
        merged[name.lower()] = (name, [_header_value(value)])
    for name, values in (payload.get("multiValueHeaders") or {}).items():
        merged[name.lower()] = (name, [_header_value(v) for v in _as_list(values)])
    raw = [(k, v) for k, v in raw_headers if k == b"content-length"]
    for lower, (name, values) in merged.items():
        if lower in ("content-length", "transfer-encoding", "connection"):
            continue
        raw.extend((name.encode("latin-1"), value.encode("latin-1")) for value in values)
    if "content-type" not in merged:
        raw.append((b"content-type", b"application/json"))
    raw.append((b"x-amzn-RequestId", request_id.encode()))
    raw.append((b"x-amz-apigw-id", _new_id().encode()))
    return raw


# -- WebSocket connections -------------------------------------------------------------------


@dataclass
class _Connection:
    connection_id: str
    websocket: WebSocket
    api: WebSocketApiSpec
    connected_at: float
    source_ip: str
    user_agent: str
    authorizer: dict[str, Any] | None
    last_active_at: float = 0.0
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False
    close_code: int = 1005  # "no status received", until the client or the gateway closes with one

    @classmethod
    def open(cls, websocket: WebSocket, api: WebSocketApiSpec) -> _Connection:
        now = time.time()
        return cls(
            connection_id=_new_id(),
            websocket=websocket,
            api=api,
            connected_at=now,
            source_ip=websocket.client.host if websocket.client else "127.0.0.1",
            user_agent=websocket.headers.get("user-agent", ""),
            authorizer=None,
            last_active_at=now,
        )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _select_route_key(expression: str, body: str) -> str | None:
    match = re.fullmatch(r"\$\{?request\.body\.([A-Za-z0-9_.\-]+)\}?", expression.strip())
    if match is None:
        return None
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for key in match.group(1).split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, str) else None


# -- the app -----------------------------------------------------------------------------------


@dataclass
class Gateway:
    """The gateway's state and handlers; ``create_gateway`` builds one and wires them into a Starlette app."""

    rest_apis: list[_RestApi]
    websocket_apis: list[WebSocketApiSpec]
    runtime: Invoker
    cors_origins: tuple[str, ...]
    region: str
    account_id: str
    authorizers: _Authorizers
    connections: dict[str, _Connection] = field(default_factory=dict)

    # -- REST -------------------------------------------------------------------------------

    def reread_usage_keys(self) -> None:
        """Read the API keys and their plans again at the next keyed request (instead of within a second)."""
        for api in self.rest_apis:
            if api.gate is not None:
                api.gate.reread()

    async def rest_by_id(self, request: Request) -> Response:
        api_id, stage = request.path_params["api_id"], request.path_params["stage"]
        api = next(
            (a for a in self.rest_apis if a.spec.api_id == api_id and a.spec.stage_name == stage),
            None,
        )
        return await self._rest(request, api, request.path_params.get("path", ""))

    async def rest_by_stage(self, request: Request) -> Response:
        stage = request.path_params["stage"]
        api = next((a for a in self.rest_apis if a.spec.stage_name == stage), None)
        return await self._rest(request, api, request.path_params.get("path", ""))

    async def _rest(self, request: Request, api: _RestApi | None, sub_path: str) -> Response:
        request_id = str(uuid.uuid4())
        path = "/" + sub_path
        found = api.match(path, request.method.upper()) if api is not None else None
        if api is None or found is None:
            error = api.error if api is not None else _error_response
            return error(
                403, {"message": "Missing Authentication Token"}, "MissingAuthenticationTokenException", request_id
            )
        route, path_params = found
        if route.mock is not None:
            return self._mock(route.mock, request)
        body = await self._read_body(request)
        if body is None:
            return api.error(413, {"message": "Request Too Long"}, "RequestTooLongException", request_id)
        call = self._rest_call(request, api.spec, route, path=path, path_params=path_params, request_id=request_id)
        event = call.proxy_event(*_event_body(body, request.headers.get("content-type")))
        usage_key: str | None = None
        if route.authorizer is not None:
            outcome = await self._authorize_rest(route.authorizer, api.spec, call)
            if outcome.status != 200:
                return api.error(outcome.status, outcome.body, outcome.error_type, request_id)
            call.context["authorizer"] = outcome.authorizer_context
            usage_key = outcome.usage_key
        if route.api_key_required and (refused := await api.admit(usage_key)) is not None:
            return api.error(refused.status, refused.body, refused.error_type, request_id)
        assert route.function_name is not None
        result = await run_in_threadpool(self.runtime.invoke, route.function_name, event)
        return self._proxy_response(route.function_name, result, request_id)

    def _rest_call(
        self,
        request: Request,
        spec: RestApiSpec,
        route: RestRoute,
        *,
        path: str,
        path_params: dict[str, str],
        request_id: str,
    ) -> _RestCall:
        now = time.time()
        source_ip = request.client.host if request.client else "127.0.0.1"
        params = _Parameters.of(request)
        for name, value in (
            ("X-Forwarded-For", source_ip),
            ("X-Forwarded-Proto", request.url.scheme),
            ("X-Forwarded-Port", str(request.url.port or 80)),
            ("X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}"),
        ):
            if name not in params.headers:
                params.headers[name] = value
                params.multi_headers[name] = [value]
        method = request.method.upper()
        context: dict[str, Any] = {
            "resourceId": route.resource_path,
            "resourcePath": route.resource_path,
            "httpMethod": method,
            "extendedRequestId": _new_id(),
            "requestTime": _request_time(now),
            "path": f"/{spec.stage_name}{path}",
            "accountId": self.account_id,
            "protocol": f"HTTP/{request.scope.get('http_version', '1.1')}",
            "stage": spec.stage_name,
            "domainPrefix": spec.api_id,
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": _rest_identity(source_ip, request.headers.get("user-agent")),
            "domainName": request.headers.get("host", ""),
            "apiId": spec.api_id,
        }
        return _RestCall(method, path, route, path_params, params, context)

    async def _authorize_rest(self, authorizer: AuthorizerSpec, spec: RestApiSpec, call: _RestCall) -> _AuthOutcome:
        method_arn = (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{spec.api_id}/{spec.stage_name}/{call.method}/"
            f"{call.path.lstrip('/')}"
        )
        headers, query = call.params.headers, call.params.query
        if authorizer.type == "TOKEN":
            token = (
                _identity_value(authorizer.identity_sources[0], headers, query) if authorizer.identity_sources else None
            )
            event = {"type": "TOKEN", "authorizationToken": token or "", "methodArn": method_arn}
        else:
            event = call.authorizer_event(method_arn)
        return await self.authorizers.authorize(authorizer, spec.api_id, event, headers, query)

    async def _read_body(self, request: Request) -> bytes | None:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_REST_PAYLOAD_BYTES:
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_REST_PAYLOAD_BYTES:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _proxy_response(self, function_name: str, result: InvokeResult, request_id: str) -> Response:
        proxy = _proxy_result(function_name, result)
        if proxy is None:
            internal = {"message": "Internal server error"}
            return JSONResponse(internal, status_code=502, headers={"x-amzn-RequestId": request_id})
        status, content, payload = proxy
        response = Response(content=content, status_code=status)
        response.raw_headers = _proxy_headers(response.raw_headers, payload, request_id)
        return response

    def _mock(self, mock: MockResponse, request: Request) -> Response:
        headers = dict(mock.headers)
        allow_origin_key = next((k for k in headers if k.lower() == "access-control-allow-origin"), None)
        origin = request.headers.get("origin")
        allowed = mock.allowed_origins or self.cors_origins
        if allow_origin_key and headers[allow_origin_key] != "*" and origin and origin in allowed:
            # CDK's multi-origin preflight template echoes a listed Origin over the static first one.
            headers[allow_origin_key] = origin
        return Response(status_code=mock.status_code, headers=headers)

    # -- WebSocket ---------------------------------------------------------------------------

    def _ws_api(self, websocket_or_request: WebSocket | Request) -> WebSocketApiSpec | None:
        params = websocket_or_request.path_params
        stage, api_id = params["stage"], params.get("api_id")
        return next(
            (a for a in self.websocket_apis if a.stage_name == stage and (api_id is None or a.api_id == api_id)),
            None,
        )

    def _ws_context(self, conn: _Connection, route_key: str, event_type: str, **extra: Any) -> dict[str, Any]:
        now = time.time()
        context: dict[str, Any] = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": _new_id(),
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": conn.api.stage_name,
            "connectedAt": int(conn.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "requestId": _new_id(),
            "domainName": conn.websocket.headers.get("host", ""),
            "connectionId": conn.connection_id,
            "apiId": conn.api.api_id,
        }
        if conn.authorizer is not None:
            context["authorizer"] = conn.authorizer
        context.update(extra)
        return context

    async def websocket(self, websocket: WebSocket) -> None:
        api = self._ws_api(websocket)
        if api is None:
            await self._deny(websocket, 403, {"message": "Forbidden"})
            return
        routes = {r.route_key: r for r in api.routes}
        params = _Parameters.of(websocket)
        conn = _Connection.open(websocket, api)
        if not await self._connect(conn, routes.get("$connect"), params):
            return
        self.connections[conn.connection_id] = conn
        await websocket.accept()
        try:
            await self._receive(conn, routes)
        except WebSocketDisconnect as exc:
            conn.close_code = exc.code
        finally:
            conn.closed = True
            self.connections.pop(conn.connection_id, None)
            await self._disconnect(conn, routes.get("$disconnect"), params)

    async def _connect(self, conn: _Connection, route: WebSocketRouteSpec | None, params: _Parameters) -> bool:
        """``$connect``: its authorizer, then its function; False when either refused (the client is told)."""
        if route is None:
            return True
        if route.authorizer is not None:
            outcome = await self._authorize_connect(conn, route.authorizer, params)
            if outcome.status != 200:
                await self._deny(conn.websocket, outcome.status, outcome.body)
                return False
            conn.authorizer = outcome.authorizer_context
        context = self._ws_context(conn, "$connect", "CONNECT")
        event = {**params.proxy_fields(), "requestContext": context, "isBase64Encoded": False}
        status = _status_of(await run_in_threadpool(self.runtime.invoke, route.function_name, event))
        if 200 <= status < 300:
            return True
        await self._deny(conn.websocket, status, {"message": "Forbidden" if status < 500 else "Internal server error"})
        return False

    async def _authorize_connect(
        self, conn: _Connection, authorizer: AuthorizerSpec, params: _Parameters
    ) -> _AuthOutcome:
        api = conn.api
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{self.region}:{self.account_id}:{api.api_id}/{api.stage_name}/$connect",
            **params.authorizer_fields(),
            "stageVariables": {},
            "requestContext": self._ws_context(conn, "$connect", "CONNECT"),
        }
        return await self.authorizers.authorize(authorizer, api.api_id, event, params.headers, params.query)

    async def _receive(self, conn: _Connection, routes: dict[str, WebSocketRouteSpec]) -> None:
        """Route the client's messages one after another until it disconnects or sends one too big."""
        while True:
            message = await conn.websocket.receive()
            if message["type"] == "websocket.disconnect":
                conn.close_code = int(message.get("code") or 1005)
                return
            conn.last_active_at = time.time()
            text, data = message.get("text"), message.get("bytes")
            size = len(text.encode()) if text is not None else len(data or b"")
            if size > MAX_WEBSOCKET_FRAME_BYTES:
                conn.close_code = 1009
                await conn.websocket.close(code=1009, reason="Message too big")
                return
            await self._on_message(conn, routes, text, data)

    async def _disconnect(self, conn: _Connection, route: WebSocketRouteSpec | None, params: _Parameters) -> None:
        if route is None:
            return
        context = self._ws_context(
            conn, "$disconnect", "DISCONNECT", disconnectStatusCode=conn.close_code, disconnectReason=""
        )
        event = {
            "headers": params.headers,
            "multiValueHeaders": params.multi_headers,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        await run_in_threadpool(self.runtime.invoke, route.function_name, event)

    async def _on_message(
        self,
        conn: _Connection,
        routes: dict[str, WebSocketRouteSpec],
        text: str | None,
        data: bytes | None,
    ) -> None:
        is_base64 = False
        if text is None:
            try:
                text = (data or b"").decode("utf-8")
            except UnicodeDecodeError:
                text, is_base64 = base64.b64encode(data or b"").decode(), True
        route_key = None if is_base64 else _select_route_key(conn.api.route_selection_expression, text)
        route = routes.get(route_key) if route_key not in (None, "$connect", "$disconnect") else None
        if route is None:
            route_key, route = "$default", routes.get("$default")
        context = self._ws_context(conn, route_key or "$default", "MESSAGE", messageId=_new_id())
        if route is None:
            await self._send(conn, _ws_error("Forbidden", conn, context["requestId"]))
            return
        event = {"requestContext": context, "body": text, "isBase64Encoded": is_base64}
        result = await run_in_threadpool(self.runtime.invoke, route.function_name, event)
        if result.error is not None:
            await self._send(conn, _ws_error("Internal server error", conn, context["requestId"]))

    async def _send(self, conn: _Connection, data: bytes | str) -> bool:
        if conn.closed:
            return False
        try:
            async with conn.send_lock:
                if isinstance(data, str):
                    await conn.websocket.send_text(data)
                else:
                    try:
                        await conn.websocket.send_text(data.decode("utf-8"))
                    except UnicodeDecodeError:
                        await conn.websocket.send_bytes(data)
        except (RuntimeError, OSError, WebSocketDisconnect):
            return False
        return True

    async def _deny(self, websocket: WebSocket, status: int, body: dict[str, Any] | None) -> None:
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(JSONResponse(body, status_code=status))
        else:
            await websocket.close(code=1008)

    # -- @connections ------------------------------------------------------------------------

    async def connections_api(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        api = self._ws_api(request)
        conn = self.connections.get(request.path_params["connection_id"])
        if api is None or conn is None or conn.api is not api or conn.closed:
            return _error_response(410, {"message": None}, "GoneException", request_id)
        if request.method == "GET":
            return JSONResponse(
                {
                    "connectedAt": _iso(conn.connected_at),
                    "identity": {
                        "sourceIp": conn.source_ip,
                        "userAgent": conn.user_agent,
                    },
                    "lastActiveAt": _iso(conn.last_active_at),
                },
                headers={"x-amzn-RequestId": request_id},
            )
        if request.method == "DELETE":
            conn.closed = True
            with contextlib.suppress(RuntimeError, OSError):
                await conn.websocket.close(code=1000)
            return Response(status_code=204, headers={"x-amzn-RequestId": request_id})
        data = await request.body()
        if len(data) > MAX_WEBSOCKET_FRAME_BYTES:
            return _error_response(
                413,
                {"message": "Message too long"},
                "PayloadTooLargeException",
                request_id,
            )
        if not await self._send(conn, data):
            return _error_response(410, {"message": None}, "GoneException", request_id)
        return Response(status_code=200, headers={"x-amzn-RequestId": request_id})


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _status_of(result: InvokeResult) -> int:
    if result.error is not None:
        return 500
    payload = result.payload
    if isinstance(payload, dict) and "statusCode" in payload:
        try:
            return int(payload["statusCode"])
        except (TypeError, ValueError):
            return 500
    return 200  # a $connect handler without a proxy-shaped answer accepts the connection


def _ws_error(message: str, conn: _Connection, request_id: str) -> str:
    return json.dumps(
        {
            "message": message,
            "connectionId": conn.connection_id,
            "requestId": request_id,
        }
    )


def create_gateway(
    rest_apis: Sequence[RestApiSpec],
    websocket_apis: Sequence[WebSocketApiSpec],
    runtime: Invoker,
    *,
    cors_origins: Sequence[str] = (),
    region: str | None = None,
    account_id: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    usage_keys: UsageKeys | None = None,
) -> Starlette:
    """Build the gateway app (see the module docstring for the URL scheme).

    ``cors_origins`` are the allowed origins that MOCK preflight answers echo back when the
    request's ``Origin`` is one of them (CDK's multi-origin template), in addition to the
    origins carried by the route's ``MockResponse``. ``clock`` drives the authorizer cache TTL and the usage
    plans' token buckets. ``usage_keys`` reads the API keys and their plans (``MotoUsageKeys``); without it, no
    key is in any plan, so every method that requires a key answers 403.
    The ``Gateway`` instance is available as ``app.state.gateway``.
    """
    gateway = Gateway(
        rest_apis=[
            _RestApi(spec, UsagePlanGate(spec.usage_plans, usage_keys or dict, clock) if spec.usage_plans else None)
            for spec in rest_apis
        ],
        websocket_apis=list(websocket_apis),
        runtime=runtime,
        cors_origins=tuple(cors_origins),
        region=region or getattr(runtime, "region", None) or DEFAULT_REGION,
        account_id=account_id or getattr(runtime, "account_id", None) or DEFAULT_ACCOUNT_ID,
        authorizers=_Authorizers(runtime, clock),
    )
    connections = ["GET", "POST", "DELETE"]
    routes: list[Route | WebSocketRoute] = [
        WebSocketRoute("/ws/{stage}", gateway.websocket),
        WebSocketRoute("/wsapis/{api_id}/{stage}", gateway.websocket),
        Route("/ws/{stage}/@connections/{connection_id}", gateway.connections_api, methods=connections),
        Route("/wsapis/{api_id}/{stage}/@connections/{connection_id}", gateway.connections_api, methods=connections),
        Route("/{stage}/@connections/{connection_id}", gateway.connections_api, methods=connections),
        Route("/restapis/{api_id}/{stage}", gateway.rest_by_id, methods=_HTTP_METHODS),
        Route("/restapis/{api_id}/{stage}/{path:path}", gateway.rest_by_id, methods=_HTTP_METHODS),
        Route("/{stage}", gateway.rest_by_stage, methods=_HTTP_METHODS),
        Route("/{stage}/{path:path}", gateway.rest_by_stage, methods=_HTTP_METHODS),
    ]
    app = Starlette(routes=routes)
    app.state.gateway = gateway
    return app
