"""Every AWS call of the employees service.

Items of the employees table (``tenant_id`` / ``employee_id``):

* an employee: ``employee_id``, ``email``, ``name``, ``rol``, ``location_id``,
  ``tenant_location = <tenant>#<location>`` (the ``by_location`` index), ``status``, ``password_hash``...
* an email lock: ``employee_id = "email#<email>"``, ``owner_id``; written with the employee in one
  transaction (``attribute_not_exists``), so an email names one employee per tenant. It has no
  ``email`` nor ``tenant_location``, so neither index lists it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.clock import iso
from core.dynamo import condition_failed, decode_cursor, encode_cursor, from_item, put_with_email_lock, to_value
from core.errors import Conflict, DependencyFailed
from core.sessions import SessionStore
from empleados.models import EmployeeRecord

EMAIL_LOCK_PREFIX = "email#"


class StaleInvitation(Exception):
    """The invitation was used, expired, or the employee is no longer waiting for one."""


class EmployeesDal:
    def __init__(self, client: Any, *, employees_table: str, locations_table: str, tokens_table: str) -> None:
        self._client = client
        self._employees = employees_table
        self._locations = locations_table
        self._tokens = tokens_table

    def location_exists(self, tenant_id: str, location_id: str) -> bool:
        item = self._call(
            "get_item",
            TableName=self._locations,
            Key={"tenant_id": {"S": tenant_id}, "location_id": {"S": location_id}},
            ProjectionExpression="location_id",
        ).get("Item")
        return item is not None

    def create(self, record: EmployeeRecord) -> None:
        item = {**record.model_dump(mode="json"), "tenant_location": record.tenant_location}
        put_with_email_lock(
            self._client,
            table=self._employees,
            sort_key="employee_id",
            item=item,
            lock_id=EMAIL_LOCK_PREFIX + record.email,
            taken="An employee with this email already exists",
            failed="Could not create the employee",
        )

    def get(self, tenant_id: str, employee_id: str) -> EmployeeRecord | None:
        if employee_id.startswith(EMAIL_LOCK_PREFIX):
            return None
        item = self._call(
            "get_item", TableName=self._employees, Key=self._key(tenant_id, employee_id), ConsistentRead=True
        ).get("Item")
        return EmployeeRecord.model_validate(from_item(item)) if item else None

    def list(
        self, tenant_id: str, *, location_id: str | None, limit: int, cursor: str | None
    ) -> tuple[list[EmployeeRecord], str | None]:
        """One page: the tenant's employees by email, or one location's by role (one Query)."""
        if location_id:
            kwargs: dict[str, Any] = {
                "IndexName": "by_location",
                "KeyConditionExpression": "tenant_location = :k",
                "ExpressionAttributeValues": {":k": {"S": f"{tenant_id}#{location_id}"}},
            }
        else:
            kwargs = {
                "IndexName": "by_email",
                "KeyConditionExpression": "tenant_id = :k",
                "ExpressionAttributeValues": {":k": {"S": tenant_id}},
            }
        start = decode_cursor(cursor, tenant_id=tenant_id)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self._call("query", TableName=self._employees, Limit=limit, **kwargs)
        records = [EmployeeRecord.model_validate(from_item(item)) for item in page.get("Items", [])]
        return records, encode_cursor(page.get("LastEvaluatedKey"))

    def update(
        self,
        tenant_id: str,
        employee_id: str,
        *,
        set_values: dict[str, Any],
        remove: tuple[str, ...] = (),
        condition: str = "",
        condition_values: dict[str, Any] | None = None,
    ) -> EmployeeRecord:
        """Change fields of an existing employee; ``condition`` (over ``#status`` etc.) guards the write."""
        names = {f"#{k}": k for k in [*set_values, *remove]}
        if "#status" in condition:
            names["#status"] = "status"
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in set_values)
        if remove:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in remove)
        values = {f":{k}": to_value(v) for k, v in set_values.items()}
        values.update({k: to_value(v) for k, v in (condition_values or {}).items()})
        full_condition = "attribute_exists(employee_id)" + (f" AND ({condition})" if condition else "")
        try:
            item = self._client.update_item(
                TableName=self._employees,
                Key=self._key(tenant_id, employee_id),
                UpdateExpression=expression,
                ConditionExpression=full_condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if condition_failed(exc):
                raise Conflict("The employee changed or cannot take this change", code="employee_state") from exc
            raise DependencyFailed("Could not update the employee") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not update the employee") from exc
        return EmployeeRecord.model_validate(from_item(item))

    def activate(self, tenant_id: str, invite_hash: str, employee_id: str, password_hash: str, now: datetime) -> None:
        """Consume the invitation (conditional delete) and set the password, in one transaction."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._tokens,
                            "Key": {"tenant_id": {"S": tenant_id}, "token_hash": {"S": invite_hash}},
                            "ConditionExpression": "subject_id = :e AND kind = :invite AND expires_at > :now",
                            "ExpressionAttributeValues": {
                                ":e": {"S": employee_id},
                                ":invite": {"S": "invite"},
                                ":now": {"N": str(int(now.timestamp()))},
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._employees,
                            "Key": self._key(tenant_id, employee_id),
                            "UpdateExpression": "SET password_hash = :h, #status = :active, updated_at = :now",
                            "ConditionExpression": "#status = :invited",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":h": {"S": password_hash},
                                ":active": {"S": "active"},
                                ":invited": {"S": "invited"},
                                ":now": {"S": iso(now)},
                            },
                        }
                    },
                    SessionStore(self._client, self._tokens).forget_in_index(tenant_id, employee_id, invite_hash),
                ]
            )
        except ClientError as exc:
            if condition_failed(exc):
                raise StaleInvitation from exc
            raise DependencyFailed("Could not activate the employee") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not activate the employee") from exc

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("The employees data is not available") from exc
        return response

    @staticmethod
    def _key(tenant_id: str, employee_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "employee_id": {"S": employee_id}}
