"""Settings and collaborators of the users function, built on first use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core.events import EventPublisher
from core.sessions import SessionStore
from core.settings import EnvironmentSettings
from core.tenants import TenantDirectory
from usuarios.dal import LoginThrottle, UsersDal
from usuarios.logic import LoginPolicy


class Settings(EnvironmentSettings):
    """The environment of the users function (``stacks/identity_services.py``)."""

    tenants_table: str
    users_table: str
    employees_table: str
    tokens_table: str
    event_bus_name: str
    customer_session_hours: int = 12
    staff_session_hours: int = 12


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def _dynamodb() -> object:
    return boto3.client("dynamodb")


@functools.cache
def tenants() -> TenantDirectory:
    """Known tenants, cached ~60 s in the warm container."""
    return TenantDirectory(_dynamodb(), settings().tenants_table)


@functools.cache
def dal() -> UsersDal:
    s = settings()
    return UsersDal(_dynamodb(), users_table=s.users_table, employees_table=s.employees_table)


@functools.cache
def sessions() -> SessionStore:
    return SessionStore(_dynamodb(), settings().tokens_table)


@functools.cache
def throttle() -> LoginThrottle:
    return LoginThrottle(_dynamodb(), settings().tokens_table)


@functools.cache
def publisher() -> EventPublisher:
    return EventPublisher(boto3.client("events"), settings().event_bus_name)


def policy() -> LoginPolicy:
    s = settings()
    return LoginPolicy(customer_session_hours=s.customer_session_hours, staff_session_hours=s.staff_session_hours)


def reset() -> None:
    """Forget settings, clients and the tenant cache (tests)."""
    for cached in (settings, _dynamodb, tenants, dal, sessions, throttle, publisher):
        cached.cache_clear()
