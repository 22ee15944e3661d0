"""Settings and collaborators of the authorizer function, built on first use and kept while warm."""

from __future__ import annotations

from authorizer.dal import TokenStore
from core.runtime import Caches
from core.settings import EnvironmentSettings
from core.tenants import TenantDirectory

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of the authorizer function (``stacks/api.py``)."""

    tokens_table: str
    tenants_table: str
    stage_prefix: str  # the stage's tenants' API key values (contracts.usage_key)


settings = cached(Settings)  # read from the environment once per container


@cached
def store() -> TokenStore:
    return TokenStore(cached.client("dynamodb"), settings().tokens_table)


@cached
def tenants() -> TenantDirectory:
    """Active tenants, each remembered for a minute in the warm container."""
    return TenantDirectory(cached.client("dynamodb"), settings().tenants_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
