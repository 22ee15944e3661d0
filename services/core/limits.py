"""Request size limits for REST handlers (API Gateway itself accepts bodies up to 10 MB)."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from core.errors import DomainError

DEFAULT_MAX_BODY_BYTES = 16 * 1024


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def limit_body(max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Callable[[APIGatewayRestResolver, NextMiddleware], Response]:
    """Middleware refusing a body over ``max_bytes`` with 413 before the route runs.

    Powertools validates the body against the route's model first, so an oversized body
    that is also invalid gets the 422 of its first problem; either way nothing is written.
    """

    def middleware(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        body = app.current_event.body
        if body is not None and len(body.encode()) > max_bytes:
            raise PayloadTooLarge(f"The request body is over {max_bytes} bytes")
        return next_middleware(app)

    return middleware
