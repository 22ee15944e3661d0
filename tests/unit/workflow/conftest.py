"""The ``world`` fixture of the workflow unit tests (see ``workflow_world``)."""

from workflow_world import world

__all__ = ["world"]
