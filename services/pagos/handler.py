"""Payments webhook: ``POST /pagos/webhook/{tenant}`` (public; Mercado Pago signs every notification).

401 for a bad or stale signature (nothing read beyond the tenant's config, nothing written);
200 once the payment is settled; 5xx only when a retry can help (Mercado Pago retries).
"""

from __future__ import annotations

import functools
import json
import time
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from core.api import create_resolver
from core.contracts import MERCADOPAGO_API_URL
from core.events import EventPublisher
from core.observability import logger, tracer
from core.request_limits import unreadable
from core.tenant_config import TenantConfig, TenantConfigs
from pagos import logic
from pagos.credentials import CredentialStore
from pagos.gateway import MercadoPagoGateway
from pagos.settlement import DynamoSettlementStore, SnsApprovedTopic, utc_now

TenantPath = Annotated[str, Path(max_length=63, description="The tenant whose account sent the notification")]


class Settings(BaseSettings):
    orders_table: str
    tenants_table: str
    payment_approved_topic_arn: str
    event_bus_name: str
    mercadopago_api_url: str = MERCADOPAGO_API_URL


class Received(BaseModel):
    status: str


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def tenants() -> TenantConfigs:
    return TenantConfigs(boto3.client("dynamodb"), settings().tenants_table)


@functools.cache
def credentials() -> CredentialStore:
    return CredentialStore(boto3.client("secretsmanager"))


def gateway(tenant: TenantConfig) -> MercadoPagoGateway:
    return MercadoPagoGateway(credentials(), tenant.mercadopago_secret_name, settings().mercadopago_api_url)


@functools.cache
def store() -> DynamoSettlementStore:
    return DynamoSettlementStore(boto3.client("dynamodb"), settings().orders_table)


@functools.cache
def topic() -> SnsApprovedTopic:
    return SnsApprovedTopic(boto3.client("sns"), settings().payment_approved_topic_arn)


@functools.cache
def bus() -> EventPublisher:
    return EventPublisher(boto3.client("events"), settings().event_bus_name)


app = create_resolver("pagos")


def _body() -> dict[str, Any]:
    try:
        body = json.loads(app.current_event.body or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@app.post("/pagos/webhook/<tenant>")
def webhook(tenant: TenantPath) -> Received:
    event = app.current_event
    notification = logic.notification_from(tenant, event.query_string_parameters or {}, event.headers or {}, _body())
    logger.append_keys(tenant_id=tenant, data_id=notification.data_id)
    outcome = logic.handle_notification(
        notification,
        tenants=tenants(),
        gateways=gateway,
        store=store(),
        topic=topic(),
        bus=bus(),
        now=utc_now(),
        clock=time.time(),
    )
    return Received(status=outcome)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return unreadable(event) or app.resolve(event, context)
