"""The ``world`` fixture of the stage service's unit tests (see ``stage_world``)."""

from stage_world import world

__all__ = ["world"]
