"""Domain errors. Each maps to one HTTP status, once, in ``core.api``."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a client may see: a stable ``code`` and a Spanish-free English message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details  # what a client needs to act on it (``details`` in the body), e.g. a new total
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


class DependencyFailed(DomainError):
    """A downstream system (Mercado Pago, SMTP) failed; the request may be retried."""

    status = 502
    code = "dependency_failed"
