"""A function's settings, read from its environment once per container.

A service's ``runtime.Settings`` declares its variables as annotated class attributes (a default
makes one optional); ``Settings()`` reads each from the variable of the same name in upper case
(``orders_table`` <- ``ORDERS_TABLE``) and refuses to start without a required one. Plain Python, not
pydantic-settings: that package costs every cold start about 100 ms to read a handful of strings.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable, Mapping

from core import contracts

_PARSERS: dict[type, Callable[[str], object]] = {
    str: str,
    int: int,
    float: float,
    bool: lambda raw: raw.strip().lower() in {"1", "true", "yes", "on"},
}


class EnvironmentSettings:
    """Settings read from ``os.environ``, or from ``environ`` (a function's environment as a tool sees it),
    values given by name winning (tests and tools)."""

    def __init__(self, environ: Mapping[str, str] | None = None, **given: object) -> None:
        source = os.environ if environ is None else environ
        missing = []
        for name, kind in typing.get_type_hints(type(self)).items():
            raw = source.get(name.upper())
            if name in given:
                value = given[name]
            elif raw is not None:
                try:
                    value = _PARSERS[kind](raw)
                except ValueError as exc:
                    raise ValueError(f"{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
            elif hasattr(type(self), name):
                value = getattr(type(self), name)
            else:
                missing.append(name.upper())
                continue
            setattr(self, name, value)
        if missing:
            raise LookupError(f"Environment variables not set: {', '.join(missing)}")


class StageTablesSettings(EnvironmentSettings):
    """The tracking table of each stage (``COCINA_TABLE``, ``DESPACHADOR_TABLE``, ``DELIVERY_TABLE``)."""

    cocina_table: str = ""
    despachador_table: str = ""
    delivery_table: str = ""

    def stage_tables(self) -> dict[str, str]:
        """Stage (``COCINA``, ...) -> the name of its tracking table."""
        return {stage.state: getattr(self, stage.table_setting.lower()) for stage in contracts.STAGES.values()}
