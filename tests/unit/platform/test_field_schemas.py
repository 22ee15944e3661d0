"""The OpenAPI document says what the validators accept: a value built from a field's documented
pattern passes its validator (clients and the fuzzer build requests from the document)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from core.validation import CalendarDay, Email, Password, PersonName, PhonePe


@pytest.mark.parametrize("field", [Email, Password, PersonName, PhonePe], ids=["email", "password", "name", "phone"])
def test_every_value_the_documented_schema_allows_passes_the_validator(field: Any) -> None:
    adapter = TypeAdapter(field)
    schema = adapter.json_schema()
    assert schema.get("pattern"), "the document must state the rule, not only the lengths"
    lengths = st.from_regex(schema["pattern"]).filter(lambda v: schema["minLength"] <= len(v) <= schema["maxLength"])

    @settings(max_examples=50, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(lengths)
    def accepted(value: str) -> None:
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            raise AssertionError(f"{value!r} matches the documented pattern but is refused: {exc}") from exc

    accepted()


@pytest.mark.parametrize(
    ("field", "value"),
    [(Email, "no-at-sign.pe"), (Password, "1234567890"), (PersonName, "R2-D2"), (PhonePe, "+51 812 345 678")],
)
def test_the_documented_pattern_refuses_what_the_validator_refuses(field: Any, value: str) -> None:
    import re

    adapter = TypeAdapter(field)
    with pytest.raises(ValidationError):
        adapter.validate_python(value)
    assert not re.search(adapter.json_schema()["pattern"], value)


@pytest.mark.parametrize("value", ["0", "1700000000", "2026-1-5", "28/11/2026", "2026-02-30"])
def test_a_calendar_day_is_written_yyyy_mm_dd_and_exists(value: str) -> None:
    # The fuzzer's find: ?dia=0 listed 1970-01-01 (pydantic reads digits as a Unix time).
    with pytest.raises(ValidationError):
        TypeAdapter(CalendarDay).validate_python(value)
    assert TypeAdapter(CalendarDay).validate_python("2026-11-28") == date(2026, 11, 28)


def test_a_name_longer_than_documented_is_refused_even_when_trimming_would_shorten_it() -> None:
    # The fuzzer's find: " A" followed by 80 spaces passed as "A" while the document says at most 80.
    with pytest.raises(ValidationError):
        TypeAdapter(PersonName).validate_python(" A" + " " * 80)
    assert TypeAdapter(PersonName).validate_python("  Ana   María ") == "Ana María"
