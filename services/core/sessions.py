"""The tokens table: session tokens and one-time invitation tokens, stored only as hashes.

Items (partition ``tenant_id``, sort ``token_hash``):

* session: ``token_hash = sha256(token)`` with ``subject_id, kind (customer|employee), rol,
  location_id, subject_key = <tenant>#<subject>, expires_at`` (epoch seconds, the TTL attribute
  and the ``by_subject`` index's sort key). The authorizer reads exactly this item.
* invitation: ``token_hash = "invite#" + sha256(token)``, ``kind = invite``: the authorizer's lookup
  (the bare SHA-256) can never find it, so an invitation never works as a session. A customer's
  one-time links are alike: ``verify#`` (its email verification) and ``reset#`` (a password reset).
* a subject's index: ``token_hash = "sessions#" + subject_id``, ``hashes`` (a string set of the
  subject's token items), written in the same transaction as each token. Revoking every token of a
  subject reads it strongly consistent: the ``by_subject`` index, eventually consistent on AWS, may
  not show a token written a moment before (a deactivation right after a login would miss it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ConfigDict

from core.dynamo import conditional_write, from_item, to_item
from core.errors import DependencyFailed, Unauthenticated
from core.models import BaseModel
from core.tokens import hash_token

INVITE_PREFIX = "invite#"
VERIFY_PREFIX = "verify#"
RESET_PREFIX = "reset#"
INDEX_PREFIX = "sessions#"
_BATCH = 25
# The subject's index outlives its longest token (sessions 12 h, invitations 72 h) by this much.
_INDEX_MARGIN_SECONDS = 7 * 24 * 3600


class AccountChanged(Unauthenticated):
    """The account was deactivated or changed between reading it and writing its session."""

    code = "invalid_credentials"


class SessionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant_id: str
    token_hash: str
    subject_id: str
    kind: Literal["customer", "employee", "invite", "verify", "reset"]
    rol: str
    location_id: str | None = None
    name: str | None = None  # the account holder's name at login (staff boards show who took an order)
    expires_at: int
    used_at: int | None = None  # a password-reset link that set its password (its revocations may be pending)

    @property
    def subject_key(self) -> str:
        return subject_key(self.tenant_id, self.subject_id)


def subject_key(tenant_id: str, subject_id: str) -> str:
    return f"{tenant_id}#{subject_id}"


def invite_hash(token: str) -> str:
    return INVITE_PREFIX + hash_token(token)


def one_time_hash(kind: Literal["verify", "reset"], token: str) -> str:
    """The stored key of a customer's one-time link (``verify#...`` or ``reset#...``)."""
    return (VERIFY_PREFIX if kind == "verify" else RESET_PREFIX) + hash_token(token)


class SessionStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def put(self, record: SessionRecord, *, guard: Mapping[str, Any] | None = None) -> None:
        """The token and its entry in the subject's index, in one transaction; with ``guard`` (a
        ``ConditionCheck`` on the account as it was read), only while the account is still so.

        Revocation (deactivation, a role change) writes the account, then revokes what the index
        lists; a session written with the guard either is in the index by then or is refused, so a
        login racing a revocation can never leave a session with the old role (``AccountChanged``).
        """
        item = to_item({**record.model_dump(), "subject_key": record.subject_key})
        index_key = self.key(record.tenant_id, INDEX_PREFIX + record.subject_id)
        try:
            self._client.transact_write_items(
                TransactItems=[
                    *([{"ConditionCheck": dict(guard)}] if guard else []),
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(token_hash)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": index_key,
                            "UpdateExpression": "ADD hashes :h SET subject_id = :s, expires_at = :e",
                            "ExpressionAttributeValues": {
                                ":h": {"SS": [record.token_hash]},
                                ":s": {"S": record.subject_id},
                                ":e": {"N": str(record.expires_at + _INDEX_MARGIN_SECONDS)},
                            },
                        }
                    },
                ]
            )
        except ClientError as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if guard and reasons and reasons[0] == "ConditionalCheckFailed":
                raise AccountChanged("The account changed while signing in") from exc
            raise DependencyFailed("Could not store the token") from exc
        except BotoCoreError as exc:
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
        """Delete one token of ``subject_id`` and its index entry; False when there is none (already
        revoked, or someone else's)."""
        deleted = conditional_write(
            self._client,
            "transact_write_items",
            failed="Could not revoke the token",
            TransactItems=[
                {
                    "Delete": {
                        "TableName": self.table_name,
                        "Key": self.key(tenant_id, token_hash),
                        "ConditionExpression": "subject_id = :s",
                        "ExpressionAttributeValues": {":s": {"S": subject_id}},
                    }
                },
                self.forget_in_index(tenant_id, subject_id, token_hash),
            ],
        )
        return deleted is not None

    def forget_in_index(self, tenant_id: str, subject_id: str, token_hash: str) -> dict[str, Any]:
        """The transaction item that takes a consumed or revoked token out of its subject's index."""
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": self.key(tenant_id, INDEX_PREFIX + subject_id),
                "UpdateExpression": "DELETE hashes :h",
                "ExpressionAttributeValues": {":h": {"SS": [token_hash]}},
            }
        }

    def revoke_all(self, tenant_id: str, subject_id: str, *, keep: str | None = None) -> int:
        """Delete every token (sessions, invitations, one-time links) of a subject, and its index; returns
        how many tokens. With ``keep`` (a token hash), that one token and the index stay (a password change
        ends the customer's *other* sessions), and the deleted hashes leave the index.

        The subject's index (a strongly consistent GetItem) names every token written since it exists;
        ``by_subject`` (a Query) adds those written before it did (tokens of an earlier release).
        """
        index_key = self.key(tenant_id, INDEX_PREFIX + subject_id)
        try:
            index = self._client.get_item(TableName=self.table_name, Key=index_key, ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not read the sessions") from exc
        hashes: list[str] = list(index["hashes"]["SS"]) if index and "hashes" in index else []
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
            hashes = sorted({h for h in hashes if h != keep})
            doomed = [*hashes, *([INDEX_PREFIX + subject_id] if index and keep is None else [])]
            for start in range(0, len(doomed), _BATCH):
                requests = [{"DeleteRequest": {"Key": self.key(tenant_id, h)}} for h in doomed[start : start + _BATCH]]
                pending: dict[str, Any] = {self.table_name: requests}
                for _attempt in range(5):
                    pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                    if not pending:
                        break
                else:
                    raise DependencyFailed("Could not revoke every token (throttled)")
            if keep is not None and index and hashes:
                self._client.update_item(
                    TableName=self.table_name,
                    Key=index_key,
                    UpdateExpression="DELETE hashes :h",
                    ExpressionAttributeValues={":h": {"SS": hashes}},
                )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed("Could not revoke the tokens") from exc
        return len(hashes)

    @staticmethod
    def key(tenant_id: str, token_hash: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "token_hash": {"S": token_hash}}
