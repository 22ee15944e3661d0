"""Settings and collaborators of the platform function (``/health``, ``/config``, ``/sesion``, ``/tienda``).

Only the Mercado Pago credential store, never the gateway: the storefront needs a tenant's public key,
not the ``mercadopago`` SDK.
"""

from __future__ import annotations

from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.tenant_config import TenantConfigs
from pagos.credentials import CredentialStore

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the platform function (``stacks/api.py``; ``STAGE`` and ``APP_VERSION`` from
    ``constructs/service_function.py``, as every function gets them)."""

    stage: str
    app_version: str
    rest_api_url: str
    websocket_url: str
    tenants_table: str
    # Mercado Pago's browser SDK; the local cloud points it at its fake's stand-in.
    mercadopago_sdk_url: str = "https://sdk.mercadopago.com/js/v2"


settings = cached(Settings)  # read from the environment once per container


@cached
def tenants() -> TenantConfigs:
    return TenantConfigs(cached.client("dynamodb"), settings().tenants_table)


@cached
def credentials() -> CredentialStore:
    return CredentialStore(cached.client("secretsmanager"))


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
