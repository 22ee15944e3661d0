"""``Microservice``: one function, the REST routes it serves, and the authorizer on each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from constructs.grants import allow, parameter_arn
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig

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
    authorizer of its protected routes and the request validator."""

    stage: StageConfig
    layer: lambda_.ILayerVersion
    api: apigw.RestApi
    authorizer: apigw.IAuthorizer
    validator: apigw.IRequestValidator


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
        integration = apigw.LambdaIntegration(self.function, proxy=True, scope_permission_to_method=False)
        for route in self.routes:
            self._add_route(endpoint, route, integration)

    def _allow_web_origins(self, stage: StageConfig) -> None:
        """The origins this API answers with CORS headers: the configured ones, and the web apps' own
        (published by FrontendStack in an SSM parameter the function reads at cold start)."""
        parameter = stage.web_parameter("origins")
        self.function.add_environment("ALLOWED_ORIGINS", ",".join(stage.allowed_origins))
        self.function.add_environment("ALLOWED_ORIGINS_PARAMETER", parameter)
        allow(self.role, ["ssm:GetParameter"], [parameter_arn(cdk.Stack.of(self), parameter)])

    @staticmethod
    def _add_route(endpoint: RestEndpoint, route: Route, integration: apigw.LambdaIntegration) -> None:
        resource = endpoint.api.root.resource_for_path(route.path)
        method = resource.add_method(
            route.method,
            integration,
            authorization_type=apigw.AuthorizationType.NONE if route.public else apigw.AuthorizationType.CUSTOM,
            authorizer=None if route.public else endpoint.authorizer,
            request_validator=endpoint.validator,
            api_key_required=not route.public,  # the tenant's key, from the authorizer (constructs/usage_plans.py)
        )
        acknowledge(method, "AwsSolutions-COG4", _LAMBDA_AUTHORIZER_REASON)
        if route.public:
            acknowledge(method, "AwsSolutions-APIG4", _PUBLIC_REASON.format(route=route))
