"""What whoever runs a stage looks at and is woken by: its CloudWatch dashboard and its alarms.

Both watch the platform's resources **by physical name**, the way CloudWatch names their metrics (a function's
``FunctionName``, a queue's ``QueueName``, the REST API's ``ApiName``), never through a reference to another
stack: no export to hold back a rename or a removal there, and no cycle whatever stack builds what. The
business metrics (``core.contracts.METRIC_*``) are read without the tenant dimension: the platform's totals,
which every metric has (``core.observability.tenant_metric``) and which an alarm can watch (an alarm cannot sum
a SEARCH over ten thousand tenants).

Thresholds wake someone for what needs a person: a function that failed or was throttled, an order workflow
that failed (the workflow has no overall timeout: a stage's hard limit is caught and ends the execution in
``Fail``, so a stuck order is a failed execution), a REST API answering 5xx to more than ``API_5XX_PERCENT`` of its
requests, and a spike of overdue orders. The queues' own alarms (a message in a dead-letter queue, a message waiting
too long) are ``WorkQueue``'s, beside each queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from constructs import Construct
from constructs.stage import StageConfig

from core import contracts

PERIOD = cdk.Duration.minutes(5)
API_5XX_PERCENT = 5  # of the requests of two 5-minute periods in a row
API_5XX_MIN_REQUESTS = 20  # in a period: below it a single 5xx is no rate to wake anyone for
OVERDUE_SPIKE = 10  # overdue alerts across the platform within OVERDUE_WINDOW
OVERDUE_WINDOW = cdk.Duration.minutes(15)
BUSINESS_COUNTS = (
    (contracts.METRIC_ORDERS_CREATED, "creados"),
    (contracts.METRIC_ORDERS_PAID, "pagados"),
    (contracts.METRIC_ORDERS_DELIVERED, "entregados"),
    (contracts.METRIC_ORDERS_CANCELLED, "cancelados"),
)


@dataclass(frozen=True)
class QueueNames:
    """A work queue and its dead-letter queue, by name."""

    queue: str
    dead_letter_queue: str


@dataclass(frozen=True)
class Watched:
    """Everything the stage's operations watch, by physical name."""

    functions: Sequence[str]  # every function of the platform
    errors_are_answers: Sequence[str]  # those whose raised errors are answers (the authorizer's 401): no errors alarm
    queues: Sequence[QueueNames]  # every queue
    stage_queues: dict[str, str]  # each order stage's work queue: COCINA -> bembos-dev-cocina.fifo
    state_machine: str  # the order workflow
    rest_api: str


