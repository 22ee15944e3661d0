"""``Tenant(...)`` validates its settings in plain Python (no jsii) and writes the rows the services read."""

from __future__ import annotations

import json

import pytest
from constructs.tenant import Location, Tenant
from tenants_world import FakeRegistry, tenant

from core.tenant_config import TenantConfig
from tenants.models import TenantsAsset

PLACE = Location("centro", "Centro", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000")


def make(tenant_id: str, *, locations=(PLACE,), secret: str | None = None, admin_email="a@b.pe", **settings) -> Tenant:
    return Tenant(
        FakeRegistry(),  # type: ignore[arg-type]
        "T",
        tenant_id=tenant_id,
        name="x",
        admin_email=admin_email,
        mercadopago_secret_name=secret or f"mp/{tenant_id}",
        locations=list(locations),
        **settings,
    )


@pytest.mark.parametrize(
    ("tenant_id", "settings", "problem"),
    [
        ("Tienda Uno", {}, "lower-case"),
        ("-tienda", {}, "not starting with '-'"),  # the services' TENANT_ID_RE would refuse every request
        ("t" * 64, {}, "1-63"),
        ("sin-correo", {"admin_email": "admin.sin-correo.pe"}, "not an e-mail address"),
        ("tienda", {"locations": ()}, "at least one location"),
        ("otra", {"secret": "mp/tienda"}, "secret must be named after it"),
        ("doble", {"locations": (PLACE, PLACE)}, "location ids used twice"),
        ("cero", {"reclamos_plazo_dias": 0}, "reclamos_plazo_dias"),
        ("oro", {"tier": "oro"}, "tier must be one of"),
        ("grande", {"locations": [Location(f"l{n}", "L", "A", "D", 0, 0, "1") for n in range(98)]}, "at most 100"),
    ],
)
def test_a_tenant_with_bad_settings_fails_at_synth_with_the_reason(tenant_id, settings, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        make(tenant_id, **settings)


def test_the_largest_tenant_that_fits_one_transaction_is_accepted() -> None:
    make("cabe", locations=[Location(f"l{n}", "L", "A", "D", 0, 0, "1") for n in range(97)])  # 97 + 3 rows


def test_the_config_row_holds_the_tier_the_complaints_term_and_reads_back_as_the_services_config() -> None:
    own = make("propia", reclamos_plazo_dias=30, tier="cadena")
    default = make("comun")
    assert TenantConfig.model_validate(own.config).reclamos_plazo_dias == 30
    assert TenantConfig.model_validate(default.config).reclamos_plazo_dias == 15
    assert (own.config["tier"], default.config["tier"], default.config["status"]) == ("cadena", "estandar", "active")


def test_a_tenants_file_entry_is_the_same_tenant_as_the_construct() -> None:
    entry = {"tenant_id": "tienda-a", "name": "Tienda-A", "admin_email": "admin@tienda-a.pe",
             "mercadopago_secret_name": "bembos-test/mercadopago/tienda-a",
             "locations": [{"location_id": "centro", "name": "Centro", "address": "Av. Uno 1", "district": "Lima",
                            "lat": -12.05, "lng": -77.04, "phone": "+51 1 0000000"}]}  # fmt: skip
    from_file = Tenant.from_file_entry(FakeRegistry(), entry, secret_name="unused")  # type: ignore[arg-type]
    assert from_file.asset_entry() == tenant("tienda-a")
    with pytest.raises(ValueError, match="unknown settings"):
        Tenant.from_file_entry(FakeRegistry(), {**entry, "plan": "x"}, secret_name="s")  # type: ignore[arg-type]


def test_the_asset_entry_is_what_the_provisioner_reads() -> None:
    document = {"format": 1, "tenants": [tenant("tienda-a")]}
    asset = TenantsAsset.model_validate_json(json.dumps(document))
    (spec,) = asset.tenants
    assert spec.admin["status"] == "invited" and spec.admin_email_lock["employee_id"] == "email#admin@tienda-a.pe"
    assert spec.tier == "estandar"
