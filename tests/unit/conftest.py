"""Unit tests never reach a server: moto's in-process mock or fakes only."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_aws_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # A local cloud started in the same session points boto3 at its moto server through
    # AWS_ENDPOINT_URL; moto's mock_aws must not send unit tests there.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
