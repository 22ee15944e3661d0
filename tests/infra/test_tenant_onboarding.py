"""Onboarding a tenant is data: one more ``Tenant`` adds a couple of resources, not a stack's worth."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from constructs.stage import StageConfig
from constructs.tenant import Location, Tenant

import app as cdk_entry
from stacks.data import DataStack

MAX_RESOURCES_PER_TENANT = 4


def _data_stack_with(tenant_count: int, tmp_path) -> Template:
    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path / str(tenant_count)))
    stage = StageConfig.from_context(app)
    data = DataStack(app, "Data", stage=stage)
    for n in range(tenant_count):
        Tenant(
            data,
            f"Tenant{n}",
            tables=data.tenant_tables,
            tenant_id=f"tienda-{n}",
            name=f"Tienda {n}",
            admin_email=f"admin{n}@tienda.pe",
            mercadopago_secret_name=f"bembos-dev/mercadopago/tienda-{n}",
            locations=[Location("centro", "Centro", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000")],
        )
    return Template.from_stack(data)


def test_one_more_tenant_adds_at_most_a_few_resources(tmp_path) -> None:
    counts = [len(_data_stack_with(n, tmp_path).to_json()["Resources"]) for n in (1, 2, 3)]
    added = {counts[1] - counts[0], counts[2] - counts[1]}
    assert len(added) == 1, f"each tenant must add the same resources: {counts}"
    assert 0 < added.pop() <= MAX_RESOURCES_PER_TENANT


def test_tenant_seed_is_an_sdk_call_writing_settings_locations_and_first_admin(tmp_path) -> None:
    template = _data_stack_with(1, tmp_path).to_json()
    seeds = [r for r in template["Resources"].values() if r["Type"] == "Custom::AWS"]
    assert seeds
    create = str(seeds[0]["Properties"]["Create"])
    for expected in ("transactWriteItems", "tienda-0", "centro", "admin0@tienda.pe", "invited"):
        assert expected in create  # one transaction: all rows or none, nothing left unprocessed


def test_a_tenant_whose_rows_do_not_fit_one_transaction_or_repeat_a_location_fails_at_synth(tmp_path) -> None:
    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path))
    data = DataStack(app, "Data", stage=StageConfig.from_context(app))
    place = Location("centro", "Centro", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000")
    many = [Location(f"local-{n}", f"Local {n}", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000") for n in range(98)]
    common = {"tables": data.tenant_tables, "name": "x", "admin_email": "a@b.pe"}
    with pytest.raises(ValueError, match="at most 100 in one transaction"):
        Tenant(data, "Big", tenant_id="grande", locations=many, mercadopago_secret_name="mp/grande", **common)
    with pytest.raises(ValueError, match="location ids used twice"):
        Tenant(data, "Twice", tenant_id="doble", locations=[place, place], mercadopago_secret_name="mp/doble", **common)
    Tenant(data, "Fits", tenant_id="cabe", locations=many[:97], mercadopago_secret_name="mp/cabe", **common)  # 97 + 3


@pytest.mark.parametrize(
    ("tenant_id", "problem"),
    [("Tienda Uno", "lower-case"), ("tienda", "at least one location"), ("otra", "secret must be named after it")],
)
def test_tenant_rejects_bad_settings(tmp_path, tenant_id, problem) -> None:
    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path))
    data = DataStack(app, "Data", stage=StageConfig.from_context(app))
    locations = (
        []
        if problem.startswith("at least")
        else [Location("centro", "Centro", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000")]
    )
    with pytest.raises(ValueError, match=problem):
        Tenant(data, "T", tables=data.tenant_tables, tenant_id=tenant_id, name="x", admin_email="a@b.pe",
               mercadopago_secret_name="bembos-dev/mercadopago/tienda", locations=locations)  # fmt: skip


def test_the_tenants_term_to_answer_complaints_is_written_with_its_settings_and_read_back(tmp_path) -> None:
    from core.tenant_config import TenantConfig

    app = cdk.App(context={**cdk_entry.cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path))
    data = DataStack(app, "Data", stage=StageConfig.from_context(app))
    place = Location("centro", "Centro", "Av. Uno 1", "Lima", -12.0, -77.0, "+51 1 0000000")
    common = {"tables": data.tenant_tables, "name": "x", "admin_email": "a@b.pe", "locations": [place]}
    own = Tenant(data, "Own", tenant_id="propia", mercadopago_secret_name="mp/propia", reclamos_plazo_dias=30, **common)
    default = Tenant(data, "Default", tenant_id="comun", mercadopago_secret_name="mp/comun", **common)
    with pytest.raises(ValueError, match="reclamos_plazo_dias"):
        Tenant(data, "Zero", tenant_id="cero", mercadopago_secret_name="mp/cero", reclamos_plazo_dias=0, **common)

    assert TenantConfig.model_validate(own.config).reclamos_plazo_dias == 30
    assert TenantConfig.model_validate(default.config).reclamos_plazo_dias == 15  # the seed writes this config
