"""Settings and collaborators of the stage functions (the staff API and the stage consumer), built on first
use and kept while warm."""

from __future__ import annotations

from core.events import EventPublisher
from core.runtime import Caches
from core.settings import StageTablesSettings
from etapas.dal import CompletionChecks, StageDal

cached = Caches()


class Settings(StageTablesSettings):
    """The environment of the staff API, the stage consumer and the completion checker
    (``stacks/stage_services.py``); only the consumer is given the bus and the state machine."""

    orders_table: str
    event_bus_name: str = ""
    state_machine_arn: str = ""
    completion_checks_queue_url: str = ""  # the staff API's only


settings = cached(Settings)  # read from the environment once per container


@cached
def dal() -> StageDal:
    s = settings()
    return StageDal(
        cached.client("dynamodb"),
        cached.client("stepfunctions"),
        orders_table=s.orders_table,
        stage_tables=s.stage_tables(),
        state_machine_arn=s.state_machine_arn or None,
    )


@cached
def checks() -> CompletionChecks:
    return CompletionChecks(cached.client("sqs"), settings().completion_checks_queue_url)


@cached
def publisher() -> EventPublisher:
    return EventPublisher(cached.client("events"), settings().event_bus_name)


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
