"""A function's settings come from its environment: names in upper case, typed, required ones enforced."""

from __future__ import annotations

import pytest

from core.settings import EnvironmentSettings, StageTablesSettings


class Example(EnvironmentSettings):
    orders_table: str
    port: int = 587
    timeout_seconds: float = 10.0
    starttls: bool = True
    prefix: str = ""


def test_values_are_read_by_upper_case_name_and_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE", "bembos-dev-pedidos")
    monkeypatch.setenv("PORT", "2525")
    monkeypatch.setenv("TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("STARTTLS", "false")
    settings = Example()
    assert (settings.orders_table, settings.port, settings.timeout_seconds, settings.starttls) == (
        "bembos-dev-pedidos",
        2525,
        2.5,
        False,
    )
    assert settings.prefix == ""  # a default stands when the variable is absent


def test_a_missing_required_variable_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERS_TABLE", raising=False)
    with pytest.raises(LookupError, match="ORDERS_TABLE"):
        Example()


def test_a_value_of_the_wrong_type_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE", "t")
    monkeypatch.setenv("PORT", "smtp")
    with pytest.raises(ValueError, match="PORT='smtp'"):
        Example()


def test_values_given_by_name_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE", "from-env")
    assert Example(orders_table="given").orders_table == "given"


def test_each_stage_maps_to_its_tracking_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"COCINA_TABLE": "c", "DESPACHADOR_TABLE": "d", "DELIVERY_TABLE": "r"}.items():
        monkeypatch.setenv(name, value)
    assert StageTablesSettings().stage_tables() == {"COCINA": "c", "EMPAQUETAMIENTO": "d", "DELIVERY": "r"}


def test_a_given_environment_is_read_instead_of_the_process_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERS_TABLE", "from-process")
    settings = Example({"ORDERS_TABLE": "from-template", "PORT": "2525"})
    assert (settings.orders_table, settings.port) == ("from-template", 2525)
