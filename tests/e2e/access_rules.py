"""Who may call each operation of the REST API: the access matrix's rules (test_access_matrix.py), which the
fuzzer (test_fuzz.py) also uses to give each kind of caller the operations it may call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity_support import MIRAFLORES, SAN_ISIDRO

A, B = MIRAFLORES, SAN_ISIDRO
HERE, ELSEWHERE, B_LOCATION = "larco", "benavides", "camino-real"
PUBLIC, SIGNED_IN = "public", "signed-in"
STAFF = ("admin", "cocinero", "empaquetador", "repartidor")
GHOST = "ghost-7e57"
GHOSTS = {"complaint": "999999999"}  # a ghost of an id that is a number


@dataclass(frozen=True)
class Rule:
    """Who may call an operation, the request the matrix sends, and what an allowed caller gets."""

    who: str | tuple[str, ...]
    path: str  # concrete, with {product} {combo} {location} {employee} {order} {complaint} {customer}: A's targets
    body: Any = None
    status: int = 200  # what an allowed caller in scope gets with this request
    mutates: bool = False  # allowed callers in scope aim at GHOST ids (answer 404, nothing changes)
    # The call ends the caller's session ("session") or account ("account"): each cell gets a new one.
    fresh: str | None = None
    foreign: int | None = None  # what an allowed caller of another tenant gets, when the default is wrong
    elsewhere: int = 404  # what another customer, or staff of another location, gets on the target order or entry


def complaint() -> dict[str, Any]:
    """A Libro de Reclamaciones entry's body (no order named: any customer may file it)."""
    return {
        "tipo": "queja",
        "bien": "servicio",
        "descripcion_bien": "Atención en el local",
        "detalle": "Esperé media hora en la caja sin que me atendieran.",
        "pedido_consumidor": "Mejorar la atención en caja",
        "consumidor": {
            "nombre": "Cliente Matriz",
            "documento_tipo": "DNI",
            "documento_numero": "12345678",
            "domicilio": "Av. Larco 100, Miraflores",
        },
    }


def card() -> dict[str, Any]:
    return {"card_token": "tok-access-matrix", "payment_method_id": "visa", "installments": 1}


