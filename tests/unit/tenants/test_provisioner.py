"""The tenants' provisioner applies the stage's tenants asset as a diff (moto in-process)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from tenants_world import World, create_event, tenant, update_event

from core import contracts
from core.tenants import TenantDirectory, UnknownTenant
from tenants import cfn, logic
from tenants.dal import ProvisioningFailed


def apply(world: World, event: dict[str, Any]) -> logic.Applied:
    # One worker: moto's in-process backend is not thread-safe (its deep copies race); on AWS the provisioner
    # applies DEFAULT_WORKERS tenants at once.
    return logic.on_event(event, store=world.store, workers=1)


def test_create_onboards_each_tenant_with_its_rows_and_asks_once_for_its_first_admins_invitation(world) -> None:
    a, b = tenant("tienda-a"), tenant("tienda-b", tier="cadena")
    applied = apply(world, create_event(world.upload(a, b)))

    assert sorted(applied.created) == ["tienda-a", "tienda-b"]
    config = world.config("tienda-b")
    assert config is not None
    assert (config["status"], config["tier"], config["first_admin_invitation"]) == ("active", "cadena", "requested")
    assert world.count("locales", "tienda-b") == 1
    assert world.count("empleados", "tienda-b") == 2  # the invited admin and its email lock
    invitations = world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)
    assert sorted(d["tenant_id"] for d in invitations) == ["tienda-a", "tienda-b"]
    assert {d["employee_id"] for d in invitations} == {a["admin"]["employee_id"], b["admin"]["employee_id"]}


def test_an_update_writes_only_the_changed_tenant_and_leaves_the_unchanged_one_untouched(world) -> None:
    first = world.upload(tenant("tienda-a"), tenant("tienda-b"))
    apply(world, create_event(first))
    world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)
    # Given tienda-b's row changed since by someone else (a marker no deploy writes)
    world.dynamodb.update_item(
        TableName="bembos-test-tenants",
        Key={"tenant_id": {"S": "tienda-b"}},
        UpdateExpression="SET marker = :m",
        ExpressionAttributeValues={":m": {"S": "kept"}},
    )
    # When only tienda-a's settings change
    second = world.upload(tenant("tienda-a", name="Tienda A Nueva", tier="basico"), tenant("tienda-b"))
    applied = apply(world, update_event(first, second))

    assert applied.updated == ["tienda-a"] and applied.created == [] and applied.invited == []
    assert world.config("tienda-a")["name"] == "Tienda A Nueva" and world.config("tienda-a")["tier"] == "basico"
    assert world.config("tienda-a")["first_admin_invitation"] == "requested"  # bookkeeping kept
    assert world.config("tienda-b")["marker"] == "kept"  # not read, not written
    assert world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED) == []


def test_a_removed_tenant_is_suspended_with_its_data_kept_and_a_readded_one_is_reactivated_without_new_invitation(
    world,
) -> None:
    first = world.upload(tenant("tienda-a"), tenant("tienda-b"))
    apply(world, create_event(first))
    world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)

    second = world.upload(tenant("tienda-a"))
    applied = apply(world, update_event(first, second))

    assert applied.suspended == ["tienda-b"] and applied.unchanged == ["tienda-a"]
    assert world.config("tienda-b")["status"] == "suspended"
    assert (world.count("locales", "tienda-b"), world.count("empleados", "tienda-b")) == (1, 2)  # nothing deleted
    assert world.events_of(contracts.TENANT_SUSPENDED) == [{"tenant_id": "tienda-b"}]
    with pytest.raises(UnknownTenant):  # logins and orders ask the directory: refused
        TenantDirectory(world.dynamodb, "bembos-test-tenants").get("tienda-b")

    third = world.upload(tenant("tienda-a"), tenant("tienda-b"))
    applied = apply(world, update_event(second, third))

    assert applied.reactivated == ["tienda-b"] and applied.invited == []
    assert world.config("tienda-b")["status"] == "active"
    assert world.events_of(contracts.TENANT_REACTIVATED) == [{"tenant_id": "tienda-b"}]
    assert world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED) == []


class _CrashOnce:
    """The store, failing the first call of ``method`` (a crash half-way)."""

    def __init__(self, store: Any, method: str) -> None:
        self._store, self._method, self.crashed = store, method, False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if name != self._method or self.crashed:
            return real

        def crash(*args: Any, **kwargs: Any) -> Any:
            self.crashed = True
            raise ProvisioningFailed("crash")

        return crash


@pytest.mark.parametrize("crash_in", ["create", "publish"])
def test_a_retry_after_a_crash_half_way_gives_the_same_rows_and_each_invitation_once(world, crash_in) -> None:
    event = create_event(world.upload(tenant("tienda-a"), tenant("tienda-b")))
    flaky = _CrashOnce(world.store, crash_in)
    with pytest.raises(ProvisioningFailed):
        logic.on_event(event, store=flaky, workers=1)  # type: ignore[arg-type]

    logic.on_event(event, store=flaky, workers=1)  # type: ignore[arg-type]  # CloudFormation's retry
    logic.on_event(event, store=world.store, workers=1)  # and a replay of the same request

    invitations = world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)
    assert sorted(d["tenant_id"] for d in invitations) == ["tienda-a", "tienda-b"]
    assert world.config("tienda-a")["first_admin_invitation"] == "requested"
    assert (world.count("locales", "tienda-b"), world.count("empleados", "tienda-b")) == (1, 2)


def test_invitations_go_ten_per_put_events(world) -> None:
    tenants = [tenant(f"tienda-{n:02d}") for n in range(25)]
    apply(world, create_event(world.upload(*tenants)))
    assert world.put_events_calls == [10, 10, 5]
    assert len(world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)) == 25


def test_deleting_the_custom_resource_changes_nothing(world) -> None:
    properties = world.upload(tenant("tienda-a"))
    apply(world, create_event(properties))
    applied = apply(world, {**create_event(properties), "RequestType": "Delete", "PhysicalResourceId": "tenants"})
    assert applied.counts() == logic.Applied().counts()
    assert world.config("tienda-a")["status"] == "active"


def test_cloudformation_hears_success_with_the_counts_and_failure_with_its_reason(world) -> None:
    answers: list[dict[str, Any]] = []
    event = create_event(world.upload(tenant("tienda-a")))

    cfn.serve(event, lambda: apply(world, event).counts(), physical_id="tenants",
              sender=lambda _url, body: answers.append(dict(body)))  # fmt: skip
    missing = create_event({**world.upload(tenant("tienda-a")), "AssetKey": "gone.json"})
    cfn.serve(missing, lambda: apply(world, missing).counts(), physical_id="tenants",
              sender=lambda _url, body: answers.append(dict(body)))  # fmt: skip

    assert answers[0]["Status"] == "SUCCESS" and answers[0]["Data"]["created"] == 1
    assert answers[0]["PhysicalResourceId"] == "tenants" and answers[0]["RequestId"] == "r-1"
    assert answers[1]["Status"] == "FAILED" and "gone.json" in answers[1]["Reason"]


def test_a_failure_of_the_key_step_fails_the_request_before_any_admin_is_invited(world) -> None:
    event = create_event(world.upload(tenant("tienda-a"), tenant("tienda-b")))

    def throttled(tenant_id: str, tier: str) -> None:
        raise RuntimeError("TooManyRequestsException")

    with pytest.raises(RuntimeError):
        logic.on_event(event, store=world.store, tiers=throttled, workers=1)
    assert world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED) == []
    assert world.config("tienda-a")["first_admin_invitation"] == "pending"

    keyed: list[str] = []
    logic.on_event(event, store=world.store, tiers=lambda t, tier: keyed.append(t), workers=1)  # the retry
    assert sorted(keyed) == ["tienda-a", "tienda-b"]
    invitations = world.events_of(contracts.EMPLOYEE_INVITATION_REQUESTED)
    assert sorted(d["tenant_id"] for d in invitations) == ["tienda-a", "tienda-b"]


class _SerialPool:
    """A ThreadPoolExecutor stand-in that records its size and runs in the caller (moto is not thread-safe)."""

    sizes: ClassVar[list[int]] = []

    def __init__(self, max_workers: int) -> None:
        self.sizes.append(max_workers)

    def __enter__(self) -> _SerialPool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, work: Any, items: Any) -> Any:
        return map(work, items)


def test_the_key_work_runs_at_most_four_tenants_at_once_whatever_the_workers(world, monkeypatch) -> None:
    monkeypatch.setattr(logic, "ThreadPoolExecutor", _SerialPool)
    _SerialPool.sizes = []
    keyed: list[str] = []
    tenants = [tenant(f"tienda-{n:02d}") for n in range(20)]
    logic.on_event(create_event(world.upload(*tenants)), store=world.store, tiers=lambda t, _: keyed.append(t))

    assert len(keyed) == 20
    # the rows (16 at once), then the keys (4), then the invitations' bookkeeping (16)
    assert _SerialPool.sizes == [logic.DEFAULT_WORKERS, 4, logic.DEFAULT_WORKERS]


def test_an_update_that_changes_the_tier_plans_rekeys_every_tenant_and_otherwise_only_the_changed(world) -> None:
    plans = {"UsagePlans": '{"basico":"p1","estandar":"p2","cadena":"p3"}'}
    first = {**world.upload(tenant("tienda-a"), tenant("tienda-b"), tenant("tienda-c", tier="cadena")), **plans}
    apply(world, create_event(first))
    second = {**world.upload(tenant("tienda-a", name="Tienda A Nueva"), tenant("tienda-b"),
                             tenant("tienda-c", tier="cadena")), **plans}  # fmt: skip

    keyed: list[tuple[str, str]] = []
    logic.on_event(update_event(first, second), store=world.store, tiers=lambda *k: keyed.append(k), workers=1)
    assert keyed == [("tienda-a", "estandar")]  # the same plans: only the changed tenant

    replaced = {**second, "UsagePlans": '{"basico":"p4","estandar":"p2","cadena":"p3"}'}
    keyed.clear()
    logic.on_event(update_event(second, replaced), store=world.store, tiers=lambda *k: keyed.append(k), workers=1)
    assert sorted(keyed) == [("tienda-a", "estandar"), ("tienda-b", "estandar"), ("tienda-c", "cadena")]
