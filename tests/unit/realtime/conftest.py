"""The module-scoped moto world under the realtime tests' ``world`` fixture (which they import from
``realtime_world``)."""

from realtime_world import _saved_world

__all__ = ["_saved_world"]
