"""Catalog models: what admins send, what is stored, what clients read. Money is integer céntimos (PEN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator

from core.models import BaseModel
from core.validation import CATALOG_ID_PATTERN

ID_PATTERN = CATALOG_ID_PATTERN
MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

CatalogId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
PriceCents = Annotated[int, Field(strict=True, ge=0, le=10_000_000, description="Price in céntimos (PEN)")]
Points = Annotated[int, Field(strict=True, ge=0, le=100_000)]
StrictBool = Annotated[bool, Field(strict=True)]
Day = Literal["lun", "mar", "mie", "jue", "vie", "sab", "dom"]
Hours = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]
DispatchType = Literal["delivery", "pickup"]
ImageType = Literal["image/jpeg", "image/png", "image/webp"]


class Input(BaseModel):
    """Request bodies: unknown fields (a ``tenant_id``, a typo) are rejected, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Size(Input):
    size: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
    price_cents: PriceCents


def _unique_sizes(sizes: list[Size]) -> list[Size]:
    names = [s.size.lower() for s in sizes]
    if len(names) != len(set(names)):
        raise ValueError("size names must be unique")
    return sizes


class ProductFields(Input):
    name: Name
    description: Text = ""
    category: Category
    sizes: Annotated[list[Size], Field(min_length=1, max_length=6)]
    points: Points = 0
    available: StrictBool = True

    _sizes = field_validator("sizes")(_unique_sizes)


class ProductCreate(ProductFields):
    product_id: CatalogId | None = Field(default=None, description="Optional stable id; generated when absent")


class ComboItem(Input):
    product_id: CatalogId
    quantity: Annotated[int, Field(strict=True, ge=1, le=20)] = 1


class ComboFields(Input):
    name: Name
    description: Text = ""
    items: Annotated[list[ComboItem], Field(min_length=1, max_length=10)]
    sizes: Annotated[list[Size], Field(min_length=1, max_length=6)]
    points: Points = 0
    stock: Annotated[int | None, Field(strict=True, ge=0, le=1_000_000, description="None: not tracked")] = None
    available: StrictBool = True

    _sizes = field_validator("sizes")(_unique_sizes)

    @field_validator("items")
    @classmethod
    def _unique_products(cls, items: list[ComboItem]) -> list[ComboItem]:
        ids = [i.product_id for i in items]
        if len(ids) != len(set(ids)):
            raise ValueError("each product appears once; use quantity")
        return items


class ComboCreate(ComboFields):
    combo_id: CatalogId | None = None


# Strict: JSON's false is not a longitude of 0 (the fuzzer's find: lng=false was stored as 0).
def _to_centimetres(degrees: float) -> float:
    # Seven decimals of a degree is about a centimetre: finer is noise, and a number as small as 1e-161
    # is below what DynamoDB can store (1e-130).
    return round(degrees, 7)


Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False), AfterValidator(_to_centimetres)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False), AfterValidator(_to_centimetres)]


class LocationFields(Input):
    name: Name
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    district: Name
    lat: Latitude
    lng: Longitude
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 ()-]{5,19}$")]
    dispatch_types: Annotated[list[DispatchType], Field(min_length=1, max_length=2)]
    opening_hours: dict[Day, Hours] = Field(description="Missing days are closed, e.g. {'lun': '11:00-23:00'}")

    @field_validator("dispatch_types")
    @classmethod
    def _unique_dispatch(cls, values: list[DispatchType]) -> list[DispatchType]:
        if len(values) != len(set(values)):
            raise ValueError("dispatch types must be unique")
        return values


class LocationCreate(LocationFields):
    location_id: CatalogId | None = None


class AvailabilityChange(Input):
    """Mark a product or combo unavailable ("86") at a location, or available again."""

    location_id: CatalogId
    available: StrictBool


class PauseChange(Input):
    paused: StrictBool


class ImageUploadRequest(Input):
    content_type: ImageType
    content_length: Annotated[int, Field(strict=True, ge=1, le=MAX_IMAGE_BYTES, description="Exact size in bytes")]


# -- stored records (what the DAL returns) ------------------------------------------------------


class Record(BaseModel):
    tenant_id: str
    created_at: datetime
    updated_at: datetime


class ProductRecord(Record, ProductFields):
    model_config = ConfigDict(extra="ignore")

    product_id: str
    unavailable_at: list[str] = Field(default_factory=list)
    image_key: str | None = None


class ComboRecord(Record, ComboFields):
    model_config = ConfigDict(extra="ignore")

    combo_id: str
    unavailable_at: list[str] = Field(default_factory=list)
    image_key: str | None = None


class LocationRecord(LocationFields):
    """Not a ``Record``: its timestamps are optional (see below)."""

    model_config = ConfigDict(extra="ignore")

    tenant_id: str
    location_id: str
    paused: bool = False
    # Tenant onboarding (constructs/tenant.py) writes the first locations at deploy time, without timestamps.
    created_at: datetime | None = None
    updated_at: datetime | None = None


# -- responses ------------------------------------------------------------------------------------


class Product(ProductFields):
    model_config = ConfigDict(extra="ignore")

    product_id: str
    unavailable_at: list[str]
    image_url: str | None
    updated_at: datetime


class Combo(ComboFields):
    model_config = ConfigDict(extra="ignore")

    combo_id: str
    unavailable_at: list[str]
    image_url: str | None
    updated_at: datetime


class Location(LocationFields):
    model_config = ConfigDict(extra="ignore")

    location_id: str
    paused: bool
    updated_at: datetime | None = Field(description="Last change; null for a location untouched since onboarding")


class ProductPage(BaseModel):
    items: list[Product]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")


class ComboPage(BaseModel):
    items: list[Combo]
    next_cursor: str | None


class LocationPage(BaseModel):
    items: list[Location]
    next_cursor: str | None


class Availability(BaseModel):
    id: str
    location_id: str
    available: bool


class Archived(BaseModel):
    """A product or combo taken off the menu: no longer listed, read or sold; past orders keep their lines."""

    id: str
    archived_at: datetime


class ImageUpload(BaseModel):
    """Upload with ``PUT upload_url`` sending exactly ``headers`` (both are signed into the URL)."""

    upload_url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    image_key: str
    expires_in: int
