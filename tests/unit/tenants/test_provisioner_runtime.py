"""The provisioner's API Gateway client retries the account's management throttling (CreateApiKey: 5 a second)."""

from __future__ import annotations

import pytest

from tenants import runtime


def test_the_api_gateway_client_retries_adaptively_ten_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    runtime.reset()
    try:
        retries = runtime.apigateway().meta.config.retries
    finally:
        runtime.reset()
    assert retries["mode"] == "adaptive"
    assert retries["total_max_attempts"] == 11  # botocore's max_attempts counts the retries: 10 after the first
