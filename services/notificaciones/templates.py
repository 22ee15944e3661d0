"""Spanish (es-PE) emails, each with a plain-text and an HTML part; every value is HTML-escaped.

``RENDERERS`` maps an EventBridge detail type to the function that turns its ``detail`` into an
``Email``. The orders service adds its own (status changes, receipts with an attachment, overdue
orders for the admins) by adding entries here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from string import Template
from typing import Any

from core import contracts
from core.clock import LIMA
from core.identity_events import (
    CustomerLinkDetail,
    CustomerRegisteredDetail,
    CustomerRegistrationRepeatedDetail,
    EmployeeInvitedDetail,
)
from notificaciones.models import Email

Renderer = Callable[[Mapping[str, Any]], Email | None]  # None: no email for this event

ROLE_NAMES = {
    "admin": "administrador(a)",
    "cocinero": "cocinero(a)",
    "empaquetador": "empaquetador(a)",
    "repartidor": "repartidor(a)",
}

_HTML_LAYOUT = Template("""<!doctype html>
<html lang="es-PE">
<head><meta charset="utf-8"><title>$title</title></head>
<body style="margin:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px">
<tr><td style="background:#0b3d91;color:#ffd100;padding:16px 24px;font-size:22px;font-weight:bold">$brand</td></tr>
<tr><td style="padding:24px;font-size:15px;line-height:1.5">$content</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#777">$footer</td></tr>
</table></td></tr></table>
</body></html>
""")

_FOOTER_TEXT = "Este correo fue enviado automáticamente por $brand. Por favor, no respondas a este mensaje."


def _escape(values: Mapping[str, Any], multiline: Collection[str] = ()) -> dict[str, str]:
    """Every value HTML-escaped; the ``multiline`` ones (what a person wrote) keep their line breaks as ``<br>``."""
    safe = {k: html.escape(str(v), quote=True) for k, v in values.items()}
    for key in multiline:
        lines = safe[key].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        safe[key] = "<br>\n".join(lines)
    return safe


def _html(
    title: str, brand: str, content: Template, values: Mapping[str, Any], *, multiline: Collection[str] = ()
) -> str:
    safe = _escape(values, multiline)
    return _HTML_LAYOUT.substitute(
        title=html.escape(title),
        brand=html.escape(brand),
        content=content.substitute(safe),
        footer=html.escape(Template(_FOOTER_TEXT).substitute(brand=brand)),
    )


def _text(body: Template, values: Mapping[str, Any], brand: str) -> str:
    return body.substitute(values) + "\n--\n" + Template(_FOOTER_TEXT).substitute(brand=brand) + "\n"


def format_datetime(value: datetime) -> str:
    """``25/11/2026 a las 18:30`` in Lima time."""
    local = value.astimezone(LIMA)
    return local.strftime("%d/%m/%Y a las %H:%M")


# -- CustomerRegistered: welcome --------------------------------------------------------------------

_WELCOME_TEXT = Template("""Hola, $name:

¡Te damos la bienvenida a $tenant! Confirmaste tu correo y tu cuenta ya está lista.
Desde ahora puedes pedir tus hamburguesas favoritas, seguir tu pedido en tiempo real y acumular puntos.

¡Buen provecho!
El equipo de $tenant
""")
_WELCOME_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>¡Te damos la bienvenida a <strong>$tenant</strong>! Confirmaste tu correo y tu cuenta ya está lista.</p>
<p>Desde ahora puedes pedir tus hamburguesas favoritas, seguir tu pedido en tiempo real y acumular puntos.</p>
<p>¡Buen provecho!<br>El equipo de $tenant</p>""")


def welcome(detail: Mapping[str, Any]) -> Email:
    event = CustomerRegisteredDetail.model_validate(detail)
    values = {"name": event.customer_name, "tenant": event.tenant_name}
    subject = f"¡Bienvenido(a) a {event.tenant_name}!"
    return Email(
        to=(event.email,),
        subject=subject,
        text=_text(_WELCOME_TEXT, values, event.tenant_name),
        html=_html(subject, event.tenant_name, _WELCOME_HTML, values),
    )


# -- EmployeeInvited: invitation with the one-time link -----------------------------------------

_INVITE_TEXT = Template("""Hola, $name:

$tenant te invita a unirte a su equipo como $role en el local $location.
Para activar tu cuenta, crea tu contraseña en este enlace (es de un solo uso):

$url

El enlace vence el $expires (hora de Lima). Si no esperabas esta invitación, ignora este correo.
""")
_INVITE_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p><strong>$tenant</strong> te invita a unirte a su equipo como <strong>$role</strong> en el local $location.</p>
<p>Para activar tu cuenta, crea tu contraseña (el enlace es de un solo uso):</p>
<p style="text-align:center;margin:24px 0"><a href="$url" style="background:#ffd100;color:#0b3d91;padding:12px 24px;
border-radius:6px;text-decoration:none;font-weight:bold">Crear mi contraseña</a></p>
<p style="font-size:13px;color:#555">Si el botón no funciona, copia este enlace en tu navegador:<br>$url</p>
<p>El enlace vence el $expires (hora de Lima). Si no esperabas esta invitación, ignora este correo.</p>""")


def invitation(detail: Mapping[str, Any]) -> Email:
    event = EmployeeInvitedDetail.model_validate(detail)
    if not event.invite_url.startswith(("https://", "http://")):
        raise ValueError("the invitation link must be an http(s) URL")
    values = {
        "name": event.employee_name,
        "tenant": event.tenant_name,
        "role": ROLE_NAMES.get(event.rol, event.rol),
        "location": event.location_id,
        "url": event.invite_url,
        "expires": format_datetime(event.expires_at),
    }
    subject = f"Tu invitación al equipo de {event.tenant_name}"
    return Email(
        to=(event.email,),
        subject=subject,
        text=_text(_INVITE_TEXT, values, event.tenant_name),
        html=_html(subject, event.tenant_name, _INVITE_HTML, values),
    )


def _button(label: str) -> str:
    return (
        '<p style="text-align:center;margin:24px 0"><a href="$url" style="background:#ffd100;color:#0b3d91;'
        f'padding:12px 24px;border-radius:6px;text-decoration:none;font-weight:bold">{label}</a></p>'
        '<p style="font-size:13px;color:#555">Si el botón no funciona, copia este enlace en tu navegador:<br>$url</p>'
    )


def _link_email(detail: Mapping[str, Any], subject: str, text: Template, content: Template) -> Email:
    event = CustomerLinkDetail.model_validate(detail)
    if not event.url.startswith(("https://", "http://")):
        raise ValueError("the link must be an http(s) URL")
    values = {
        "name": event.customer_name,
        "tenant": event.tenant_name,
        "url": event.url,
        "expires": format_datetime(event.expires_at),
    }
    return Email(
        to=(event.email,),
        subject=subject.format(tenant=event.tenant_name),
        text=_text(text, values, event.tenant_name),
        html=_html(subject.format(tenant=event.tenant_name), event.tenant_name, content, values),
    )


# -- CustomerVerificationRequested: confirm the address (the only email of an unverified account) ---------

_VERIFY_TEXT = Template("""Hola, $name:

