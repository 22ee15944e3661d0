"""Logger, Tracer and Metrics of every function (service name and namespace from Powertools' env vars)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
