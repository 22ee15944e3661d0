"""What the users function writes of an account stays inside what its role's UpdateItem allows
(``contracts.CUSTOMER_UPDATE_ATTRIBUTES``, ``contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES``): a write naming any
other attribute would be refused by IAM on AWS (moto does not evaluate the condition)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from identity_world import table_name

from core import contracts
from core.passwords import hash_password
from usuarios.dal import UsersDal
from usuarios.models import Account, Customer

NOW = datetime(2026, 11, 28, 15, tzinfo=UTC)
_NOT_ATTRIBUTES = {
    "SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "IN", "BETWEEN", "attribute_exists",
    "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append",
}  # fmt: skip


def named_attributes(request: dict[str, Any]) -> set[str]:
    """The top-level attributes an update's expressions name (keys included), as IAM's dynamodb:Attributes sees."""
    names = request.get("ExpressionAttributeNames", {})
    found = set(request["Key"])
    for expression in (request.get("UpdateExpression", ""), request.get("ConditionExpression", "")):
        for token in re.findall(r"[#:]?[A-Za-z_][A-Za-z0-9_]*", expression):
            if token.startswith(":") or token in _NOT_ATTRIBUTES:
                continue
            found.add(names[token] if token.startswith("#") else token)
    return found


class Updates:
    """Every UpdateItem (alone or in a transaction) a client sends, by table."""

    def __init__(self, client: Any) -> None:
        self.by_table: dict[str, set[str]] = {}
        client.meta.events.register("provide-client-params.dynamodb.UpdateItem", self._update)
        client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", self._transaction)

    def _add(self, request: dict[str, Any]) -> None:
        self.by_table.setdefault(request["TableName"], set()).update(named_attributes(request))

    def _update(self, params: dict[str, Any], **_: Any) -> None:
        self._add(params)

    def _transaction(self, params: dict[str, Any], **_: Any) -> None:
        for item in params["TransactItems"]:
            if "Update" in item:
                self._add(item["Update"])


def test_login_rehash_profile_and_deactivation_update_only_the_attributes_the_role_allows(cloud) -> None:
    users, employees = table_name("usuarios"), table_name("empleados")
    dal = UsersDal(cloud.dynamodb, users_table=users, employees_table=employees, tokens_table=table_name("tokens"))
    updates = Updates(cloud.dynamodb)
    customer = Customer(tenant_id="tenant-a", user_id="c-1", email="ana@example.pe", name="Ana",
                        password_hash=hash_password("clave-segura-1"), created_at=NOW, updated_at=NOW,
                        status="active")  # fmt: skip
    dal.create_customer(customer)
    cloud.dynamodb.put_item(
        TableName=employees,
        Item={"tenant_id": {"S": "tenant-a"}, "employee_id": {"S": "e-1"}, "rol": {"S": "admin"},
              "status": {"S": "active"}, "email": {"S": "luis@example.pe"}},
    )  # fmt: skip
    as_account = {"tenant_id": "tenant-a", "active": True}
    dal.change_password(customer, hash_password("clave-segura-2"), NOW)
    # a registration waiting for its link: the link verifies it
    pending = customer.model_copy(
        update={"user_id": "c-2", "email": "eva@example.pe", "status": "pending_verification"}
    )
    dal.create_customer(pending)
    cloud.dynamodb.put_item(
        TableName=table_name("tokens"),
        Item={"tenant_id": {"S": "tenant-a"}, "token_hash": {"S": "verify#link"}, "subject_id": {"S": "c-2"},
              "kind": {"S": "verify"}, "expires_at": {"N": str(int(NOW.timestamp()) + 3600)}},
    )  # fmt: skip
    dal.verify("tenant-a", "verify#link", "c-2", NOW)
    # a new registration takes over an address that was never verified
    waiting = customer.model_copy(
        update={"user_id": "c-3", "email": "rosa@example.pe", "status": "pending_verification"}
    )
    dal.create_customer(waiting)
    dal.replace_pending(waiting, waiting.model_copy(update={"user_id": "c-4"}))

    dal.store_password_hash(Account(subject_id="e-1", kind="employee", email="luis@example.pe", rol="admin",
                                    **as_account), "rehashed")  # fmt: skip
    dal.store_password_hash(Account(subject_id="c-1", kind="customer", email="ana@example.pe", rol="cliente",
                                    **as_account), "rehashed")  # fmt: skip
    now = NOW.isoformat()
    dal.update_customer("tenant-a", "c-1", set_values={"name": "Ana María", "phone": "+51987654321",
                                                       "updated_at": now}, remove=[])  # fmt: skip
    dal.update_customer("tenant-a", "c-1", set_values={"updated_at": now}, remove=["phone"])
    dal.deactivate_customer(customer, NOW)

    assert updates.by_table[employees] == set(contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES)
    assert updates.by_table[users] <= set(contracts.CUSTOMER_UPDATE_ATTRIBUTES)
    assert {"rol", "status", "location_id"}.isdisjoint(contracts.LOGIN_EMPLOYEE_UPDATE_ATTRIBUTES)
