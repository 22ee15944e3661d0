"""``Tenant``: onboarding one restaurant business is one instance of this construct.

A tenant is data, not infrastructure: ``Tenant(registry, "Id", ...)`` validates the tenant's settings, its
locations and its first admin in plain Python and hands its rows to the stage's ``TenantRegistry``
(``constructs/tenant_registry.py``), which writes every tenant of the stage into one asset that one custom
resource applies. One more tenant adds no CloudFormation resource.

It is construct-shaped (a scope, an id unique in it, keyword settings) but not a jsii node: a node costs about
1 ms of the jsii process' time, ten seconds for ten thousand tenants, and a tenant has nothing to synthesize of
its own. The same settings can come from the stage's tenants file (``Tenant.from_file_entry``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from core import contracts

if TYPE_CHECKING:
    from constructs.tenant_registry import TenantRegistry

# Fixed namespace so ids derived from names stay stable across deploys.
_ID_NAMESPACE = uuid.UUID("7d3f7c52-54b0-4a39-9a59-6b1f0c2a4e11")
DISPATCH_TYPES = ("delivery", "pickup")
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
WEEK = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")


@dataclass(frozen=True)
class Location:
    """A store (local) of the tenant."""

    location_id: str
    name: str
    address: str
    district: str
    lat: float
    lng: float
    phone: str
    dispatch_types: tuple[str, ...] = DISPATCH_TYPES
    opening_hours: Mapping[str, str] = field(default_factory=lambda: {day: "11:00-23:00" for day in WEEK})


class Tenant:
    """One tenant (restaurant business) of the platform, registered in ``scope`` under ``construct_id``."""

    def __init__(
        self,
        scope: TenantRegistry,
        construct_id: str,
        *,
        tenant_id: str,
        name: str,
        locations: Sequence[Location],
        admin_email: str,
        mercadopago_secret_name: str,
        sla: contracts.SlaMinutes | None = None,
        reclamos_plazo_dias: int | None = None,
        tier: str = contracts.DEFAULT_TENANT_TIER,
    ) -> None:
        # What the services accept as a tenant id (core.validation): a tenant onboarded with any other could never
        # be named by a request.
        if not re.match(contracts.TENANT_ID_PATTERN, tenant_id):
            raise ValueError(
                f"tenant_id {tenant_id!r} must be 1-63 lower-case letters, digits and '-', not starting with '-'"
            )
        if not contracts.is_email(admin_email.strip().lower()):
            raise ValueError(f"tenant {tenant_id!r}: admin_email {admin_email!r} is not an e-mail address")
        if not locations:
            raise ValueError(f"tenant {tenant_id!r} needs at least one location")
        ids = [loc.location_id for loc in locations]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"tenant {tenant_id!r}: location ids used twice: {repeated}")
        for location in locations:
            unknown = set(location.dispatch_types) - set(DISPATCH_TYPES)
            if unknown:
                raise ValueError(f"location {location.location_id!r}: unknown dispatch types {sorted(unknown)}")
        if mercadopago_secret_name.rsplit("/", 1)[-1] != tenant_id:  # core.tenant_config refuses any other
            raise ValueError(f"tenant {tenant_id!r}: its Mercado Pago secret must be named after it (.../{tenant_id})")
        if reclamos_plazo_dias is not None and not 1 <= reclamos_plazo_dias <= 60:
            raise ValueError(f"tenant {tenant_id!r}: reclamos_plazo_dias must be 1-60 business days")
        if tier not in contracts.TENANT_TIERS:
            raise ValueError(f"tenant {tenant_id!r}: tier must be one of {contracts.TENANT_TIERS}, not {tier!r}")
        if len(locations) + 3 > MAX_TRANSACTION_ITEMS:
            raise ValueError(
                f"tenant {tenant_id!r}: {len(locations) + 3} rows to seed, DynamoDB writes at most "
                f"{MAX_TRANSACTION_ITEMS} in one transaction ({MAX_TRANSACTION_ITEMS - 3} locations)"
            )
        self.node_id = construct_id
        self.tenant_id = tenant_id
        self.admin_email = admin_email.lower()
        self.tier = tier
        self.config: dict[str, Any] = {
            "tenant_id": tenant_id,
            "name": name,
            "admin_email": admin_email,
            "mercadopago_secret_name": mercadopago_secret_name,
            "sla_minutes": asdict(sla or contracts.SlaMinutes()),
            # Business days to answer a complaint (the Libro de Reclamaciones' legal term).
            "reclamos_plazo_dias": reclamos_plazo_dias or contracts.DEFAULT_COMPLAINT_TERM_DAYS,
            "tier": tier,
            "status": "active",
        }
        self.locations = tuple(locations)
        self.admin_employee_id = str(uuid.uuid5(_ID_NAMESPACE, f"{tenant_id}/{self.admin_email}"))
        scope.register(self)

    @classmethod
    def from_file_entry(cls, scope: TenantRegistry, entry: Mapping[str, Any], *, secret_name: str) -> Tenant:
        """A tenant of the stage's tenants file (README: "The tenants file"); ``secret_name`` is the stage's
        default Mercado Pago secret name of the tenant when the entry names none."""
        known = {"id", "tenant_id", "name", "admin_email", "mercadopago_secret_name", "sla", "reclamos_plazo_dias",
                 "tier", "locations"}  # fmt: skip
        unknown = sorted(set(entry) - known)
        if unknown:
            raise ValueError(f"tenants file: {entry.get('tenant_id')!r} has unknown settings {unknown}")
        tenant_id = str(entry["tenant_id"])
        locations = [
            Location(**{**loc, "dispatch_types": tuple(loc.get("dispatch_types", DISPATCH_TYPES))})
            for loc in entry["locations"]
        ]
        return cls(
            scope,
            str(entry.get("id") or f"Tenant-{tenant_id}"),
            tenant_id=tenant_id,
            name=str(entry["name"]),
            admin_email=str(entry["admin_email"]),
            mercadopago_secret_name=str(entry.get("mercadopago_secret_name") or secret_name),
            sla=contracts.SlaMinutes(**entry["sla"]) if entry.get("sla") else None,
            reclamos_plazo_dias=entry.get("reclamos_plazo_dias"),
            tier=str(entry.get("tier", contracts.DEFAULT_TENANT_TIER)),
            locations=locations,
        )

    # -- the rows (their shapes are the services': core.tenant_config, locales, empleados.dal) ---------------
    def location_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "tenant_id": self.tenant_id,
                "location_id": loc.location_id,
                "name": loc.name,
                "address": loc.address,
                "district": loc.district,
                "lat": loc.lat,
                "lng": loc.lng,
                "phone": loc.phone,
                "dispatch_types": list(loc.dispatch_types),
                "opening_hours": dict(loc.opening_hours),
                "paused": False,
            }
            for loc in self.locations
        ]

    def admin_row(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "employee_id": self.admin_employee_id,
            "email": self.admin_email,
            "name": "Administrador",
            "rol": "admin",
            "location_id": self.locations[0].location_id,
            "status": "invited",
        }

    def admin_email_lock_row(self) -> dict[str, Any]:
        """The item that keeps the admin's email unique among the tenant's staff (see services/empleados/dal.py)."""
        return {
            "tenant_id": self.tenant_id,
            "employee_id": f"email#{self.admin_email}",
            "owner_id": self.admin_employee_id,
        }

    def asset_entry(self) -> dict[str, Any]:
        """The tenant as the tenants asset carries it (``services/tenants/models.py``: ``TenantSpec``)."""
        return {
            "tenant_id": self.tenant_id,
            "config": self.config,
            "locations": self.location_rows(),
            "admin": self.admin_row(),
            "admin_email_lock": self.admin_email_lock_row(),
        }


def tenants_asset(entries: Iterable[Mapping[str, Any]]) -> bytes:
    """The tenants asset of these ``asset_entry()`` values: ``{"format": 1, "tenants": [...]}`` by tenant id, sorted
    keys, no whitespace (the same tenants give the same bytes, so the same asset hash)."""
    document = {"format": contracts.TENANTS_ASSET_FORMAT, "tenants": sorted(entries, key=lambda e: e["tenant_id"])}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
