"""Products (``/producto``): public menu reads by ``X-Tenant-Id``; admin management of the tenant's products."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from catalogo import logic, runtime
from catalogo.models import (
    Archived,
    Availability,
    AvailabilityChange,
    ImageUpload,
    ImageUploadRequest,
    Product,
    ProductCreate,
    ProductFields,
    ProductPage,
)
from catalogo.params import DEFAULT_LIMIT, Cursor, ItemId, Limit, LocationFilter, public_tenant
from core.api import create_resolver
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable

app = create_resolver("products")


@app.get("/producto")
def list_products(
    limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None, location_id: LocationFilter = None
) -> ProductPage:
    tenant_id = public_tenant(app)
    return logic.list_products(
        runtime.dal(),
        runtime.images(),
        tenant_id,
        limit=limit,
        cursor=cursor,
        location_id=location_id,
        urls=runtime.urls(),
    )


@app.get("/producto/<product_id>")
def get_product(product_id: ItemId) -> Product:
    tenant_id = public_tenant(app)
    return logic.get_product(runtime.dal(), runtime.images(), tenant_id, product_id, runtime.urls())


@app.post("/producto", status_code=201, middlewares=requires("admin"))
def create_product(body: ProductCreate) -> Product:
    tenant_id = caller(app).tenant_id
    return logic.create_product(runtime.dal(), runtime.images(), tenant_id, body, runtime.urls())


@app.put("/producto/<product_id>", middlewares=requires("admin"))
def update_product(product_id: ItemId, body: ProductFields) -> Product:
    tenant_id = caller(app).tenant_id
    return logic.update_product(runtime.dal(), runtime.images(), tenant_id, product_id, body, urls=runtime.urls())


@app.delete("/producto/<product_id>", middlewares=requires("admin"))
def archive_product(product_id: ItemId) -> Archived:
    return logic.archive(runtime.dal(), caller(app).tenant_id, "producto", product_id, now=utc_now())


@app.post("/producto/<product_id>/disponibilidad", middlewares=requires("admin"))
def set_availability(product_id: ItemId, body: AvailabilityChange) -> Availability:
    return logic.set_availability(runtime.dal(), caller(app).tenant_id, "producto", product_id, body)


@app.post("/producto/<product_id>/imagen", middlewares=requires("admin"))
def start_image_upload(product_id: ItemId, body: ImageUploadRequest) -> ImageUpload:
    tenant_id = caller(app).tenant_id
    return logic.start_image_upload(
        runtime.dal(), runtime.images(), tenant_id, "producto", product_id, body=body, urls=runtime.urls()
    )


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
