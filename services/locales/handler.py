"""Locations (``/locales``): public reads by ``X-Tenant-Id``; admins manage locations and pause online orders."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from catalogo import logic, runtime
from catalogo.models import Location, LocationCreate, LocationFields, LocationPage, PauseChange
from catalogo.params import DEFAULT_LIMIT, Cursor, ItemId, Limit, public_tenant
from core.api import create_resolver
from core.observability import entry_point
from core.principal import caller, requires
from core.request_limits import unreadable

app = create_resolver("locations")


@app.get("/locales")
def list_locations(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> LocationPage:
    return logic.list_locations(runtime.dal(), public_tenant(app), limit=limit, cursor=cursor)


@app.get("/locales/<location_id>")
def get_location(location_id: ItemId) -> Location:
    return logic.get_location(runtime.dal(), public_tenant(app), location_id)


@app.post("/locales", status_code=201, middlewares=requires("admin"))
def create_location(body: LocationCreate) -> Location:
    return logic.create_location(runtime.dal(), caller(app).tenant_id, body)


@app.put("/locales/<location_id>", middlewares=requires("admin"))
def update_location(location_id: ItemId, body: LocationFields) -> Location:
    return logic.update_location(runtime.dal(), caller(app).tenant_id, location_id, body)


@app.post("/locales/<location_id>/pausa", middlewares=requires("admin"))
def set_paused(location_id: ItemId, body: PauseChange) -> Location:
    return logic.set_paused(runtime.dal(), caller(app).tenant_id, location_id, body)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
