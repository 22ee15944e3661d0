"""Apply the stage's tenants as a diff: what CloudFormation's Create, Update and Delete of the one custom resource
mean for the tenants.

- **new** tenant (its config row does not exist): its rows in one transaction, then its first admin's invitation
  (``EmployeeInvitationRequested``): the transaction's condition decides it is new, so only that one attempt asks;
- **changed** tenant (its entry differs from the previous asset's): its config row is written if it differs from
  the stored one (a suspended tenant named again is reactivated: ``TenantReactivated``);
- **unchanged** tenant (the same entry in both assets): not read, not written;
- **removed** tenant (in the previous asset, not in this one): ``status: suspended`` and ``TenantSuspended``;
  nothing is deleted.

The new and changed tenants' API keys join their tiers' usage plans (``tiers``) after the rows are written and
before any event is published: a failure there fails the request before an admin is invited. An Update whose
tier plans (``UsagePlans``) differ from the previous ones applies every tenant's tier.

Safe to retry: every write is conditional or a replacement with the same value, so CloudFormation's retry after a
crash half-way gives the same rows. The invitation is bookkept on the config row (``pending`` until ``PutEvents``
accepted it, then ``requested``): a retry sends only the invitations still pending. The one window left is a
crash between an accepted ``PutEvents`` and the row's ``requested`` (milliseconds): the retry then asks once more,
and the invitations worker leaves an admin who already activated alone. Suspension and reactivation events are
sent for every removed and re-added tenant of the diff on each attempt (at least once; their consumer is
idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core import contracts
from core.observability import logger
from tenants.models import INVITATION_ATTRIBUTE, INVITATION_PENDING, TenantsAsset, TenantSpec

DEFAULT_WORKERS = 16  # tenants' rows applied at once
# Tenants whose API key work runs at once: API Gateway's CreateApiKey takes 5 requests a second per account, so
# more threads only meet more TooManyRequests (the client retries them, adaptive: tenants/runtime.py).
KEY_WORKERS = 4

T = TypeVar("T")
R = TypeVar("R")

TierApplier = Callable[[str, str], None]  # (tenant id, tier): its API usage plan (tenants.usage_keys.apply_tier)


class TenantsStore(Protocol):
    def read_asset(self, bucket: str, key: str) -> TenantsAsset | None: ...
    def create(self, spec: TenantSpec) -> bool: ...
    def config(self, tenant_id: str) -> dict[str, Any] | None: ...
    def put_config(self, config: Mapping[str, Any]) -> None: ...
    def suspend(self, tenant_id: str) -> bool: ...
    def invitation_requested(self, tenant_id: str) -> None: ...
    def publish(self, events: list[tuple[str, str, Mapping[str, Any]]]) -> None: ...


class MissingAsset(Exception):
    """The custom resource names a tenants asset that is not there."""


@dataclass
class Applied:
    """What one application did, tenant ids by outcome (the custom resource's ``Data``: the counts)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    suspended: list[str] = field(default_factory=list)
    invited: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(ids) for name, ids in vars(self).items()}


@dataclass(frozen=True)
class _Result:
    tenant_id: str
    outcome: str  # created, updated, reactivated, unchanged
    invite: bool


