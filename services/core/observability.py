"""The logger and the business metrics of every function (service name from ``POWERTOOLS_SERVICE_NAME``).

Tracing is Lambda's own (active tracing: each invocation's segment, joined to API Gateway's and
Step Functions' traces), without the X-Ray SDK in the function: the SDK and its patching of every
boto3 call cost each cold start about 100-150 ms (``python -m scripts.measure_imports``), more than
the per-call subsegments are worth here.

Business metrics are CloudWatch embedded-metric-format lines (Powertools Metrics): no API call, the
log line is the metric. One batch of events can hold several tenants, so a tenant's metric is written
as its own line at once (``tenant_metric``) rather than buffered in one set of dimensions.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "bembos")

logger = Logger()


def tenant_metric(name: str, tenant_id: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    """One business metric of one tenant (dimensions: the function's service and ``tenant_id``), written now."""
    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined")
    with single_metric(
        name=name, unit=unit, value=value, namespace=NAMESPACE, default_dimensions={"service": service}
    ) as metric:
        metric.add_dimension("tenant_id", tenant_id)
