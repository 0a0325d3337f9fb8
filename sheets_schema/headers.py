"""Header rows as people leave them: a schema column renamed in the sheet, found and named.

People rename headers (`Status` becomes `State`). Chorus finds columns by
header, so a renamed column reads as missing, and adding the schema's column
again would leave two: the people's, full, and Chorus's, empty. A column the
schema misses is matched to a header the schema does not know by three kinds
of evidence: a close spelling, the same place between the same neighbours,
or cells that are all allowed values of the missing column. `doctor`, `init`
and every read use it to say "rename 'State' back to 'Status'".
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sheets_schema.columns import Column, Kind, Tab, normalise_header
from sheets_schema.errors import SheetError
from sheets_schema.values import split_multi

#: how alike two headers must be (difflib's ratio) to count as a close spelling
SPELLING_CUTOFF = 0.75


@dataclass(frozen=True)
class Rename:
    """A header in the sheet that is most likely the schema's `expected` column renamed."""

    tab: str
    expected: str
    found: str
    position: int  # 0-based column of the found header
    evidence: tuple[str, ...]  # "spelling", "place", "values"

    @property
    def letter(self) -> str:
        """The column's letter, as a spreadsheet shows it (A, B, ..., AA)."""
        return column_letter(self.position)

    def advice(self) -> str:
        """What a person should do, naming tab and column."""
        return (
            f"rename {self.found!r} back to {self.expected!r} "
            f"in tab {self.tab}, column {self.letter}"
        )

    def description(self) -> str:
        """The finding in words: which column, and why it looks renamed."""
        return (
            f"column {self.letter} is headed {self.found!r}, which looks like "
            f"{self.expected!r} renamed ({self.why()})"
        )

    def why(self) -> str:
        """The evidence in words."""
        words = {
            "spelling": "a close spelling",
            "place": "the same place",
            "values": f"only values {self.expected!r} allows",
        }
        return ", ".join(words[e] for e in self.evidence)


def column_letter(index: int) -> str:
    """0-based column index -> A, B, ..., Z, AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def unmatched(tab: Tab, headers: Sequence[str]) -> tuple[list[Column], list[int]]:
    """The schema's columns the header row lacks, and the positions of headers the schema does not know."""
    known = tab.by_header()
    have = {normalise_header(h) for h in headers}
    missing = [c for c in tab.columns if normalise_header(c.header) not in have]
    strangers = [i for i, h in enumerate(headers) if h.strip() and normalise_header(h) not in known]
    return missing, strangers


#: a tab's data rows, as a store reads them
Rows = Iterable[Sequence[object]]


def find_renames(
    tab: Tab, headers: Sequence[str], rows: Rows | Callable[[], Rows] = ()
) -> list[Rename]:
    """Each missing schema column that a stranger header most likely is, renamed.

    `rows` are the data rows under the header, or a function that reads them:
    read only when a missing column has allowed values and a header is unknown.
    A header that matches two columns equally well, or a column matched equally
    by two headers, is left alone: the advice would be a guess.
    """
    missing, strangers = unmatched(tab, headers)
    if not missing or not strangers:
        return []
    cells: dict[int, list[str]] = {}
    if any(c.choices for c in missing):
        cells = _stranger_cells(strangers, rows() if callable(rows) else rows)
    pairs = [
        (col, j, ev)
        for col in missing
        for j in strangers
        if (ev := _evidence(tab, col, headers, j, cells.get(j, [])))
    ]
    pairs.sort(key=lambda p: (-len(p[2]), p[1]))
    taken_cols: set[str] = set()
    taken_pos: set[int] = set()
    found: list[Rename] = []
    for col, j, ev in pairs:
        if col.field in taken_cols or j in taken_pos:
            continue
        tie = any(
            (other is not col or k != j)
            and (other is col or k == j)
            and len(other_ev) == len(ev)
            and other.field not in taken_cols
            and k not in taken_pos
            for other, k, other_ev in pairs
        )
        taken_cols.add(col.field)
        taken_pos.add(j)
        if not tie:
            found.append(Rename(tab.name, col.header, headers[j].strip(), j, ev))
    return sorted(found, key=lambda r: r.position)


def _stranger_cells(strangers: list[int], rows: Iterable[Sequence[object]]) -> dict[int, list[str]]:
    cells: dict[int, list[str]] = {j: [] for j in strangers}
    for row in rows:
        for j in strangers:
            if j < len(row) and row[j] is not None and str(row[j]).strip():
                cells[j].append(str(row[j]).strip())
    return cells


def _evidence(
    tab: Tab, col: Column, headers: Sequence[str], j: int, cells: list[str]
) -> tuple[str, ...]:
    ev: list[str] = []
    ratio = difflib.SequenceMatcher(
        None, normalise_header(col.header), normalise_header(headers[j])
    ).ratio()
    if ratio >= SPELLING_CUTOFF:
        ev.append("spelling")
    if _same_place(tab, col, headers, j):
        ev.append("place")
    if cells and col.choices and all(_allowed(col, v) for v in cells):
        ev.append("values")
    return tuple(ev)


def _same_place(tab: Tab, col: Column, headers: Sequence[str], j: int) -> bool:
    """Between the same neighbours as in the schema: both of them, so a column people
    added after the last one is never taken for a column the schema added later."""
    i = tab.columns.index(col)
    if i + 1 >= len(tab.columns) or j + 1 >= len(headers):
        return False
    after = normalise_header(headers[j + 1]) == normalise_header(tab.columns[i + 1].header)
    if i == 0:
        return after and j == 0
    before = j > 0 and normalise_header(headers[j - 1]) == normalise_header(
        tab.columns[i - 1].header
    )
    return before and after


def _allowed(col: Column, value: str) -> bool:
    allowed = {c.casefold() for c in col.choices}
    if col.kind is Kind.MULTI_CHOICE:
        return all(v.casefold() in allowed for v in split_multi(value))
    return value.casefold() in allowed


def renamed_headers_error(renames: Sequence[Rename], created: Sequence[str]) -> SheetError:
    """What `init` says instead of adding a second, empty column beside a renamed one."""
    first = renames[0]
    message = f"{first.description()}; Chorus did not add a second {first.expected!r}"
    if renames[1:]:
        message += " (also " + "; ".join(r.description() for r in renames[1:]) + ")"
    if created:
        message += f"; it added the rest: {', '.join(created)}"
    return SheetError(
        message,
        tab=first.tab,
        column=first.found,
        fix="; ".join(r.advice() for r in renames) + ", then run `chorus init` again",
    )


def columns_to_add(tab: Tab, headers: Sequence[str], renames: Sequence[Rename]) -> list[Column]:
    """The schema columns `init` may add: missing, and not a renamed one it would duplicate."""
    renamed = {r.expected for r in renames}
    return [c for c in unmatched(tab, headers)[0] if c.header not in renamed]
