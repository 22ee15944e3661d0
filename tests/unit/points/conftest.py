"""The ``world`` fixture of the points service's unit tests (see ``points_world``)."""

from points_world import _saved_world, world

__all__ = ["_saved_world", "world"]
