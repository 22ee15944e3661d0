"""Users API: ``/usuarios`` (register, verify the address, login, logout, forgotten password) and ``/perfil``
(the customer's own profile and password).

Unauthenticated calls (register, login, the requests for an email) name their tenant with the ``X-Tenant-Id``
header that the tenant's web app sends; a mailed link's token carries its tenant; every other route takes
the tenant from the session.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from core import contracts
from core.api import create_resolver, public_tenant
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable
from core.web import header
from usuarios import logic, runtime
from usuarios.models import (
    Accepted,
    Deactivated,
    EmailRequest,
    LoginRequest,
    LoginResponse,
    LogoutResponse,
    PasswordChange,
    PasswordChanged,
    Profile,
    ProfilePatch,
    ProfileReplace,
    Registered,
    RegisterRequest,
    ResetRequest,
    Verified,
    VerifyRequest,
)

CUSTOMER = contracts.CUSTOMER_ROLE


usuarios = APIGatewayRouter()
perfil = APIGatewayRouter()


def _mailing() -> dict[str, Any]:
    """The collaborators of the requests that mail an address (register, resend, forgot): one answer for all."""
    return {"tenants": runtime.tenants(), "dal": runtime.dal(), "mailer": runtime.mailer(), "now": utc_now()}


@usuarios.post("/usuarios", status_code=202)
def register(body: RegisterRequest) -> Registered:
    return logic.register(body, tenant_id=public_tenant(app), **_mailing())


@usuarios.post("/usuarios/verificacion")
def verify(body: VerifyRequest) -> Verified:
    return logic.verify(
        body,
        tenants=runtime.tenants(),
        dal=runtime.dal(),
        sessions=runtime.sessions(),
        publisher=runtime.publisher(),
        now=utc_now(),
    )


@usuarios.post("/usuarios/verificacion/reenvio", status_code=202)
def resend_verification(body: EmailRequest) -> Accepted:
    return logic.resend_verification(body, tenant_id=public_tenant(app), **_mailing())


@usuarios.post("/usuarios/contrasena/olvido", status_code=202)
def forgot_password(body: EmailRequest) -> Accepted:
    return logic.request_reset(body, tenant_id=public_tenant(app), **_mailing())


@usuarios.post("/usuarios/contrasena/restablecer")
def reset_password(body: ResetRequest) -> PasswordChanged:
    return logic.reset_password(
        body, dal=runtime.dal(), sessions=runtime.sessions(), sockets=runtime.sockets(), now=utc_now()
    )


@usuarios.post("/usuarios/login")
def login(body: LoginRequest) -> LoginResponse:
    return logic.login(
        body,
        tenant_id=public_tenant(app),
        tenants=runtime.tenants(),
        dal=runtime.dal(),
        sessions=runtime.sessions(),
        throttle=runtime.throttle(),
        client_address=app.current_event.request_context.identity.source_ip or "unknown",
        policy=runtime.policy(),
        now=utc_now(),
    )


@usuarios.post("/usuarios/logout")
def logout() -> LogoutResponse:
    authorization = usuarios.current_event.headers.get("Authorization") or usuarios.current_event.headers.get(
        "authorization"
    )
    return logic.logout(caller(app), authorization, sessions=runtime.sessions(), sockets=runtime.sockets())


@perfil.get("/perfil", middlewares=requires(CUSTOMER))
def get_profile() -> Profile:
    return logic.get_profile(caller(app), dal=runtime.dal())


@perfil.put("/perfil", middlewares=requires(CUSTOMER))
def replace_profile(body: ProfileReplace) -> Profile:
    return logic.replace_profile(caller(app), body, dal=runtime.dal(), now=utc_now())


@perfil.patch("/perfil", middlewares=requires(CUSTOMER))
def patch_profile(body: ProfilePatch) -> Profile:
    return logic.patch_profile(caller(app), body, dal=runtime.dal(), now=utc_now())


@perfil.post("/perfil/contrasena", middlewares=requires(CUSTOMER))
def change_password(body: PasswordChange) -> PasswordChanged:
    return logic.change_password(
        caller(app),
        body,
        header(perfil.current_event.headers, "Authorization"),
        dal=runtime.dal(),
        sessions=runtime.sessions(),
        sockets=runtime.sockets(),
        throttle=runtime.throttle(),
        client_address=app.current_event.request_context.identity.source_ip or "unknown",
        policy=runtime.policy(),
        now=utc_now(),
    )


@perfil.delete("/perfil", middlewares=requires(CUSTOMER))
def deactivate() -> Deactivated:
    return logic.deactivate(
        caller(app), dal=runtime.dal(), sessions=runtime.sessions(), sockets=runtime.sockets(), now=utc_now()
    )


app = create_resolver("usuarios")
app.include_router(usuarios)
app.include_router(perfil)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
