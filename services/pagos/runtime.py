"""Settings and collaborators of the payments functions, built on first use and kept while warm.

The orders API settles its card payments with these same collaborators (``pedidos.handler``): the
Mercado Pago gateway, the settlement store and the "payment approved" topic are built here only.
"""

from __future__ import annotations

from core import contracts
from core.events import EventPublisher
from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.tenant_config import TenantConfig, TenantConfigs
from pagos.credentials import CredentialStore
from pagos.gateway import TIMEOUT_SECONDS, MercadoPagoGateway
from pagos.reconciliation import ReviewQueue
from pagos.settlement import DynamoSettlementStore, SnsApprovedTopic
from pagos.stock import DynamoStock
from pedidos.dal import OrdersDal, Tables

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the payments webhook function (``stacks/order_services.py``).

    The orders API function is given the same variables: its card route settles through this module.
    """

    orders_table: str
    tenants_table: str
    payment_approved_topic_arn: str
    event_bus_name: str
    combos_table: str
    mercadopago_api_url: str = contracts.MERCADOPAGO_API_URL
    mercadopago_timeout_seconds: float = TIMEOUT_SECONDS
    payment_reviews_queue_url: str = ""  # the orders API and the reviewer (pagos.reconciliation)
    payment_check_delay_seconds: int = contracts.PAYMENT_CHECK_DELAY_SECONDS
    payment_review_max_delay_seconds: int = contracts.PAYMENT_REVIEW_MAX_DELAY_SECONDS


settings = cached(Settings)  # read from the environment once per container


@cached
def tenants() -> TenantConfigs:
    return TenantConfigs(cached.client("dynamodb"), settings().tenants_table)


@cached
def credentials() -> CredentialStore:
    return CredentialStore(cached.client("secretsmanager"))


def gateway(tenant: TenantConfig) -> MercadoPagoGateway:
    s = settings()
    return MercadoPagoGateway(
        credentials(), tenant.mercadopago_secret_name, s.mercadopago_api_url, s.mercadopago_timeout_seconds
    )


@cached
def settlement() -> DynamoSettlementStore:
    return DynamoSettlementStore(cached.client("dynamodb"), settings().orders_table)


@cached
def reviews() -> ReviewQueue:
    return ReviewQueue(cached.client("sqs"), settings().payment_reviews_queue_url)


@cached
def orders() -> OrdersDal:
    """The orders DAL, for the reviewer's reads and its expiry (Pedidos only)."""
    orders_table = settings().orders_table
    tables = Tables(orders=orders_table, products="", combos="", locations="", users="", tenants="")
    return OrdersDal(cached.client("dynamodb"), tables)


@cached
def stock() -> DynamoStock:
    s = settings()
    return DynamoStock(cached.client("dynamodb"), s.orders_table, s.combos_table)


@cached
def topic() -> SnsApprovedTopic:
    return SnsApprovedTopic(cached.client("sns"), settings().payment_approved_topic_arn)


@cached
def bus() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
