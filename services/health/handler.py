"""Platform routes: ``GET /health``, ``GET /config/{app}`` (the web apps' config file), ``GET /sesion``,
``GET /tienda`` (a tenant's public storefront profile, by ``X-Tenant-Id``)."""

from __future__ import annotations

import functools
from typing import Any, Literal

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from core.api import create_resolver, public_tenant
from core.observability import logger, tracer
from core.principal import Principal, caller
from core.tenant_config import TenantConfigs
from health.logic import Storefront, storefront
from pagos.credentials import CredentialStore

app = create_resolver("platform")


class Settings(BaseSettings):
    stage: str
    app_version: str
    rest_api_url: str
    websocket_url: str
    tenants_table: str
    # Mercado Pago's browser SDK; the local cloud points it at its fake's stand-in.
    mercadopago_sdk_url: str = "https://sdk.mercadopago.com/js/v2"


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


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def tenants() -> TenantConfigs:
    return TenantConfigs(boto3.client("dynamodb"), settings().tenants_table)


@functools.cache
def credentials() -> CredentialStore:
    return CredentialStore(boto3.client("secretsmanager"))


@app.get("/health")
def health() -> Health:
    current = settings()
    return Health(stage=current.stage, version=current.app_version)


@app.get("/config/<app>")
def web_app_config(app: Literal["customer", "staff"]) -> WebAppConfig:
    current = settings()
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
    return storefront(public_tenant(app), tenants=tenants(), credentials=credentials())


@app.get("/sesion")
def session() -> Principal:
    """Who the session token belongs to (tenant, subject, role, location)."""
    return caller(app)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
