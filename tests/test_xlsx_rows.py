"""A first sync's new rows are written straight from their values (automation/store/xlsx_rows.py):
the bytes are the same as the cell-by-cell writer makes, for every kind of value a row may hold."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from automation.store.xlsx_parts import SheetText, Styles, cell_xml
from automation.store.xlsx_rows import NewRows
from sheets_schema.cells import date_pattern
from sheets_schema.records import Cell
from sheets_schema.tabs import TABS

STYLES = (
    b'<styleSheet><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    b"</cellXfs></styleSheet>"
)
QUEUE = TABS["Queue"]
POSITIONS = {c.field: i for i, c in enumerate(QUEUE.columns)}
KINDS = {c.field: (c.kind, date_pattern(QUEUE, c)) for c in QUEUE.columns}


def cell_by_cell(number: int, values: dict[str, Cell]) -> bytes:
    """The row as SheetText.add_row writes it from cell_xml's cells (the reference)."""
    styles = Styles(STYLES)
    sheet = SheetText(b"", [], b"", list)
    cells = [(POSITIONS[f] + 1, cell_xml(v, KINDS[f], styles)) for f, v in values.items()]
    sheet.add_row(number, sorted(cells))
    return sheet.rows[0].raw


def at_once(number: int, values: dict[str, Cell]) -> bytes:
    return NewRows(POSITIONS, KINDS, Styles(STYLES)).xml(number, values)


def test_a_queue_item_as_a_sync_writes_it_is_the_same_bytes_either_way() -> None:
    item: dict[str, Cell] = {
        "id": "Q-0001",
        "created": "2026-12-31 08:38",
        "source_kind": "Staff & partners",
        "headline": "Team wins award",
        "details": "Line one\nline two <b>",
        "link": "",
        "channels": "LinkedIn, X",
        "flags": " leading space",
        "status": "New",
    }
    assert at_once(2, item) == cell_by_cell(2, item)
    assert b'<c r="B2" s="1" t="n"><v>' in at_once(2, item)  # the time is a real date cell


def test_times_to_the_second_odd_times_and_other_values_match_the_reference() -> None:
    writer = NewRows(POSITIONS, KINDS, Styles(STYLES))  # one writer: what it remembers counts
    for created in (
        "2026-12-31 08:38:05",
        "2026-12-31T08:38",
        "2026-02-30 10:00",
        "2026-12-31 24:00",
        "2026-12-31 08:38:61",
        "2026-12-31 08:61",
        "2026-12-31 08:38:6x",
        "2026-12-31 08:38:²1",
        "2026-12-31 08:38:05",  # the same minute again, and then a minute already known
        "2026-12-31 08:38",
        "1899-12-30 00:00",
        "２０２６-12-31 08:38",
        "not a time",
        datetime(2026, 12, 31, 8, 38),
        date(2026, 12, 31),
    ):
        row: dict[str, Cell] = {"id": "Q-1", "created": created, "share": True, "notes": 7}
        assert writer.xml(9, row) == cell_by_cell(9, row), created


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(
    st.dictionaries(
        st.sampled_from(list(POSITIONS)),
        st.one_of(
            TEXT,
            st.sampled_from(["2026-01-02 03:04", "2026-01-02 03:04:05", "", " x ", "a&b"]),
            st.integers(-5, 5),
            st.booleans(),
        ),
        min_size=1,
    ),
    st.integers(1, 100_000),
)
def test_any_row_is_written_as_the_cell_by_cell_writer_writes_it(
    values: dict[str, Cell], number: int
) -> None:
    assert at_once(number, values) == cell_by_cell(number, values)


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["id", "created", "headline", "link", "flags", "notes"]),
            st.one_of(
                TEXT,
                st.sampled_from(["2026-01-02 03:04", "", " x", "a&b", "<i>", "\x00", "x\x00y"]),
                st.integers(-5, 5),
            ),
            min_size=1,
        ),
        max_size=8,
    )
)
def test_rows_made_together_are_each_written_as_the_cell_by_cell_writer_writes_it(
    batch: list[dict[str, Cell]],
) -> None:
    # rows of the same fields are made a column at a time: a cell of one row must not
    # change how another row's cell is written
    writer = NewRows(POSITIONS, KINDS, Styles(STYLES))
    made = writer.rows(list(range(2, len(batch) + 2)), batch)
    assert made == [cell_by_cell(n, values) for n, values in enumerate(batch, start=2)]


def test_a_column_with_text_to_escape_or_an_empty_cell_is_written_cell_by_cell_alike() -> None:
    batch: list[dict[str, Cell]] = [
        {"id": "Q-1", "source_kind": "Staff & partners", "headline": "A", "link": ""},
        {"id": "Q-2", "source_kind": "Staff & partners", "headline": "<b>", "link": "x"},
        {"id": "Q-3", "source_kind": "Press", "headline": "C", "link": ""},
    ]
    made = NewRows(POSITIONS, KINDS, Styles(STYLES)).rows([5, 6, 7], batch)
    assert made == [cell_by_cell(n, values) for n, values in enumerate(batch, start=5)]
    assert b"Staff &amp; partners" in made[0] and b"&lt;b&gt;" in made[1]
