"""Settings and collaborators of the orders functions, built on first use and kept while warm.

The card route's payment collaborators (Mercado Pago gateway, settlement store, "payment approved"
topic) are the payments service's: ``pagos.runtime`` builds them, ``reset`` forgets them too.
"""

from __future__ import annotations

from core import web
from core.events import EventPublisher
from core.runtime import Caches
from core.settings import StageTablesSettings
from core.tenant_config import TenantConfigs
from pagos import runtime as payments
from pedidos.dal import OrdersDal, Tables, WorkflowClient
from pedidos.logic import Links

cached = Caches()


class Settings(StageTablesSettings):
    """The environment of the orders API function and of the order starter (``stacks/order_services.py``).

    The API's payment variables (topic, Mercado Pago API URL) are read by ``pagos.runtime.Settings``.
    """

    orders_table: str
    tenants_table: str
    products_table: str = ""
    combos_table: str = ""
    locations_table: str = ""
    users_table: str = ""
    event_bus_name: str = ""
    state_machine_arn: str = ""
    customer_app_url: str = ""  # the customer app's base; else read from the parameter below
    customer_app_url_parameter: str = ""
    rest_api_url: str = ""


settings = cached(Settings)  # read from the environment once per container


@cached
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
    return OrdersDal(cached.client("dynamodb"), tables)


@cached
def tenants() -> TenantConfigs:
    return TenantConfigs(cached.client("dynamodb"), settings().tenants_table)


@cached
def bus() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


@cached
def workflow() -> WorkflowClient:
    return WorkflowClient(cached.client("stepfunctions"), settings().state_machine_arn)


def links() -> Links:
    s = settings()
    app_url = web.value_or_parameter(s.customer_app_url, s.customer_app_url_parameter)
    return Links(customer_app_url=app_url, rest_api_url=s.rest_api_url)


def reset() -> None:
    """Forget settings and clients, the payment collaborators' too (tests)."""
    payments.reset()
    cached.reset()
