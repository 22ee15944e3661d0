"""Unit tests never reach a server: moto's in-process mock or fakes only."""

from __future__ import annotations

import functools

import botocore.loaders
import botocore.session
import pytest

# moto's mock_aws starts each test with a new boto3 session (boto3.DEFAULT_SESSION reset), and each new botocore
# session made a new data loader that read and parsed the service models and endpoints JSON again: most of a unit
# test's setup (70 of 88 s of the identity and catalog tests). The loader only reads botocore's own data files:
# one per search path serves every session of the process.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


@pytest.fixture(autouse=True)
def _no_aws_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # A local cloud started in the same session points boto3 at its moto server through
    # AWS_ENDPOINT_URL; moto's mock_aws must not send unit tests there.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
