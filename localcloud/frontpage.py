"""What the local cloud tells a person: its front page (the base URL) and the start-up banner of ``make dev``.

Both come from one value, ``front_page(urls, credentials)``: what runs and where, the tenants with their
two apps' addresses and demo accounts (each with its role and what it opens on), where the full log is
and how to stop. ``as_text`` prints it for the console, ``as_html`` serves it as the page, so the two
never say different things.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TITLE = "Nube local de Bembos"
STOP = "Ctrl-C en la terminal de make dev detiene todo."
# A staff role (Empleados.rol) and the customer: what each one's app opens on.
ROLE_SCREENS = {
    "admin": "consola: métricas, pedidos, personal, carta, locales",
    "cocinero": "tablero de cocina",
    "empaquetador": "tablero de empaquetamiento",
    "repartidor": "tablero de delivery",
    "cliente": "carta, carrito, pago y seguimiento del pedido",
}


@dataclass(frozen=True)
class Service:
    """One thing that runs, where it answers, and what it is for."""

    label: str
    url: str
    note: str = ""
    page: bool = True  # something a browser opens (linked), else an address for clients (shown)


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    password: str
    app: str  # where the account logs in (its tenant's staff app, or its customer app)
    screen: str  # what that app opens on for the role
    location: str = ""


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    customer_app: str
    staff_app: str
    accounts: tuple[Account, ...]


@dataclass(frozen=True)
class FrontPage:
    services: tuple[Service, ...]
    tenants: tuple[Tenant, ...]
    log_file: str | None
    stop: str = STOP

    @property
    def shared_password(self) -> str | None:
        """The password of every demo account, when they share one (they do: ``localcloud.demo_identity``)."""
        passwords = {account.password for tenant in self.tenants for account in tenant.accounts}
        return passwords.pop() if len(passwords) == 1 else None


def front_page(urls: Mapping[str, str], credentials: Mapping[str, Any], log_file: str | None = None) -> FrontPage:
    """The content of the front page and the banner, from the cloud's URLs and its seeded demo accounts."""
    services = (
        Service("API REST", urls["api"], "las rutas de API Gateway", page=False),
        Service("Documentación de la API", urls["docs"], "Swagger UI, con sesión demo"),
        Service("OpenAPI", urls["openapi"], "generado de las rutas de cada servicio"),
        Service("WebSocket", f"{urls['websocket']}?token=<sesión>", "pedidos en vivo", page=False),
        Service("Buzón", urls["mailbox"], "los correos enviados"),
        Service("Mercado Pago de prueba", f"{urls['mercadopago']}/", "titular APRO aprueba, OTHE rechaza"),
        Service("AWS (moto)", urls["aws"], "AWS_ENDPOINT_URL de boto3 y la AWS CLI", page=False),
    )
    tenants = tuple(
        _tenant(tenant_id, entry, urls) for tenant_id, entry in sorted(credentials.get("tenants", {}).items())
    )
    return FrontPage(services=services, tenants=tenants, log_file=log_file)


def _tenant(tenant_id: str, entry: Mapping[str, Any], urls: Mapping[str, str]) -> Tenant:
    customer_app = f"{urls['customer_app']}{tenant_id}/"
    staff_app = f"{urls['staff_app']}{tenant_id}/"
    accounts = entry.get("accounts", {})
    staff = tuple(
        Account(
            role=person["rol"],
            email=person["email"],
            password=person["password"],
            app=staff_app,
            screen=ROLE_SCREENS.get(person["rol"], ""),
            location=person.get("location_id", ""),
        )
        for person in accounts.get("staff", [])
    )
    customer = accounts.get("customer")
    customers = (
        (Account("cliente", customer["email"], customer["password"], customer_app, ROLE_SCREENS["cliente"]),)
        if customer
        else ()
    )
    return Tenant(tenant_id, str(entry.get("name", tenant_id)), customer_app, staff_app, staff + customers)


# --------------------------------------------------------------------------- the console's banner


def as_text(page: FrontPage, ready_in: float | None = None) -> str:
    """The banner: the same content as the page, in columns."""
    headline = f"{TITLE}: lista en {ready_in:.1f} s" if ready_in is not None else TITLE
    label_width = max(len(service.label) for service in page.services)
    url_width = max(len(service.url) for service in page.services)
    lines = [headline]
    lines += [f"  {s.label:<{label_width}}  {s.url:<{url_width}}  {s.note}".rstrip() for s in page.services]
    for tenant in page.tenants:
        lines += ["", f"{tenant.name} ({tenant.tenant_id})"]
        lines += [f"  app de clientes   {tenant.customer_app}", f"  app del personal  {tenant.staff_app}"]
        email_width = max((len(a.email) for a in tenant.accounts), default=0)
        lines += [f"    {a.role:<12}  {a.email:<{email_width}}  {a.screen}" for a in tenant.accounts]
    lines.append("")
    if page.shared_password:
        lines.append(f"Contraseña de todas las cuentas demo: {page.shared_password}")
    if page.log_file:
        lines.append(f"Registro completo en {page.log_file} (aquí: una línea por solicitud, avisos y errores)")
    lines.append(page.stop)
    return "\n".join(lines)


# --------------------------------------------------------------------------- the page at the base URL

