"""Settings pieces more than one function reads from its environment."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from core import contracts


class StageTablesSettings(BaseSettings):
    """The tracking table of each stage (``COCINA_TABLE``, ``DESPACHADOR_TABLE``, ``DELIVERY_TABLE``)."""

    cocina_table: str = ""
    despachador_table: str = ""
    delivery_table: str = ""

    def stage_tables(self) -> dict[str, str]:
        """Stage (``COCINA``, ...) -> the name of its tracking table."""
        return {stage.state: getattr(self, stage.table_setting.lower()) for stage in contracts.STAGES.values()}