ADMIN, CUSTOMER = ("admin",), ("cliente",)
RULES: dict[tuple[str, str], Rule] = {
    # Platform and storefront: public, the tenant named by the X-Tenant-Id header.
    ("GET", "/health"): Rule(PUBLIC, "health"),
    ("GET", "/config/{app}"): Rule(PUBLIC, "config/customer"),
    ("GET", "/tienda"): Rule(PUBLIC, "tienda"),
    ("GET", "/sesion"): Rule(SIGNED_IN, "sesion"),
    # Menu: public reads, admin writes.
    ("GET", "/producto"): Rule(PUBLIC, "producto"),
    ("GET", "/producto/{product_id}"): Rule(PUBLIC, "producto/{product}"),
    ("POST", "/producto"): Rule(ADMIN, "producto", "PRODUCT_TAKEN", 409),
    ("PUT", "/producto/{product_id}"): Rule(ADMIN, "producto/{product}", "PRODUCT_FIELDS", 404, mutates=True),
    ("DELETE", "/producto/{product_id}"): Rule(ADMIN, "producto/{product}", None, 404, mutates=True),
    ("POST", "/producto/{product_id}/disponibilidad"): Rule(
        ADMIN, "producto/{product}/disponibilidad", {"location_id": HERE, "available": False}, 404, mutates=True
    ),
    ("POST", "/producto/{product_id}/imagen"): Rule(
        ADMIN, "producto/{product}/imagen", {"content_type": "image/png", "content_length": 10}, 404, mutates=True
    ),
    ("GET", "/combos"): Rule(PUBLIC, "combos"),
    ("GET", "/combos/{combo_id}"): Rule(PUBLIC, "combos/{combo}"),
    ("POST", "/combos"): Rule(ADMIN, "combos", "COMBO_TAKEN", 409),
    ("PUT", "/combos/{combo_id}"): Rule(ADMIN, "combos/{combo}", "COMBO_FIELDS", 404, mutates=True),
    ("DELETE", "/combos/{combo_id}"): Rule(ADMIN, "combos/{combo}", None, 404, mutates=True),
    ("POST", "/combos/{combo_id}/disponibilidad"): Rule(
        ADMIN, "combos/{combo}/disponibilidad", {"location_id": HERE, "available": False}, 404, mutates=True
    ),
    ("POST", "/combos/{combo_id}/imagen"): Rule(
        ADMIN, "combos/{combo}/imagen", {"content_type": "image/png", "content_length": 10}, 404, mutates=True
    ),
    ("GET", "/locales"): Rule(PUBLIC, "locales"),
    ("GET", "/locales/{location_id}"): Rule(PUBLIC, "locales/{location}"),
    ("POST", "/locales"): Rule(ADMIN, "locales", "LOCATION_TAKEN", 409),
    ("PUT", "/locales/{location_id}"): Rule(ADMIN, "locales/{location}", "LOCATION_FIELDS", 404, mutates=True),
    ("POST", "/locales/{location_id}/pausa"): Rule(
        ADMIN, "locales/{location}/pausa", {"paused": True}, 404, mutates=True
    ),
    # Accounts.
    # Registration, and the mails asked for by address, answer 202 whoever the address belongs to.
    ("POST", "/usuarios"): Rule(PUBLIC, "usuarios", "REGISTER", 202),
    ("POST", "/usuarios/verificacion"): Rule(PUBLIC, "usuarios/verificacion", {"token": "x" * 43}, 410),
    ("POST", "/usuarios/verificacion/reenvio"): Rule(PUBLIC, "usuarios/verificacion/reenvio", "ADDRESS", 202),
    ("POST", "/usuarios/contrasena/olvido"): Rule(PUBLIC, "usuarios/contrasena/olvido", "ADDRESS", 202),
    ("POST", "/usuarios/contrasena/restablecer"): Rule(
        PUBLIC, "usuarios/contrasena/restablecer", {"token": "x" * 43, "password": "Nueva-Clave-2027"}, 410
    ),
    ("POST", "/usuarios/login"): Rule(PUBLIC, "usuarios/login", "WRONG_PASSWORD", 401),
    ("POST", "/usuarios/logout"): Rule(SIGNED_IN, "usuarios/logout", fresh="session"),
    ("GET", "/perfil"): Rule(CUSTOMER, "perfil"),
    ("PUT", "/perfil"): Rule(CUSTOMER, "perfil", {"name": "Cliente Matriz", "phone": None}),
    ("PATCH", "/perfil"): Rule(CUSTOMER, "perfil", {"name": "Cliente Matriz"}),
    ("DELETE", "/perfil"): Rule(CUSTOMER, "perfil", fresh="account"),
    ("POST", "/perfil/contrasena"): Rule(
        CUSTOMER,
        "perfil/contrasena",
        {"current_password": "Hamburguesa-2026", "new_password": "Otra-Clave-2027"},  # a fresh account's password
        fresh="account",
    ),
    # Loyalty points: a customer reads their own balance and ledger; the tenant's admins a customer's (a customer
    # of another tenant is not found).
    ("GET", "/perfil/puntos"): Rule(CUSTOMER, "perfil/puntos"),
    ("GET", "/clientes/{customer_id}/puntos"): Rule(ADMIN, "clientes/{customer}/puntos"),
    ("POST", "/empleados"): Rule(ADMIN, "empleados", "EMPLOYEE_TAKEN", 409),
    ("GET", "/empleados"): Rule(ADMIN, "empleados"),
    ("GET", "/empleados/{employee_id}"): Rule(ADMIN, "empleados/{employee}"),
    ("PATCH", "/empleados/{employee_id}"): Rule(
        ADMIN, "empleados/{employee}", {"name": "Cambio Matriz"}, 404, mutates=True
    ),
    ("DELETE", "/empleados/{employee_id}"): Rule(ADMIN, "empleados/{employee}", None, 404, mutates=True),
    ("POST", "/empleados/{employee_id}/invitacion"): Rule(
        ADMIN, "empleados/{employee}/invitacion", None, 404, mutates=True
    ),
    # The matrix's staff sessions are issued for employees that have no item: 404 (a real one's own item is read
    # and changed: tests/unit/identity/test_alert_preferences.py).
    ("GET", "/empleados/yo/preferencias"): Rule(STAFF, "empleados/yo/preferencias", status=404),
    ("PATCH", "/empleados/yo/preferencias"): Rule(
        STAFF, "empleados/yo/preferencias", {"email_alerts": False}, status=404
    ),
    ("POST", "/empleados/activar"): Rule(
        PUBLIC, "empleados/activar", {"token": f"{A}.{'x' * 43}", "password": "Cocina-Segura-1"}, 410
    ),
    # Orders and payments.
    ("POST", "/pedidos"): Rule(CUSTOMER, "pedidos", "ORDER", 201, foreign=404),  # A's location
    ("GET", "/pedidos"): Rule(CUSTOMER, "pedidos"),
    ("GET", "/pedidos/{order_id}"): Rule((*CUSTOMER, *STAFF), "pedidos/{order}"),
    ("POST", "/pedidos/{order_id}/pago"): Rule(CUSTOMER, "pedidos/{order}/pago", "CARD", 404, mutates=True),
    ("POST", "/pedidos/{order_id}/cancelar"): Rule(
        (*CUSTOMER, "admin"), "pedidos/{order}/cancelar", {"reason": "Prueba de la matriz"}, 404, mutates=True
    ),
    # Another tenant's admin naming A's location lists its own (empty) orders there: nothing of A shows.
    ("GET", "/locales/{location_id}/pedidos"): Rule(ADMIN, "locales/{location}/pedidos", foreign=200),
    ("POST", "/pagos/webhook/{tenant}"): Rule(PUBLIC, f"pagos/webhook/{A}", "WEBHOOK", 401),
    # The admins' metrics: an admin of another tenant reads its own numbers (none of A's show).
    ("GET", "/metricas"): Rule(ADMIN, "metricas"),
    ("GET", "/metricas/empleados"): Rule(ADMIN, "metricas/empleados"),
    ("GET", "/metricas/horas"): Rule(ADMIN, "metricas/horas"),
    # Ready-time quotes: the checkout's is public (a location with no quote state yet, in any tenant, is quoted from
    # the tenant's time limits); an order's is its customer's, from its payment to its end (the matrix's order was
    # seeded paid at another location, without a PAGADO event: there is no estimate of it here).
    ("GET", "/locales/{location_id}/espera"): Rule(PUBLIC, "locales/{location}/espera", foreign=200),
    ("GET", "/locales/{location_id}/espera/{order_id}"): Rule(CUSTOMER, "locales/{location}/espera/{order}", None, 404),
    # The Libro de Reclamaciones: a customer files and reads their own entries (another customer's is not found);
    # the tenant's admins read the book, export it and answer; no other staff role reads it. An admin of another
    # tenant reads its own (empty) book.
    ("POST", "/reclamaciones"): Rule(CUSTOMER, "reclamaciones", "COMPLAINT", 201),
    ("GET", "/reclamaciones"): Rule((*CUSTOMER, "admin"), "reclamaciones"),
    ("GET", "/reclamaciones/libro"): Rule(ADMIN, "reclamaciones/libro"),
    ("GET", "/reclamaciones/{numero}"): Rule((*CUSTOMER, "admin"), "reclamaciones/{complaint}"),
    ("POST", "/reclamaciones/{numero}/respuesta"): Rule(
        ADMIN,
        "reclamaciones/{complaint}/respuesta",
        {"respuesta": "Respuesta de la matriz de acceso."},
        404,
        mutates=True,
    ),
    # The staff messages' history and directory: every staff role and the admins (of another tenant: their own).
    ("GET", "/mensajes"): Rule(STAFF, "mensajes"),
    ("GET", "/mensajes/contactos"): Rule(STAFF, "mensajes/contactos"),
    # The staff's stages: each role its own tray; the admins see and can work every tray.
    **{
        key: rule
        for stage, rol in (("cocina", "cocinero"), ("empaquetamiento", "empaquetador"), ("delivery", "repartidor"))
        for key, rule in (
            (("GET", f"/{stage}"), Rule((rol, "admin"), stage)),
            *(
                # A cook of another location is told the ticket is not theirs (403 other_location).
                (
                    ("POST", f"/{stage}/{{order_id}}/{act}"),
                    Rule((rol, "admin"), f"{stage}/{{order}}/{act}", None, 404, True, elsewhere=403),
                )
                for act in ("tomar", "completar")
            ),
        )
    },
}