_STYLE = """
:root { --blue-900: #001f5c; --blue-700: #0033a0; --blue-100: #e6ecf8; --yellow: #ffd100; --ink: #14171f;
  --muted: #4a5160; --line: #d5d9e2; --page: #f5f6f9; --card: #fff; --radius: 12px;
  --shadow: 0 1px 2px rgb(0 0 0 / 8%), 0 2px 8px rgb(0 0 0 / 6%); }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--page); }
header { background: var(--blue-700); color: #fff; padding: 1.5rem 2rem; border-bottom: 4px solid var(--yellow); }
header h1 { margin: 0; font-size: 1.6rem; }
header p { margin: .25rem 0 0; color: #dfe6f5; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .75rem; color: var(--blue-900); }
.card { background: var(--card); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1rem 1.25rem;
  overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:last-child > * { border-bottom: 0; }
th { color: var(--muted); font-weight: 600; font-size: .85rem; }
td.what { color: var(--muted); }
a { color: var(--blue-700); }
a:focus-visible { outline: none; box-shadow: 0 0 0 3px var(--yellow), 0 0 0 5px var(--blue-900); }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.tenants { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
.tenant code { white-space: nowrap; }
.tenant .table { overflow-x: auto; }
.tenant h3 { margin: 0; font-size: 1.1rem; }
.tenant .id { color: var(--muted); font-size: .9rem; margin: 0 0 .75rem; }
.apps { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 .75rem;
  padding: .6rem .8rem; background: var(--blue-100); border-radius: 8px; }
.apps dt { font-weight: 600; color: var(--blue-900); } .apps dd { margin: 0; }
.role { font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(20rem, 100%), 1fr)); gap: 1rem; }
.facts p, .intro { margin: 0 0 .75rem; } .facts p { margin: 0; }
kbd { border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 .3rem;
  background: #fff; font: .9em ui-monospace, monospace; }
@media (max-width: 40rem) { main, header { padding-left: 1rem; padding-right: 1rem; }
}
"""


def _link(url: str, page: bool = True) -> str:
    if not page:  # an address for clients (API Gateway answers 403 at the API's root): shown, not linked
        return f"<code>{html.escape(url)}</code>"
    return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'


def _services_html(page: FrontPage) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(s.label)}</th><td>{_link(s.url, s.page)}</td>"
        f"<td class='what'>{html.escape(s.note)}</td></tr>"
        for s in page.services
    )
    return (
        "<section aria-labelledby='que-corre'><h2 id='que-corre'>Qué corre</h2><div class='card'><table>"
        "<thead><tr><th scope='col'>Servicio</th><th scope='col'>Dirección</th><th scope='col'>Para qué</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div></section>"
    )


def _tenant_html(tenant: Tenant) -> str:
    rows = "".join(
        f"<tr><td class='role'>{html.escape(a.role)}</td><td><code>{html.escape(a.email)}</code></td>"
        f"<td class='what'>{html.escape(a.screen)}</td></tr>"
        for a in tenant.accounts
    )
    heading = f"tenant-{html.escape(tenant.tenant_id)}"
    return (
        f"<article class='card tenant' aria-labelledby='{heading}'><h3 id='{heading}'>{html.escape(tenant.name)}</h3>"
        f"<p class='id'>tenant <code>{html.escape(tenant.tenant_id)}</code></p><dl class='apps'>"
        f"<dt>App de clientes</dt><dd>{_link(tenant.customer_app)}</dd>"
        f"<dt>App del personal</dt><dd>{_link(tenant.staff_app)}</dd></dl>"
        "<div class='table'><table><thead><tr><th scope='col'>Rol</th><th scope='col'>Correo</th>"
        f"<th scope='col'>Abre en</th></tr></thead><tbody>{rows}</tbody></table></div></article>"
    )


def as_html(page: FrontPage) -> str:
    """The front page: the same content as the banner, with links."""
    tenants = "".join(_tenant_html(tenant) for tenant in page.tenants) or "<p>Sin datos demo.</p>"
    intro = "El personal ingresa en la app del personal de su tenant; el cliente, en la app de clientes."
    if page.shared_password:
        intro = f"Contraseña de todas las cuentas demo: <code>{html.escape(page.shared_password)}</code>. {intro}"
    facts = []
    if page.log_file:
        facts.append(
            f"<div class='card'><p>Registro completo: <code>{html.escape(page.log_file)}</code>. La consola muestra "
            "una línea por solicitud, los avisos y los errores.</p></div>"
        )
    stop = html.escape(page.stop).replace("Ctrl-C", "<kbd>Ctrl</kbd>-<kbd>C</kbd>")
    facts.append(f"<div class='card'><p>{stop}</p></div>")
    return (
        "<!doctype html><html lang='es-PE'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><link rel='icon' href='data:,'>"
        f"<title>{TITLE}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{TITLE}</h1><p>La plataforma de pedidos completa en esta máquina: lo que cdk deploy "
        "desplegaría, con datos demo.</p></header><main>"
        f"{_services_html(page)}"
        "<section aria-labelledby='tenants'><h2 id='tenants'>Tenants y cuentas demo</h2>"
        f"<p class='intro'>{intro}</p><div class='tenants'>{tenants}</div></section>"
        f"<section aria-labelledby='datos'><h2 id='datos'>Registro y cierre</h2><div class='facts'>"
        f"{''.join(facts)}</div></section>"
        "</main></body></html>"
    )
