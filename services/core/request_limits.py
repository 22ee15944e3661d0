"""Refusing request bodies above a size before the resolver parses or validates anything.

Powertools runs its request validation before any user middleware, so the check sits in
front of ``app.resolve``: ``return oversized(event) or app.resolve(event, context)``.
"""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULT_MAX_BODY_BYTES = 8 * 1024


def oversized(event: dict[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any] | None:
    """A 413 proxy response (the platform's error shape, with CORS) when the body is too large, else None."""
    body = event.get("body") or ""
    if len(body.encode()) <= max_bytes:
        return None
    origins = [o for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o]
    return {
        "statusCode": 413,
        "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": origins[0] if origins else "*"},
        "body": json.dumps(
            {"error": "payload_too_large", "message": f"The request body must be at most {max_bytes} bytes"}
        ),
        "isBase64Encoded": False,
    }
