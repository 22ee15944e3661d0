"""ApiStack: the REST API with its REQUEST authorizer, the WebSocket API, one Lambda per microservice."""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as v2_authorizers
from aws_cdk import aws_apigatewayv2_integrations as v2_integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from constructs.dependencies_layer import DependenciesLayer
from constructs.grants import allow, index_arn
from constructs.microservice import Microservice, RestEndpoint, Route
from constructs.nag import acknowledge
from constructs.service_function import ServiceFunction
from constructs.stage import StageConfig
from constructs.usage_plans import UsagePlans

from core import contracts
from stacks.catalog_services import CatalogServices
from stacks.complaint_services import ComplaintServices
from stacks.data import DataStack
from stacks.identity_services import IdentityServices
from stacks.message_services import MessageServices
from stacks.messaging import MessagingStack
from stacks.metrics_services import MetricsServices
from stacks.notification_services import NotificationServices, allow_connection_pushes
from stacks.order_services import OrderServices, allow_mercadopago_secrets
from stacks.points_services import PointsServices
from stacks.stage_services import StageServices
from stacks.workflow import WorkflowStack

MERCADOPAGO_SDK_URL = "https://sdk.mercadopago.com/js/v2"  # Mercado Pago's browser SDK (card Secure Fields)
AUTHORIZER_CACHE_TTL = cdk.Duration.minutes(1)  # bounds how long a revoked token still works
# API Gateway's own errors -> (status, error code of the platform's error body). None keeps the status.
GATEWAY_ERRORS = [
    (apigw.ResponseType.UNAUTHORIZED, None, "unauthenticated"),
    (apigw.ResponseType.ACCESS_DENIED, None, "forbidden"),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, "404", "not_found"),
    (apigw.ResponseType.THROTTLED, None, "too_many_requests"),
    (apigw.ResponseType.REQUEST_TOO_LARGE, None, "payload_too_large"),
    (apigw.ResponseType.DEFAULT_4_XX, None, "bad_request"),
    (apigw.ResponseType.DEFAULT_5_XX, None, "internal_error"),
]


class ApiStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        data: DataStack,
        messaging: MessagingStack,
        workflow: WorkflowStack,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        self.data = data
        self.groups: list[cdk.NestedStack] = []  # the nested stacks of the microservice groups
        layer = DependenciesLayer(self, "Dependencies").layer
        self.layer = layer  # the Api stack's functions' layer (stacks.tenants.TenantSockets builds one here too)
        self.api = self._rest_api()
        self.rest_api_url = f"https://{self.api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}/{stage.name}/"
        self.authorizer_function = self._authorizer_function(layer)
        self.usage_plans = UsagePlans(self, "UsagePlans", stage=stage, api=self.api)  # one per tenant tier
        endpoint = RestEndpoint(
            stage=stage,
            layer=layer,
            api=self.api,
            authorizer=apigw.RequestAuthorizer(
                self,
                "Authorizer",
                handler=self.authorizer_function.function,
                identity_sources=[apigw.IdentitySource.header("Authorization")],
                results_cache_ttl=AUTHORIZER_CACHE_TTL,
            ),
            validator=self.api.add_request_validator(
                "Validator", validate_request_body=True, validate_request_parameters=True
            ),
        )
        self.websocket, self.websocket_stage = self._websocket_api(layer)
        cdk.CfnOutput(self, "RestApiUrl", value=self.rest_api_url)
        cdk.CfnOutput(self, "WebSocketUrl", value=self.websocket_stage.url)
        cdk.CfnOutput(self, "WebSocketCallbackUrl", value=self.websocket_stage.callback_url)

        state_machine = workflow.state_machine
        self._platform_service(self._group("Platform"), endpoint)
        IdentityServices(
            self._group("Identity"),
            endpoint=endpoint,
            data=data,
            messaging=messaging,
            websocket=self.websocket,
            ws_stage=self.websocket_stage,
        )
        MessageServices(self._group("Messages"), endpoint=endpoint, data=data)
        CatalogServices(self._group("Catalog"), endpoint=endpoint, data=data)
        NotificationServices(
            self._group("Notifications"),
            stage=stage,
            layer=layer,
            data=data,
            messaging=messaging,
            websocket=self.websocket,
            ws_stage=self.websocket_stage,
        )
        StageServices(
            self._group("Stages"), endpoint=endpoint, data=data, messaging=messaging, state_machine=state_machine
        )
        MetricsServices(self._group("Metrics"), endpoint=endpoint, data=data, messaging=messaging)
        PointsServices(self._group("Points"), endpoint=endpoint, data=data, messaging=messaging)
        ComplaintServices(self._group("Complaints"), endpoint=endpoint, data=data, messaging=messaging)
        OrderServices(
            self._group("Orders"),
            endpoint=endpoint,
            data=data,
            messaging=messaging,
            state_machine=state_machine,
            rest_api_url=self.rest_api_url,
        )
        # Every REST function by service name (the OpenAPI document and the tests list them).
        self.microservices = {m.service: m for m in self.node.find_all() if isinstance(m, Microservice)}

    def _group(self, construct_id: str) -> cdk.NestedStack:
        """A group of microservices: its functions and their REST routes (resources, methods, preflights,
        permissions) in a nested stack of their own, on this stack's API, authorizer and validator. The API's
        deployment depends on every method, so on every group, and its logical id hashes every route."""
        group = cdk.NestedStack(self, construct_id, description=f"{self.stage.prefix} API: {construct_id} services")
        self.groups.append(group)
        return group

    # -- REST -----------------------------------------------------------------------------------
    def _rest_api(self) -> apigw.RestApi:
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=self.stage.log_retention,
            removal_policy=self.stage.removal_policy,
        )
        api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{self.stage.prefix}-api",
            description="Bembos ordering platform REST API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            # API Gateway's CloudWatch role is an account-wide setting that every stage in the account
            # relies on: destroying one stage must never remove it from under the others.
            cloud_watch_role_removal_policy=cdk.RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=self.stage.name,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                throttling_rate_limit=self.stage.api_throttle_rate,
                throttling_burst_limit=self.stage.api_throttle_burst,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
            ),
            # Preflights (API Gateway MOCKs, fixed at synth) allow any origin: the web apps' Amplify origins
            # exist only once FrontendStack, which refers to this API, is deployed. A preflight grants nothing
            # by itself: each function's answer names the origin only if it is allowed (core.web), and no
            # request carries ambient credentials (sessions are bearer tokens, never cookies).
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=apigw.Cors.ALL_ORIGINS,
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=list(contracts.CORS_HEADERS),
                max_age=cdk.Duration.hours(1),
            ),
        )
        # Errors produced by API Gateway itself (the authorizer's 401/403, unknown routes, throttling)
        # speak the platform's error shape {"error", "message"} and carry CORS headers, so the web
        # apps read them like any handler error.
        for response_type, status, code in GATEWAY_ERRORS:
            api.add_gateway_response(
                f"Error{response_type.response_type}",
                type=response_type,
                status_code=status,
                response_headers={"Access-Control-Allow-Origin": "'*'"},
                templates={"application/json": f'{{"error": "{code}", "message": $context.error.messageString}}'},
            )
        acknowledge(
            api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-level API Gateway CloudWatch role uses the AWS managed "
            "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable execution logs.",
        )
        acknowledge(
            api,
            "AwsSolutions-APIG3",
            "No WAF in front of the regional API yet: throttling per stage and the authorizer "
            "cache protect it; a WebACL is planned with the custom domain.",
        )
        return api

    def _authorizer_function(self, layer: lambda_.ILayerVersion) -> ServiceFunction:
        function = ServiceFunction(
            self,
            "AuthorizerFunction",
            stage=self.stage,
            service="authorizer",
            errors_are_answers=True,  # "Unauthorized" is raised for every 401
            handler="authorizer.handler.lambda_handler",
            layer=layer,
            environment={
                "TOKENS_TABLE": self.data.tokens.table_name,
                "TENANTS_TABLE": self.data.tenants.table_name,
                # The tenants' API key values are the stage's own (contracts.usage_key): one account, many stages.
                "STAGE_PREFIX": self.stage.prefix,
            },
        )
        # The token's GetItem per request, and its tenant's status (cached a minute): no index, no write.
        allow(function.role, ["dynamodb:GetItem"], [self.data.tokens.table_arn, self.data.tenants.table_arn])
        return function

    def _platform_service(self, scope: Construct, endpoint: RestEndpoint) -> None:
        service = Microservice(
            scope,
            "Plataforma",
            endpoint=endpoint,
            service="plataforma",
            handler="health.handler.lambda_handler",
            routes=[
                Route("GET", "/health", public=True),
                Route("GET", "/config/{app}", public=True),
                Route("GET", "/sesion"),
                Route("GET", "/tienda", public=True),
            ],
            environment={
                "REST_API_URL": self.rest_api_url,
                "WEBSOCKET_URL": self.websocket_stage.url,
                "TENANTS_TABLE": self.data.tenants.table_name,
                "MERCADOPAGO_SDK_URL": MERCADOPAGO_SDK_URL,
            },
        )
        # The storefront profile: the tenant's item, and the public key kept in its Mercado Pago secret.
        allow(service.role, ["dynamodb:GetItem"], [self.data.tenants.table_arn])
        allow_mercadopago_secrets(service.role, self.stage)

    # -- WebSocket ------------------------------------------------------------------------------
    def _websocket_api(self, layer: lambda_.ILayerVersion) -> tuple[apigwv2.WebSocketApi, apigwv2.WebSocketStage]:
        realtime = ServiceFunction(
            self,
            "RealtimeFunction",
            stage=self.stage,
            service="realtime",
            handler="realtime.handler.lambda_handler",
            layer=layer,
            environment={
                "CONNECTIONS_TABLE": self.data.connections.table_name,
                "MESSAGES_TABLE": self.data.messages.table_name,
                "EMPLOYEES_TABLE": self.data.employees.table_name,
                "LOCATIONS_TABLE": self.data.locations.table_name,
            },
        )
        data = self.data
        # $connect/$disconnect write and delete the row; a message counts itself on it (UpdateItem: the rate limit)
        # and finds its audience's connections (Query: the tenant's rows, by_topic, by_subject).
        allow(
            realtime.role,
            ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Query"],
            [data.connections.table_arn],
        )
        connection_indexes = [index_arn(data.connections, "by_topic"), index_arn(data.connections, "by_subject")]
        allow(realtime.role, ["dynamodb:Query"], connection_indexes)
        # A message and its client mark in one transaction (two conditional Puts); a retried frame's GetItems.
        allow(realtime.role, ["dynamodb:PutItem", "dynamodb:GetItem"], [data.messages.table_arn])
        # The recipient it names: an employee, a location.
        allow(realtime.role, ["dynamodb:GetItem"], [data.employees.table_arn, data.locations.table_arn])
        ws_authorizer = v2_authorizers.WebSocketLambdaAuthorizer(
            "WebSocketAuthorizer",
            self.authorizer_function.function,
            identity_source=["route.request.querystring.token"],
        )
        api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"{self.stage.prefix}-realtime",
            route_selection_expression="$request.body.action",
            connect_route_options=apigwv2.WebSocketRouteOptions(
                integration=v2_integrations.WebSocketLambdaIntegration("ConnectIntegration", realtime.function),
                authorizer=ws_authorizer,
            ),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(
                integration=v2_integrations.WebSocketLambdaIntegration("DisconnectIntegration", realtime.function)
            ),
            default_route_options=apigwv2.WebSocketRouteOptions(
                integration=v2_integrations.WebSocketLambdaIntegration("DefaultIntegration", realtime.function)
            ),
        )
        # A staff message ({"action": "mensaje", ...}): its own route, the same function (realtime.handler).
        api.add_route(
            contracts.MESSAGE_ROUTE_KEY,
            integration=v2_integrations.WebSocketLambdaIntegration("MessageIntegration", realtime.function),
        )
        access_logs = logs.LogGroup(
            self, "WebSocketAccessLogs", retention=self.stage.log_retention, removal_policy=self.stage.removal_policy
        )
        ws_stage = apigwv2.WebSocketStage(
            self,
            "WebSocketStage",
            web_socket_api=api,
            stage_name=self.stage.name,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=self.stage.api_throttle_rate, burst_limit=self.stage.api_throttle_burst
            ),
        )
        cfn_stage = ws_stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        # Access logging needs the account's API Gateway CloudWatch role: wait for it, as the REST stage does.
        account = self.api.node.try_find_child("Account")
        if account is not None:
            cfn_stage.add_resource_dependency(cast(cdk.CfnResource, account))
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn,
            format='{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
            '"routeKey":"$context.routeKey","status":"$context.status","connectionId":"$context.connectionId"}',
        )
        realtime.function.add_environment("WEBSOCKET_CALLBACK_URL", ws_stage.callback_url)
        allow_connection_pushes(realtime, api, ws_stage)
        for route in api.node.find_all():
            if isinstance(route, apigwv2.CfnRoute):
                acknowledge(
                    route,
                    "AwsSolutions-APIG4",
                    "Only $connect needs authorization on a WebSocket API: $disconnect, $default and "
                    "mensaje run on a connection that $connect's authorizer already admitted (and API Gateway "
                    "passes its principal to every route).",
                )
        return api, ws_stage
