"""Per-tenant fairness over the local cloud: one tenant's burst is throttled on its own key; another's gets through.

Both demo tenants are moved to the ``basico`` tier (dev: 2 requests a second, a burst of 4; cdk.json) with the
tenant provisioner's own ``apply_tier``, and moved back to their tier afterwards."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from e2e_support import issue_token

from core import contracts
from localcloud.cloud import LocalCloud
from localcloud.seed import tenants
from tenants.usage_keys import apply_tier

TENANT_A, TENANT_B = "bembos-miraflores", "bembos-san-isidro"
BURST_A, REQUESTS_B = 12, 3  # basico's bucket holds 4 (one spent on the warm-up): A's twelve overflow it, B's fit


def usage_plans(cloud: LocalCloud) -> dict[str, str]:
    """The usage plan id of each tenant tier: the Api stack's ``UsagePlanIds`` output (constructs/usage_plans.py)."""
    found = [value for key, value in cloud.assembly.outputs.items() if key.endswith(".UsagePlanIds")]
    return json.loads(found[0]) if found else {}


def move_to_tier(cloud: LocalCloud, tenant: dict[str, Any], tier: str | None = None) -> None:
    """The tenant's API key in the usage plan of ``tier`` (else its row's tier, else the default), as the tenant
    provisioner does when a redeploy changes the tenant's tier (a shortcut: no second synth)."""
    plans = usage_plans(cloud)
    assert plans, "the Api stack has no UsagePlanIds output"
    chosen = tier or str(tenant.get("tier") or contracts.DEFAULT_TENANT_TIER)
    apigateway = boto3.client("apigateway")
    apply_tier(apigateway, prefix=cloud.prefix, tenant_id=tenant["tenant_id"], tier=chosen, usage_plans=plans)
    cloud.gateway.reread_usage_keys()


@pytest.fixture
def basico_tenants(cloud: LocalCloud) -> Iterator[None]:
    rows = {row["tenant_id"]: row for row in tenants(boto3.client("dynamodb"), cloud.table("tenants"))}
    for tenant_id in (TENANT_A, TENANT_B):
        move_to_tier(cloud, rows[tenant_id], tier="basico")
    try:
        yield
    finally:
        for tenant_id in (TENANT_A, TENANT_B):
            move_to_tier(cloud, rows[tenant_id])  # back to the row's tier (or the default)


def test_one_tenants_burst_is_throttled_while_another_tenants_requests_all_succeed(
    cloud: LocalCloud, basico_tenants: None
) -> None:
    tokens = {
        tenant: issue_token(cloud, tenant, subject_id=f"throttle-{tenant}", kind="customer", rol="cliente")
        for tenant in (TENANT_A, TENANT_B)
    }

    async def burst() -> tuple[list[httpx.Response], list[httpx.Response]]:
        async with httpx.AsyncClient(base_url=cloud.urls.api, timeout=30) as client:

            def session(tenant: str) -> asyncio.Future[httpx.Response]:
                headers = {"Authorization": f"Bearer {tokens[tenant]}"}
                return asyncio.ensure_future(client.get("sesion", headers=headers))

            # One request each first: the authorizer's answers are cached, so the burst reaches the buckets at once.
            warm = await asyncio.gather(session(TENANT_A), session(TENANT_B))
            assert [r.status_code for r in warm] == [200, 200], [r.text for r in warm]
            a = [session(TENANT_A) for _ in range(BURST_A)]
            b = [session(TENANT_B) for _ in range(REQUESTS_B)]  # in the same moment as A's burst
            return list(await asyncio.gather(*a)), list(await asyncio.gather(*b))

    a, b = asyncio.run(burst())

    a_statuses = sorted(r.status_code for r in a)
    assert set(a_statuses) == {200, 429}, a_statuses
    assert a_statuses.count(200) >= 3  # the rest of its own bucket got through
    throttled = next(r for r in a if r.status_code == 429)
    assert throttled.json() == {"error": "too_many_requests", "message": "Too Many Requests"}
    assert [r.status_code for r in b] == [200] * REQUESTS_B, [r.text for r in b]
    assert {r.json()["tenant_id"] for r in b} == {TENANT_B}
