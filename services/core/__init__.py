"""Shared code of the platform's services: observability, principal, errors, settings, DAL helpers."""
