#!/usr/bin/env python3
"""CDK entry point: one platform per stage (``cdk synth -c stage=dev|staging|prod``), its tenants, cdk-nag.

Onboarding a tenant is adding one ``Tenant(...)`` below, or one entry to the stage's tenants file
(``tenants/<stage>.json``, or the file named by ``-c tenants_file=...``); both may be mixed. Every
tenant of the stage travels as data: one asset that one custom resource applies as a diff (see
``constructs/tenant_registry.py``); removing a tenant suspends it, nothing is deleted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

# The shared contracts (services/core/contracts.py) are imported as ``core.contracts``, the name the
# functions use: one module, one name, in the CDK app, the services, the local cloud and the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "services"))

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs.stage import StageConfig
from constructs.tenant import Location, Tenant
from constructs.tenant_registry import TenantRegistry

from core.contracts import SlaMinutes
from stacks.platform import Platform

TENANTS_DIR = Path(__file__).resolve().parent / "tenants"


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context, so ``python app.py`` and the tests see what the CLI sees (the CLI's wins)."""
    return dict(json.loads((Path(__file__).parent / "cdk.json").read_text())["context"])


# The dev stage's demo stores take orders around the clock: the local cloud, its end-to-end and browser
# tests and a demo run at any hour of the day. Other stages keep a store's hours (``Location``'s default).
ALWAYS_OPEN = {day: "00:00-24:00" for day in ("lun", "mar", "mie", "jue", "vie", "sab", "dom")}


def tenants_file(app: cdk.App, stage: StageConfig) -> Path | None:
    """The stage's tenants file: ``-c tenants_file=<path>``, else ``tenants/<stage>.json`` if there is one."""
    named = app.node.try_get_context("tenants_file")
    if named:
        return Path(str(named))
    default = TENANTS_DIR / f"{stage.name}.json"
    return default if default.exists() else None


def load_tenants_file(registry: TenantRegistry, stage: StageConfig, path: Path) -> list[Tenant]:
    """One ``Tenant`` per entry of the file (README: "The tenants file")."""
    document = json.loads(path.read_text())
    entries = document["tenants"] if isinstance(document, dict) else document
    return [
        Tenant.from_file_entry(registry, entry, secret_name=stage.secret_name(f"mercadopago/{entry.get('tenant_id')}"))
        for entry in entries
    ]


def build(app: cdk.App) -> Platform:
    stage = StageConfig.from_context(app)
    demo_hours: dict[str, Any] = {"opening_hours": ALWAYS_OPEN} if stage.name == "dev" else {}
    env = cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION", "us-east-1")
    )
    platform = Platform(app, stage=stage, env=env)
    tenants = platform.tenants.registry

    Tenant(
        tenants,
        "TenantBembosMiraflores",
        tenant_id="bembos-miraflores",
        name="Bembos Miraflores",
        admin_email="admin@bembos-miraflores.pe",
        mercadopago_secret_name=stage.secret_name("mercadopago/bembos-miraflores"),
        locations=[
            Location(
                location_id="larco",
                name="Bembos Larco",
                address="Av. José Larco 345, Miraflores",
                district="Miraflores",
                lat=-12.1219,
                lng=-77.0297,
                phone="+51 1 4451234",
                **demo_hours,
            ),
            Location(
                location_id="benavides",
                name="Bembos Benavides",
                address="Av. Alfredo Benavides 1180, Miraflores",
                district="Miraflores",
                lat=-12.1262,
                lng=-77.0206,
                phone="+51 1 4459876",
                dispatch_types=("pickup",),
                **demo_hours,
            ),
        ],
    )
    Tenant(
        tenants,
        "TenantBembosSanIsidro",
        tenant_id="bembos-san-isidro",
        name="Bembos San Isidro",
        admin_email="admin@bembos-sanisidro.pe",
        mercadopago_secret_name=stage.secret_name("mercadopago/bembos-san-isidro"),
        sla=SlaMinutes(cocina=12, empaquetamiento=5, delivery=40),
        locations=[
            Location(
                location_id="camino-real",
                name="Bembos Camino Real",
                address="Av. Camino Real 1281, San Isidro",
                district="San Isidro",
                lat=-12.0977,
                lng=-77.0365,
                phone="+51 1 4221100",
                **demo_hours,
            ),
        ],
    )
    path = tenants_file(app, stage)
    if path is not None:
        load_tenants_file(tenants, stage, path)
    tenants.publish()  # after the last tenant: every tenant of the stage in one asset
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return platform


if __name__ == "__main__":
    cdk_app = cdk.App(context=cdk_json_context())
    build(cdk_app)
    cdk_app.synth()
