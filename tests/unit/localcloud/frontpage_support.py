"""A local cloud's URLs and seeded demo accounts, as ``LocalCloud`` hands them to ``localcloud.frontpage``."""

from __future__ import annotations

from typing import Any

BASE = "http://127.0.0.1:8123"
URLS = {
    "base": BASE,
    "api": f"{BASE}/dev/",
    "websocket": "ws://127.0.0.1:8123/ws/dev",
    "customer_app": f"{BASE}/clientes/",
    "staff_app": f"{BASE}/staff/",
    "mailbox": f"{BASE}/mailbox/",
    "openapi": f"{BASE}/openapi.json",
    "docs": f"{BASE}/docs/",
    "mercadopago": f"{BASE}/mercadopago",
    "aws": "http://127.0.0.1:45001",
}
PASSWORD = "Clave-Demo-1"
STAFF = (("admin", "admin"), ("cocinero", "cocina"), ("empaquetador", "empaque"), ("repartidor", "delivery"))


def seeded(tenant_id: str, name: str, location: str) -> dict[str, Any]:
    """A tenant's entry as ``localcloud.seed.seed_demo`` returns it."""
    staff = [
        {"rol": rol, "email": f"{prefix}.{location}@{tenant_id}.pe", "password": PASSWORD, "location_id": location}
        for rol, prefix in STAFF
    ]
    return {
        "name": name,
        "mercadopago_public_key": "TEST-pk",
        "accounts": {"staff": staff, "customer": {"email": "cliente@demo.pe", "password": PASSWORD}},
        "menu": {"productos": {"created": 11, "existing": 0}},
    }


CREDENTIALS = {
    "tenants": {
        "bembos-san-isidro": seeded("bembos-san-isidro", "Bembos San Isidro", "camino-real"),
        "bembos-miraflores": seeded("bembos-miraflores", "Bembos Miraflores", "larco"),
    }
}
