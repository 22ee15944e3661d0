"""The tenants asset (what ``constructs.tenant_registry`` writes at synth) and one tenant's rows.

The asset is one JSON document per stage: ``{"format": 1, "tenants": [TenantSpec, ...]}`` sorted by tenant id
(``constructs.tenant.tenants_asset`` writes it).
Each spec carries its rows exactly as they are stored (plain JSON values; ``core.dynamo.to_item`` makes DynamoDB
JSON of them): the construct decides the rows' shapes, the provisioner only writes them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from core import contracts
from core.models import BaseModel

# The config row's bookkeeping of the first admin's invitation (never part of a tenant's settings).
INVITATION_ATTRIBUTE = "first_admin_invitation"
INVITATION_PENDING, INVITATION_REQUESTED = "pending", "requested"


class TenantSpec(BaseModel):
    """One tenant as the asset carries it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str
    config: dict[str, Any]
    locations: list[dict[str, Any]]
    admin: dict[str, Any]
    admin_email_lock: dict[str, Any]

    @property
    def tier(self) -> str:
        return str(self.config.get("tier", contracts.DEFAULT_TENANT_TIER))


class TenantsAsset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: int = contracts.TENANTS_ASSET_FORMAT
    tenants: list[TenantSpec]

    def by_id(self) -> dict[str, TenantSpec]:
        return {spec.tenant_id: spec for spec in self.tenants}
