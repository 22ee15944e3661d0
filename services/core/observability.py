"""The logger of every function (its service name from ``POWERTOOLS_SERVICE_NAME``).

Tracing is Lambda's own (active tracing: each invocation's segment, joined to API Gateway's and
Step Functions' traces), without the X-Ray SDK in the function: the SDK and its patching of every
boto3 call cost each cold start about 100-150 ms (``python -m scripts.measure_imports``), more than
the per-call subsegments are worth here. CloudWatch metrics come from the services' own
dashboards and alarms (``stacks/``).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger()
