"""Platform routes: ``GET /health``, ``GET /config/{app}`` (the web apps' config file), ``GET /sesion``."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from core.api import create_resolver, current_principal
from core.observability import logger, tracer
from core.principal import Principal

app = create_resolver("platform")


class Settings(BaseSettings):
    stage: str
    app_version: str
    rest_api_url: str
    websocket_url: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    stage: str
    version: str


class WebAppConfig(BaseModel):
    app: Literal["customer", "staff"]
    stage: str
    api_url: str
    websocket_url: str


def settings() -> Settings:
    return Settings()


@app.get("/health")
def health() -> Health:
    current = settings()
    return Health(stage=current.stage, version=current.app_version)


@app.get("/config/<app>")
def web_app_config(app: Literal["customer", "staff"]) -> WebAppConfig:
    current = settings()
    return WebAppConfig(app=app, stage=current.stage, api_url=current.rest_api_url, websocket_url=current.websocket_url)


@app.get("/sesion")
def session() -> Principal:
    """Who the session token belongs to (tenant, subject, role, location)."""
    return current_principal()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
