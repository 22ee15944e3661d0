"""A tenant's API key and its usage plan: the tenant's tier at the REST API (``constructs/usage_plans.py``).

The key's value is ``contracts.usage_key(prefix, tenant_id)`` (the stage's: a value is unique in the account and
region, whatever the stage), which the authorizer returns as every request's
``usageIdentifierKey``; its plan is the one of the tenant's tier, whose throttle API Gateway applies to each of
its keys on its own. ``apply_tier`` is idempotent and safe to re-run after a crash at any point:

- the key is found by its name (``<prefix>-<tenant_id>``) before it is created, and a concurrent creation of
  the same value (API Gateway refuses a second key of one value: ``ConflictException``) is read back;
- API Gateway refuses a key in two plans of one API stage, so the key first leaves every other tier's plan,
  then joins its own. A crash in between leaves the key in no plan (the tenant's requests get 403 until the
  provisioner's retry runs ``apply_tier`` again), never in two.

Calls (each an ``apigateway`` action on its path, see ``UsagePlans.grant_key_management``): ``GET /apikeys``
(by name), then for a new tenant ``POST /apikeys`` and ``POST /usageplans/<id>/keys`` (3 calls: a key just
created is in no plan, so no membership is read); for a tenant already in place, per plan
``GET /usageplans/<id>/keys/<key>`` plus a ``POST`` or ``DELETE`` when the membership changes (1 + number of
tiers calls when nothing changes). The provisioner's client retries API Gateway's throttling (adaptive,
``tenants/runtime.py``) and runs at most ``logic.KEY_WORKERS`` tenants at once.

moto (5.2) differs from AWS here, and the code does not rely on it: its ``create_usage_plan_key`` accepts a plan
that does not exist and a key already in another plan of the stage, and its ``delete_usage_plan_key`` of a key
that is not a member fails with a server error instead of ``NotFoundException`` (hence the read before a delete).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from core import contracts

MIN_KEY_LENGTH, MAX_KEY_LENGTH = 20, 128  # API Gateway refuses an API key value outside these lengths
_PAGE = 500  # get_api_keys' largest page


class UsageKeyError(Exception):
    """The tenant's key cannot be put in place as asked (an unknown tier, a key value API Gateway refuses, or a key
    of the tenant's name holding another value)."""


def apply_tier(apigw_client: Any, *, prefix: str, tenant_id: str, tier: str, usage_plans: Mapping[str, str]) -> None:
    """Make the tenant's API key exist and be a member of exactly ``usage_plans[tier]`` (leaving any other tier's)."""
    if tier not in usage_plans:
        raise UsageKeyError(f"tenant {tenant_id}: unknown tier {tier!r} (the plans are {sorted(usage_plans)})")
    value = contracts.usage_key(prefix, tenant_id)
    if len(value) < MIN_KEY_LENGTH:
        raise UsageKeyError(f"tenant {tenant_id}: its key {value!r} is shorter than API Gateway's {MIN_KEY_LENGTH}")
    if len(value) > MAX_KEY_LENGTH:
        raise UsageKeyError(f"tenant {tenant_id}: its key {value!r} is longer than API Gateway's {MAX_KEY_LENGTH}")
    key_id, created = _ensure_key(apigw_client, name=f"{prefix}-{tenant_id}", value=value)
    target = usage_plans[tier]
    if not created:  # a key just created is in no plan: nothing to read
        for plan_id in sorted(set(usage_plans.values()) - {target}):
            if _is_member(apigw_client, plan_id, key_id):
                apigw_client.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    if created or not _is_member(apigw_client, target, key_id):
        try:
            apigw_client.create_usage_plan_key(usagePlanId=target, keyId=key_id, keyType="API_KEY")
        except ClientError as exc:
            if _code(exc) != "ConflictException":  # a concurrent run added it first
                raise


def _ensure_key(client: Any, *, name: str, value: str) -> tuple[str, bool]:
    """The id of the key ``name`` holding ``value``, created (enabled) if there is none; and whether this call
    created it."""
    found = _find_key(client, name=name, value=value)
    if found is not None:
        return found, False
    try:
        created = client.create_api_key(name=name, value=value, enabled=True, description="tenant usage key")
        return str(created["id"]), True
    except ClientError as exc:
        if _code(exc) != "ConflictException":
            raise
    found = _find_key(client, name=name, value=value)  # created meanwhile by a concurrent run
    if found is None:
        raise UsageKeyError(f"{name}: API Gateway holds the value {value!r} under another key name")
    return found, False


def _find_key(client: Any, *, name: str, value: str) -> str | None:
    request: dict[str, Any] = {"nameQuery": name, "includeValues": True, "limit": _PAGE}
    while True:
        page = client.get_api_keys(**request)
        for key in page.get("items", []):
            if key.get("name") != name:  # nameQuery is not an exact match
                continue
            if key.get("value") != value:
                raise UsageKeyError(f"{name}: the key of this name holds another value than the authorizer's")
            return str(key["id"])
        if not page.get("position"):
            return None
        request["position"] = page["position"]


def _is_member(client: Any, plan_id: str, key_id: str) -> bool:
    try:
        client.get_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    except ClientError as exc:
        if _code(exc) == "NotFoundException":
            return False
        raise
    return True


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
