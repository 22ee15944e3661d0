"""What the local cloud reads out of the cloud assembly.

The provisioner (``localcloud.provision``) turns the synthesized templates into
these plain records; the Lambda runtime, the gateway and the SQS pollers only
ever see these records, never the templates. Nothing here is written by hand:
every value comes from ``cdk.out``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FunctionSpec:
    """One ``AWS::Lambda::Function`` as deployed."""

    logical_id: str  # "<stack>/<LogicalId>", unique across stacks
    name: str  # the FunctionName (physical), also used as the context's function_name
    handler: str  # "package.module.function", as in the template
    code_dir: Path  # the asset folder in cdk.out (what Lambda would unzip)
    environment: dict[str, str]  # resolved Environment.Variables
    timeout_seconds: int = 3
    memory_mb: int = 128
    layer_dirs: tuple[Path, ...] = ()  # asset folders of the layers (not importable here: arm64 wheels)
    role_name: str | None = None  # its execution role (whose policies the local AWS endpoint enforces)


@dataclass(frozen=True)
class EventSourceMapping:
    """One ``AWS::Lambda::EventSourceMapping`` from an SQS queue."""

    function_name: str
    queue_url: str
    queue_arn: str
    batch_size: int = 10
    max_batching_window_seconds: int = 0
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class AuthorizerSpec:
    """A REQUEST authorizer (REST ``AWS::ApiGateway::Authorizer`` or WebSocket ``AWS::ApiGatewayV2::Authorizer``)."""

    function_name: str
    # API Gateway identity sources, e.g. "method.request.header.Authorization"
    # (REST) or "route.request.querystring.token" (WebSocket).
    identity_sources: tuple[str, ...] = ()
    result_ttl_seconds: int = 300
    type: str = "REQUEST"  # "REQUEST" or "TOKEN" (REST only; the token is the first identity source)


@dataclass(frozen=True)
class MockResponse:
    """A MOCK integration (CDK's CORS preflight) answered by the gateway itself."""

    status_code: int
    headers: dict[str, str]  # header name -> value, quotes already stripped
    # Origins the response template echoes back when the request's Origin is one of them
    # (CDK's preflight with several allowed origins); empty when the template hard-codes one.
    allowed_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestRoute:
    """One ``AWS::ApiGateway::Method``: HTTP method on a resource path."""

    http_method: str  # "GET", "POST", ..., "ANY", "OPTIONS"
    resource_path: str  # "/usuarios/{id}" or "/pedidos/{proxy+}"
    function_name: str | None  # AWS_PROXY target, None for MOCK
    authorizer: AuthorizerSpec | None = None
    mock: MockResponse | None = None
    api_key_required: bool = False  # ApiKeyRequired: the caller's API key must be in a usage plan of the stage


@dataclass(frozen=True)
class UsagePlanSpec:
    """An ``AWS::ApiGateway::UsagePlan`` on a REST API's stage: each of its keys' own token bucket (and quota).

    The plan exists in moto too (``plan_id`` is moto's id): its keys and their membership are data there."""

    plan_id: str
    name: str
    rate_limit: float | None = None  # requests per second; None: no throttle of the plan's own
    burst_limit: int | None = None
    quota_limit: int | None = None  # requests per quota_period
    quota_period: str | None = None  # "DAY", "WEEK" or "MONTH"


@dataclass(frozen=True)
class GatewayResponse:
    """An ``AWS::ApiGateway::GatewayResponse``: how the gateway shapes its own errors (e.g. CORS on 4XX)."""

    status_code: int | None  # None: keep the status of the error
    headers: dict[str, str]  # header name -> value, quotes already stripped
    templates: dict[str, str] = field(default_factory=dict)  # content type -> body template (VTL)


@dataclass(frozen=True)
class RestApiSpec:
    name: str
    stage_name: str
    routes: tuple[RestRoute, ...]
    api_id: str = "localrest"
    # by response type: "DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED", ...
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    usage_plans: tuple[UsagePlanSpec, ...] = ()  # the plans on this API's stage


@dataclass(frozen=True)
class WebSocketRoute:
    route_key: str  # "$connect", "$disconnect", "$default" or a custom key
    function_name: str
    authorizer: AuthorizerSpec | None = None


@dataclass(frozen=True)
class WebSocketApiSpec:
    name: str
    stage_name: str
    route_selection_expression: str  # e.g. "$request.body.action"
    routes: tuple[WebSocketRoute, ...]
    api_id: str = "localws"


@dataclass
class Assembly:
    """Everything the runtime pieces need, produced by the provisioner."""

    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # by name
    event_source_mappings: list[EventSourceMapping] = field(default_factory=list)
    rest_apis: list[RestApiSpec] = field(default_factory=list)
    websocket_apis: list[WebSocketApiSpec] = field(default_factory=list)
    # logical id ("<stack>/<LogicalId>") -> physical id / ARN / URL, for scripts and tests
    physical_ids: dict[str, str] = field(default_factory=dict)
    # role name -> its policy documents (inline and AWS::IAM::Policy), resolved to local ARNs
    role_policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # "<stack>.<OutputKey>" -> value
    unsupported: list[str] = field(default_factory=list)  # "<stack>/<LogicalId> (<Type>)"
    # things handled only approximately (e.g. a layer ARN from outside the assembly), for the start-up report
    warnings: list[str] = field(default_factory=list)
