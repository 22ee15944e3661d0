"""The ``world`` fixture of the complaints service's unit tests (see ``complaints_world``)."""

from complaints_world import _saved_world, world

__all__ = ["_saved_world", "world"]