def on_event(
    event: Mapping[str, Any],
    *,
    store: TenantsStore,
    tiers: TierApplier | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Applied:
    """A CloudFormation custom resource request: Create and Update apply the tenants, Delete keeps the data."""
    kind = event["RequestType"]
    if kind == "Delete":
        logger.info("tenants custom resource deleted: every tenant's data is kept")
        return Applied()
    properties = event["ResourceProperties"]
    new = _asset(store, properties, required=True)
    assert new is not None
    old = None
    rekey_all = False
    if kind == "Update":
        previous = event.get("OldResourceProperties") or {}
        old = _asset(store, previous, required=False)
        if old is None:
            logger.warning("the previous tenants asset is gone: no tenant can be told removed in this update")
        # Keys are applied for the changed tenants only; other plans (replaced, renamed) need every tenant's.
        rekey_all = previous.get("UsagePlans") != properties.get("UsagePlans")
        if rekey_all:
            logger.info("the tier plans changed: every tenant's key joins its new plan")
    return apply(new, old, store=store, tiers=tiers, workers=workers, rekey_all=rekey_all)


def apply(
    new: TenantsAsset,
    old: TenantsAsset | None,
    *,
    store: TenantsStore,
    tiers: TierApplier | None = None,
    workers: int = DEFAULT_WORKERS,
    rekey_all: bool = False,
) -> Applied:
    """Upsert the new and changed tenants of ``new``, suspend those of ``old`` it no longer names; apply the tiers
    of the new and changed tenants (``rekey_all``: of every tenant of ``new``)."""
    wanted, before = new.by_id(), (old.by_id() if old is not None else {})
    changed = [spec for tenant_id, spec in wanted.items() if before.get(tenant_id) != spec]
    removed = sorted(set(before) - set(wanted))
    added = set(wanted) - set(before) if old is not None else set()
    applied = Applied(unchanged=sorted(set(wanted) - {spec.tenant_id for spec in changed}))

    results = _parallel(lambda spec: _upsert(spec, store, re_added=spec.tenant_id in added), changed, workers)
    for result in results:
        getattr(applied, result.outcome).append(result.tenant_id)
    suspensions = _parallel(store.suspend, removed, workers)
    applied.suspended = removed
    logger.info("tenants suspended", extra={"now": sum(suspensions), "removed": len(removed)})

    if tiers is not None:
        # Before any event: a failure here fails the request before an admin is e-mailed, and the retry (the
        # invitations still pending) sends them once the keys are in place.
        keyed = list(wanted.values()) if rekey_all else changed
        _parallel(lambda spec: tiers(spec.tenant_id, spec.tier), keyed, min(workers, KEY_WORKERS))

    invited = [r.tenant_id for r in results if r.invite]
    events: list[tuple[str, str, Mapping[str, Any]]] = [
        *(_invitation(wanted[tenant_id]) for tenant_id in invited),
        *(_tenant_event(contracts.TENANT_SUSPENDED, t) for t in removed),
        *(_tenant_event(contracts.TENANT_REACTIVATED, t) for t in applied.reactivated),
    ]
    store.publish(events)
    _parallel(store.invitation_requested, invited, workers)
    applied.invited = invited
    logger.info("tenants applied", extra={"tenants": applied.counts()})
    return applied


def _upsert(spec: TenantSpec, store: TenantsStore, *, re_added: bool) -> _Result:
    if store.create(spec):
        return _Result(spec.tenant_id, "created", invite=True)
    current = store.config(spec.tenant_id) or {}
    invitation = current.pop(INVITATION_ATTRIBUTE, None)
    was_suspended = current.get("status") == "suspended"
    desired = dict(spec.config)
    if current != desired:
        store.put_config({**desired, **({INVITATION_ATTRIBUTE: invitation} if invitation else {})})
    # re_added: a retry may find it reactivated already by the first attempt
    outcome = "reactivated" if was_suspended or re_added else "updated" if current != desired else "unchanged"
    return _Result(spec.tenant_id, outcome, invite=invitation == INVITATION_PENDING)


def _invitation(spec: TenantSpec) -> tuple[str, str, Mapping[str, Any]]:
    detail = {"tenant_id": spec.tenant_id, "employee_id": str(spec.admin["employee_id"])}
    return contracts.EVENT_SOURCE_IDENTITY, contracts.EMPLOYEE_INVITATION_REQUESTED, detail


def _tenant_event(detail_type: str, tenant_id: str) -> tuple[str, str, Mapping[str, Any]]:
    return contracts.EVENT_SOURCE_TENANTS, detail_type, {"tenant_id": tenant_id}


def _asset(store: TenantsStore, properties: Mapping[str, Any], *, required: bool) -> TenantsAsset | None:
    bucket, key = properties.get("AssetBucket"), properties.get("AssetKey")
    if not bucket or not key:
        if required:
            raise MissingAsset("the custom resource names no tenants asset (AssetBucket, AssetKey)")
        return None
    asset = store.read_asset(str(bucket), str(key))
    if asset is None and required:
        raise MissingAsset(f"the tenants asset s3://{bucket}/{key} does not exist")
    return asset


def _parallel(work: Callable[[T], R], items: Iterable[T], workers: int) -> list[R]:
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(work, items))
