"""Refusing request bodies above a size before the resolver parses or validates anything.

Powertools runs its request validation before any user middleware, so the check sits in
front of ``app.resolve``: ``return oversized(event) or app.resolve(event, context)``.
"""

from __future__ import annotations

import json
from typing import Any

from core.web import allowed_origins

DEFAULT_MAX_BODY_BYTES = 8 * 1024


def oversized(event: dict[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any] | None:
    """A 413 proxy response (the platform's error shape, with CORS) when the body is too large, else None."""
    body = event.get("body") or ""
    if len(body.encode()) <= max_bytes:
        return None
    return {
        "statusCode": 413,
        "headers": {"Content-Type": "application/json", **cors_headers(event)},
        "body": json.dumps(
            {"error": "payload_too_large", "message": f"The request body must be at most {max_bytes} bytes"}
        ),
        "isBase64Encoded": False,
    }


def cors_headers(event: dict[str, Any]) -> dict[str, str]:
    """CORS for an answer given before the resolver runs: the caller's origin when it is allowed."""
    origins = allowed_origins()
    if not origins:
        return {"Access-Control-Allow-Origin": "*"}
    origin = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "origin"), None)
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin in origins else {"Vary": "Origin"}
