"""Create the resources of a cloud assembly in a moto server.

``provision(cdk_out, endpoint_url=...)`` reads the stacks that ``cdk deploy`` would
deploy (``localcloud.assembly``), walks them in dependency order (stacks by the
manifest's dependencies, resources by ``DependsOn`` and references) and creates,
through boto3 against the moto server, what has state there: tables, queues,
topics and subscriptions, event buses and rules, buckets, the state machine,
secrets, log groups, alarms, keys and parameters. Everything that runs code or
serves HTTP becomes a plain record of ``localcloud.model`` for the local Lambda
runtime, the gateway and the SQS pollers: functions, SQS event source mappings,
REST and WebSocket APIs. Two CDK custom resources are emulated because their
effect matters: ``Custom::AWS`` (``AwsCustomResource``: its SDK call is made once,
like CloudFormation's Create) and ``Custom::CDKBucketDeployment`` (files copied into
the bucket). A custom resource served by one of the assembly's own Python functions
(``Custom::Tenants``: the tenants' provisioner) is replayed as CloudFormation runs
it: its function is invoked with a Create request the first time, with an Update
(and ``OldResourceProperties``) when its properties changed since the last
provisioning against the same moto server, not at all when they did not; the
function answers on a pre-signed S3 URL, as in AWS. The properties last applied
are kept in moto (an SSM parameter per resource), so "deploy, change, deploy
again" works locally; the file assets its properties name are uploaded first (what
``cdk deploy`` publishes to the bootstrap bucket). Types that need nothing locally are recognised
(``ACCEPTED_TYPES``, ``ACCEPTED_CUSTOM_TYPES``, each with the reason it is safe);
anything else is listed in ``Assembly.unsupported``, and approximations in
``Assembly.warnings``: nothing is skipped silently.

Idempotent: provisioning again against the same server finds the existing
resources (same deterministic names) and reuses them.

Local API URLs
    CDK builds an API's URL in the template, e.g. ``RestApi.url`` is
    ``Fn::Join ["", ["https://", Ref Api, ".execute-api.", Ref AWS::Region, ".",
    Ref AWS::URLSuffix, "/", Ref Stage, "/"]]`` and a WebSocket stage's
    ``callbackUrl`` is ``https://<api id>.execute-api.<region>.amazonaws.com/<stage>``.
    The resolver first produces these AWS-shaped strings (every API gets a
    deterministic id); then every resolved environment variable and output is
    passed through ``LocalUrls.localize``, which finds
    ``(https|wss)://<api id>.execute-api.<region>.<suffix>[/<stage>]`` and, when
    ``<api id>`` is one of the assembly's APIs, replaces that prefix with the local
    gateway's URL for it: ``LocalUrls.rest`` for a REST API, ``LocalUrls.websocket``
    for ``wss://`` of a WebSocket API and ``LocalUrls.websocket_callback`` for its
    ``https://`` management (``@connections``) endpoint. Whatever follows the
    stage (``/pedidos``, a trailing ``/``) is kept. The three templates may use
    ``{api_id}``, ``{stage}`` and ``{name}``.

Step Functions
    moto runs state machine definitions only when its config has
    ``{"stepfunctions": {"execute_state_machine": True}}`` *when the state machine
    is created* (it keeps executable machines in a separate backend), so
    ``provision`` switches it on first (``enable_stepfunctions_execution``). The
    interpreter then calls SQS (``arn:aws:states:::sqs:sendMessage.waitForTaskToken``),
    DynamoDB (``dynamodb:putItem/updateItem/getItem/deleteItem``), EventBridge
    (``events:putEvents``) and SNS (``sns:publish``) with its own boto3 clients at
    ``http://localhost:$MOTO_PORT`` (default 5000) under the server's default
    account: run the moto server with ``MOTO_PORT`` set to its port and with
    ``MOTO_ACCOUNT_ID`` set to the account (``000000000000``), so that the
    tasks reach the queues and tables created here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import string
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud.assembly import (
    DEFAULT_REGION,
    AssemblyError,
    Resolver,
    ResourceValues,
    StackArtifact,
    as_text,
    load_stacks,
    nested_stack,
    references,
    resource_order,
    stable_id,
    truthy,
)
from localcloud.model import (
    Assembly,
    AuthorizerSpec,
    EventSourceMapping,
    FunctionSpec,
    GatewayResponse,
    MockResponse,
    RestApiSpec,
    RestRoute,
    UsagePlanSpec,
    WebSocketApiSpec,
    WebSocketRoute,
)

# Types that need nothing in the local cloud, and why that is safe.
ACCEPTED_TYPES: dict[str, str] = {
    "AWS::IAM::ManagedPolicy": "customer-managed policies are not enforced locally (the platform has none)",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced locally",
    "AWS::SNS::TopicPolicy": "resource policies are not enforced locally",
    "AWS::S3::BucketPolicy": "resource policies are not enforced locally",
    "AWS::Lambda::Permission": "the local gateway, pollers and runtime invoke functions directly",
    "AWS::ApiGateway::Account": "account-wide CloudWatch role for API logs: no logs pipeline locally",
    "AWS::ApiGateway::Deployment": "the local gateway serves the routes as synthesized (always deployed)",
    "AWS::ApiGatewayV2::Deployment": "the local gateway serves the routes as synthesized",
    "AWS::Amplify::App": "the local cloud serves the web apps itself",
    "AWS::Amplify::Branch": "the local cloud serves the web apps itself",
    "AWS::Amplify::Domain": "the local cloud serves the web apps itself",
    "CDK::Metadata": "CDK version analytics",
}

# CDK's own custom resources whose effect does not matter locally.
ACCEPTED_CUSTOM_TYPES: dict[str, str] = {
    "Custom::S3AutoDeleteObjects": "empties a bucket when its stack is deleted: local buckets die with moto",
    "Custom::LogRetention": "sets the retention of a function's log group: no log retention locally",
    "Custom::VpcRestrictDefaultSG": "locks down a VPC's default security group: no network controls locally",
    "Custom::AmplifyAssetDeployment": "deploys a built web app to Amplify: the local cloud serves web apps",
}


@dataclass(frozen=True)
class LocalUrls:
    """Where the local gateway serves each kind of API.

    Templates with ``{api_id}``, ``{stage}`` and ``{name}`` placeholders.
    """

    rest: str = "http://127.0.0.1:3000/{stage}"
    websocket: str = "ws://127.0.0.1:3001/{stage}"
    websocket_callback: str = "http://127.0.0.1:3001/{stage}"
    # The origin the web apps are served from here. The stage's CORS rules name its deployed origins;
    # a bucket's CORS rules also allow this one, so the apps can upload to it from the local cloud.
    web_origin: str | None = None

    def localize(self, value: str, apis: dict[str, tuple[str, str, str]]) -> str:
        """Replace AWS execute-api URLs of known APIs in ``value``.

        ``apis`` maps an API id to ``(kind, name, stage)`` with kind ``"rest"`` or ``"websocket"``.
        """

        def replace(match: re.Match[str]) -> str:
            api = apis.get(match.group("id"))
            if api is None:
                return match.group(0)
            kind, name, stage = api
            if kind == "rest":
                template = self.rest
            else:
                template = self.websocket if match.group("scheme") == "wss" else self.websocket_callback
            local = template.format(api_id=match.group("id"), stage=match.group("stage") or stage, name=name)
            return local.rstrip("/") if match.group("stage") else local

        return _EXECUTE_API_URL.sub(replace, value)


_EXECUTE_API_URL = re.compile(
    r"(?P<scheme>https|wss)://(?P<id>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?"
    r"(?:/(?P<stage>[A-Za-z0-9_-]+))?"
)
_FUNCTION_ARN = re.compile(r":function:(?P<name>[^:/]+)")
_ORIGIN_TEST = re.compile(r'\$origin == "([^"]+)"')


class ProvisionError(AssemblyError):
    """A resource of the assembly could not be created."""


def enable_stepfunctions_execution(endpoint_url: str, *, enabled: bool = True) -> None:
    """Switch moto's Step Functions interpreter on (state machines created afterwards really run)."""
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + "/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": enabled}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise ProvisionError(f"moto at {endpoint_url} refused the Step Functions config: {response.status}")


