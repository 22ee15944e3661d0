"""The tenants asset (what ``constructs.tenant_registry`` writes at synth) and one tenant's rows.

The asset is one JSON document per stage: ``{"format": 1, "tenants": [TenantSpec, ...]}`` sorted by tenant id
(``constructs.tenant.tenants_asset`` writes it).
Each spec carries its rows exactly as they are stored (plain JSON values; ``to_item`` makes DynamoDB JSON of them):
the construct decides the rows' shapes, the provisioner only writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
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


def to_attribute_value(value: Any) -> dict[str, Any]:
    """Python value -> DynamoDB JSON."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {k: to_attribute_value(v) for k, v in value.items()}}
    if isinstance(value, Sequence):
        return {"L": [to_attribute_value(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: to_attribute_value(v) for k, v in values.items() if v is not None}


def from_attribute_value(value: Mapping[str, Any]) -> Any:
    """DynamoDB JSON -> Python value (numbers as int when whole, else float: what the asset's JSON holds)."""
    (kind, inner), *_ = value.items()
    if kind == "N":
        number = Decimal(inner)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "M":
        return {k: from_attribute_value(v) for k, v in inner.items()}
    if kind == "L":
        return [from_attribute_value(v) for v in inner]
    return inner


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: from_attribute_value(v) for k, v in item.items()}
