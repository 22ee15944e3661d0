"""Settings and collaborators of the stage functions (the staff API and the stage consumer), built on first
use and kept while warm."""

from __future__ import annotations

import functools

import boto3

from core.events import EventPublisher
from core.settings import StageTablesSettings
from etapas.dal import CompletionChecks, StageDal


class Settings(StageTablesSettings):
    """The environment of the staff API, the stage consumer and the completion checker
    (``stacks/stage_services.py``); only the consumer is given the bus and the state machine."""

    orders_table: str
    event_bus_name: str = ""
    state_machine_arn: str = ""
    completion_checks_queue_url: str = ""  # the staff API's only


@functools.cache
def settings() -> Settings:
    return Settings()  # read from the environment


@functools.cache
def dal() -> StageDal:
    s = settings()
    return StageDal(
        boto3.client("dynamodb"),
        boto3.client("stepfunctions"),
        orders_table=s.orders_table,
        stage_tables=s.stage_tables(),
        state_machine_arn=s.state_machine_arn or None,
    )


@functools.cache
def checks() -> CompletionChecks:
    return CompletionChecks(boto3.client("sqs"), settings().completion_checks_queue_url)


@functools.cache
def publisher() -> EventPublisher:
    return EventPublisher(boto3.client("events"), settings().event_bus_name)


def reset() -> None:
    """Forget settings and clients (tests)."""
    for cached in (settings, dal, checks, publisher):
        cached.cache_clear()
