"""Fixtures of the catalog tests live in ``catalog_support`` (its helpers are imported by the tests too)."""

from catalog_support import _saved_catalog, catalog, combos, locales, productos, with_locations

__all__ = ["_saved_catalog", "catalog", "combos", "locales", "productos", "with_locations"]