def provision(
    cdk_out: Path,
    *,
    endpoint_url: str,
    region: str = DEFAULT_REGION,
    account_id: str | None = None,
    local_urls: LocalUrls | None = None,
    parameters: dict[str, str] | None = None,
    execute_state_machines: bool = True,
    invoke: CustomResourceInvoker | None = None,
) -> Assembly:
    """Create every stack of ``cdk_out`` in the moto server at ``endpoint_url`` and describe the rest.

    ``account_id`` defaults to the account the moto server assigns to these requests
    (``MOTO_ACCOUNT_ID`` of the server), so ARNs computed here match moto's.
    ``parameters`` overrides template parameter defaults (same for every stack).
    ``invoke`` runs a function of the assembly for a Lambda-backed custom resource (default: a local Lambda
    runtime whose functions call the moto server directly).
    """
    if execute_state_machines:
        enable_stepfunctions_execution(endpoint_url)
    provisioner = _Provisioner(
        endpoint_url=endpoint_url,
        region=region,
        account_id=account_id,
        local_urls=local_urls or LocalUrls(),
        parameters=parameters or {},
        invoke=invoke,
    )
    return provisioner.run(load_stacks(Path(cdk_out)))


CustomResourceInvoker = Callable[[FunctionSpec, dict[str, Any]], None]
RESPONSES_BUCKET = "localcloud-cloudformation-responses"  # where functions answer CloudFormation's requests
CUSTOM_RESOURCE_MARKERS = "/localcloud/custom-resources"


# --------------------------------------------------------------------------- the provisioner


@dataclass
class _RestParts:
    apis: dict[str, tuple[str, str]] = field(default_factory=dict)  # api id -> (name, root resource id)
    resources: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # -> (parent id, part)
    stages: dict[str, str] = field(default_factory=dict)
    authorizers: dict[tuple[str, str], AuthorizerSpec] = field(default_factory=dict)
    # (api id, resource id, method, authorizer id or "", function name, mock)
    methods: list[tuple[str, str, str, str, str | None, MockResponse | None]] = field(default_factory=list)
    responses: dict[str, dict[str, GatewayResponse]] = field(default_factory=dict)  # api id -> type -> response
    usage_plans: dict[str, list[UsagePlanSpec]] = field(default_factory=dict)  # api id -> the plans on its stage
    keyed_methods: set[tuple[str, str, str]] = field(default_factory=set)  # (api, resource, method): ApiKeyRequired


@dataclass
class _WebSocketParts:
    apis: dict[str, tuple[str, str]] = field(default_factory=dict)  # api id -> (name, route selection)
    stages: dict[str, str] = field(default_factory=dict)
    integrations: dict[tuple[str, str], str] = field(default_factory=dict)  # -> function name
    authorizers: dict[tuple[str, str], AuthorizerSpec] = field(default_factory=dict)
    routes: list[tuple[str, str, str, str]] = field(default_factory=list)  # api, key, integration, authorizer


@dataclass
class _Context:
    stack: StackArtifact
    resolver: Resolver
    logical_id: str
    properties: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.stack.stack_name}/{self.logical_id}"

    def resolve(self, value: Any) -> Any:
        return self.resolver.resolve(value)

    def prop(self, name: str, default: Any = None) -> Any:
        value = self.resolver.resolve(self.properties.get(name))
        return default if value is None else value

    def record(self, ref: str, **attributes: str) -> None:
        self.resolver.state[self.logical_id] = ResourceValues(ref, dict(attributes))


