"""``ServiceFunction``: every Lambda of the platform, configured once."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from constructs.nag import acknowledge
from constructs.stage import VERSION, StageConfig
from constructs.work_queue import DEFAULT_MAX_CONCURRENCY, WorkQueue

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
# Dot-files and dot-folders (tool caches), bytecode, the layer's requirements: the asset is the modules only.
_NOT_SHIPPED = ["**/.*", "**/__pycache__", "**/*.pyc", "requirements.txt"]


def services_code() -> lambda_.Code:
    """The services' Python modules as one code asset (shared by every function): only what runs, so the
    same source always gives the same asset hash (no caches, no dot-folders a tool left behind)."""
    return lambda_.Code.from_asset(str(SERVICES_DIR), exclude=_NOT_SHIPPED)


class ServiceFunction(Construct):
    """A Python 3.12 arm64 function with its own role, log group, tracing and Powertools settings.

    ``handler`` is the dotted path inside ``services/``, e.g. ``health.handler.lambda_handler``;
    ``service`` names it in logs, traces and metrics.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        service: str,
        handler: str,
        layer: lambda_.ILayerVersion,
        environment: Mapping[str, str] | None = None,
        timeout: cdk.Duration | None = None,
        memory_size: int = 256,
        description: str = "",
        errors_are_answers: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        function_name = f"{stage.prefix}-{service}"
        self.service = service
        # Its physical name as a plain string: what CloudWatch names its metrics by (the Operations stack watches
        # the functions by name, with no cross-stack reference to hold a deploy of this stack back).
        self.function_name = function_name
        # Its raised errors are answers, not failures (the authorizer raises "Unauthorized" for each 401): Lambda
        # counts them as Errors, so no errors alarm watches it (constructs.operations).
        self.errors_are_answers = errors_are_answers
        self.timeout = timeout or cdk.Duration.seconds(10)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=stage.log_retention,
            removal_policy=stage.removal_policy,
        )
        self.role = self._role(function_name)
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description or f"{service} ({stage.name})",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=handler,
            code=services_code(),
            layers=[layer],
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
            timeout=self.timeout,
            memory_size=memory_size,
            environment={**self._powertools_settings(stage, service), **(environment or {})},
        )
        self._explain_findings()

    def consume(self, work: WorkQueue, *, batch_size: int, max_concurrency: int = DEFAULT_MAX_CONCURRENCY) -> None:
        """Take ``work``'s messages in batches (partial batch failures), never faster than it can."""
        work.consumed_by(self.function, batch_size=batch_size, max_concurrency=max_concurrency, timeout=self.timeout)

    def _role(self, function_name: str) -> iam.Role:
        """A role of its own that may only write to its own log group (no managed policy)."""
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {function_name}",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        return role

    @staticmethod
    def _powertools_settings(stage: StageConfig, service: str) -> dict[str, str]:
        return {
            "STAGE": stage.name,
            "APP_VERSION": VERSION,
            "POWERTOOLS_SERVICE_NAME": service,
            "POWERTOOLS_METRICS_NAMESPACE": stage.metrics_namespace,
            "METRICS_TENANT_DIMENSION": "true" if stage.metrics_tenant_dimension else "false",
            "POWERTOOLS_LOG_LEVEL": "INFO" if stage.production_like else "DEBUG",
            "POWERTOOLS_LOGGER_LOG_EVENT": "false",
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        }

    def _explain_findings(self) -> None:
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Pinned to Python 3.12: the dependency layer is built from cp312 arm64 wheels; "
            "a runtime upgrade rebuilds the layer and is a deliberate change.",
        )
