"""CORS answers the configured origins and the web apps' own (published in SSM), never any other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from rest_events import rest_event

from core import web

PARAMETER = "/bembos-prod/web/origins"
AMPLIFY = "https://main.d1abc.amplifyapp.com"


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://pedidos.example.pe")
    monkeypatch.setenv("ALLOWED_ORIGINS_PARAMETER", PARAMETER)
    web.parameter.cache_clear()
    with mock_aws():
        boto3.client("ssm").put_parameter(Name=PARAMETER, Value=f"https://pedidos.example.pe,{AMPLIFY}", Type="String")
        yield
    web.parameter.cache_clear()


def _answer(app: Any, origin: str) -> dict[str, Any]:
    return dict(app.resolve(rest_event("GET", "/ping", headers={"Origin": origin}), None))


def test_the_configured_and_the_published_origins_are_allowed_once_each(published) -> None:
    assert web.allowed_origins() == ["https://pedidos.example.pe", AMPLIFY]


def test_a_function_names_an_allowed_origin_in_its_answer_and_no_other(published) -> None:
    from core.api import create_resolver

    app = create_resolver("test")

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    allowed = _answer(app, AMPLIFY)
    other = _answer(app, "https://evil.example")
    assert allowed["multiValueHeaders"]["Access-Control-Allow-Origin"] == [AMPLIFY]
    assert "Access-Control-Allow-Origin" not in other.get("multiValueHeaders", {})


def test_an_unreadable_parameter_leaves_the_configured_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://pedidos.example.pe")
    monkeypatch.setenv("ALLOWED_ORIGINS_PARAMETER", "/no/such/parameter")
    web.parameter.cache_clear()
    with mock_aws():
        assert web.allowed_origins() == ["https://pedidos.example.pe"]
    web.parameter.cache_clear()


def test_a_413_given_before_the_resolver_names_only_an_allowed_origin(published) -> None:
    from core.request_limits import unreadable

    def too_big(origin: str) -> dict[str, Any]:
        answer = unreadable({"headers": {"origin": origin}, "body": "x" * 10_000})
        assert answer is not None
        assert answer["statusCode"] == 413
        return dict(answer["headers"])

    assert too_big(AMPLIFY)["Access-Control-Allow-Origin"] == AMPLIFY
    assert "Access-Control-Allow-Origin" not in too_big("https://evil.example")
