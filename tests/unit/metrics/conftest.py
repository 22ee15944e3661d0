"""The ``world`` fixture of the metrics service's unit tests (see ``metrics_world``)."""

from metrics_world import _saved_world, world

__all__ = ["_saved_world", "world"]
