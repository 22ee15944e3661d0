"""Settings and collaborators of the orders functions, built on first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core import contracts, web
from core.events import EventPublisher
from core.settings import StageTablesSettings
from core.tenant_config import TenantConfig, TenantConfigs
from pagos.credentials import CredentialStore
from pagos.gateway import MercadoPagoGateway
from pagos.settlement import DynamoSettlementStore, SnsApprovedTopic
from pedidos.dal import OrdersDal, Tables, WorkflowClient
from pedidos.logic import Links


class Settings(StageTablesSettings):
    """The environment of the orders API function (``stacks/order_services.py``)."""

    orders_table: str
    tenants_table: str
    products_table: str = ""
    combos_table: str = ""
    locations_table: str = ""
    users_table: str = ""
    payment_approved_topic_arn: str = ""
    event_bus_name: str = ""
    state_machine_arn: str = ""
    mercadopago_api_url: str = contracts.MERCADOPAGO_API_URL
    customer_app_url: str = ""  # the customer app's base; else read from the parameter below
    customer_app_url_parameter: str = ""
    rest_api_url: str = ""


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def dal() -> OrdersDal:
    s = settings()
    tables = Tables(
        orders=s.orders_table,
        products=s.products_table,
        combos=s.combos_table,
        locations=s.locations_table,
        users=s.users_table,
        tenants=s.tenants_table,
        stages=s.stage_tables(),
    )
    return OrdersDal(_dynamodb(), tables)


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


@functools.cache
def workflow() -> WorkflowClient:
    return WorkflowClient(boto3.client("stepfunctions"), settings().state_machine_arn)


def links() -> Links:
    s = settings()
    app_url = web.value_or_parameter(s.customer_app_url, s.customer_app_url_parameter)
    return Links(customer_app_url=app_url, rest_api_url=s.rest_api_url)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, _dynamodb, dal, tenants, credentials, settlement, topic, bus, workflow):
        cached.cache_clear()
