"""The storefront profile: what a tenant's customer app needs to know before anyone logs in."""

from __future__ import annotations

from typing import Literal

from core.contracts import SlaMinutes
from core.errors import DependencyFailed
from core.models import BaseModel
from core.observability import logger
from core.tenant_config import TenantConfigs, UnknownTenant
from core.validation import TENANT_ID_RE
from pagos.credentials import CredentialStore


class Storefront(BaseModel):
    tenant_id: str
    name: str
    currency: Literal["PEN"] = "PEN"
    delivery_fee_cents: int
    mercadopago_public_key: str | None
    sla_minutes: SlaMinutes


def storefront(tenant_id: str | None, *, tenants: TenantConfigs, credentials: CredentialStore) -> Storefront:
    """The tenant named by ``X-Tenant-Id``: name, delivery fee, stage SLAs and Mercado Pago's *public* key.

    The public key is what Mercado Pago's browser SDK needs to tokenize a card; it is published by
    design (never the access token). Without a readable secret the key is null: the app then offers
    Checkout Pro only, and says why.
    """
    if not tenant_id or not TENANT_ID_RE.match(tenant_id):
        raise UnknownTenant("Name a known tenant in the X-Tenant-Id header")
    tenant = tenants.get(tenant_id)
    try:
        public_key: str | None = credentials.get(tenant.mercadopago_secret_name).public_key or None
    except DependencyFailed:
        logger.warning("no Mercado Pago public key for the tenant", extra={"tenant_id": tenant_id})
        public_key = None
    return Storefront(
        tenant_id=tenant.tenant_id,
        name=tenant.name,
        delivery_fee_cents=tenant.delivery_fee_cents,
        mercadopago_public_key=public_key,
        sla_minutes=tenant.sla_minutes,
    )
