"""The tokens table: session tokens and one-time invitation tokens, stored only as hashes.

Items (partition ``tenant_id``, sort ``token_hash``):

* session: ``token_hash = sha256(token)`` with ``subject_id, kind (customer|employee), rol,
  location_id, subject_key = <tenant>#<subject>, expires_at`` (epoch seconds, the TTL attribute
  and the ``by_subject`` index's sort key). The authorizer reads exactly this item.
* invitation: ``token_hash = "invite#" + sha256(token)``, ``kind = invite``: the authorizer's lookup
  (the bare SHA-256) can never find it, so an invitation never works as a session.
"""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from core.dynamo import from_item, to_item
from core.errors import DependencyFailed
from core.tokens import hash_token

INVITE_PREFIX = "invite#"
_BATCH = 25


class SessionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    token_hash: str
    subject_id: str
    kind: Literal["customer", "employee", "invite"]
    rol: str
    location_id: str | None = None
    name: str | None = None  # the account holder's name at login (staff boards show who took an order)
    expires_at: int

    @property
    def subject_key(self) -> str:
        return subject_key(self.tenant_id, self.subject_id)


def subject_key(tenant_id: str, subject_id: str) -> str:
    return f"{tenant_id}#{subject_id}"


def invite_hash(token: str) -> str:
    return INVITE_PREFIX + hash_token(token)


class SessionStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def put(self, record: SessionRecord) -> None:
        item = to_item({**record.model_dump(), "subject_key": record.subject_key})
        try:
            self._client.put_item(
                TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(token_hash)"
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not store the token") from exc

    def get(self, tenant_id: str, token_hash: str) -> SessionRecord | None:
        try:
            item = self._client.get_item(
                TableName=self.table_name,
                Key=self.key(tenant_id, token_hash),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not read the token") from exc
        return SessionRecord.model_validate(from_item(item)) if item else None

    def delete(self, tenant_id: str, token_hash: str, subject_id: str) -> bool:
        """Delete one token of ``subject_id``; False when there is none (already revoked or someone else's)."""
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=self.key(tenant_id, token_hash),
                ConditionExpression="subject_id = :s",
                ExpressionAttributeValues={":s": {"S": subject_id}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise DependencyFailed("Could not revoke the token") from exc
        except BotoCoreError as exc:
            raise DependencyFailed("Could not revoke the token") from exc
        return True

    def revoke_all(self, tenant_id: str, subject_id: str) -> int:
        """Delete every token (sessions and invitations) of a subject: Query ``by_subject`` + BatchWriteItem."""
        hashes: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "by_subject",
            "KeyConditionExpression": "subject_key = :k",
            "ExpressionAttributeValues": {":k": {"S": subject_key(tenant_id, subject_id)}},
            "ProjectionExpression": "token_hash",
        }
        try:
            while True:
                page = self._client.query(**kwargs)
                hashes.extend(item["token_hash"]["S"] for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            for start in range(0, len(hashes), _BATCH):
                requests = [{"DeleteRequest": {"Key": self.key(tenant_id, h)}} for h in hashes[start : start + _BATCH]]
                pending: dict[str, Any] = {self.table_name: requests}
                for _attempt in range(5):
                    pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    if not pending:
                        break
                else:
                    raise DependencyFailed("Could not revoke every token (throttled)")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not revoke the tokens") from exc
        return len(hashes)

    @staticmethod
    def key(tenant_id: str, token_hash: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "token_hash": {"S": token_hash}}
