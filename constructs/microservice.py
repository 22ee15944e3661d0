"""``Microservice``: one function, the REST routes it serves, and the authorizer on each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from constructs.grants import allow, parameter_arn
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig

ROUTES_ID = "Routes"  # the construct, in each stack with routes, that holds the API resources it made
_PUBLIC_REASON = (
    "Public by design: {route} is read or called before a customer has a session "
    "(catalog browsing, registration, login, health, Mercado Pago webhook). "
    "The handler validates its input and, for the webhook, the x-signature HMAC."
)
_LAMBDA_AUTHORIZER_REASON = (
    "The platform authenticates with its own REQUEST authorizer (opaque, hashed session tokens in "
    "DynamoDB, revocable), not Cognito; see services/authorizer."
)


@dataclass(frozen=True)
class RestEndpoint:
    """What every microservice of one REST API shares: its stage, the code layer, the API, the
    authorizer of its protected routes and the request validator (all in the stack of the API), and the API's
    resources by path, wherever each was made."""

    stage: StageConfig
    layer: lambda_.ILayerVersion
    api: apigw.RestApi
    authorizer: apigw.IAuthorizer
    validator: apigw.IRequestValidator
    resources: dict[str, apigw.IResource] = field(default_factory=dict)

    def resource_for_path(self, scope: Construct, path: str) -> apigw.IResource:
        """The API's resource at ``path``, made (with its missing parents) in ``scope``'s stack if no microservice
        made it before: a path prefix two groups share (``/locales/{location_id}``) is made once, by the first, and
        the other's children refer to it (a nested stack's parameter)."""
        if path in ("", "/"):
            return self.api.root
        if path in self.resources:
            return self.resources[path]
        parent_path, _, part = path.rpartition("/")
        parent = self.resource_for_path(scope, parent_path)
        stack = cdk.Stack.of(scope)
        routes = stack.node.try_find_child(ROUTES_ID) or Construct(stack, ROUTES_ID)
        # One construct per path, flat under the stack's Routes (a resource of another stack cannot hold it).
        resource = apigw.Resource(routes, path.strip("/").replace("/", "."), parent=parent, path_part=part)
        self.resources[path] = resource
        return resource


@dataclass(frozen=True)
class Route:
    """One REST route of a microservice. ``public`` routes skip the authorizer."""

    method: str
    path: str
    public: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class Microservice(Construct):
    """A ``ServiceFunction`` wired to its routes on the stage's REST API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: RestEndpoint,
        service: str,
        handler: str,
        routes: Iterable[Route],
        environment: Mapping[str, str] | None = None,
        timeout: cdk.Duration | None = None,
        memory_size: int = 256,
    ) -> None:
        super().__init__(scope, construct_id)
        self.service = service
        self.routes = tuple(routes)
        self.handler = handler
        self.service_function = ServiceFunction(
            self,
            "Service",
            stage=endpoint.stage,
            service=service,
            handler=handler,
            layer=endpoint.layer,
            environment=environment,
            timeout=timeout,
            memory_size=memory_size,
        )
        self.function = self.service_function.function
        self.role = self.service_function.role
        self._allow_web_origins(endpoint.stage)
        integration = self._integration(endpoint.api)
        for route in self.routes:
            self._add_route(endpoint, route, integration)

    def _integration(self, api: apigw.RestApi) -> apigw.Integration:
        """Lambda proxy to this function (``LambdaIntegration``'s integration), with the one permission it needs
        made here, beside the function: any route of this API may invoke it (``LambdaIntegration`` would put that
        permission beside the API, in the API's stack)."""
        self.function.add_permission(
            "ApiPermission",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=api.arn_for_execute_api("*", "/*", "*"),
        )
        return apigw.AwsIntegration(
            service="lambda",
            proxy=True,
            path=f"2015-03-31/functions/{self.function.function_arn}/invocations",
        )

    def _allow_web_origins(self, stage: StageConfig) -> None:
        """The origins this API answers with CORS headers: the configured ones, and the web apps' own
        (published by FrontendStack in an SSM parameter the function reads at cold start)."""
        parameter = stage.web_parameter("origins")
        self.function.add_environment("ALLOWED_ORIGINS", ",".join(stage.allowed_origins))
        self.function.add_environment("ALLOWED_ORIGINS_PARAMETER", parameter)
        allow(self.role, ["ssm:GetParameter"], [parameter_arn(cdk.Stack.of(self), parameter)])

    def _add_route(self, endpoint: RestEndpoint, route: Route, integration: apigw.Integration) -> None:
        resource = endpoint.resource_for_path(self, route.path)
        # The method beside its resource when both are in this stack; else under this microservice.
        here = cdk.Stack.of(resource) is cdk.Stack.of(self)
        method = apigw.Method(
            resource if here else self,
            route.method if here else f"{route.method}{route.path}",
            resource=resource,
            http_method=route.method,
            integration=integration,
            options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.NONE if route.public else apigw.AuthorizationType.CUSTOM,
                authorizer=None if route.public else endpoint.authorizer,
                request_validator=endpoint.validator,
                api_key_required=not route.public,  # the tenant's key, from the authorizer (constructs/usage_plans.py)
            ),
        )
        acknowledge(method, "AwsSolutions-COG4", _LAMBDA_AUTHORIZER_REASON)
        if route.public:
            acknowledge(method, "AwsSolutions-APIG4", _PUBLIC_REASON.format(route=route))
