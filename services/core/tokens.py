"""Session tokens: ``<tenant_id>.<43 chars of base64url>`` = 256 random bits, stored only as a SHA-256.

A token is a high-entropy random value, so a fast hash is the right tool here (a
password KDF protects low-entropy secrets); the raw token never touches the table.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
_TOKEN_RE = re.compile(r"^(?P<tenant>[a-z0-9][a-z0-9-]{0,62})\.(?P<secret>[A-Za-z0-9_-]{43})$")


def new_token(tenant_id: str) -> str:
    return f"{tenant_id}.{secrets.token_urlsafe(TOKEN_BYTES)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(raw: str | None) -> tuple[str, str] | None:
    """``(tenant_id, token)`` from a header value (``Bearer <token>`` or the bare token), else None."""
    if not raw:
        return None
    value = raw.strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    match = _TOKEN_RE.match(value)
    if not match:
        return None
    return match.group("tenant"), value
