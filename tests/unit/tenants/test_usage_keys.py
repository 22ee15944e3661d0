"""apply_tier: a tenant's API key exists, holds the authorizer's value and is in exactly its tier's usage plan.

Against moto's API Gateway in-process (API keys, usage plans and usage plan keys; moto 5.2's differences from AWS
are listed in tenants/usage_keys.py, and these tests assert through reads that hold on both)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from core import contracts
from tenants.usage_keys import UsageKeyError, apply_tier

PREFIX = "bembos-test"


@dataclass
class Gateway:
    client: Any
    plans: dict[str, str]  # tier -> plan id

    def api_keys(self) -> list[dict[str, Any]]:
        return list(self.client.get_api_keys(includeValues=True)["items"])

    def plans_of(self, key_id: str) -> list[str]:
        """The tiers whose plan holds ``key_id`` (read plan by plan, as the gateway sees membership)."""
        members = []
        for tier, plan_id in self.plans.items():
            if any(k["id"] == key_id for k in self.client.get_usage_plan_keys(usagePlanId=plan_id)["items"]):
                members.append(tier)
        return members


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    environment = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("apigateway")
        api = client.create_rest_api(name="api")["id"]
        plans = {
            tier: client.create_usage_plan(
                name=f"{PREFIX}-{tier}",
                throttle={"rateLimit": 1.0 + n, "burstLimit": 2 + n},
                apiStages=[{"apiId": api, "stage": "dev"}],
            )["id"]
            for n, tier in enumerate(contracts.TENANT_TIERS)
        }
        yield Gateway(client, plans)


def test_a_new_tenant_gets_an_enabled_key_of_the_authorizers_value_in_its_tiers_plan(gateway: Gateway) -> None:
    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="basico", usage_plans=gateway.plans)

    (key,) = gateway.api_keys()
    assert key["name"] == f"{PREFIX}-bembos-larco"
    assert key["value"] == contracts.usage_key(PREFIX, "bembos-larco") == "bembos-test-bembos-larco-usage-key"
    assert key["enabled"] is True
    assert gateway.plans_of(key["id"]) == ["basico"]


def test_a_new_tenants_key_joins_its_plan_without_reading_any_membership(gateway: Gateway) -> None:
    calls: list[str] = []
    gateway.client.meta.events.register("before-call.apigateway.*", lambda model, **_: calls.append(model.name))
    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="cadena", usage_plans=gateway.plans)

    assert calls == ["GetApiKeys", "CreateApiKey", "CreateUsagePlanKey"]
    (key,) = gateway.api_keys()
    assert gateway.plans_of(key["id"]) == ["cadena"]


def test_two_stages_of_one_account_each_get_their_own_key_for_the_same_tenant(gateway: Gateway) -> None:
    """API Gateway's key values are unique in the account and region (moto's too: a second key of one value is a
    ConflictException), so the stage is in the value."""
    for prefix in ("bembos-dev", "bembos-staging"):
        apply_tier(gateway.client, prefix=prefix, tenant_id="bembos-larco", tier="basico", usage_plans=gateway.plans)

    values = {k["name"]: k["value"] for k in gateway.api_keys()}
    assert values == {
        "bembos-dev-bembos-larco": "bembos-dev-bembos-larco-usage-key",
        "bembos-staging-bembos-larco": "bembos-staging-bembos-larco-usage-key",
    }


def test_applying_the_same_tier_again_changes_nothing(gateway: Gateway) -> None:
    for _ in range(3):
        apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="estandar", usage_plans=gateway.plans)

    (key,) = gateway.api_keys()
    assert gateway.plans_of(key["id"]) == ["estandar"]
    assert len(gateway.client.get_usage_plan_keys(usagePlanId=gateway.plans["estandar"])["items"]) == 1


def test_a_tier_change_moves_the_same_key_to_the_new_plan_only(gateway: Gateway) -> None:
    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="basico", usage_plans=gateway.plans)
    (before,) = gateway.api_keys()

    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="cadena", usage_plans=gateway.plans)

    (after,) = gateway.api_keys()
    assert after["id"] == before["id"]
    assert gateway.plans_of(after["id"]) == ["cadena"]


def test_tenants_get_their_own_keys_and_a_tier_change_moves_only_its_tenant(gateway: Gateway) -> None:
    for tenant_id in ("bembos-larco", "bembos-surco"):
        apply_tier(gateway.client, prefix=PREFIX, tenant_id=tenant_id, tier="basico", usage_plans=gateway.plans)

    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-surco", tier="cadena", usage_plans=gateway.plans)

    tiers = {k["name"]: gateway.plans_of(k["id"]) for k in gateway.api_keys()}
    assert tiers == {f"{PREFIX}-bembos-larco": ["basico"], f"{PREFIX}-bembos-surco": ["cadena"]}


def test_a_run_that_crashed_after_creating_the_key_is_completed_by_the_next(gateway: Gateway) -> None:
    # Given the key of a first run that died before joining a plan (or between leaving one plan and joining another)
    created = gateway.client.create_api_key(
        name=f"{PREFIX}-bembos-larco", value=contracts.usage_key(PREFIX, "bembos-larco"), enabled=True
    )

    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="cadena", usage_plans=gateway.plans)

    (key,) = gateway.api_keys()
    assert key["id"] == created["id"]
    assert gateway.plans_of(key["id"]) == ["cadena"]


def test_a_key_name_prefix_of_another_tenant_is_not_mistaken_for_it(gateway: Gateway) -> None:
    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco-2", tier="basico", usage_plans=gateway.plans)

    apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="cadena", usage_plans=gateway.plans)

    tiers = {k["name"]: gateway.plans_of(k["id"]) for k in gateway.api_keys()}
    assert tiers == {f"{PREFIX}-bembos-larco-2": ["basico"], f"{PREFIX}-bembos-larco": ["cadena"]}


@pytest.mark.parametrize(
    ("prefix", "tenant_id", "tier", "message"),
    [
        (PREFIX, "bembos-larco", "oro", "unknown tier"),
        ("b", "ab", "basico", "shorter than"),  # b-ab-usage-key: 14 characters
        ("b" * 60, "a" * 63, "basico", "longer than"),  # 134 characters
    ],
    ids=["unknown-tier", "too-short", "too-long"],
)
def test_what_api_gateway_would_refuse_is_refused_before_anything_is_written(
    gateway: Gateway, prefix: str, tenant_id: str, tier: str, message: str
) -> None:
    with pytest.raises(UsageKeyError, match=message):
        apply_tier(gateway.client, prefix=prefix, tenant_id=tenant_id, tier=tier, usage_plans=gateway.plans)

    assert gateway.api_keys() == []


def test_a_key_of_the_tenants_name_with_another_value_is_reported_not_used(gateway: Gateway) -> None:
    gateway.client.create_api_key(name=f"{PREFIX}-bembos-larco", value="x" * 30, enabled=True)

    with pytest.raises(UsageKeyError, match="another value"):
        apply_tier(gateway.client, prefix=PREFIX, tenant_id="bembos-larco", tier="basico", usage_plans=gateway.plans)

    assert all(gateway.client.get_usage_plan_keys(usagePlanId=p)["items"] == [] for p in gateway.plans.values())
