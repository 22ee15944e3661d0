"""A body the routes cannot read is refused with a 4xx in the platform's shape, before the resolver."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from core.request_limits import MAX_DEPTH, unreadable


def event(body: str | None, content_type: str | None = "application/json", *, base64_encoded: bool = False) -> dict:
    headers = {"Content-Type": content_type} if content_type else {}
    return {"httpMethod": "POST", "headers": headers, "body": body, "isBase64Encoded": base64_encoded}


def refusal(answer: dict[str, Any] | None) -> tuple[int, str]:
    assert answer is not None, "the body was let through"
    assert answer["headers"]["Content-Type"] == "application/json"
    body = json.loads(answer["body"])
    assert body["message"]
    return answer["statusCode"], body["error"]


@pytest.mark.parametrize(
    "readable",
    [
        event(None),
        event(""),
        event('{"name": "Bembos Larco"}'),
        event('{"name": "ñandú ☕"}', "application/json; charset=utf-8"),
        event("[]", "Application/JSON"),
        event(base64.b64encode(b'{"a": 1}').decode(), base64_encoded=True),
        event(None, "text/plain"),  # no body: nothing to refuse
    ],
)
def test_a_readable_body_goes_on(readable: dict) -> None:
    assert unreadable(readable) is None


@pytest.mark.parametrize(
    ("unread", "expected"),
    [
        (event('{"a": 1}', "text/plain"), (415, "unsupported_media_type")),
        (event('{"a": 1}', None), (415, "unsupported_media_type")),
        (event("a=1", "application/x-www-form-urlencoded"), (415, "unsupported_media_type")),
        (event("\x00\xff{not json"), (422, "validation_failed")),
        (event("{'single': 'quotes'}"), (422, "validation_failed")),
        (event('{"a": "\udcff"}'), (422, "validation_failed")),  # a lone surrogate: not UTF-8
        (event(base64.b64encode(b"\x00\xff\xfe").decode(), base64_encoded=True), (422, "validation_failed")),
        (event("not base64!", base64_encoded=True), (422, "validation_failed")),
        (event("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)), (422, "validation_failed")),
        (event("[" * 100_000 + "]" * 100_000, "application/json"), (413, "payload_too_large")),
        (event('{"a": "' + "x" * 9000 + '"}'), (413, "payload_too_large")),
    ],
)
def test_an_unreadable_body_is_a_4xx_with_the_platform_error(unread: dict, expected: tuple[int, str]) -> None:
    assert refusal(unreadable(unread)) == expected


def test_a_deep_body_within_the_size_limit_is_refused_without_recursion() -> None:
    deep = "[" * 4000 + "]" * 4000  # deeper than Python's recursion limit lets json parse
    assert refusal(unreadable(event(deep))) == (422, "validation_failed")


def test_the_depth_limit_is_inclusive() -> None:
    assert unreadable(event("[" * MAX_DEPTH + "]" * MAX_DEPTH)) is None
