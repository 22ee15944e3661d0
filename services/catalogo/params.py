"""Typed request parameters shared by the catalog routes (they become the OpenAPI document)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from catalogo.models import ID_PATTERN

ItemId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="Id within the tenant")]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
Cursor = Annotated[str | None, Query(max_length=1024, description="Opaque cursor from the previous page")]
LocationFilter = Annotated[
    str | None, Query(pattern=ID_PATTERN, max_length=64, description="Only what is available at this location")
]
DEFAULT_LIMIT = 20
