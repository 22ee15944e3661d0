"""Every AWS call of the users service: customers, the staff lookup of login, login throttling.

Items of the users table (``tenant_id`` / ``user_id``):

* a customer: ``user_id`` (uuid), ``email``, ``name``, ``phone``, ``password_hash``, ``status``...
* an email lock: ``user_id = "email#<email>"``, ``owner_id``. Written in the same transaction as
  the customer with ``attribute_not_exists``, it makes the email unique per tenant. It has no
  ``email`` attribute, so the ``by_email`` index (tenant_id / email) holds customers only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.clock import iso
from core.dynamo import condition_failed, from_item, put_with_email_lock, to_value
from core.errors import DependencyFailed, NotFound
from usuarios.models import Account, AccountKind, Customer

EMAIL_LOCK_PREFIX = "email#"
LOGIN_THROTTLE_PREFIX = "login#"  # never a token hash (those are hex): no clash in the tokens table


class UsersDal:
    def __init__(self, client: Any, *, users_table: str, employees_table: str) -> None:
        self._client = client
        self._users = users_table
        self._employees = employees_table

    # -- customers ------------------------------------------------------------------------------
    def create_customer(self, customer: Customer) -> None:
        """Customer + email lock in one transaction: a taken email is a ``Conflict``, nothing written."""
        assert customer.email
        put_with_email_lock(
            self._client,
            table=self._users,
            sort_key="user_id",
            item=customer.model_dump(mode="json"),
            lock_id=EMAIL_LOCK_PREFIX + customer.email,
            taken="An account with this email already exists",
            failed="Could not register the customer",
        )

    def get_customer(self, tenant_id: str, user_id: str) -> Customer | None:
        if user_id.startswith(EMAIL_LOCK_PREFIX):
            return None
        item = self._call(
            "get_item",
            TableName=self._users,
            Key=self._user_key(tenant_id, user_id),
            ConsistentRead=True,
        ).get("Item")
        return Customer.model_validate(from_item(item)) if item else None

    def update_customer(
        self, tenant_id: str, user_id: str, *, set_values: dict[str, Any], remove: list[str]
    ) -> Customer:
        """Change fields of an active customer (``NotFound`` when there is none)."""
        names = {f"#{k}": k for k in [*set_values, *remove, "status"]}
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in set_values)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        values = {f":{k}": to_value(v) for k, v in set_values.items()}
        values[":active"] = {"S": "active"}
        try:
            item = self._client.update_item(
                TableName=self._users,
                Key=self._user_key(tenant_id, user_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(user_id) AND #status = :active",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if condition_failed(exc):
                raise NotFound("No active account") from exc
            raise DependencyFailed("Could not update the profile") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not update the profile") from exc
        return Customer.model_validate(from_item(item))

    def deactivate_customer(self, customer: Customer, now: datetime) -> None:
        """Mark inactive, drop the email and password hash, release the email lock (one transaction)."""
        assert customer.email
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._users,
                            "Key": self._user_key(customer.tenant_id, customer.user_id),
                            "UpdateExpression": "SET #status = :inactive, updated_at = :now "
                            "REMOVE email, password_hash, failed_logins, failed_window_start",
                            "ConditionExpression": "#status = :active",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":inactive": {"S": "inactive"},
                                ":active": {"S": "active"},
                                ":now": {"S": iso(now)},
                            },
                        }
                    },
                    {
                        "Delete": {
                            "TableName": self._users,
                            "Key": self._user_key(customer.tenant_id, EMAIL_LOCK_PREFIX + customer.email),
                            "ConditionExpression": "owner_id = :owner",
                            "ExpressionAttributeValues": {":owner": {"S": customer.user_id}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise NotFound("No active account") from exc
            raise DependencyFailed("Could not deactivate the account") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not deactivate the account") from exc

    # -- login ----------------------------------------------------------------------------------
    def find_account(self, kind: AccountKind, tenant_id: str, email: str) -> Account | None:
        """The account with this email: its email lock names it, then the account itself (two strongly
        consistent GetItems). Not the ``by_email`` index, which on AWS may not show an account yet right
        after it was created (a customer who registers and logs in at once)."""
        table, sort_key = (self._users, "user_id") if kind == "customer" else (self._employees, "employee_id")
        lock = self._call(
            "get_item",
            TableName=table,
            Key={"tenant_id": {"S": tenant_id}, sort_key: {"S": EMAIL_LOCK_PREFIX + email}},
            ConsistentRead=True,
            ProjectionExpression="owner_id",
        ).get("Item")
        if not lock:
            return None
        item = self._call(
            "get_item",
            TableName=table,
            Key={"tenant_id": {"S": tenant_id}, sort_key: lock["owner_id"]},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            return None
        record = from_item(item)
        if kind == "customer":
            return Account(
                tenant_id=tenant_id,
                subject_id=record["user_id"],
                kind="customer",
                email=email,
                rol="cliente",
                name=record.get("name"),
                password_hash=record.get("password_hash"),
                active=record.get("status") == "active",
            )
        return Account(
            tenant_id=tenant_id,
            subject_id=record["employee_id"],
            kind="employee",
            email=email,
            rol=record["rol"],
            location_id=record.get("location_id"),
            name=record.get("name"),
            password_hash=record.get("password_hash"),
            active=record.get("status") == "active",
        )

    def unchanged(self, account: Account) -> dict[str, Any]:
        """A ``ConditionCheck`` that ``account`` is still active with the role and location it was read with."""
        table, sort_key = (self._users, "user_id") if account.kind == "customer" else (self._employees, "employee_id")
        condition = f"attribute_exists({sort_key}) AND #status = :active"
        values: dict[str, Any] = {":active": {"S": "active"}}
        names = {"#status": "status"}
        if account.kind == "employee":
            condition += " AND rol = :rol AND " + (
                "location_id = :loc" if account.location_id else "attribute_not_exists(location_id)"
            )
            values[":rol"] = {"S": account.rol}
            if account.location_id:
                values[":loc"] = {"S": account.location_id}
        return {
            "TableName": table,
            "Key": {"tenant_id": {"S": account.tenant_id}, sort_key: {"S": account.subject_id}},
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def store_password_hash(self, account: Account, password_hash: str) -> None:
        self._conditional_update(account, "SET password_hash = :h", None, {":h": {"S": password_hash}})

    # -- helpers --------------------------------------------------------------------------------
    def _conditional_update(
        self, account: Account, update: str, condition: str | None, values: dict[str, Any] | None
    ) -> bool:
        table, sort_key = (self._users, "user_id") if account.kind == "customer" else (self._employees, "employee_id")
        exists = f"attribute_exists({sort_key})"
        kwargs: dict[str, Any] = {
            "TableName": table,
            "Key": {"tenant_id": {"S": account.tenant_id}, sort_key: {"S": account.subject_id}},
            "UpdateExpression": update,
            "ConditionExpression": f"{exists} AND ({condition})" if condition else exists,
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self._client.update_item(**kwargs)
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise DependencyFailed("Could not update the account") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not update the account") from exc
        return True

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The users table is not available") from exc
        return response

    @staticmethod
    def _user_key(tenant_id: str, user_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "user_id": {"S": user_id}}


class LoginThrottle:
    """Failed-login counters per email and client, in the tokens table (``login#<hash>``, expiring).

    Keyed by the email *and* the caller's address, so that guesses from one place never lock the
    account's owner out elsewhere, and counted whether or not the email has an account, so that
    the answers never tell which emails exist. The key is a hash: neither appears in the table.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def key(tenant_id: str, email: str, client_address: str) -> str:
        digest = hashlib.sha256(f"{tenant_id}|{email.strip().lower()}|{client_address}".encode()).hexdigest()
        return f"{LOGIN_THROTTLE_PREFIX}{digest}"

    def reserve(self, tenant_id: str, key: str, now: int, window_seconds: int, max_attempts: int) -> bool:
        """Count this attempt before the password is checked; False when the window's attempts are used up.

        One conditional write, so parallel guesses cannot slip past a stale read: at most
        ``max_attempts`` passwords are checked per window. A successful login clears it (``clear``).
        """
        floor = now - window_seconds
        within = ("SET failed_logins = failed_logins + :one", "failed_window_start > :floor AND failed_logins < :max")
        fresh = (
            "SET failed_logins = :one, failed_window_start = :now, expires_at = :expires",
            "attribute_not_exists(failed_window_start) OR failed_window_start <= :floor",
        )
        values = {
            ":one": {"N": "1"},
            ":floor": {"N": str(floor)},
            ":max": {"N": str(max_attempts)},
            ":now": {"N": str(now)},
            ":expires": {"N": str(now + window_seconds)},
        }
        for _attempt in range(2):
            for update, condition in (within, fresh):
                names = [n for n in values if n in update or n in condition]
                if self._update(tenant_id, key, update, condition, {n: values[n] for n in names}):
                    return True
        return False

    def clear(self, tenant_id: str, key: str) -> None:
        try:
            self._client.delete_item(TableName=self._table, Key=self._key(tenant_id, key))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not clear the login attempts") from exc

    def _update(self, tenant_id: str, key: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(tenant_id, key),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise DependencyFailed("Could not count the login attempt") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not count the login attempt") from exc
        return True

    @staticmethod
    def _key(tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "token_hash": {"S": key}}
