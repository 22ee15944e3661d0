"""Settings and collaborators of the authorizer function, built on first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from authorizer.dal import TokenStore
from core.settings import EnvironmentSettings


class Settings(EnvironmentSettings):
    """The environment of the authorizer function (``stacks/api.py``)."""

    tokens_table: str


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def store() -> TokenStore:
    return TokenStore(boto3.client("dynamodb"), settings().tokens_table)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, store):
        cached.cache_clear()
