"""The authenticated caller, as the authorizer put it into ``requestContext.authorizer``.

Handlers never read a tenant from the body or the path: every key starts from
``Principal.tenant_id``. The resolver's middleware (``core.api``) resolves the caller once per
request into ``app.context``; routes read it with ``caller(app)`` and declare who may call them
with a route middleware: ``@app.get("/x", middlewares=[requires("admin")])``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict

from core import contracts
from core.errors import Forbidden, Unauthenticated
from core.models import BaseModel

if TYPE_CHECKING:  # the authorizer and the WebSocket functions use Principal without the REST resolver
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

Kind = Literal["customer", "employee"]
Middleware = Callable[["APIGatewayRestResolver", "NextMiddleware"], "Response"]


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    subject_id: str
    kind: Kind
    rol: str
    location_id: str | None = None
    name: str | None = None  # as it was at login; for display only, never for a decision

    @property
    def is_admin(self) -> bool:
        return self.kind == "employee" and self.rol == "admin"

    def to_context(self) -> dict[str, str]:
        """Flat string map for the authorizer's ``context`` (API Gateway allows no nesting)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}

    @classmethod
    def from_context(cls, context: Mapping[str, Any] | None) -> Principal | None:
        """The caller the authorizer vouched for, or None on a public route (no authorizer context)."""
        if not context or "tenant_id" not in context:
            return None
        return cls.model_validate({k: context.get(k) for k in cls.model_fields})

    def may_call(self, roles: tuple[str, ...]) -> bool:
        """``cliente`` is a customer; admins of the tenant pass every staff check, never a customer's."""
        return self.rol in roles or (self.is_admin and contracts.CUSTOMER_ROLE not in roles)


def caller(app: APIGatewayRestResolver) -> Principal:
    """The caller of the request ``app`` is handling (resolved once by ``core.api``'s middleware)."""
    principal = app.context.get("principal")
    if principal is None:
        raise Unauthenticated("This route needs a session token")
    return principal


def requires(*roles: str) -> list[Middleware]:
    """The route middlewares that let only ``roles`` call a route (401 without a session, 403 for other roles)."""
    unknown = set(roles) - set(contracts.ROLES) - {contracts.CUSTOMER_ROLE}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def check_role(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        principal = caller(app)
        if not principal.may_call(roles):
            raise Forbidden(f"Role {principal.rol!r} may not call this route")
        return next_middleware(app)

    check_role.required_roles = roles  # type: ignore[attr-defined]
    return [check_role]
