"""Every AWS call of the users service: customers, the staff lookup of login, their one-time links, throttling.

Items of the users table (``tenant_id`` / ``user_id``):

* a customer: ``user_id`` (uuid), ``email``, ``name``, ``phone``, ``password_hash``, ``status``
  (``pending_verification`` until the mailed link is used, then ``active``; ``inactive`` once deleted)...
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
from core.dynamo import conditional_write, from_item, put_with_email_lock, to_item, to_value
from core.errors import Conflict, DependencyFailed, NotFound
from core.sessions import SessionStore
from usuarios.models import Account, AccountKind, Customer

EMAIL_LOCK_PREFIX = "email#"
# Never a token hash (those are hex, or prefixed invite#/verify#/reset#): no clash in the tokens table.
LOGIN_THROTTLE_PREFIX = "login#"
MAIL_THROTTLE_PREFIX = "mail#"
PENDING = "pending_verification"


class StaleLink(Exception):
    """The one-time link was used, expired, or its account is no longer in the state it was mailed for."""


class UsersDal:
    def __init__(self, client: Any, *, users_table: str, employees_table: str, tokens_table: str) -> None:
        self._client = client
        self._users = users_table
        self._employees = employees_table
        self._tokens = tokens_table

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

    def replace_pending(self, old: Customer, new: Customer) -> None:
        """A registration takes over an address whose account was never verified: the old account goes, the
        new one (a new ``user_id``, so the old account's links find nothing) takes the email lock, in one
        transaction. ``Conflict`` when the old account was verified or replaced meanwhile; nothing written."""
        assert new.email
        if (
            conditional_write(
                self._client,
                "transact_write_items",
                failed="Could not register the customer",
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._users,
                            "Key": self._user_key(old.tenant_id, old.user_id),
                            "ConditionExpression": "#status = :pending",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":pending": {"S": PENDING}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self._users,
                            "Item": to_item(new.model_dump(mode="json")),
                            "ConditionExpression": "attribute_not_exists(user_id)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._users,
                            "Key": self._user_key(new.tenant_id, EMAIL_LOCK_PREFIX + new.email),
                            "UpdateExpression": "SET owner_id = :new",
                            "ConditionExpression": "owner_id = :old",
                            "ExpressionAttributeValues": {":new": {"S": new.user_id}, ":old": {"S": old.user_id}},
                        }
                    },
                ],
            )
            is None
        ):
            raise Conflict("The address changed meanwhile", code="email_taken")

    def find_customer(self, tenant_id: str, email: str) -> Customer | None:
        """The customer holding this email (its lock, then the account: strongly consistent GetItems)."""
        record = self._by_email(self._users, "user_id", tenant_id, email)
        return Customer.model_validate(record) if record else None

    def verify(self, tenant_id: str, token_hash: str, user_id: str, now: datetime) -> None:
        """Use the verification link (a conditional delete) and activate its account, in one transaction;
        ``StaleLink`` when the link is gone or expired, or the account is no longer waiting for it."""
        self._use_link(
            tenant_id,
            token_hash,
            user_id,
            "verify",
            now=now,
            update={
                "UpdateExpression": "SET #status = :active, verified_at = :now, updated_at = :now",
                "ConditionExpression": "#status = :pending",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":active": {"S": "active"},
                    ":pending": {"S": PENDING},
                    ":now": {"S": iso(now)},
                },
            },
        )

    def reset_password(self, tenant_id: str, token_hash: str, user_id: str, password_hash: str, now: datetime) -> None:
        """Mark the reset link used and set the new password of the active account, in one transaction;
        ``StaleLink`` when the link is gone, expired or used, or the account is not active. The link stays
        (marked) until the customer's tokens are revoked, so a retry after a failed revocation can finish it."""
        if (
            conditional_write(
                self._client,
                "transact_write_items",
                failed="Could not use the link",
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._tokens,
                            "Key": {"tenant_id": {"S": tenant_id}, "token_hash": {"S": token_hash}},
                            "UpdateExpression": "SET used_at = :epoch",
                            "ConditionExpression": "subject_id = :u AND kind = :reset AND expires_at > :epoch "
                            "AND attribute_not_exists(used_at)",
                            "ExpressionAttributeValues": {
                                ":u": {"S": user_id},
                                ":reset": {"S": "reset"},
                                ":epoch": {"N": str(int(now.timestamp()))},
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._users,
                            "Key": self._user_key(tenant_id, user_id),
                            "UpdateExpression": "SET password_hash = :h, updated_at = :now",
                            "ConditionExpression": "#status = :active",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":h": {"S": password_hash},
                                ":active": {"S": "active"},
                                ":now": {"S": iso(now)},
                            },
                        }
                    },
                ],
            )
            is None
        ):
            raise StaleLink

    def change_password(self, customer: Customer, password_hash: str, now: datetime) -> None:
        """The new hash, only while the account is active with the hash it was read with (``Conflict``)."""
        assert customer.password_hash
        if (
            conditional_write(
                self._client,
                "update_item",
                failed="Could not change the password",
                TableName=self._users,
                Key=self._user_key(customer.tenant_id, customer.user_id),
                UpdateExpression="SET password_hash = :h, updated_at = :now",
                ConditionExpression="#status = :active AND password_hash = :old",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":h": {"S": password_hash},
                    ":old": {"S": customer.password_hash},
                    ":active": {"S": "active"},
                    ":now": {"S": iso(now)},
                },
            )
            is None
        ):
            raise Conflict("The password changed meanwhile", code="changed_meanwhile")

    def _use_link(
        self, tenant_id: str, token_hash: str, user_id: str, kind: str, *, now: datetime, update: dict[str, Any]
    ) -> None:
        if (
            conditional_write(
                self._client,
                "transact_write_items",
                failed="Could not use the link",
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._tokens,
                            "Key": {"tenant_id": {"S": tenant_id}, "token_hash": {"S": token_hash}},
                            "ConditionExpression": "subject_id = :u AND kind = :kind AND expires_at > :now",
                            "ExpressionAttributeValues": {
                                ":u": {"S": user_id},
                                ":kind": {"S": kind},
                                ":now": {"N": str(int(now.timestamp()))},
                            },
                        }
                    },
                    {"Update": {"TableName": self._users, "Key": self._user_key(tenant_id, user_id), **update}},
                    SessionStore(self._client, self._tokens).forget_in_index(tenant_id, user_id, token_hash),
                ],
            )
            is None
        ):
            raise StaleLink

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
        response = conditional_write(
            self._client,
            "update_item",
            failed="Could not update the profile",
            TableName=self._users,
            Key=self._user_key(tenant_id, user_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(user_id) AND #status = :active",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        if response is None:
            raise NotFound("No active account")
        item = response["Attributes"]
        return Customer.model_validate(from_item(item))

    def deactivate_customer(self, customer: Customer, now: datetime) -> None:
        """Mark inactive, drop the email and password hash, release the email lock (one transaction)."""
        assert customer.email
        if (
            conditional_write(
                self._client,
                "transact_write_items",
                failed="Could not deactivate the account",
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
                ],
            )
            is None
        ):
            raise NotFound("No active account")

    # -- login ----------------------------------------------------------------------------------
    def find_account(self, kind: AccountKind, tenant_id: str, email: str) -> Account | None:
        """The account with this email: its email lock names it, then the account itself (two strongly
        consistent GetItems). Not the ``by_email`` index, which on AWS may not show an account yet right
        after it was created (a customer who registers and logs in at once)."""
        table, sort_key = (self._users, "user_id") if kind == "customer" else (self._employees, "employee_id")
        record = self._by_email(table, sort_key, tenant_id, email)
        if record is None:
            return None
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
                pending_verification=record.get("status") == PENDING,
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

    def _by_email(self, table: str, sort_key: str, tenant_id: str, email: str) -> dict[str, Any] | None:
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
        return from_item(item) if item else None

    def unchanged(self, account: Account) -> dict[str, Any]:
        """A ``ConditionCheck`` that ``account`` is still active with the role and location it was read with,
        and a customer with the password it logged in with (a reset or change meanwhile refuses the session)."""
        table, sort_key = (self._users, "user_id") if account.kind == "customer" else (self._employees, "employee_id")
        condition = f"attribute_exists({sort_key}) AND #status = :active"
        values: dict[str, Any] = {":active": {"S": "active"}}
        names = {"#status": "status"}
        if account.kind == "customer" and account.password_hash:
            condition += " AND password_hash = :hash"
            values[":hash"] = {"S": account.password_hash}
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
        return (
            conditional_write(self._client, "update_item", failed="Could not update the account", **kwargs) is not None
        )

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The users table is not available") from exc
        return response

    @staticmethod
    def _user_key(tenant_id: str, user_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "user_id": {"S": user_id}}


class Throttle:
    """Attempt counters in the tokens table (expiring), keyed by a hash: no email appears in the table.

    * failed logins (``login#<hash>``) per email *and* the caller's address, so that guesses from one
      place never lock the account's owner out elsewhere;
    * emails asked for an address (``mail#<hash>``: registrations, verification and reset requests), so
      that nobody can flood an inbox through the platform.

    Both count whether or not the email has an account, so the answers never tell which emails exist.
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def key(tenant_id: str, email: str, client_address: str) -> str:
        digest = hashlib.sha256(f"{tenant_id}|{email.strip().lower()}|{client_address}".encode()).hexdigest()
        return f"{LOGIN_THROTTLE_PREFIX}{digest}"

    @staticmethod
    def mail_key(tenant_id: str, email: str) -> str:
        digest = hashlib.sha256(f"{tenant_id}|{email.strip().lower()}".encode()).hexdigest()
        return f"{MAIL_THROTTLE_PREFIX}{digest}"

    def reserve(self, tenant_id: str, key: str, now: int, window_seconds: int, max_attempts: int) -> bool:
        """Count this attempt before it is acted on; False when the window's attempts are used up.

        One conditional write, so parallel attempts cannot slip past a stale read: at most ``max_attempts``
        per window (passwords checked, emails sent). A successful login clears its counter (``clear``).
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
            raise DependencyFailed("Could not clear the attempts") from exc

    def _update(self, tenant_id: str, key: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        return (
            conditional_write(
                self._client,
                "update_item",
                failed="Could not count the attempt",
                TableName=self._table,
                Key=self._key(tenant_id, key),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
            is not None
        )

    @staticmethod
    def _key(tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "token_hash": {"S": key}}
