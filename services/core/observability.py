"""The logger and the metrics of every function (service name from ``POWERTOOLS_SERVICE_NAME``).

Tracing is Lambda's own (active tracing: each invocation's segment, joined to API Gateway's and
Step Functions' traces), without the X-Ray SDK in the function: the SDK and its patching of every
boto3 call cost each cold start about 100-150 ms (``python -m scripts.measure_imports``), more than
the per-call subsegments are worth here.

**Every entry point opens the same way** (``entry_point``)::

    @entry_point()             # an API Gateway handler's (REST, WebSocket): @entry_point(rest=True)
    def lambda_handler(event, context): ...

which is Powertools' ``logger.inject_lambda_context(clear_state=True)`` (an API Gateway handler's with its
request id as the correlation id) and ``metrics.log_metrics(capture_cold_start_metric=True)``: flushed on every
invocation, ColdStart once.

``clear_state`` starts each invocation with the logger's own keys only: a tenant appended by the previous
invocation of the warm container never reaches this one's lines.

**Log keys and the correlation id.** ``tenant_id`` and ``order_id`` are on every line written while a
request or a record of theirs is handled, and the **correlation id is the order id** wherever there is one:
the REST routes of an order (``core.api``'s middleware, which keeps API Gateway's request id as
``request_id``), each queue record (``process_records``), and so the stage consumer, the notifiers and the
order starter, whose records are the workflow's and the payments' events of that order. Filtering every log
group on ``correlation_id = "<order>"`` follows an order through the API, the payments, the workflow's
events and their consumers (the workflow's own execution is named after the order). A request without an
order keeps API Gateway's request id as its correlation id.

**Metrics** are CloudWatch embedded-metric-format lines (Powertools Metrics): no API call, the log line is
the metric. ``metrics`` is the function's own set (its cold start), flushed per invocation. A business
metric (``core.contracts.METRIC_*``) is one tenant's fact, and one batch of records can hold
several tenants, so ``tenant_metric`` writes each as its own line at once, with two dimension sets:
without the tenant (the platform's total, which the dashboard graphs and the alarms watch: an alarm cannot
sum a SEARCH over tenants) and with ``tenant_id``. At ten thousand tenants the second set is what CloudWatch
bills (a metric per name and tenant), so the stage can switch it off (``metrics_tenant_dimension`` in
``cdk.json`` -> ``METRICS_TENANT_DIMENSION``): the tenant then stays on the line as a property, for Logs
Insights, and only the platform's totals are metrics. See the README (Operations).
"""

from __future__ import annotations

import functools
import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

if TYPE_CHECKING:  # the batch utility costs ~50 ms to import: only the queue consumers load it (they use it anyway)
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

DEFAULT_NAMESPACE = "bembos"
LOG_KEYS = ("tenant_id", "order_id")  # what a request or a record names of itself, on every line it writes

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE))

# A function with no metric of its own in an invocation (most of them) flushes nothing: not worth a warning each
# time (Powertools' documented way to silence it).
warnings.filterwarnings("ignore", "No application metrics to publish*")

R = TypeVar("R")


def entry_point(*, rest: bool = False) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A Lambda handler's logging and metrics (see the module's docstring); ``rest``: an API Gateway handler, whose
    request id is the correlation id (REST, and the WebSocket routes)."""
    inject = logger.inject_lambda_context(
        correlation_id_path="requestContext.requestId" if rest else None, clear_state=True
    )
    flush = metrics.log_metrics(capture_cold_start_metric=True)

    def wrap(handler: Callable[..., R]) -> Callable[..., R]:
        return inject(flush(handler))

    return wrap


def tenant_metric(
    name: str,
    tenant_id: str,
    value: float = 1,
    unit: MetricUnit = MetricUnit.Count,
    *,
    dimensions: Mapping[str, str] | None = None,
) -> None:
    """One business metric of one tenant, written now as its own EMF line.

    Dimension sets: ``dimensions`` (e.g. ``{"stage": "COCINA"}``; none: the metric alone), the platform's
    total; and the same plus ``tenant_id`` unless the stage switched the tenant dimension off.
    """
    extra = dict(dimensions or {})
    provider = AmazonCloudWatchEMFProvider(
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE),
        service="",  # a business fact is the same metric whichever function reports it
        dimension_set=dict(extra),
    )
    provider.add_metric(name=name, unit=unit, value=value)
    if tenant_dimension_enabled():
        provider.add_dimensions(**extra, tenant_id=tenant_id)
    else:
        provider.add_metadata("tenant_id", tenant_id)
    provider.flush_metrics()


def tenant_dimension_enabled() -> bool:
    """Whether business metrics have a per-tenant dimension set (``METRICS_TENANT_DIMENSION``, on by default)."""
    return os.environ.get("METRICS_TENANT_DIMENSION", "true").strip().lower() in {"1", "true", "yes", "on"}


def record_keys(body: str) -> dict[str, str]:
    """The tenant and the order a queue message names: its own fields, or an EventBridge event's ``detail`` (and
    then the event's id, ``event_id``)."""
    try:
        message = json.loads(body)
    except ValueError:
        return {}
    if not isinstance(message, dict):
        return {}
    fields = message["detail"] if isinstance(message.get("detail"), dict) else message
    keys = {key: fields[key] for key in LOG_KEYS if isinstance(fields.get(key), str) and fields[key]}
    if fields is not message and isinstance(message.get("id"), str):
        keys["event_id"] = message["id"]
    return keys


def about_order(order_id: str) -> None:
    """The order a request learnt of on its way (a new order, a payment's order): its id on the lines it still
    writes, and the correlation id. The invocation's state is cleared at the next one (``clear_state``) and a
    record's at its end (``order_scope``)."""
    logger.append_keys(order_id=order_id)
    logger.set_correlation_id(order_id)


@contextmanager
def order_scope(keys: Mapping[str, str]) -> Iterator[None]:
    """``keys`` (tenant, order) on every line written inside, and the order as the correlation id; the
    logger's keys and correlation id as they were afterwards."""
    previous = logger.get_correlation_id()
    had = set(logger.get_current_keys())
    if keys.get("order_id"):
        logger.set_correlation_id(keys["order_id"])
    try:
        with logger.append_context_keys(**keys):
            yield
    finally:
        logger.set_correlation_id(previous)
        logger.remove_keys([key for key in LOG_KEYS if key not in had])  # what ``about_order`` added inside


def _in_order_scope(record_handler: Callable[..., R]) -> Callable[..., R]:
    @functools.wraps(record_handler)  # keeps the signature: the processor passes lambda_context if it is asked for
    def handle(record: SQSRecord, *args: Any, **kwargs: Any) -> R:
        with order_scope(record_keys(record.body)):
            try:
                return record_handler(record, *args, **kwargs)
            except Exception:
                # The processor keeps the failure to itself (the record goes back to the queue): say it here.
                logger.warning("record failed: the queue delivers it again", exc_info=True)
                raise

    return handle


def process_records(
    event: dict[str, Any], context: Any, record_handler: Callable[..., Any], processor: Any
) -> PartialItemFailureResponse:
    """Powertools' partial batch processing, each record handled in its own ``order_scope`` (its tenant and
    order on the lines it writes, cleared before the next record), a failed record logged with them."""
    from aws_lambda_powertools.utilities.batch import process_partial_response

    return process_partial_response(
        event=event, record_handler=_in_order_scope(record_handler), processor=processor, context=context
    )
