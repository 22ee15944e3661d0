"""Settings and collaborators of the payments functions, built on first use and kept while warm.

The orders API settles its card payments with these same collaborators (``pedidos.handler``): the
Mercado Pago gateway, the settlement store and the "payment approved" topic are built here only.
"""

from __future__ import annotations

import functools

import boto3

from core import contracts
from core.events import EventPublisher
from core.settings import EnvironmentSettings
from core.tenant_config import TenantConfig, TenantConfigs
from pagos.credentials import CredentialStore
from pagos.gateway import MercadoPagoGateway
from pagos.settlement import DynamoSettlementStore, SnsApprovedTopic


class Settings(EnvironmentSettings):
    """The environment of the payments webhook function (``stacks/order_services.py``).

    The orders API function is given the same variables: its card route settles through this module.
    """

    orders_table: str
    tenants_table: str
    payment_approved_topic_arn: str
    event_bus_name: str
    mercadopago_api_url: str = contracts.MERCADOPAGO_API_URL


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def tenants() -> TenantConfigs:
    return TenantConfigs(_dynamodb(), settings().tenants_table)


@functools.cache
def credentials() -> CredentialStore:
    return CredentialStore(boto3.client("secretsmanager"))


def gateway(tenant: TenantConfig) -> MercadoPagoGateway:
    return MercadoPagoGateway(credentials(), tenant.mercadopago_secret_name, settings().mercadopago_api_url)


@functools.cache
def settlement() -> DynamoSettlementStore:
    return DynamoSettlementStore(_dynamodb(), settings().orders_table)


@functools.cache
def topic() -> SnsApprovedTopic:
    return SnsApprovedTopic(boto3.client("sns"), settings().payment_approved_topic_arn)


@functools.cache
def bus() -> EventPublisher:
    return EventPublisher(boto3.client("events"), settings().event_bus_name)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, _dynamodb, tenants, credentials, settlement, topic, bus):
        cached.cache_clear()
