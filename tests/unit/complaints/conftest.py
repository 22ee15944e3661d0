"""The ``world`` fixture of the complaints service's unit tests (see ``complaints_world``)."""

from complaints_world import world

__all__ = ["world"]
