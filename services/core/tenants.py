"""Which tenants exist: one ``GetItem`` on the tenants table, remembered for a minute per container (or read fresh,
``fresh=True``, where a minute-old answer is not good enough: the WebSocket authorizer's ``$connect``).

Unauthenticated calls name their tenant in the ``X-Tenant-Id`` header; an unknown (or
suspended) tenant is a clear 404 before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict

from core.errors import DependencyFailed, NotFound
from core.models import BaseModel
from core.validation import TENANT_ID_RE

CACHE_SECONDS = 60.0


class TenantInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    name: str
    status: str = "active"


class UnknownTenant(NotFound):
    code = "unknown_tenant"


class TenantDirectory:
    """Known tenants are cached for ``CACHE_SECONDS``; unknown ones are asked again (onboarding is live)."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._cache: dict[str, tuple[float, TenantInfo]] = {}

    def get(self, tenant_id: str | None, *, fresh: bool = False) -> TenantInfo:
        """The active tenant ``tenant_id``, else ``UnknownTenant``. ``fresh``: read the table (strongly consistent)
        whatever the cache holds, and remember the answer."""
        if not tenant_id or not TENANT_ID_RE.match(tenant_id):
            raise UnknownTenant("Name a known tenant in the X-Tenant-Id header")
        now = self._clock()
        cached = self._cache.get(tenant_id)
        if cached and not fresh and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            item = self._client.get_item(
                TableName=self._table,
                Key={"tenant_id": {"S": tenant_id}},
                ProjectionExpression="tenant_id, #n, #s",
                ExpressionAttributeNames={"#n": "name", "#s": "status"},
                ConsistentRead=fresh,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The tenant directory is not available") from exc
        if not item or item.get("status", {}).get("S", "active") != "active":
            self._cache.pop(tenant_id, None)
            raise UnknownTenant(f"Unknown tenant {tenant_id!r}")
        info = TenantInfo(tenant_id=tenant_id, name=item["name"]["S"], status="active")
        self._cache[tenant_id] = (now, info)
        return info
