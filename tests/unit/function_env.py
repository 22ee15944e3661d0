"""The environment a function's unit tests run it in: moto's region and credentials, Powertools without tracing
and with a test namespace, and the function's own variables (its tables, its bus)."""

from __future__ import annotations

import pytest


def function_environment(monkeypatch: pytest.MonkeyPatch, service: str, variables: dict[str, str]) -> None:
    for key, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": "bembos-test",
        **variables,
    }.items():
        monkeypatch.setenv(key, value)
