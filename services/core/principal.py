"""The authenticated caller, as the authorizer put it into ``requestContext.authorizer``.

Handlers never read a tenant from the body or the path: every key starts from
``Principal.tenant_id``. Role checks are declared on routes with ``requires``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict

from core import contracts
from core.errors import Forbidden, Unauthenticated

P = ParamSpec("P")
R = TypeVar("R")

Kind = Literal["customer", "employee"]


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
    def from_context(cls, context: Mapping[str, Any] | None) -> Principal:
        if not context or "tenant_id" not in context:
            raise Unauthenticated("This route needs a session token")
        return cls.model_validate({k: context.get(k) for k in cls.model_fields})


def requires(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare which roles may call a route. ``cliente`` is a customer; staff roles are ``contracts.ROLES``.

    The route function's first parameter is the ``Principal`` resolved by the caller
    (see ``core.api.current_principal``); admins of the tenant pass every staff check.
    """
    unknown = set(roles) - set(contracts.ROLES) - {contracts.CUSTOMER_ROLE}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            from core.api import current_principal  # the resolver of the running handler

            principal = current_principal()
            allowed = principal.rol in roles or (principal.is_admin and contracts.CUSTOMER_ROLE not in roles)
            if not allowed:
                raise Forbidden(f"Role {principal.rol!r} may not call this route")
            return func(*args, **kwargs)

        wrapper.required_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorate
