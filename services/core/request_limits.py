"""Refusing a request body the resolver cannot read, before it parses or validates anything.

Powertools runs its request validation before any user middleware, and a body that is not
UTF-8 JSON makes it fail with a 500, so the check sits in front of ``app.resolve``:
``return unreadable(event) or app.resolve(event, context)``. It answers, in the platform's error
shape and with CORS:

- 413 ``payload_too_large``: more than ``max_bytes``;
- 415 ``unsupported_media_type``: a body sent as anything but ``application/json``;
- 422 ``validation_failed``: not UTF-8, not JSON, or nested deeper than ``MAX_DEPTH`` (what the
  resolver answers for a body it can parse but not accept).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from core.web import allowed_origins, header

DEFAULT_MAX_BODY_BYTES = 8 * 1024
MAX_DEPTH = 16  # the deepest document the API takes is 4 levels; 16 leaves room and stops abuse


def unreadable(event: dict[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any] | None:
    """The refusal of a body the routes cannot read (see the module), or None to go on."""
    reason = _why_unreadable(event, max_bytes)
    if reason is None:
        return None
    status, code, message = reason
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **cors_headers(event)},
        "body": json.dumps({"error": code, "message": message}),
        "isBase64Encoded": False,
    }


def _why_unreadable(event: dict[str, Any], max_bytes: int) -> tuple[int, str, str] | None:
    raw = event.get("body")
    if not raw:
        return None
    data = _bytes_of(raw, base64_encoded=bool(event.get("isBase64Encoded")))
    if data is None:
        return 422, "validation_failed", "The request body is not valid base64"
    if len(data) > max_bytes:
        return 413, "payload_too_large", f"The request body must be at most {max_bytes} bytes"
    media_type = (header(event.get("headers"), "content-type") or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return 415, "unsupported_media_type", "Send the request body as application/json"
    return _json_problem(data)


def _bytes_of(raw: str, *, base64_encoded: bool) -> bytes | None:
    """The body's bytes as the client sent them (None when its base64 is broken)."""
    try:
        return base64.b64decode(raw, validate=True) if base64_encoded else raw.encode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        return None


def _json_problem(data: bytes) -> tuple[int, str, str] | None:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 422, "validation_failed", "The request body is not UTF-8 JSON"
    if _depth(document) > MAX_DEPTH:
        return 422, "validation_failed", f"The request body nests deeper than {MAX_DEPTH} levels"
    return None


def _depth(document: Any) -> int:
    """How deeply ``document`` nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(document, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
            deepest = max(deepest, level + 1)
    return deepest


def cors_headers(event: dict[str, Any]) -> dict[str, str]:
    """CORS for an answer given before the resolver runs: the caller's origin when it is allowed."""
    origins = allowed_origins()
    if not origins:
        return {"Access-Control-Allow-Origin": "*"}
    origin = header(event.get("headers"), "origin")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin in origins else {"Vary": "Origin"}