class _Provisioner:
    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        account_id: str | None,
        local_urls: LocalUrls,
        parameters: dict[str, str],
        invoke: CustomResourceInvoker | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self._invoke = invoke
        self.region = region
        self.local_urls = local_urls
        self.parameters = parameters
        self._clients: dict[str, Any] = {}
        self.account_id = account_id or self._client("sts").get_caller_identity()["Account"]
        self.assembly = Assembly()
        self.exports: dict[str, Any] = {}
        self.queue_urls: dict[str, str] = {}  # queue ARN -> URL
        self.layer_dirs: dict[str, Path] = {}  # layer version ARN -> asset folder
        self.rest = _RestParts()
        self.ws = _WebSocketParts()
        self.handlers: dict[str, Callable[[_Context], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::DynamoDB::GlobalTable": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Events::Rule": self._rule,
            "AWS::S3::Bucket": self._bucket,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Lambda::Function": self._function,
            "AWS::Lambda::LayerVersion": self._layer,
            "AWS::Lambda::EventSourceMapping": self._event_source_mapping,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::SSM::Parameter": self._ssm_parameter,
            "AWS::IAM::Role": self._iam_role,
            "AWS::IAM::Policy": self._iam_policy,
            "AWS::ApiGateway::RestApi": self._rest_api,
            "AWS::ApiGateway::Resource": self._rest_resource,
            "AWS::ApiGateway::Method": self._rest_method,
            "AWS::ApiGateway::Authorizer": self._rest_authorizer,
            "AWS::ApiGateway::Stage": self._rest_stage,
            "AWS::ApiGateway::GatewayResponse": self._rest_gateway_response,
            "AWS::ApiGateway::RequestValidator": self._rest_request_validator,
            "AWS::ApiGateway::UsagePlan": self._usage_plan,
            "AWS::ApiGatewayV2::Api": self._ws_api,
            "AWS::ApiGatewayV2::Integration": self._ws_integration,
            "AWS::ApiGatewayV2::Route": self._ws_route,
            "AWS::ApiGatewayV2::Authorizer": self._ws_authorizer,
            "AWS::ApiGatewayV2::Stage": self._ws_stage,
            "Custom::CDKBucketDeployment": self._bucket_deployment,
            "Custom::AWS": self._aws_custom_resource,
            "AWS::CloudFormation::Stack": self._nested_stack,
        }

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service,
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",  # noqa: S106 (moto ignores credentials)
                config=Config(retries={"max_attempts": 2}),
            )
        return self._clients[service]

    # ---------------------------------------------------------------- walking

    def run(self, stacks: list[StackArtifact]) -> Assembly:
        for stack in stacks:
            self._provision_stack(stack)
        self.assembly.rest_apis.extend(self._rest_specs())
        self.assembly.websocket_apis.extend(self._websocket_specs())
        self._localize_urls()
        return self.assembly

    def _provision_stack(self, stack: StackArtifact, parameters: dict[str, Any] | None = None) -> Resolver:
        """Create ``stack``'s resources (a nested stack's ``parameters`` are those its parent passes)."""
        resolver = Resolver(
            stack,
            account_id=self.account_id,
            region=self.region,
            exports=self.exports,
            parameters={**self.parameters, **(parameters or {})},
            sqs_base_url=self.endpoint_url,
        )
        providers = _custom_resource_providers(stack)
        for logical_id in resource_order(stack):
            resource = stack.resources[logical_id]
            if not resolver.is_active(logical_id):
                continue
            kind = resource.get("Type", "")
            context = _Context(stack, resolver, logical_id, resource.get("Properties", {}))
            try:
                if (
                    kind == "AWS::Lambda::Function"
                    and logical_id in providers
                    and not self._lambda_backed(providers[logical_id])
                ):
                    served = ", ".join(sorted(providers[logical_id]))
                    self.assembly.warnings.append(
                        f"{context.key}: provider function of {served}, not a local function"
                        " (the provisioner handles those custom resources itself)"
                    )
                elif kind in self.handlers:
                    self.handlers[kind](context)
                elif self._lambda_backed({kind}):
                    self._lambda_custom_resource(context)
                elif not _accepted(kind):
                    self.assembly.unsupported.append(f"{context.key} ({kind})")
                values = resolver.values(logical_id)
            except (ClientError, AssemblyError, KeyError, ValueError, TypeError) as exc:
                raise ProvisionError(f"cannot provision {context.key} ({kind}): {exc}") from exc
            self.assembly.physical_ids[context.key] = values.ref
        for key, value in resolver.outputs().items():
            self.assembly.outputs[f"{stack.stack_name}.{key}"] = as_text(value)
        self.exports.update(resolver.exported())
        return resolver

    # ---------------------------------------------------------------- data

    def _table(self, c: _Context) -> None:
        ddb = self._client("dynamodb")
        name = c.resolver.physical_name(c.logical_id)
        on_demand = c.prop("BillingMode", "PROVISIONED") == "PAY_PER_REQUEST"
        throughput = c.prop("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": c.prop("AttributeDefinitions"),
            "KeySchema": c.prop("KeySchema"),
            "BillingMode": "PAY_PER_REQUEST" if on_demand else "PROVISIONED",
        }
        if not on_demand:
            request["ProvisionedThroughput"] = _int_values(throughput)
        gsis = [_index(index, None if on_demand else throughput) for index in c.prop("GlobalSecondaryIndexes", [])]
        if gsis:
            request["GlobalSecondaryIndexes"] = gsis
        lsis = [_index(index, None) for index in c.prop("LocalSecondaryIndexes", [])]
        if lsis:
            request["LocalSecondaryIndexes"] = lsis
        stream = c.prop("StreamSpecification")
        if stream and stream.get("StreamViewType"):
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        table = _fallback_on(
            ("ResourceInUseException",),
            lambda: ddb.create_table(**request)["TableDescription"],
            lambda: ddb.describe_table(TableName=name)["Table"],
        )
        ttl = c.prop("TimeToLiveSpecification")
        if ttl and truthy(ttl.get("Enabled", True)) and ttl.get("AttributeName"):
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )
        attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attributes["StreamArn"] = table["LatestStreamArn"]
        c.record(name, **attributes)

    def _queue(self, c: _Context) -> None:
        sqs = self._client("sqs")
        name = c.resolver.physical_name(c.logical_id)
        attributes: dict[str, str] = {}
        for prop in (
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
        ):
            value = c.prop(prop)
            if value is not None:
                attributes[prop] = as_text(value)
        for prop in ("RedrivePolicy", "RedriveAllowPolicy"):
            value = c.prop(prop)
            if value is not None:
                attributes[prop] = value if isinstance(value, str) else json.dumps(value)
        try:
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        except ClientError as exc:
            if _code(exc) not in ("QueueAlreadyExists", "AWS.SimpleQueueService.QueueNameExists"):
                raise
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            changeable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
            if changeable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=changeable)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.queue_urls[arn] = url
        c.record(url, Arn=arn, QueueName=name, QueueUrl=url)

    def _topic(self, c: _Context) -> None:
        sns = self._client("sns")
        name = c.resolver.physical_name(c.logical_id)
        attributes = {
            prop: as_text(c.prop(prop))
            for prop in ("FifoTopic", "ContentBasedDeduplication", "DisplayName")
            if c.prop(prop) is not None
        }
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        c.record(arn, TopicArn=arn, TopicName=name)
        for subscription in c.prop("Subscription", []):
            self._subscribe(c, arn, subscription["Protocol"], subscription["Endpoint"], {})

    def _subscription(self, c: _Context) -> None:
        attributes: dict[str, str] = {}
        if c.prop("RawMessageDelivery") is not None:
            attributes["RawMessageDelivery"] = as_text(c.prop("RawMessageDelivery"))
        for prop in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            value = c.prop(prop)
            if value is not None:
                attributes[prop] = value if isinstance(value, str) else json.dumps(value)
        if c.prop("FilterPolicyScope") is not None:
            attributes["FilterPolicyScope"] = c.prop("FilterPolicyScope")
        arn = self._subscribe(c, c.prop("TopicArn"), c.prop("Protocol"), c.prop("Endpoint"), attributes)
        if arn:
            c.record(arn)

    def _subscribe(
        self, c: _Context, topic_arn: str, protocol: str, endpoint: str, attributes: dict[str, str]
    ) -> str | None:
        if protocol != "sqs":
            self.assembly.unsupported.append(f"{c.key} (SNS subscription protocol {protocol}: nothing delivered)")
            return None
        response = self._client("sns").subscribe(
            TopicArn=topic_arn,
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )
        arn: str = response["SubscriptionArn"]
        return arn

    def _event_bus(self, c: _Context) -> None:
        events = self._client("events")
        name = c.prop("Name")
        arn = _fallback_on(
            ("ResourceAlreadyExistsException",),
            lambda: events.create_event_bus(Name=name)["EventBusArn"],
            lambda: events.describe_event_bus(Name=name)["Arn"],
        )
        c.record(name, Arn=arn, Name=name)

    def _rule(self, c: _Context) -> None:
        events = self._client("events")
        name = c.resolver.physical_name(c.logical_id)
        bus = as_text(c.prop("EventBusName", "default")).split("/")[-1]
        request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": c.prop("State", "ENABLED")}
        pattern = c.prop("EventPattern")
        if pattern is not None:
            request["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        for prop in ("ScheduleExpression", "Description", "RoleArn"):
            if c.prop(prop) is not None:
                request[prop] = c.prop(prop)
        arn = events.put_rule(**request)["RuleArn"]
        targets = []
        for target in c.prop("Targets", []):
            service = target["Arn"].split(":")[2]
            if service not in ("sqs", "logs", "events"):
                self.assembly.unsupported.append(
                    f"{c.key} (AWS::Events::Rule target {target['Id']} -> {service}: not delivered locally)"
                )
            for ignored in ("Input", "InputPath"):
                if ignored in target:
                    self.assembly.warnings.append(
                        f"{c.key}: target {target['Id']} {ignored} is ignored by moto (sends the whole event)"
                    )
            allowed = ("Id", "Arn", "RoleArn", "Input", "InputPath", "InputTransformer", "SqsParameters")
            targets.append({k: v for k, v in target.items() if k in allowed})
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=targets)
        c.record(name if bus == "default" else f"{bus}|{name}", Arn=arn)

    def _bucket(self, c: _Context) -> None:
        s3 = self._client("s3")
        name = c.resolver.physical_name(c.logical_id)
        request: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        _fallback_on(("BucketAlreadyOwnedByYou", "BucketAlreadyExists"), lambda: s3.create_bucket(**request), _nothing)
        cors = c.prop("CorsConfiguration")
        if cors:
            rules = [_cors_rule(rule, self.local_urls.web_origin) for rule in cors.get("CorsRules", [])]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        versioning = c.prop("VersioningConfiguration")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
        website = c.prop("WebsiteConfiguration")
        if website and website.get("IndexDocument"):
            config: dict[str, Any] = {"IndexDocument": {"Suffix": website["IndexDocument"]}}
            if website.get("ErrorDocument"):
                config["ErrorDocument"] = {"Key": website["ErrorDocument"]}
            s3.put_bucket_website(Bucket=name, WebsiteConfiguration=config)
        if c.prop("NotificationConfiguration"):
            self.assembly.unsupported.append(f"{c.key} (AWS::S3::Bucket NotificationConfiguration)")
        c.record(name, **c.resolver.planned_values(c.logical_id).attributes)

    def _bucket_deployment(self, c: _Context) -> None:
        """CDK's ``BucketDeployment``: copy its source assets into the destination bucket."""
        s3 = self._client("s3")
        bucket = c.prop("DestinationBucketName")
        prefix = as_text(c.prop("DestinationBucketKeyPrefix", "")).strip("/")
        extract = truthy(c.prop("Extract", True))
        if c.prop("SourceMarkers"):
            self.assembly.warnings.append(f"{c.key}: deploy-time markers in the sources are not substituted")
        for object_key in c.prop("SourceObjectKeys", []):
            source = c.stack.asset_path(object_key)
            if source is None:
                raise ProvisionError(f"asset {object_key} is not in the cloud assembly")
            for key, body in _asset_files(source, extract=extract):
                s3.put_object(Bucket=bucket, Key=f"{prefix}/{key}" if prefix else key, Body=body)
        c.record(c.resolver.physical_name(c.logical_id))

    def _aws_custom_resource(self, c: _Context) -> None:
        """CDK's ``AwsCustomResource``: make its SDK call against moto, once, as CloudFormation would.

        CloudFormation runs ``Create`` when the resource is created and ``Update`` when its
        properties change. A marker SSM parameter keeps a hash of the calls already made,
        so provisioning again (a restart against the same server) does not repeat them
        (a seed must not overwrite data changed since).
        """
        create, update = c.prop("Create"), c.prop("Update")
        digest = hashlib.sha256(as_text([create, update]).encode()).hexdigest()
        marker = f"/localcloud/custom-resources/{c.stack.stack_name}/{c.logical_id}"
        ssm = self._client("ssm")
        done: str | None = _fallback_on(
            ("ParameterNotFound",), lambda: ssm.get_parameter(Name=marker)["Parameter"]["Value"], _nothing
        )
        call = create if done is None else update
        data: dict[str, str] = {}
        if done != digest and call:
            data = self._sdk_call(json.loads(call) if isinstance(call, str) else call)
            ssm.put_parameter(Name=marker, Value=digest, Type="String", Overwrite=True)
        spec = json.loads(create) if isinstance(create, str) else (create or {})
        physical = (spec.get("physicalResourceId") or {}).get("id") or c.resolver.physical_name(c.logical_id)
        c.record(physical, **data)

    def _lambda_backed(self, kinds: set[str]) -> bool:
        """Custom resource types served by a function of the assembly (not emulated here, not ignored)."""
        custom = {k for k in kinds if k.startswith("Custom::") or k == "AWS::CloudFormation::CustomResource"}
        return bool(custom) and not custom & (set(self.handlers) | set(ACCEPTED_CUSTOM_TYPES))

    def _lambda_custom_resource(self, c: _Context) -> None:
        """A custom resource served by one of the assembly's functions, replayed as CloudFormation would: Create the
        first time, Update (with the previous properties) when they changed, nothing when they did not."""
        properties = {name: c.prop(name) for name in c.properties}
        function = self.assembly.functions.get(_function_name(as_text(properties.get("ServiceToken", ""))))
        if function is None:
            self.assembly.unsupported.append(f"{c.key} ({c.stack.resources[c.logical_id]['Type']}: no local function)")
            return
        ssm = self._client("ssm")
        marker = f"{CUSTOM_RESOURCE_MARKERS}/{c.stack.stack_name}/{c.logical_id}"
        stored = _fallback_on(
            ("ParameterNotFound",), lambda: ssm.get_parameter(Name=marker)["Parameter"]["Value"], _nothing
        )
        last = json.loads(stored) if stored else None
        if last is not None and last["properties"] == properties:
            c.record(last["physical_id"], **last.get("data", {}))
            return
        self._publish_assets(c, properties)
        event: dict[str, Any] = {
            "RequestType": "Create" if last is None else "Update",
            "ServiceToken": properties.get("ServiceToken"),
            "StackId": f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{c.stack.stack_name}/local",
            "RequestId": secrets.token_hex(16),
            "LogicalResourceId": c.logical_id,
            "ResourceType": c.stack.resources[c.logical_id]["Type"],
            "ResourceProperties": properties,
        }
        if last is not None:
            event["PhysicalResourceId"] = last["physical_id"]
            event["OldResourceProperties"] = last["properties"]
        answer = self._custom_resource_answer(function, event)
        if answer.get("Status") != "SUCCESS":
            raise ProvisionError(f"{c.key}: {event['RequestType']} failed: {answer.get('Reason')}")
        data = {k: as_text(v) for k, v in (answer.get("Data") or {}).items()}
        record = {"properties": properties, "physical_id": answer["PhysicalResourceId"], "data": data}
        ssm.put_parameter(Name=marker, Value=json.dumps(record), Type="String", Tier="Advanced", Overwrite=True)
        c.record(answer["PhysicalResourceId"], **data)

    def _publish_assets(self, c: _Context, properties: dict[str, Any]) -> None:
        """The file asset a custom resource's properties name, in its bucket (``cdk deploy`` publishes assets to the
        bootstrap bucket before it deploys a stack)."""
        bucket, key = properties.get("AssetBucket"), properties.get("AssetKey")
        if not bucket or not key:
            return
        source = c.stack.asset_path(str(key))
        if source is None:
            raise ProvisionError(f"{c.key}: asset {key} is not in the cloud assembly")
        self._ensure_bucket(str(bucket))
        self._client("s3").put_object(Bucket=bucket, Key=str(key), Body=source.read_bytes())

    def _custom_resource_answer(self, function: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke the function with ``event`` and read the answer it PUT to the request's pre-signed URL."""
        s3 = self._client("s3")
        self._ensure_bucket(RESPONSES_BUCKET)
        key = f"{event['LogicalResourceId']}/{event['RequestId']}"
        event["ResponseURL"] = s3.generate_presigned_url(
            "put_object", Params={"Bucket": RESPONSES_BUCKET, "Key": key}, ExpiresIn=7200
        )
        (self._invoke or self._invoke_locally)(function, event)
        try:
            body = s3.get_object(Bucket=RESPONSES_BUCKET, Key=key)["Body"].read()
        except ClientError as exc:
            raise ProvisionError(f"{function.name} did not answer the custom resource request: {exc}") from exc
        answer: dict[str, Any] = json.loads(body)
        return answer

    def _ensure_bucket(self, name: str) -> None:
        """The bucket ``name`` of the local cloud, made if it is not there (the assets' and the answers')."""
        s3 = self._client("s3")
        _fallback_on(
            ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"), lambda: s3.create_bucket(Bucket=name), _nothing
        )

    def _invoke_locally(self, function: FunctionSpec, event: dict[str, Any]) -> None:
        """Run the function once in a local Lambda worker that calls the moto server directly (no IAM enforcement
        here: the local cloud's IAM-enforcing endpoint starts after provisioning)."""
        from localcloud.lambda_runtime import LambdaRuntime

        base_env = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_XRAY_SDK_ENABLED": "false",
            "PYTHONPATH": "",
        }
        with LambdaRuntime({function.name: function}, base_env, account_id=self.account_id) as runtime:
            result = runtime.invoke(function.name, event)
        if not result.ok:
            raise ProvisionError(f"{function.name} failed: {result.error}")

    def _sdk_call(self, call: dict[str, Any]) -> dict[str, str]:
        service = _boto3_service(call["service"])
        action = xform_name(call["action"].removesuffix("Command"))
        parameters = _decode_booleans(call.get("parameters") or {})
        if (service, action) == ("s3", "put_bucket_cors"):  # the web apps' origin here is the local cloud's
            rules = parameters["CORSConfiguration"]["CORSRules"]
            parameters["CORSConfiguration"]["CORSRules"] = [_cors_rule(r, self.local_urls.web_origin) for r in rules]
        try:
            response = getattr(self._client(service), action)(**parameters)
        except ClientError as exc:
            ignored = call.get("ignoreErrorCodesMatching")
            if ignored and re.fullmatch(ignored, _code(exc)):
                return {}
            raise
        response.pop("ResponseMetadata", None)
        return _flatten(response)

    def _nested_stack(self, c: _Context) -> None:
        """A nested stack (the Api stack's groups of microservices): its template provisioned like any stack's, with
        the parameters its parent passes; its outputs are the parent's ``Fn::GetAtt [<nested>, Outputs.<key>]``. Its
        functions, methods, event source mappings and roles join the rest (the gateway, the Lambda runtime, the
        queue pollers and the IAM proxy see one API, as on AWS)."""
        served = _provider_stacks(c.stack).get(c.logical_id)
        if served:
            self.assembly.warnings.append(
                f"{c.key}: nested stack of the provider of {', '.join(sorted(served))}, not provisioned"
                " (the provisioner handles those custom resources itself)"
            )
            c.record(c.resolver.arn("cloudformation", f"stack/{c.logical_id}/{c.logical_id}"))
            return
        nested = nested_stack(c.stack, c.logical_id, c.resolver)
        passed = {name: c.resolve(value) for name, value in (c.prop("Parameters") or {}).items()}
        resolver = self._provision_stack(nested, passed)
        stack_id = c.resolver.arn("cloudformation", f"stack/{nested.stack_name}/{stable_id(nested.stack_name)}")
        c.record(stack_id, **{f"Outputs.{key}": value for key, value in resolver.outputs().items()})

    def _state_machine(self, c: _Context) -> None:
        sfn = self._client("stepfunctions")
        name = c.resolver.physical_name(c.logical_id)
        if c.properties.get("DefinitionString") is not None:
            definition = c.resolver.resolve_str(c.properties["DefinitionString"])
        elif c.properties.get("Definition") is not None:
            definition = json.dumps(c.prop("Definition"))
        else:
            raise ProvisionError("only DefinitionString or Definition are supported (not DefinitionS3Location)")
        for key, value in (c.prop("DefinitionSubstitutions") or {}).items():
            definition = definition.replace("${" + key + "}", as_text(value))
        role = c.prop("RoleArn") or c.resolver.arn("iam", "role/local-states", region=False)
        kind = c.prop("StateMachineType", "STANDARD")
        arn = c.resolver.arn("states", f"stateMachine:{name}")
        current = _fallback_on(
            ("StateMachineDoesNotExist",), lambda: sfn.describe_state_machine(stateMachineArn=arn), _nothing
        )
        if current is None:
            arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role, type=kind)["stateMachineArn"]
        elif current["definition"] != definition or current.get("roleArn") != role:
            sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
        c.record(arn, Arn=arn, Name=name, StateMachineRevisionId=arn)

    def _secret(self, c: _Context) -> None:
        client = self._client("secretsmanager")
        name = c.resolver.physical_name(c.logical_id)
        value = c.prop("SecretString")
        if value is None:
            value = _generate_secret(c.prop("GenerateSecretString") or {})
        request: dict[str, Any] = {"Name": name, "SecretString": value}
        if c.prop("Description"):
            request["Description"] = c.prop("Description")
        arn = _fallback_on(
            ("ResourceExistsException",),
            lambda: client.create_secret(**request)["ARN"],
            lambda: client.describe_secret(SecretId=name)["ARN"],
        )
        c.record(arn, Id=arn)

    def _log_group(self, c: _Context) -> None:
        logs = self._client("logs")
        name = c.resolver.physical_name(c.logical_id)
        _fallback_on(("ResourceAlreadyExistsException",), lambda: logs.create_log_group(logGroupName=name), _nothing)
        if c.prop("RetentionInDays") is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(c.prop("RetentionInDays")))
        c.record(name, **c.resolver.planned_values(c.logical_id).attributes)

    def _alarm(self, c: _Context) -> None:
        name = c.resolver.physical_name(c.logical_id)
        request: dict[str, Any] = {"AlarmName": name}
        for prop in (
            "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions",
            "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
            "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
            "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId",
        ):  # fmt: skip
            if c.prop(prop) is not None:
                request[prop] = c.prop(prop)
        self._client("cloudwatch").put_metric_alarm(**request)
        c.record(name, **c.resolver.planned_values(c.logical_id).attributes)

    def _dashboard(self, c: _Context) -> None:
        name = c.prop("DashboardName") or c.resolver.physical_name(c.logical_id)
        self._client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=c.prop("DashboardBody"))
        c.record(name)

    def _kms_key(self, c: _Context) -> None:
        kms = self._client("kms")
        alias = f"alias/localcloud/{c.stack.stack_name}/{c.logical_id}"
        try:
            key = kms.describe_key(KeyId=alias)["KeyMetadata"]
        except ClientError as exc:
            if _code(exc) != "NotFoundException":
                raise
            request = {p: c.prop(p) for p in ("Description", "KeyUsage", "KeySpec") if c.prop(p) is not None}
            key = kms.create_key(**request)["KeyMetadata"]
            kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        c.record(key["KeyId"], Arn=key["Arn"], KeyId=key["KeyId"])

    def _kms_alias(self, c: _Context) -> None:
        kms = self._client("kms")
        name, target = c.prop("AliasName"), c.prop("TargetKeyId")
        _fallback_on(
            ("AlreadyExistsException",),
            lambda: kms.create_alias(AliasName=name, TargetKeyId=target),
            lambda: kms.update_alias(AliasName=name, TargetKeyId=target),
        )
        c.record(name)

    def _ssm_parameter(self, c: _Context) -> None:
        name = c.resolver.physical_name(c.logical_id)
        kind, value = c.prop("Type", "String"), as_text(c.prop("Value"))
        self._client("ssm").put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
        c.record(name, Type=kind, Value=value)

    # ---------------------------------------------------------------- functions

    def _iam_role(self, c: _Context) -> None:
        """A role's inline policies, kept for the local AWS endpoint to enforce (localcloud.aws_proxy)."""
        name = c.resolver.physical_name(c.logical_id)
        documents = [p["PolicyDocument"] for p in c.prop("Policies", []) if p.get("PolicyDocument")]
        self.assembly.role_policies.setdefault(name, []).extend(documents)
        if c.prop("ManagedPolicyArns"):
            self.assembly.warnings.append(f"{c.key}: managed policies are not enforced locally")

    def _iam_policy(self, c: _Context) -> None:
        for role in c.prop("Roles", []):
            self.assembly.role_policies.setdefault(as_text(role), []).append(c.prop("PolicyDocument"))

    def _function(self, c: _Context) -> None:
        name = c.resolver.physical_name(c.logical_id)
        c.record(name, Arn=c.resolver.arn("lambda", f"function:{name}"))
        runtime = as_text(c.prop("Runtime", ""))
        code = c.properties.get("Code", {})
        if c.prop("PackageType") == "Image" or "ImageUri" in code or not runtime.startswith("python"):
            self.assembly.unsupported.append(f"{c.key} (AWS::Lambda::Function runtime {runtime or 'image'})")
            return
        environment = {
            key: as_text(value) for key, value in ((c.prop("Environment") or {}).get("Variables") or {}).items()
        }
        layer_dirs = []
        for layer_arn in c.prop("Layers", []):
            if layer_arn in self.layer_dirs:
                layer_dirs.append(self.layer_dirs[layer_arn])
            else:
                self.assembly.warnings.append(f"{c.key}: layer {layer_arn} is not in the cloud assembly")
        self.assembly.functions[name] = FunctionSpec(
            logical_id=c.key,
            name=name,
            handler=c.prop("Handler"),
            code_dir=self._code_dir(c, code),
            environment=environment,
            timeout_seconds=int(c.prop("Timeout", 3)),
            memory_mb=int(c.prop("MemorySize", 128)),
            layer_dirs=tuple(layer_dirs),
            role_name=as_text(c.prop("Role", "")).rsplit("/", 1)[-1] or None,
        )

    def _code_dir(self, c: _Context, code: dict[str, Any]) -> Path:
        if "ZipFile" in code:
            folder = _inline_code_folder(c)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "index.py").write_text(c.resolver.resolve_str(code["ZipFile"]))
            return folder
        key = c.resolver.resolve_str(code.get("S3Key", ""))
        path = c.stack.asset_path(key)
        if path is None:
            raise ProvisionError(f"code asset {key!r} is not in the cloud assembly")
        return path

    def _layer(self, c: _Context) -> None:
        values = c.resolver.planned_values(c.logical_id)
        key = c.resolver.resolve_str((c.properties.get("Content") or {}).get("S3Key", ""))
        path = c.stack.asset_path(key)
        if path is None:
            raise ProvisionError(f"layer asset {key!r} is not in the cloud assembly")
        self.layer_dirs[values.ref] = path
        c.record(values.ref, **values.attributes)

    def _event_source_mapping(self, c: _Context) -> None:
        source_arn = as_text(c.prop("EventSourceArn", ""))
        function = _function_name(as_text(c.prop("FunctionName")))
        if source_arn.split(":")[2:3] != ["sqs"]:
            self.assembly.unsupported.append(f"{c.key} (AWS::Lambda::EventSourceMapping from {source_arn})")
            return
        if c.prop("FilterCriteria"):
            self.assembly.warnings.append(f"{c.key}: FilterCriteria is ignored (every message is delivered)")
        queue_url = self.queue_urls.get(source_arn)
        if queue_url is None:
            queue_url = self._client("sqs").get_queue_url(QueueName=source_arn.split(":")[-1])["QueueUrl"]
        self.assembly.event_source_mappings.append(
            EventSourceMapping(
                function_name=function,
                queue_url=queue_url,
                queue_arn=source_arn,
                batch_size=int(c.prop("BatchSize", 10)),
                max_batching_window_seconds=int(c.prop("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures" in (c.prop("FunctionResponseTypes") or []),
                enabled=truthy(c.prop("Enabled", True)),
            )
        )

    # ---------------------------------------------------------------- REST APIs

    def _rest_api(self, c: _Context) -> None:
        values = c.resolver.values(c.logical_id)
        if c.properties.get("Body") is not None or c.properties.get("BodyS3Location") is not None:
            self.assembly.unsupported.append(f"{c.key} (AWS::ApiGateway::RestApi from an OpenAPI body)")
        name = as_text(c.prop("Name", c.logical_id))
        root = values.attributes["RootResourceId"]
        self.rest.apis[values.ref] = (name, root)

    def _rest_resource(self, c: _Context) -> None:
        api, parent = c.prop("RestApiId"), c.prop("ParentId")
        self.rest.resources[(api, c.resolver.values(c.logical_id).ref)] = (parent, c.prop("PathPart"))

    def _rest_authorizer(self, c: _Context) -> None:
        kind = c.prop("Type")
        if kind not in ("REQUEST", "TOKEN"):
            self.assembly.unsupported.append(f"{c.key} (AWS::ApiGateway::Authorizer type {kind})")
            return
        sources = [s.strip() for s in as_text(c.prop("IdentitySource", "")).split(",") if s.strip()]
        spec = AuthorizerSpec(
            function_name=_function_name(as_text(c.prop("AuthorizerUri"))),
            identity_sources=tuple(sources),
            result_ttl_seconds=int(c.prop("AuthorizerResultTtlInSeconds", 300)),
            type=kind,
        )
        self.rest.authorizers[(c.prop("RestApiId"), c.resolver.values(c.logical_id).ref)] = spec

    def _rest_method(self, c: _Context) -> None:
        api, resource = c.prop("RestApiId"), c.prop("ResourceId")
        integration = c.prop("Integration") or {}
        kind = integration.get("Type", "")
        function: str | None = None
        mock: MockResponse | None = None
        if kind == "AWS_PROXY":
            function = _function_name(as_text(integration.get("Uri", "")))
        elif kind == "MOCK":
            responses = integration.get("IntegrationResponses") or [{}]
            headers = {
                key.removeprefix("method.response.header."): as_text(value).strip("'")
                for key, value in (responses[0].get("ResponseParameters") or {}).items()
                if key.startswith("method.response.header.")
            }
            mock = MockResponse(
                status_code=int(responses[0].get("StatusCode", 200)),
                headers=headers,
                allowed_origins=_echoed_origins(headers, responses[0].get("ResponseTemplates") or {}),
            )
        else:
            self.assembly.unsupported.append(f"{c.key} (AWS::ApiGateway::Method integration {kind or 'none'})")
            return
        authorizer = ""
        if c.prop("AuthorizationType", "NONE") == "CUSTOM":
            authorizer = c.prop("AuthorizerId")
        elif c.prop("AuthorizationType", "NONE") != "NONE":
            self.assembly.unsupported.append(f"{c.key} (authorization {c.prop('AuthorizationType')})")
        if c.prop("RequestValidatorId") and (c.prop("RequestModels") or _required(c.prop("RequestParameters"))):
            self.assembly.unsupported.append(f"{c.key} (request validation of models/parameters)")
        self.rest.methods.append((api, resource, c.prop("HttpMethod"), authorizer, function, mock))
        if truthy(c.prop("ApiKeyRequired", False)):
            self.rest.keyed_methods.add((api, resource, c.prop("HttpMethod")))

    def _rest_request_validator(self, c: _Context) -> None:
        """Nothing to do: methods that give it something to validate are reported by ``_rest_method``."""

    def _rest_gateway_response(self, c: _Context) -> None:
        headers = {
            key.removeprefix("gatewayresponse.header."): as_text(value).strip("'")
            for key, value in (c.prop("ResponseParameters") or {}).items()
            if key.startswith("gatewayresponse.header.")
        }
        status = c.prop("StatusCode")
        templates = {str(k): as_text(v) for k, v in (c.prop("ResponseTemplates") or {}).items()}
        response = GatewayResponse(status_code=int(status) if status else None, headers=headers, templates=templates)
        self.rest.responses.setdefault(c.prop("RestApiId"), {})[c.prop("ResponseType")] = response

    def _usage_plan(self, c: _Context) -> None:
        """The plan in moto (found by name when provisioning again), where the tenants' API keys join it; its
        throttle and quota go to the gateway, which applies them (``localcloud.gateway``)."""
        apigw = self._client("apigateway")
        name = as_text(c.prop("UsagePlanName", c.logical_id))
        throttle, quota = c.prop("Throttle") or {}, c.prop("Quota") or {}
        stages = [{"apiId": s["ApiId"], "stage": s["Stage"]} for s in c.prop("ApiStages") or []]
        existing = [p for p in apigw.get_usage_plans(limit=500).get("items", []) if p.get("name") == name]
        if existing:
            plan_id = existing[0]["id"]
        else:
            request: dict[str, Any] = {"name": name, "apiStages": stages}
            if throttle:
                rate, burst = float(throttle["RateLimit"]), int(throttle["BurstLimit"])
                request["throttle"] = {"rateLimit": rate, "burstLimit": burst}
            if quota:
                request["quota"] = {"limit": int(quota["Limit"]), "period": quota["Period"]}
            plan_id = apigw.create_usage_plan(**request)["id"]
        spec = UsagePlanSpec(
            plan_id=plan_id,
            name=name,
            rate_limit=float(throttle["RateLimit"]) if "RateLimit" in throttle else None,
            burst_limit=int(throttle["BurstLimit"]) if "BurstLimit" in throttle else None,
            quota_limit=int(quota["Limit"]) if "Limit" in quota else None,
            quota_period=quota.get("Period"),
        )
        for stage in stages:
            self.rest.usage_plans.setdefault(stage["apiId"], []).append(spec)
        c.record(plan_id, Id=plan_id)

    def _rest_stage(self, c: _Context) -> None:
        self.rest.stages.setdefault(c.prop("RestApiId"), c.prop("StageName"))

    def _rest_specs(self) -> list[RestApiSpec]:
        def path_of(api: str, resource: str) -> str:
            parts: list[str] = []
            while (api, resource) in self.rest.resources:
                resource, part = self.rest.resources[(api, resource)]
                parts.append(part)
            if resource != self.rest.apis.get(api, ("", ""))[1]:
                raise ProvisionError(f"REST resource {resource} of API {api} is not under the API's root")
            return "/" + "/".join(reversed(parts))

        specs = []
        for api, (name, _root) in self.rest.apis.items():
            routes = tuple(
                RestRoute(
                    http_method=method,
                    resource_path=path_of(api, resource),
                    function_name=function,
                    authorizer=self.rest.authorizers.get((api, authorizer)) if authorizer else None,
                    mock=mock,
                    api_key_required=(api, resource, method) in self.rest.keyed_methods,
                )
                for (method_api, resource, method, authorizer, function, mock) in self.rest.methods
                if method_api == api
            )
            stage = self.rest.stages.get(api, "prod")
            specs.append(
                RestApiSpec(
                    name=name,
                    stage_name=stage,
                    routes=routes,
                    api_id=api,
                    gateway_responses=dict(self.rest.responses.get(api, {})),
                    usage_plans=tuple(self.rest.usage_plans.get(api, ())),
                )
            )
        return specs

    # ---------------------------------------------------------------- WebSocket APIs

    def _ws_api(self, c: _Context) -> None:
        if c.prop("ProtocolType") != "WEBSOCKET":
            self.assembly.unsupported.append(f"{c.key} (AWS::ApiGatewayV2::Api protocol {c.prop('ProtocolType')})")
            return
        name = as_text(c.prop("Name", c.logical_id))
        self.ws.apis[c.resolver.values(c.logical_id).ref] = (name, c.prop("RouteSelectionExpression", ""))

    def _ws_integration(self, c: _Context) -> None:
        if c.prop("IntegrationType") != "AWS_PROXY":
            self.assembly.unsupported.append(f"{c.key} (integration {c.prop('IntegrationType')})")
            return
        key = (c.prop("ApiId"), c.resolver.values(c.logical_id).ref)
        self.ws.integrations[key] = _function_name(as_text(c.prop("IntegrationUri")))

    def _ws_authorizer(self, c: _Context) -> None:
        if c.prop("AuthorizerType") != "REQUEST":
            self.assembly.unsupported.append(f"{c.key} (authorizer type {c.prop('AuthorizerType')})")
            return
        spec = AuthorizerSpec(
            function_name=_function_name(as_text(c.prop("AuthorizerUri"))),
            identity_sources=tuple(c.prop("IdentitySource", [])),
            result_ttl_seconds=0,  # WebSocket authorizers are not cached
        )
        self.ws.authorizers[(c.prop("ApiId"), c.resolver.values(c.logical_id).ref)] = spec

    def _ws_route(self, c: _Context) -> None:
        target = as_text(c.prop("Target", ""))
        if not target.startswith("integrations/"):
            self.assembly.unsupported.append(f"{c.key} (route without an integration target)")
            return
        authorizer = c.prop("AuthorizerId", "") if c.prop("AuthorizationType", "NONE") == "CUSTOM" else ""
        if c.prop("AuthorizationType", "NONE") not in ("NONE", "CUSTOM"):
            self.assembly.unsupported.append(f"{c.key} (authorization {c.prop('AuthorizationType')})")
        self.ws.routes.append((c.prop("ApiId"), c.prop("RouteKey"), target.split("/", 1)[1], authorizer))

    def _ws_stage(self, c: _Context) -> None:
        self.ws.stages.setdefault(c.prop("ApiId"), c.prop("StageName"))

    def _websocket_specs(self) -> list[WebSocketApiSpec]:
        specs = []
        for api, (name, selection) in self.ws.apis.items():
            routes = []
            for route_api, route_key, integration, authorizer in self.ws.routes:
                if route_api != api or (api, integration) not in self.ws.integrations:
                    continue
                routes.append(
                    WebSocketRoute(
                        route_key=route_key,
                        function_name=self.ws.integrations[(api, integration)],
                        authorizer=self.ws.authorizers.get((api, authorizer)) if authorizer else None,
                    )
                )
            stage = self.ws.stages.get(api, "prod")
            specs.append(
                WebSocketApiSpec(
                    name=name,
                    stage_name=stage,
                    route_selection_expression=selection,
                    routes=tuple(routes),
                    api_id=api,
                )
            )
        return specs

    # ---------------------------------------------------------------- URLs

    def _localize_urls(self) -> None:
        apis: dict[str, tuple[str, str, str]] = {
            spec.api_id: ("rest", spec.name, spec.stage_name) for spec in self.assembly.rest_apis
        }
        apis.update({spec.api_id: ("websocket", spec.name, spec.stage_name) for spec in self.assembly.websocket_apis})
        for name, function in list(self.assembly.functions.items()):
            environment = {k: self.local_urls.localize(v, apis) for k, v in function.environment.items()}
            if environment != function.environment:
                self.assembly.functions[name] = _replace_environment(function, environment)
        self.assembly.outputs = {k: self.local_urls.localize(v, apis) for k, v in self.assembly.outputs.items()}


# --------------------------------------------------------------------------- helpers


def _required(parameters: dict[str, Any] | None) -> bool:
    return any(truthy(required) for required in (parameters or {}).values())


_BOTO3_SERVICES = {
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
    "eventbridge": "events",
    "sfn": "stepfunctions",
    "iam": "iam",
}


def _boto3_service(name: str) -> str:
    """The boto3 name of an ``AwsCustomResource`` service (``DynamoDB``, ``@aws-sdk/client-dynamodb``)."""
    key = name.removeprefix("@aws-sdk/client-").replace("-", "").lower()
    return _BOTO3_SERVICES.get(key, key)


def _decode_booleans(value: Any) -> Any:
    """CDK encodes booleans of ``AwsCustomResource`` parameters as ``"TRUE:BOOLEAN"`` strings."""
    if isinstance(value, dict):
        return {k: _decode_booleans(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_booleans(v) for v in value]
    if value in ("TRUE:BOOLEAN", "FALSE:BOOLEAN"):
        return value == "TRUE:BOOLEAN"
    return value


def _flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """A response as ``AwsCustomResource`` exposes it to ``GetAtt``: ``Item.name.S`` -> value."""
    if isinstance(value, dict):
        items: Iterable[tuple[str, Any]] = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: as_text(value)} if prefix else {}
    result: dict[str, str] = {}
    for key, inner in items:
        result.update(_flatten(inner, f"{prefix}.{key}" if prefix else key))
    return result


def _accepted(kind: str) -> bool:
    return kind in ACCEPTED_TYPES or kind in ACCEPTED_CUSTOM_TYPES or kind.startswith("AWS::CloudFormation::")


def _provider_stacks(stack: StackArtifact) -> dict[str, set[str]]:
    """Nested stacks that only serve as ``ServiceToken`` of custom resources (CDK puts some providers in one, e.g.
    Amplify's asset deployment) -> the custom resource types: not provisioned, like a provider function."""
    providers: dict[str, set[str]] = {}
    other_uses: set[str] = set()
    for resource in stack.resources.values():
        kind = resource.get("Type", "")
        properties = dict(resource.get("Properties") or {})
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            for logical_id in references(properties.pop("ServiceToken", None)):
                providers.setdefault(logical_id, set()).add(kind)
        other_uses |= references(properties)
    nested = {k for k, r in stack.resources.items() if r.get("Type") == "AWS::CloudFormation::Stack"}
    return {logical_id: kinds for logical_id, kinds in providers.items() if logical_id in nested - other_uses}


def _custom_resource_providers(stack: StackArtifact) -> dict[str, set[str]]:
    """Functions that only serve as ``ServiceToken`` of custom resources -> the custom resource types."""
    providers: dict[str, set[str]] = {}
    for resource in stack.resources.values():
        kind = resource.get("Type", "")
        if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
            token = (resource.get("Properties") or {}).get("ServiceToken")
            for logical_id in references(token):
                if stack.resources.get(logical_id, {}).get("Type") == "AWS::Lambda::Function":
                    providers.setdefault(logical_id, set()).add(kind)
    return providers


def _inline_code_folder(c: _Context) -> Path:
    """Where inline (``Code.ZipFile``) function code is written: beside the stack's assets in ``cdk.out``."""
    some_asset = next(iter(c.stack.assets.values()), None)
    base = some_asset.parent if some_asset is not None else Path.cwd() / ".localcloud"
    return base / "localcloud-inline" / f"{c.stack.stack_name}-{c.logical_id}"


def _asset_files(source: Path, *, extract: bool) -> list[tuple[str, bytes]]:
    if source.is_dir():
        return [(p.relative_to(source).as_posix(), p.read_bytes()) for p in sorted(source.rglob("*")) if p.is_file()]
    if extract and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            return [(n, archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
    return [(source.name, source.read_bytes())]


def _replace_environment(function: FunctionSpec, environment: dict[str, str]) -> FunctionSpec:
    return dataclasses.replace(function, environment=environment)


def _echoed_origins(headers: dict[str, str], templates: dict[str, Any]) -> tuple[str, ...]:
    """CDK's preflight for several origins: the header holds the first, a VTL template echoes the others.

    Returns every allowed origin (the hard-coded one first), or ``()`` when there is no such template.
    """
    echoed = [
        origin
        for template in templates.values()
        if "responseOverride.header.Access-Control-Allow-Origin" in as_text(template)
        for origin in _ORIGIN_TEST.findall(as_text(template))
    ]
    if not echoed:
        return ()
    first = headers.get("Access-Control-Allow-Origin")
    return tuple(dict.fromkeys([first, *echoed] if first else echoed))


def _function_name(value: str) -> str:
    """The function name of a function ARN, an API Gateway invocation URI or a plain name."""
    match = _FUNCTION_ARN.search(value)
    return match.group("name") if match else value


def _index(index: dict[str, Any], throughput: dict[str, Any] | None) -> dict[str, Any]:
    result: dict[str, Any] = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
    if throughput is not None:
        result["ProvisionedThroughput"] = _int_values(index.get("ProvisionedThroughput") or throughput)
    return result


def _cors_rule(rule: dict[str, Any], local_origin: str | None = None) -> dict[str, Any]:
    renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds"}
    converted = {renamed.get(k, k): (int(v) if k == "MaxAge" else v) for k, v in rule.items()}
    origins = [str(origin) for origin in rule.get("AllowedOrigins", [])]
    if local_origin and "*" not in origins and local_origin not in origins:
        converted["AllowedOrigins"] = [*origins, local_origin]
    return converted


def _generate_secret(spec: dict[str, Any]) -> str:
    alphabet = ""
    if not truthy(spec.get("ExcludeLowercase", False)):
        alphabet += string.ascii_lowercase
    if not truthy(spec.get("ExcludeUppercase", False)):
        alphabet += string.ascii_uppercase
    if not truthy(spec.get("ExcludeNumbers", False)):
        alphabet += string.digits
    if not truthy(spec.get("ExcludePunctuation", False)):
        alphabet += "!#$%&()*+,-./:;<=>?@[]^_`{|}~"
    if truthy(spec.get("IncludeSpace", False)):
        alphabet += " "
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(ch for ch in alphabet if ch not in excluded) or string.ascii_letters
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    template, key = spec.get("SecretStringTemplate"), spec.get("GenerateStringKey")
    if template and key:
        document = json.loads(template)
        document[key] = password
        return json.dumps(document)
    return password


def _int_values(value: dict[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in value.items()}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


_T = TypeVar("_T")


def _fallback_on(codes: tuple[str, ...], call: Callable[[], _T], fallback: Callable[[], _T]) -> _T:
    """``call()``, or ``fallback()`` when AWS refuses the call with one of ``codes``.

    Provisioning again (a restart against the same moto server) meets what exists already.
    """
    try:
        return call()
    except ClientError as exc:
        if _code(exc) not in codes:
            raise
        return fallback()


def _nothing() -> None:
    return None
