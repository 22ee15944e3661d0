"""Settings and collaborators of the points functions (the consumer and the routes), built on first use and kept
while warm."""

from __future__ import annotations

from core.runtime import Caches
from core.settings import EnvironmentSettings
from puntos.dal import PointsDal

cached = Caches()


class Settings(EnvironmentSettings):
    """The environment of both points functions (``stacks/points_services.py``): the consumer is given the orders
    table, the routes the users table."""

    points_table: str
    orders_table: str = ""
    users_table: str = ""


settings = cached(Settings)  # read from the environment once per container


@cached
def dal() -> PointsDal:
    s = settings()
    return PointsDal(
        cached.client("dynamodb"), points_table=s.points_table, orders_table=s.orders_table, users_table=s.users_table
    )


def reset() -> None:
    """Forget settings and clients (tests)."""
    cached.reset()
