"""Typed request parameters shared by the catalog routes (they become the OpenAPI document), and the
tenant of a public read."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from catalogo import runtime
from catalogo.models import ID_PATTERN
from core import api

ItemId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="Id within the tenant")]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
Cursor = Annotated[str | None, Query(max_length=1024, description="Opaque cursor from the previous page")]
LocationFilter = Annotated[
    str | None, Query(pattern=ID_PATTERN, max_length=64, description="Only what is available at this location")
]
DEFAULT_LIMIT = 20


def public_tenant(app: APIGatewayRestResolver) -> str:
    """The tenant an unauthenticated read names (``X-Tenant-Id``), checked to exist (cached ~60 s)."""
    return runtime.tenants().get(api.public_tenant(app)).tenant_id
