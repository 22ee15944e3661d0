"""Catalog rules as plain functions over models; collaborators (DAL, image store, clock) are arguments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from catalogo.dal import CatalogDal, ImageStore, ItemTable
from catalogo.models import (
    IMAGE_TYPES,
    Archived,
    Availability,
    AvailabilityChange,
    Combo,
    ComboCreate,
    ComboFields,
    ComboPage,
    ComboRecord,
    ImageUpload,
    ImageUploadRequest,
    Location,
    LocationCreate,
    LocationFields,
    LocationPage,
    PauseChange,
    Product,
    ProductCreate,
    ProductFields,
    ProductPage,
    ProductRecord,
)
from core.clock import iso
from core.errors import ValidationFailed

Sellable = Literal["producto", "combo"]
_IMAGE_FOLDER: dict[Sellable, str] = {"producto": "productos", "combo": "combos"}


@dataclass(frozen=True)
class UrlPolicy:
    """How long presigned URLs live: short, so a leaked URL stops working soon."""

    image_url_seconds: int = 900
    upload_url_seconds: int = 300


def _new_id(requested: str | None) -> str:
    return requested or str(uuid.uuid4())


def _image_url(images: ImageStore | None, key: str | None, urls: UrlPolicy) -> str | None:
    if images is None or not key:
        return None
    return images.download_url(key, urls.image_url_seconds)


# -- products --------------------------------------------------------------------------------------


def _product(record: ProductRecord, images: ImageStore | None, urls: UrlPolicy) -> Product:
    return Product.model_validate({**record.model_dump(), "image_url": _image_url(images, record.image_key, urls)})


def list_products(
    dal: CatalogDal,
    images: ImageStore,
    tenant_id: str,
    *,
    limit: int,
    cursor: str | None,
    location_id: str | None,
    urls: UrlPolicy,
) -> ProductPage:
    page = dal.products.query(tenant_id, limit=limit, cursor=cursor, location_id=location_id)
    return ProductPage(items=[_product(r, images, urls) for r in page.items], next_cursor=page.next_cursor)


def get_product(dal: CatalogDal, images: ImageStore, tenant_id: str, product_id: str, urls: UrlPolicy) -> Product:
    return _product(dal.products.get(tenant_id, product_id), images, urls)


def create_product(
    dal: CatalogDal, images: ImageStore | None, tenant_id: str, body: ProductCreate, urls: UrlPolicy
) -> Product:
    values: dict[str, Any] = body.model_dump(exclude={"product_id"})
    values.update(tenant_id=tenant_id, product_id=_new_id(body.product_id))
    return _product(dal.products.create(values), images, urls)


def update_product(
    dal: CatalogDal, images: ImageStore, tenant_id: str, product_id: str, body: ProductFields, *, urls: UrlPolicy
) -> Product:
    """Replace the editable fields; availability per location and the image have their own routes."""
    record = dal.products.update(tenant_id, product_id, set_values=body.model_dump())
    return _product(record, images, urls)


# -- combos ------------------------------------------------------------------------------------------


def _combo(record: ComboRecord, images: ImageStore | None, urls: UrlPolicy) -> Combo:
    return Combo.model_validate({**record.model_dump(), "image_url": _image_url(images, record.image_key, urls)})


def _require_products(dal: CatalogDal, tenant_id: str, body: ComboFields) -> None:
    missing = dal.products.missing(tenant_id, [item.product_id for item in body.items])
    if missing:
        raise ValidationFailed(f"Unknown products in the combo: {', '.join(missing)}", code="unknown_products")


def list_combos(
    dal: CatalogDal,
    images: ImageStore,
    tenant_id: str,
    *,
    limit: int,
    cursor: str | None,
    location_id: str | None,
    urls: UrlPolicy,
) -> ComboPage:
    page = dal.combos.query(tenant_id, limit=limit, cursor=cursor, location_id=location_id)
    return ComboPage(items=[_combo(r, images, urls) for r in page.items], next_cursor=page.next_cursor)


def get_combo(dal: CatalogDal, images: ImageStore, tenant_id: str, combo_id: str, urls: UrlPolicy) -> Combo:
    return _combo(dal.combos.get(tenant_id, combo_id), images, urls)


def create_combo(
    dal: CatalogDal, images: ImageStore | None, tenant_id: str, body: ComboCreate, urls: UrlPolicy
) -> Combo:
    """A combo only of products the tenant has (one BatchGetItem), never overwriting another (409)."""
    _require_products(dal, tenant_id, body)
    values: dict[str, Any] = body.model_dump(exclude={"combo_id"})
    values.update(tenant_id=tenant_id, combo_id=_new_id(body.combo_id))
    return _combo(dal.combos.create(values), images, urls)


def update_combo(
    dal: CatalogDal, images: ImageStore, tenant_id: str, combo_id: str, body: ComboFields, *, urls: UrlPolicy
) -> Combo:
    _require_products(dal, tenant_id, body)
    record = dal.combos.update(tenant_id, combo_id, set_values=body.model_dump())
    return _combo(record, images, urls)


# -- shared by products and combos ---------------------------------------------------------------


def _table(dal: CatalogDal, kind: Sellable) -> ItemTable[Any]:
    return dal.products if kind == "producto" else dal.combos


def archive(dal: CatalogDal, tenant_id: str, kind: Sellable, item_id: str, *, now: datetime) -> Archived:
    """Take a product or combo off the menu (one UpdateItem); past orders keep their lines, copied at order time."""
    _table(dal, kind).archive(tenant_id, item_id, iso(now))
    return Archived(id=item_id, archived_at=now)


def set_availability(
    dal: CatalogDal, tenant_id: str, kind: Sellable, item_id: str, body: AvailabilityChange
) -> Availability:
    """ "86" an item at one of the tenant's locations (or bring it back): one GetItem, one UpdateItem."""
    dal.locations.require(tenant_id, body.location_id)
    member = {body.location_id}
    if body.available:
        _table(dal, kind).update(tenant_id, item_id, delete={"unavailable_at": member})
    else:
        _table(dal, kind).update(tenant_id, item_id, add={"unavailable_at": member})
    return Availability(id=item_id, location_id=body.location_id, available=body.available)


