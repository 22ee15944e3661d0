"""The ``world`` fixture of the points service's unit tests (see ``points_world``)."""

from points_world import world

__all__ = ["world"]