Recibimos tu registro en $tenant. Para activar tu cuenta, confirma tu correo en este enlace (es de un solo uso):

$url

El enlace vence el $expires (hora de Lima). Si no te registraste, ignora este correo: sin confirmar, la cuenta no
se puede usar.
""")
_VERIFY_HTML = Template(
    """<p>Hola, <strong>$name</strong>:</p>
<p>Recibimos tu registro en <strong>$tenant</strong>. Para activar tu cuenta, confirma tu correo
(el enlace es de un solo uso):</p>"""
    + _button("Confirmar mi correo")
    + """<p>El enlace vence el $expires (hora de Lima). Si no te registraste, ignora este correo: sin confirmar,
la cuenta no se puede usar.</p>"""
)


def verification(detail: Mapping[str, Any]) -> Email:
    return _link_email(detail, "Confirma tu correo en {tenant}", _VERIFY_TEXT, _VERIFY_HTML)


# -- CustomerPasswordResetRequested: "olvidé mi contraseña" -----------------------------------------------

_RESET_TEXT = Template("""Hola, $name:

Pediste cambiar la contraseña de tu cuenta en $tenant. Elige una nueva en este enlace (es de un solo uso):

$url

El enlace vence el $expires (hora de Lima). Al cambiarla, se cerrarán tus sesiones abiertas.
Si no lo pediste, ignora este correo: tu contraseña no cambia.
""")
_RESET_HTML = Template(
    """<p>Hola, <strong>$name</strong>:</p>
<p>Pediste cambiar la contraseña de tu cuenta en <strong>$tenant</strong>. Elige una nueva
(el enlace es de un solo uso):</p>"""
    + _button("Elegir una nueva contraseña")
    + """<p>El enlace vence el $expires (hora de Lima). Al cambiarla, se cerrarán tus sesiones abiertas.
Si no lo pediste, ignora este correo: tu contraseña no cambia.</p>"""
)


def password_reset(detail: Mapping[str, Any]) -> Email:
    return _link_email(detail, "Cambia tu contraseña de {tenant}", _RESET_TEXT, _RESET_HTML)


# -- CustomerRegistrationRepeated: the address already has an account ---------------------------------------

_REPEATED_TEXT = Template("""Hola, $name:

Alguien (quizás tú) intentó crear una cuenta en $tenant con este correo, pero ya tienes una.
Ingresa aquí: $login_url
¿Olvidaste tu contraseña? Puedes cambiarla aquí: $reset_url

Si no fuiste tú, ignora este correo: tu cuenta no cambió.
""")
_REPEATED_HTML = Template("""<p>Hola, <strong>$name</strong>:</p>
<p>Alguien (quizás tú) intentó crear una cuenta en <strong>$tenant</strong> con este correo, pero ya tienes una.</p>
<p><a href="$login_url">Ingresa con tu cuenta</a> o, si olvidaste tu contraseña,
<a href="$reset_url">cámbiala aquí</a>.</p>
<p>Si no fuiste tú, ignora este correo: tu cuenta no cambió.</p>""")


def registration_repeated(detail: Mapping[str, Any]) -> Email:
    event = CustomerRegistrationRepeatedDetail.model_validate(detail)
    if not all(u.startswith(("https://", "http://")) for u in (event.login_url, event.reset_url)):
        raise ValueError("the links must be http(s) URLs")
    values = {
        "name": event.customer_name,
        "tenant": event.tenant_name,
        "login_url": event.login_url,
        "reset_url": event.reset_url,
    }
    subject = f"Ya tienes una cuenta en {event.tenant_name}"
    return Email(
        to=(event.email,),
        subject=subject,
        text=_text(_REPEATED_TEXT, values, event.tenant_name),
        html=_html(subject, event.tenant_name, _REPEATED_HTML, values),
    )


RENDERERS: dict[str, Renderer] = {
    contracts.CUSTOMER_REGISTERED: welcome,
    contracts.CUSTOMER_VERIFICATION_REQUESTED: verification,
    contracts.CUSTOMER_PASSWORD_RESET_REQUESTED: password_reset,
    contracts.CUSTOMER_REGISTRATION_REPEATED: registration_repeated,
    contracts.EMPLOYEE_INVITED: invitation,
}
