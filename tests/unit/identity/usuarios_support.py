"""Customers through the users handler: registration, the mailed links (read from the captured events), login."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from identity_world import Cloud, call
from rest_events import rest_event

import usuarios.handler as handler

TENANT = {"X-Tenant-Id": "tenant-a"}
PASSWORD = "Hamburguesa2026"
VERIFICATION = "CustomerVerificationRequested"
RESET = "CustomerPasswordResetRequested"


def register_body(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "ana@example.pe",
        "password": PASSWORD,
        "name": "Ana María Pérez",
        "phone": "987654321",
        **overrides,
    }


def register(cloud: Cloud, headers: dict[str, str] = TENANT, **overrides: Any) -> tuple[int, Any]:
    return call(handler, rest_event("POST", "/usuarios", body=register_body(**overrides), headers=headers))


def link_token(cloud: Cloud, detail_type: str = VERIFICATION, email: str = "ana@example.pe") -> str:
    """The token of the newest link of ``detail_type`` mailed to ``email`` (from the event the notifier mails)."""
    events = [e for e in cloud.events(detail_type) if e["detail"]["email"] == email]
    assert events, f"no {detail_type} for {email}"
    return unquote(parse_qs(urlparse(events[-1]["detail"]["url"]).fragment)["token"][0])


def post(path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    return call(handler, rest_event("POST", path, body=body, headers=headers or {}))


def verify(token: str) -> tuple[int, Any]:
    return post("/usuarios/verificacion", {"token": token})


def signed_up(cloud: Cloud, headers: dict[str, str] = TENANT, **overrides: Any) -> dict[str, Any]:
    """A registered customer that verified its address through the mailed link: ``{"user_id", "status"}``."""
    status, body = register(cloud, headers, **overrides)
    assert status == 202, body
    status, verified = verify(link_token(cloud, email=register_body(**overrides)["email"].lower()))
    assert status == 200, verified
    return verified  # type: ignore[no-any-return]
