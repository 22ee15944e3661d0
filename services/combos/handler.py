"""Combos (``/combos``): public menu reads by ``X-Tenant-Id``; admin management of the tenant's combos."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from catalogo import logic, runtime
from catalogo.models import (
    Archived,
    Availability,
    AvailabilityChange,
    Combo,
    ComboCreate,
    ComboFields,
    ComboPage,
    ImageUpload,
    ImageUploadRequest,
)
from catalogo.params import DEFAULT_LIMIT, Cursor, ItemId, Limit, LocationFilter, public_tenant
from core.api import create_resolver
from core.clock import utc_now
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable

app = create_resolver("combos")


@app.get("/combos")
def list_combos(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None, location_id: LocationFilter = None) -> ComboPage:
    return logic.list_combos(
        runtime.dal(),
        runtime.images(),
        public_tenant(app),
        limit=limit,
        cursor=cursor,
        location_id=location_id,
        urls=runtime.urls(),
    )


@app.get("/combos/<combo_id>")
def get_combo(combo_id: ItemId) -> Combo:
    return logic.get_combo(runtime.dal(), runtime.images(), public_tenant(app), combo_id, runtime.urls())


@app.post("/combos", status_code=201, middlewares=requires("admin"))
def create_combo(body: ComboCreate) -> Combo:
    return logic.create_combo(runtime.dal(), runtime.images(), caller(app).tenant_id, body, runtime.urls())


@app.put("/combos/<combo_id>", middlewares=requires("admin"))
def update_combo(combo_id: ItemId, body: ComboFields) -> Combo:
    return logic.update_combo(
        runtime.dal(), runtime.images(), caller(app).tenant_id, combo_id, body, urls=runtime.urls()
    )


@app.delete("/combos/<combo_id>", middlewares=requires("admin"))
def archive_combo(combo_id: ItemId) -> Archived:
    return logic.archive(runtime.dal(), caller(app).tenant_id, "combo", combo_id, now=utc_now())


@app.post("/combos/<combo_id>/disponibilidad", middlewares=requires("admin"))
def set_availability(combo_id: ItemId, body: AvailabilityChange) -> Availability:
    return logic.set_availability(runtime.dal(), caller(app).tenant_id, "combo", combo_id, body)


@app.post("/combos/<combo_id>/imagen", middlewares=requires("admin"))
def start_image_upload(combo_id: ItemId, body: ImageUploadRequest) -> ImageUpload:
    return logic.start_image_upload(
        runtime.dal(), runtime.images(), caller(app).tenant_id, "combo", combo_id, body=body, urls=runtime.urls()
    )


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
