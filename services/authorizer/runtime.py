"""Settings and collaborators of the authorizer function, built on first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from authorizer.dal import TokenStore
from core.settings import EnvironmentSettings
from core.tenants import TenantDirectory


class Settings(EnvironmentSettings):
    """The environment of the authorizer function (``stacks/api.py``)."""

    tokens_table: str
    tenants_table: str


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def store() -> TokenStore:
    return TokenStore(_dynamodb(), settings().tokens_table)


@functools.cache
def tenants() -> TenantDirectory:
    """Active tenants, each remembered for a minute in the warm container."""
    return TenantDirectory(_dynamodb(), settings().tenants_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, _dynamodb, store, tenants):
        cached.cache_clear()
