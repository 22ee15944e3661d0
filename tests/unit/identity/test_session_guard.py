"""A staff session is written only while the employee is still as login read them (role, location, status)."""

from __future__ import annotations

import pytest
from identity_world import table_name

from core.sessions import AccountChanged, SessionRecord, SessionStore
from usuarios.dal import UsersDal
from usuarios.models import Account

COOK = Account(
    tenant_id="tenant-a",
    subject_id="emp-7",
    kind="employee",
    email="cocina@example.pe",
    rol="cocinero",
    location_id="larco",
    active=True,
)


def _employee(cloud, **changes: str) -> None:
    item = {"tenant_id": "tenant-a", "employee_id": "emp-7", "rol": "cocinero", "location_id": "larco",
            "status": "active", **changes}  # fmt: skip
    cloud.dynamodb.put_item(TableName=table_name("empleados"), Item={k: {"S": v} for k, v in item.items()})


def _sign_in(cloud) -> None:
    dal = UsersDal(
        cloud.dynamodb,
        users_table=table_name("usuarios"),
        employees_table=table_name("empleados"),
        tokens_table=table_name("tokens"),
    )
    record = SessionRecord(
        tenant_id="tenant-a", token_hash="h-1", subject_id="emp-7", kind="employee", rol="cocinero",
        location_id="larco", expires_at=2_000_000_000,
    )  # fmt: skip
    SessionStore(cloud.dynamodb, table_name("tokens")).put(record, guard=dal.unchanged(COOK))


def test_an_unchanged_employee_signs_in(cloud) -> None:
    _employee(cloud)
    _sign_in(cloud)
    assert [t["token_hash"]["S"] for t in cloud.tokens()] == ["h-1"]


@pytest.mark.parametrize("changes", [{"rol": "repartidor"}, {"location_id": "benavides"}, {"status": "inactive"}])
def test_an_employee_changed_since_the_read_gets_no_session(cloud, changes: dict[str, str]) -> None:
    _employee(cloud, **changes)
    with pytest.raises(AccountChanged):
        _sign_in(cloud)
    assert cloud.tokens() == []
