"""The ``world`` fixture of the metrics service's unit tests (see ``metrics_world``)."""

from metrics_world import world

__all__ = ["world"]
