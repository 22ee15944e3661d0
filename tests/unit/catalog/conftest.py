"""Fixtures of the catalog tests live in ``catalog_support`` (its helpers are imported by the tests too)."""

from catalog_support import catalog, combos, locales, productos, with_locations

__all__ = ["catalog", "combos", "locales", "productos", "with_locations"]
