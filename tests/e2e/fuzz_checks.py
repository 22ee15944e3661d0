"""The fuzzer's own check (loaded by Schemathesis through ``SCHEMATHESIS_HOOKS``): every error answer is the
platform's error shape, ``{"error": code, "message": text}``, whether a function or API Gateway itself gave it."""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def platform_error_shape(ctx: Any, response: Any, case: Any) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"a {response.status_code} answer is not JSON: {response.text[:120]!r}") from exc
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)):
        raise AssertionError(f"a {response.status_code} answer is not the platform's error shape: {body!r:.200}")
