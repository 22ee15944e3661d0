"""Platform routes: ``GET /health``, ``GET /config/{app}`` (the web apps' config file), ``GET /sesion``,
``GET /tienda`` (a tenant's public storefront profile, by ``X-Tenant-Id``)."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext

from core.api import create_resolver, public_tenant
from core.models import BaseModel
from core.observability import entry_point
from core.principal import Principal, caller
from health import runtime
from health.logic import Storefront, storefront

app = create_resolver("platform")


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    stage: str
    version: str


class WebAppConfig(BaseModel):
    app: Literal["customer", "staff"]
    stage: str
    api_url: str
    websocket_url: str
    mercadopago_sdk_url: str


@app.get("/health")
def health() -> Health:
    current = runtime.settings()
    return Health(stage=current.stage, version=current.app_version)


@app.get("/config/<app>")
def web_app_config(app: Literal["customer", "staff"]) -> WebAppConfig:
    current = runtime.settings()
    return WebAppConfig(
        app=app,
        stage=current.stage,
        api_url=current.rest_api_url,
        websocket_url=current.websocket_url,
        mercadopago_sdk_url=current.mercadopago_sdk_url,
    )


@app.get("/tienda")
def tenant_storefront() -> Storefront:
    """The storefront of the tenant named by ``X-Tenant-Id``: name, delivery fee, SLAs, Mercado Pago public key."""
    return storefront(public_tenant(app), tenants=runtime.tenants(), credentials=runtime.credentials())


@app.get("/sesion")
def session() -> Principal:
    """Who the session token belongs to (tenant, subject, role, location)."""
    return caller(app)


@entry_point(rest=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
