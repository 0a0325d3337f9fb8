"""A datetime cell's serial number made from its text is the one typed and to_serial make."""

from __future__ import annotations

import pytest

from sheets_schema.cells import datetime_serial, to_serial, typed
from sheets_schema.columns import Kind


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-31 08:30:00",
        "2026-12-31 08:30",
        "2026-12-31T00:00:00",
        " 2026-01-01 10:00 ",
        "1899-12-29 12:00:01",
        "0001-01-01 00:00:01",
        "2028-02-29 23:59:59",
    ],
)
def test_a_time_chorus_writes_gets_the_serial_number_of_its_datetime(text: str) -> None:
    assert repr(datetime_serial(text)) == repr(to_serial(typed(Kind.DATETIME, text)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["2026-02-30 08:00", "2026-12-31 24:00", "2026-13-01 10:00", "2026-01-01", "soon"]
)
def test_text_that_is_not_a_real_time_is_left_to_typed(text: str) -> None:
    assert datetime_serial(text) is None