class Operations(Construct):
    """The stage's dashboard and its alarms to ``alarm_topic``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage: StageConfig, watched: Watched, alarm_topic: sns.ITopic
    ) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.watched = watched
        self._action = cw_actions.SnsAction(alarm_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self._function_alarms()
        self._workflow_alarms()
        self._api_alarm()
        self._overdue_alarm()
        self.dashboard = self._dashboard()

    # -- metrics ----------------------------------------------------------------------------------------------

    @property
    def _state_machine_arn(self) -> str:
        return cdk.Stack.of(self).format_arn(
            service="states",
            resource="stateMachine",
            resource_name=self.watched.state_machine,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )

    def _business(
        self, name: str, statistic: str = "Sum", *, stage: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """A business metric, the platform's total (of one order stage if ``stage``)."""
        return cloudwatch.Metric(
            namespace=self.stage.metrics_namespace,
            metric_name=name,
            dimensions_map={contracts.METRIC_STAGE_DIMENSION: stage} if stage else None,
            statistic=statistic,
            period=PERIOD,
            label=label,
        )

    @staticmethod
    def _lambda(name: str, function: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name=name,
            dimensions_map={"FunctionName": function},
            statistic=statistic,
            period=PERIOD,
        )

    @staticmethod
    def _sqs(name: str, queue: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/SQS",
            metric_name=name,
            dimensions_map={"QueueName": queue},
            statistic="Maximum",
            period=PERIOD,
        )

    def _workflow(self, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/States",
            metric_name=name,
            dimensions_map={"StateMachineArn": self._state_machine_arn},
            statistic="Sum",
            period=PERIOD,
        )

    def _rest(self, name: str, statistic: str = "Sum") -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": self.watched.rest_api, "Stage": self.stage.name},
            statistic=statistic,
            period=PERIOD,
            label=f"{name} {statistic}",
        )

    # -- alarms -----------------------------------------------------------------------------------------------

    def _alarm(
        self,
        construct_id: str,
        *,
        name: str,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self.stage.prefix}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _function_alarms(self) -> None:
        """Each function's errors (a timeout, a crash, an unhandled error: the REST functions answer their own
        errors as 5xx, watched on the API; a queue consumer's failed record goes back to its queue) and its
        throttles (the account's or region's concurrency ran out)."""
        for function in self.watched.functions:
            # The authorizer's every rejected token is an Error to Lambda: no errors alarm (its crashes are API
            # Gateway's 500s to the caller, which the REST 5xx rate alarm watches).
            if function not in self.watched.errors_are_answers:
                self._alarm(
                    f"{function}Errors",
                    name=f"{function.removeprefix(self.stage.prefix + '-')}-errors",
                    description=f"{function}: an invocation failed (timeout, crash or unhandled error)",
                    metric=self._lambda("Errors", function, "Sum"),
                    threshold=1,
                )
            self._alarm(
                f"{function}Throttles",
                name=f"{function.removeprefix(self.stage.prefix + '-')}-throttles",
                description=f"{function}: invocations were throttled (no concurrency left)",
                metric=self._lambda("Throttles", function, "Sum"),
                threshold=1,
            )

    def _workflow_alarms(self) -> None:
        """An order the workflow gave up on (``OrderNeedsAdmin``, an unexpected failure) or that ran out of time.
        A cancelled order's execution is stopped (aborted), which is no failure."""
        self._alarm(
            "WorkflowFailed",
            name="pedido-failed",
            description="Order workflow: an execution failed (an order needs an admin)",
            metric=self._workflow("ExecutionsFailed"),
            threshold=1,
        )

    def _api_alarm(self) -> None:
        rate = cloudwatch.MathExpression(
            expression=f"IF(requests >= {API_5XX_MIN_REQUESTS}, 100 * errors / requests, 0)",
            using_metrics={"errors": self._rest("5XXError"), "requests": self._rest("Count")},
            period=PERIOD,
            label="5xx (% of requests)",
        )
        self._alarm(
            "Api5xxRate",
            name="api-5xx-rate",
            description=f"REST API: {API_5XX_PERCENT}% or more of the requests answered 5xx, twice in a row",
            metric=rate,
            threshold=API_5XX_PERCENT,
            evaluation_periods=2,
        )

    def _overdue_alarm(self) -> None:
        per_stage = {
            stage.slug: self._business(contracts.METRIC_ORDERS_OVERDUE, stage=stage.state).with_(period=OVERDUE_WINDOW)
            for stage in contracts.STAGES.values()
        }
        total = cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({slug}, 0)" for slug in per_stage),
            using_metrics=dict(per_stage),
            period=OVERDUE_WINDOW,
            label="overdue alerts",
        )
        self._alarm(
            "OverdueSpike",
            name="overdue-spike",
            description=f"{OVERDUE_SPIKE} or more overdue orders across the platform within "
            f"{OVERDUE_WINDOW.to_human_string()}",
            metric=total,
            threshold=OVERDUE_SPIKE,
        )

    # -- dashboard --------------------------------------------------------------------------------------------

    def _dashboard(self) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{self.stage.prefix}-operaciones",
            default_interval=cdk.Duration.hours(3),
        )
        dashboard.add_widgets(self._header())
        dashboard.add_widgets(*self._orders_row())
        for stage in contracts.STAGES.values():
            dashboard.add_widgets(*self._stage_row(stage))
        dashboard.add_widgets(*self._functions_row())
        dashboard.add_widgets(*self._queues_row())
        dashboard.add_widgets(*self._workflow_and_api_row())
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarmas", alarms=list(self.alarms), width=24, height=6)
        )
        return dashboard

    def _header(self) -> cloudwatch.TextWidget:
        return cloudwatch.TextWidget(
            markdown=(
                f"# {self.stage.prefix}: operaciones\n"
                "Pedidos y etapas: métricas de negocio de toda la plataforma (sin dimensión de tenant). "
                "Los logs de un pedido, en Logs Insights sobre `/aws/lambda/"
                f'{self.stage.prefix}-*`: `filter correlation_id = "<pedido>"`.'
            ),
            width=24,
            height=2,
        )

    def _orders_row(self) -> list[cloudwatch.IWidget]:
        counts = [self._business(name, label=label) for name, label in BUSINESS_COUNTS]
        return [
            cloudwatch.GraphWidget(title="Pedidos (cada 5 min)", left=counts, width=16, height=6),
            cloudwatch.SingleValueWidget(
                title="Pedidos en el periodo", metrics=counts, set_period_to_time_range=True, width=8, height=6
            ),
        ]

    def _stage_row(self, stage: contracts.Stage) -> list[cloudwatch.IWidget]:
        seconds = contracts.METRIC_STAGE_SECONDS
        queue = self.watched.stage_queues[stage.state]
        return [
            cloudwatch.GraphWidget(
                title=f"{stage.state}: tiempo en la etapa (s)",
                left=[
                    self._business(seconds, "Average", stage=stage.state, label="promedio"),
                    self._business(seconds, "p90", stage=stage.state, label="p90"),
                    self._business(seconds, "Maximum", stage=stage.state, label="máximo"),
                ],
                width=10,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title=f"{stage.state}: completados y vencidos",
                left=[
                    self._business(seconds, "SampleCount", stage=stage.state, label="completados"),
                    self._business(contracts.METRIC_ORDERS_OVERDUE, stage=stage.state, label="vencidos"),
                ],
                width=7,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title=f"{stage.state}: cola {queue}",
                left=[self._sqs("ApproximateNumberOfMessagesVisible", queue).with_(label="mensajes")],
                right=[self._sqs("ApproximateAgeOfOldestMessage", queue).with_(label="el más antiguo (s)")],
                width=7,
                height=6,
            ),
        ]

    def _functions_row(self) -> list[cloudwatch.IWidget]:
        functions = self.watched.functions
        return [
            cloudwatch.GraphWidget(
                title="Lambda: errores",
                left=[self._lambda("Errors", f, "Sum").with_(label=f) for f in functions],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Lambda: throttles",
                left=[self._lambda("Throttles", f, "Sum").with_(label=f) for f in functions],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Lambda: duración p90 (ms)",
                left=[self._lambda("Duration", f, "p90").with_(label=f) for f in functions],
                width=8,
                height=6,
            ),
        ]

    def _queues_row(self) -> list[cloudwatch.IWidget]:
        queues = self.watched.queues
        return [
            cloudwatch.GraphWidget(
                title="Colas: mensajes visibles",
                left=[self._sqs("ApproximateNumberOfMessagesVisible", q.queue).with_(label=q.queue) for q in queues],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Colas: el mensaje más antiguo (s)",
                left=[self._sqs("ApproximateAgeOfOldestMessage", q.queue).with_(label=q.queue) for q in queues],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="Colas de mensajes muertos (DLQ)",
                left=[
                    self._sqs("ApproximateNumberOfMessagesVisible", q.dead_letter_queue).with_(
                        label=q.dead_letter_queue
                    )
                    for q in queues
                ],
                width=8,
                height=6,
            ),
        ]

    def _workflow_and_api_row(self) -> list[cloudwatch.IWidget]:
        executions = ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")
        return [
            cloudwatch.GraphWidget(
                title=f"Flujo del pedido: ejecuciones ({self.watched.state_machine})",
                left=[self._workflow(name).with_(label=name) for name in (*executions, "ExecutionsAborted")],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title=f"API REST ({self.watched.rest_api}): peticiones y errores",
                left=[self._rest("Count"), self._rest("4XXError"), self._rest("5XXError")],
                width=8,
                height=6,
            ),
            cloudwatch.GraphWidget(
                title="API REST: latencia (ms)",
                left=[self._rest("Latency", "p50"), self._rest("Latency", "p90")],
                width=8,
                height=6,
            ),
        ]
