"""A resolver middleware that refuses request bodies above a size, before any parsing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response

from core.errors import DomainError

DEFAULT_MAX_BODY_BYTES = 8 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def limit_body(max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Callable[..., Response]:
    """``app.use([limit_body()])``: a body over ``max_bytes`` is a 413 and reaches no route."""

    def middleware(app: Any, next_middleware: Callable[..., Response]) -> Response:
        body = app.current_event.body or ""
        if len(body.encode()) > max_bytes:
            raise PayloadTooLarge(f"The request body must be at most {max_bytes} bytes")
        return next_middleware(app)

    return middleware
