"""The tenants' unit tests share the moto world of ``tenants_world``."""

from tenants_world import world  # noqa: F401 (the fixture)
