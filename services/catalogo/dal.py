"""Every AWS call of the catalog: DynamoDB (tenant-keyed items) and S3 (presigned image URLs).

Every key starts from the caller's ``tenant_id``: there is no method that takes a key without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from catalogo.models import ComboRecord, LocationRecord, ProductRecord
from core.clock import iso, utc_now
from core.dynamo import decode_cursor, encode_cursor, from_item, to_item, to_value
from core.errors import Conflict, DependencyFailed, NotFound, ValidationFailed

R = TypeVar("R", bound=BaseModel)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class Page(Generic[R]):
    items: list[R]
    next_cursor: str | None


NOT_ARCHIVED = "attribute_not_exists(archived_at)"


class ItemTable(Generic[R]):
    """One catalog table (``tenant_id`` / ``<key>``) holding one kind of record.

    An archived item (``archived_at`` set) is gone for every read and write here; it stays stored so
    that what referred to it (past orders copy their lines, metrics) keeps its meaning.
    """

    def __init__(self, client: Any, table_name: str, key: str, record: type[R], label: str) -> None:
        if not table_name:
            raise RuntimeError(f"no table configured for {label}")
        self._client = client
        self.name = table_name
        self.key = key
        self._record = record
        self.label = label

    def key_of(self, tenant_id: str, item_id: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, self.key: {"S": item_id}}

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                raise
            raise DependencyFailed(f"DynamoDB {operation} on {self.label} failed: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise DependencyFailed(f"DynamoDB {operation} on {self.label} failed") from exc

    def get(self, tenant_id: str, item_id: str) -> R:
        response = self._call("get_item", TableName=self.name, Key=self.key_of(tenant_id, item_id))
        if "Item" not in response or "archived_at" in response["Item"]:
            raise NotFound(f"No {self.label} {item_id!r}", code=f"{self.label}_not_found")
        return self._record.model_validate(from_item(response["Item"]))

    def require(self, tenant_id: str, item_id: str) -> None:
        """404 unless the tenant has the item (a GetItem of its key only)."""
        response = self._call(
            "get_item",
            TableName=self.name,
            Key=self.key_of(tenant_id, item_id),
            ProjectionExpression="#k, archived_at",
            ExpressionAttributeNames={"#k": self.key},
        )
        if "Item" not in response or "archived_at" in response["Item"]:
            raise NotFound(f"No {self.label} {item_id!r}", code=f"{self.label}_not_found")

    def query(self, tenant_id: str, *, limit: int, cursor: str | None, location_id: str | None = None) -> Page[R]:
        """One Query; with ``location_id`` items unavailable there (or everywhere) are filtered out."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "tenant_id = :t",
            "ExpressionAttributeValues": {":t": {"S": tenant_id}},
            "Limit": limit,
        }
        start = decode_cursor(cursor, tenant_id=tenant_id)
        if start is not None:
            if set(start) != {"tenant_id", self.key}:
                raise ValidationFailed("The page cursor does not belong to this list", code="invalid_cursor")
            kwargs["ExclusiveStartKey"] = start
        kwargs["FilterExpression"] = NOT_ARCHIVED
        if location_id is not None:
            kwargs["FilterExpression"] += " AND available = :yes AND NOT contains(unavailable_at, :loc)"
            kwargs["ExpressionAttributeValues"].update({":yes": {"BOOL": True}, ":loc": {"S": location_id}})
        response = self._call("query", **kwargs)
        items = [self._record.model_validate(from_item(item)) for item in response.get("Items", [])]
        return Page(items=items, next_cursor=encode_cursor(response.get("LastEvaluatedKey")))

    def create(self, values: Mapping[str, Any]) -> R:
        """Put a new item; an existing one with the same id is never overwritten (409)."""
        now = iso(utc_now())
        item = {**values, "created_at": now, "updated_at": now}
        try:
            self._call(
                "put_item",
                TableName=self.name,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(tenant_id)",
            )
        except ClientError as exc:
            raise Conflict(f"{self.label} {values[self.key]!r} already exists", code=f"{self.label}_exists") from exc
        return self._record.model_validate(item)

    def update(
        self,
        tenant_id: str,
        item_id: str,
        *,
        set_values: Mapping[str, Any] | None = None,
        add: Mapping[str, set[str]] | None = None,
        delete: Mapping[str, set[str]] | None = None,
    ) -> R:
        """Update an item of the tenant that must exist (404 otherwise); returns the new record."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        fields = {**(set_values or {}), "updated_at": iso(utc_now())}
        for i, (field, value) in enumerate(fields.items()):
            names[f"#f{i}"] = field
            if value is None:
                clauses["REMOVE"].append(f"#f{i}")
            else:
                values[f":v{i}"] = to_value(value)
                clauses["SET"].append(f"#f{i} = :v{i}")
        for action, changes in (("ADD", add or {}), ("DELETE", delete or {})):
            for j, (field, members) in enumerate(changes.items()):
                names[f"#{action.lower()}{j}"] = field
                values[f":{action.lower()}{j}"] = {"SS": sorted(members)}
                clauses[action].append(f"#{action.lower()}{j} :{action.lower()}{j}")
        expression = " ".join(f"{action} {', '.join(parts)}" for action, parts in clauses.items() if parts)
        try:
            response = self._call(
                "update_item",
                TableName=self.name,
                Key=self.key_of(tenant_id, item_id),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(tenant_id) AND {NOT_ARCHIVED}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise NotFound(f"No {self.label} {item_id!r}", code=f"{self.label}_not_found") from exc
            raise DependencyFailed(f"The {self.label} could not be updated") from exc
        return self._record.model_validate(from_item(response["Attributes"]))

    def archive(self, tenant_id: str, item_id: str, at: str) -> None:
        """Take an item off the catalog for good (404 if there is none, or it was archived already)."""
        try:
            self._call(
                "update_item",
                TableName=self.name,
                Key=self.key_of(tenant_id, item_id),
                UpdateExpression="SET archived_at = :at, updated_at = :at",
                ConditionExpression=f"attribute_exists(tenant_id) AND {NOT_ARCHIVED}",
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ClientError as exc:
            raise NotFound(f"No {self.label} {item_id!r}", code=f"{self.label}_not_found") from exc

    def missing(self, tenant_id: str, item_ids: Sequence[str]) -> list[str]:
        """Which of ``item_ids`` the tenant does not have (one BatchGetItem, <= 100 ids)."""
        wanted = list(dict.fromkeys(item_ids))
        request: dict[str, Any] = {
            self.name: {
                "Keys": [self.key_of(tenant_id, item_id) for item_id in wanted],
                "ProjectionExpression": "#k, archived_at",
                "ExpressionAttributeNames": {"#k": self.key},
            }
        }
        found: set[str] = set()
        for _attempt in range(5):
            response = self._call("batch_get_item", RequestItems=request)
            items = response.get("Responses", {}).get(self.name, [])
            found.update(item[self.key]["S"] for item in items if "archived_at" not in item)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            raise DependencyFailed(f"DynamoDB kept {self.label} keys unprocessed")
        return [item_id for item_id in wanted if item_id not in found]


class ImageStore:
    """The menu images bucket: presigned GET for clients, presigned PUT for admins, puts for seeding.

    Presigning is local computation (no AWS call).
    """

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def download_url(self, key: str, expires_in: int) -> str:
        return str(
            self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
            )
        )

    def upload_url(self, key: str, *, content_type: str, content_length: int, expires_in: int) -> str:
        """A PUT URL whose signature covers Content-Type and Content-Length: S3 refuses any other type or size."""
        return str(
            self._client.generate_presigned_url(
                "put_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ContentType": content_type,
                    "ContentLength": content_length,
                },
                ExpiresIn=expires_in,
                HttpMethod="PUT",
            )
        )

    def put(self, key: str, body: bytes, content_type: str) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyFailed(f"Could not store image {key}") from exc


@dataclass(frozen=True)
class CatalogTableNames:
    locations: str
    products: str = ""
    combos: str = ""


class CatalogDal:
    """The catalog's tables, each bound lazily (a function only needs the tables it was given)."""

    def __init__(self, client: Any, tables: CatalogTableNames) -> None:
        self._client = client
        self._tables = tables

    @property
    def products(self) -> ItemTable[ProductRecord]:
        return ItemTable(self._client, self._tables.products, "product_id", ProductRecord, "product")

    @property
    def combos(self) -> ItemTable[ComboRecord]:
        return ItemTable(self._client, self._tables.combos, "combo_id", ComboRecord, "combo")

    @property
    def locations(self) -> ItemTable[LocationRecord]:
        return ItemTable(self._client, self._tables.locations, "location_id", LocationRecord, "location")
