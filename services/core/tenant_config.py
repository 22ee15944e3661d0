"""A tenant's configuration (the tenants table item) as the order and payment functions need it.

Written by the ``Tenant`` construct (``constructs/tenant.py``): ``name``, ``admin_email``,
``mercadopago_secret_name``, ``sla_minutes {cocina, empaquetamiento, delivery}``, ``status``;
optionally ``delivery_fee_cents`` and ``reclamos_plazo_dias``. One ``GetItem``, cached per warm container for a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Self

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict, Field, ValidationError, model_validator

from core import contracts
from core.contracts import SlaMinutes
from core.dynamo import from_item
from core.errors import DependencyFailed, NotFound
from core.models import BaseModel

CACHE_SECONDS = 60.0
DEFAULT_DELIVERY_FEE_CENTS = 500  # S/ 5.00


class TenantConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    tenant_id: str
    name: str
    admin_email: str = ""
    mercadopago_secret_name: str
    sla_minutes: SlaMinutes = Field(default_factory=SlaMinutes)
    delivery_fee_cents: int = DEFAULT_DELIVERY_FEE_CENTS
    # Business days the tenant has to answer a Libro de Reclamaciones entry (services/reclamos).
    reclamos_plazo_dias: int = Field(default=contracts.DEFAULT_COMPLAINT_TERM_DAYS, ge=1, le=60)
    status: str = "active"

    @model_validator(mode="after")
    def _own_secret(self) -> Self:
        """The Mercado Pago secret is this tenant's own (``<prefix>/mercadopago/<tenant_id>``): a config can never
        send a function to another tenant's credentials (IAM cannot tell tenants apart in a shared function)."""
        if self.mercadopago_secret_name.rsplit("/", 1)[-1] != self.tenant_id:
            raise ValueError(f"tenant {self.tenant_id!r}: its Mercado Pago secret must be named after it")
        return self

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> TenantConfig:
        return cls.model_validate(from_item(item))


class UnknownTenant(NotFound):
    code = "unknown_tenant"


class TenantConfigs:
    """``get(tenant_id)``: the active tenant's config, else ``UnknownTenant``."""

    def __init__(self, client: Any, table_name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._cache: dict[str, tuple[float, TenantConfig]] = {}

    def get(self, tenant_id: str) -> TenantConfig:
        now = self._clock()
        cached = self._cache.get(tenant_id)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            item = self._client.get_item(TableName=self._table, Key={"tenant_id": {"S": tenant_id}}).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The tenant directory is not available") from exc
        if not item:
            raise UnknownTenant(f"Unknown tenant {tenant_id!r}")
        try:
            config = TenantConfig.from_item(item)
        except ValidationError as exc:
            raise DependencyFailed("This store's configuration is not valid") from exc
        if config.status != "active":
            raise UnknownTenant(f"Unknown tenant {tenant_id!r}")
        self._cache[tenant_id] = (now, config)
        return config