def image_key(tenant_id: str, kind: Sellable, item_id: str, content_type: str) -> str:
    return f"tenants/{tenant_id}/{_IMAGE_FOLDER[kind]}/{item_id}/{uuid.uuid4().hex}.{IMAGE_TYPES[content_type]}"


def start_image_upload(
    dal: CatalogDal,
    images: ImageStore,
    tenant_id: str,
    kind: Sellable,
    item_id: str,
    *,
    body: ImageUploadRequest,
    urls: UrlPolicy,
) -> ImageUpload:
    """Point the item at a new image key (404 if the tenant has no such item) and presign its upload."""
    key = image_key(tenant_id, kind, item_id, body.content_type)
    _table(dal, kind).update(tenant_id, item_id, set_values={"image_key": key})
    url = images.upload_url(
        key, content_type=body.content_type, content_length=body.content_length, expires_in=urls.upload_url_seconds
    )
    return ImageUpload(
        upload_url=url,
        headers={"Content-Type": body.content_type, "Content-Length": str(body.content_length)},
        image_key=key,
        expires_in=urls.upload_url_seconds,
    )


# -- locations ---------------------------------------------------------------------------------------


def _location(record: Any) -> Location:
    return Location.model_validate(record.model_dump())


def list_locations(dal: CatalogDal, tenant_id: str, *, limit: int, cursor: str | None) -> LocationPage:
    page = dal.locations.query(tenant_id, limit=limit, cursor=cursor)
    return LocationPage(items=[_location(r) for r in page.items], next_cursor=page.next_cursor)


def get_location(dal: CatalogDal, tenant_id: str, location_id: str) -> Location:
    return _location(dal.locations.get(tenant_id, location_id))


def create_location(dal: CatalogDal, tenant_id: str, body: LocationCreate) -> Location:
    values: dict[str, Any] = body.model_dump(exclude={"location_id"})
    values.update(tenant_id=tenant_id, location_id=_new_id(body.location_id), paused=False)
    return _location(dal.locations.create(values))


def update_location(dal: CatalogDal, tenant_id: str, location_id: str, body: LocationFields) -> Location:
    """Replace the editable fields; pausing has its own route."""
    return _location(dal.locations.update(tenant_id, location_id, set_values=body.model_dump()))


def set_paused(dal: CatalogDal, tenant_id: str, location_id: str, body: PauseChange) -> Location:
    """Pause (or resume) online orders at a location."""
    return _location(dal.locations.update(tenant_id, location_id, set_values={"paused": body.paused}))
