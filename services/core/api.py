"""The REST resolver every microservice uses: typed routes, OpenAPI, one error mapping, CORS."""

from __future__ import annotations

import os
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError

from core import contracts
from core.errors import DomainError, ValidationFailed
from core.observability import logger, order_scope
from core.principal import Principal
from core.web import allowed_origins, header


def _error(status: int, code: str, message: str, details: Any = None) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def create_resolver(title: str) -> APIGatewayRestResolver:
    """An ``APIGatewayRestResolver`` with validation, OpenAPI and the platform's error mapping."""
    origins = allowed_origins()
    cors = CORSConfig(
        allow_origin=origins[0] if origins else "*",
        extra_origins=origins[1:],
        allow_headers=list(contracts.CORS_HEADERS),
        max_age=3600,
    )
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)
    app.configure_openapi(title=f"Bembos {title} API", version=os.environ.get("APP_VERSION", "0.0.0"))

    @app.exception_handler(DomainError)
    def domain_error(exc: DomainError) -> Response:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    def request_invalid(exc: RequestValidationError) -> Response:
        details = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return _error(422, "validation_failed", "The request is not valid", details)

    @app.exception_handler(ValidationError)
    def model_invalid(exc: ValidationError) -> Response:
        return _error(422, "validation_failed", "The request is not valid", exc.errors(include_url=False))

    @app.not_found
    def not_found(exc: NotFoundError) -> Response:
        return _error(404, "not_found", "No such route")

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response:
        # The resolver calls its exception handlers after the middlewares returned: the request's keys again.
        with order_scope(_request_keys(app)):
            logger.exception("unexpected error")
        return _error(500, "internal_error", "Something went wrong on our side")

    app.use(middlewares=[_resolve_caller])
    return app


def _resolve_caller(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """Once per request: the caller (None on a public route) into ``app.context``; the tenant and the
    order id, when the request has them, onto every log line it writes, and the order id as its
    correlation id (see core.observability)."""
    principal = Principal.from_context(app.current_event.request_context.authorizer.raw_event)
    app.append_context(principal=principal)
    with order_scope(_request_keys(app)):
        return next_middleware(app)


def _request_keys(app: APIGatewayRestResolver) -> dict[str, str]:
    """The log keys of the request ``app`` is handling: its tenant and order, when it has them; with an order, API
    Gateway's request id too (the order id takes its place as the correlation id)."""
    principal = app.context.get("principal")
    keys = {
        "tenant_id": principal.tenant_id if principal else public_tenant(app),
        "order_id": app.context.get("_route_args", {}).get("order_id"),
    }
    keys = {name: value for name, value in keys.items() if value}
    if "order_id" in keys:
        keys["request_id"] = app.current_event.request_context.request_id
    return keys


IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def idempotency_key(app: APIGatewayRestResolver) -> str | None:
    """The ``Idempotency-Key`` header of the request ``app`` is handling (POST /pedidos, POST /reclamaciones), if
    sent; a malformed one is a 422 before anything is written."""
    key = header(app.current_event.headers, "idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ValidationFailed("Idempotency-Key must be 8-64 letters, digits, '-', '_', '.' or ':'")
    return key


def public_tenant(app: APIGatewayRestResolver) -> str | None:
    """The tenant an unauthenticated call names, from the ``X-Tenant-Id`` header its web app sends."""
    return header(app.current_event.headers, "x-tenant-id")
