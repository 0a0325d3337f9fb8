"""The Sheets twin's data model: cells, sheets, spreadsheets, A1 ranges, value input and rendering.

Kept apart from the HTTP handlers so the rules Google applies to values (USER_ENTERED parsing,
FORMATTED_VALUE rendering, trailing-empty trimming, table detection for append) read as plain
functions, each with the quirk it reproduces named in a comment.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.google_http import ApiError, bad_request

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_COLUMN_LETTERS = 3  # Google's last column is ZZZ (18278)
# Google's limits, with its words. A cell's text is measured in UTF-16 code units, as Sheets'
# own LEN() counts (an emoji is 2); a spreadsheet holds at most ten million grid cells.
CELL_TEXT_LIMIT = 50_000
CELL_TEXT_ERROR = (
    f"Your input contains more than the maximum of {CELL_TEXT_LIMIT} characters in a single cell."
)
CELLS_LIMIT = 10_000_000
CELLS_ERROR = (
    f"This action would increase the number of cells in the workbook above the limit of "
    f"{CELLS_LIMIT} cells."
)
EPOCH = dt.datetime(1899, 12, 30)  # Sheets serial day 0

# Google's default spreadsheet format and theme, as every new spreadsheet reports them.
DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME = {
    "primaryFontFamily": "Arial",
    "themeColors": [{"colorType": t, "color": {"rgbColor": c}} for t, c in _THEME],
}


# ---------------------------------------------------------------- A1 notation


def col_letters(index: int) -> str:
    """0 -> "A", 26 -> "AA"."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?$")
_SIMPLE_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$|^[Rr]\d*[Cc]\d*$")


def quote_title(title: str) -> str:
    """Google quotes a sheet title in ranges unless it is a plain word that cannot be a cell."""
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def a1(r0: int, c0: int, r1: int, c1: int) -> str:
    """A1 text of a bounded 0-based, end-exclusive box; a single cell has no colon."""
    start = f"{col_letters(c0)}{r0 + 1}"
    if r1 - r0 == 1 and c1 - c0 == 1:
        return start
    return f"{start}:{col_letters(c1 - 1)}{r1}"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """("'My Tab'!A1:B2") -> ("My Tab", "A1:B2"); quotes are undone ('' is one quote)."""
    s = text.strip()
    if s.startswith("'"):
        i, title = 1, ""
        while i < len(s):
            if s[i] == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    title += "'"
                    i += 2
                    continue
                break
            title += s[i]
            i += 1
        else:
            raise ValueError(text)
        rest = s[i + 1 :]
        if rest == "":
            return title, None
        if rest.startswith("!"):
            return title, rest[1:]
        raise ValueError(text)
    if "!" in s:
        title, rest = s.rsplit("!", 1)
        return title, rest
    return None, s


def parse_cells(text: str) -> tuple[int | None, int | None, int | None, int | None] | None:
    """A1 part -> (r0, c0, r1, c1) 0-based with end exclusive; None means unbounded/absent."""
    parts = text.split(":")
    if len(parts) > 2 or not text:
        return None
    points = []
    for part in parts:
        m = _CELL.match(part.strip())
        if not m or (m.group(1) is None and m.group(2) is None):
            return None
        col = col_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            return None
        points.append((row, col))
    if len(points) == 1:
        row, col = points[0]
        if row is None or col is None:
            return None
        return row, col, row + 1, col + 1
    (ra, ca), (rb, cb) = points
    rows = [r for r in (ra, rb) if r is not None]
    cols = [c for c in (ca, cb) if c is not None]
    r0 = min(rows) if len(rows) == 2 else (ra if ra is not None else 0)
    r1 = max(rows) + 1 if len(rows) == 2 else (None if rb is None else rb + 1)
    c0 = min(cols) if len(cols) == 2 else (ca if ca is not None else 0)
    c1 = max(cols) + 1 if len(cols) == 2 else (None if cb is None else cb + 1)
    if ra is None and rb is not None and len(rows) == 1:  # "A:C5" style
        r0, r1 = 0, rb + 1
    if ca is None and cb is not None and len(cols) == 1:
        c0, c1 = 0, cb + 1
    return r0, c0, r1, c1


# ---------------------------------------------------------------- values


@dataclass(slots=True)
class Cell:
    value: Any = None  # effective value: str, int/float, bool or None
    formula: str | None = None
    formatted: str | None = None  # display text kept from input ("2,000,000.01", "2020-01-01")
    is_date: bool = False
    note: str | None = None
    fmt: dict | None = None
    validation: dict | None = None

    def has_value(self) -> bool:
        return self.formula is not None or (self.value is not None and self.value != "")

    def is_blank(self) -> bool:
        return not self.has_value() and not self.note and not self.fmt and not self.validation

    def copy(self) -> Cell:
        """Formats, notes and validation rules are replaced wholesale, never mutated, so sharing
        them between copies is safe and keeps snapshots of big sheets fast."""
        return Cell(
            self.value,
            self.formula,
            self.formatted,
            self.is_date,
            self.note,
            self.fmt,
            self.validation,
        )

    def clear_value(self) -> None:
        self.value = None
        self.formula = None
        self.formatted = None
        self.is_date = False


_NUMBER = re.compile(r"^([+-]?)(\$?)(\d{1,3}(?:,\d{3})+|\d*)(\.\d*)?(?:[eE]([+-]?\d+))?(%?)$")
_DATE_ISO = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_DATE_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def to_serial(when: dt.datetime) -> float:
    delta = when - EPOCH
    return delta.days + delta.seconds / 86400


def _date_serial(text: str) -> float | None:
    m = _DATE_ISO.match(text)
    parts = None
    if m:
        parts = (int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6])
    else:
        m = _DATE_US.match(text)  # the twin's spreadsheets use the en_US locale
        if m:
            parts = (int(m[3]), int(m[1]), int(m[2]), m[4], m[5], m[6])
    if parts is None:
        m = _TIME.match(text)
        if m and int(m[1]) < 24:
            return (int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)) / 86400
        return None
    year, month, day, hh, mm, ss = parts
    try:
        when = dt.datetime(year, month, day, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    return to_serial(when)


def number(value: float) -> int | float:
    """JSON numbers as Google writes them: 2 not 2.0."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def format_number(value: float) -> str:
    """Google's automatic number format for a value typed or computed without a format."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        return f"{value:.2E}"
    return text


#: NumberFormat.type values Google accepts
NUMBER_FORMAT_TYPES = (
    "TEXT",
    "NUMBER",
    "PERCENT",
    "CURRENCY",
    "DATE",
    "TIME",
    "DATE_TIME",
    "SCIENTIFIC",
)
_PATTERN_TOKEN = re.compile(r"yyyy|yy|mm|m|dd|d|hh|h|ss|s|\\.|\"[^\"]*\"|.", re.IGNORECASE)


def format_serial(value: float, pattern: str) -> str:
    """A serial number shown through a date/time pattern, to the nearest second as Google shows it.

    Covers the tokens Chorus's formats use (yyyy, yy, mm, m, dd, d, hh, h, ss,
    s, literals); `m` after an hour or before seconds is minutes, as in Google.
    """
    when = EPOCH + dt.timedelta(seconds=round(value * 86400))
    tokens = _PATTERN_TOKEN.findall(pattern)
    out: list[str] = []
    for i, token in enumerate(tokens):
        low = token.lower()
        before = next((x.lower() for x in reversed(tokens[:i]) if x.isalpha()), "")
        after = next((x.lower() for x in tokens[i + 1 :] if x.isalpha()), "")
        if low in ("m", "mm") and (before.startswith("h") or after.startswith("s")):
            out.append(f"{when.minute:0{len(low)}d}")
        elif low in ("m", "mm"):
            out.append(f"{when.month:0{len(low)}d}")
        elif low in ("yyyy", "yy"):
            out.append(f"{when.year:04d}" if low == "yyyy" else f"{when.year % 100:02d}")
        elif low in ("d", "dd"):
            out.append(f"{when.day:0{len(low)}d}")
        elif low in ("h", "hh"):
            out.append(f"{when.hour:0{len(low)}d}")
        elif low in ("s", "ss"):
            out.append(f"{when.second:0{len(low)}d}")
        elif token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        else:
            out.append(token)
    return "".join(out)


def user_entered(cell: Cell, raw: Any) -> None:
    """USER_ENTERED: parse as if typed into the UI (formulas, numbers, dates, booleans)."""
    cell.clear_value()
    if isinstance(raw, bool):
        cell.value = raw
        return
    if isinstance(raw, int | float):
        cell.value = number(raw)
        return
    text = str(raw)
    if text == "":
        return
    if text.startswith("'"):
        cell.value = text[1:]  # a leading apostrophe forces text, and is not kept
        return
    if text.startswith("=") and len(text) > 1:
        cell.formula = text
        return
    if text.upper() in ("TRUE", "FALSE"):
        cell.value = text.upper() == "TRUE"
        return
    m = _NUMBER.match(text.strip())
    if m and (m[3] or (m[4] and len(m[4]) > 1)):
        digits = (m[3] or "0").replace(",", "") + (m[4] or "")
        value = float(digits) * (10 ** int(m[5]) if m[5] else 1)
        if m[1] == "-":
            value = -value
        if m[6]:
            value /= 100
        cell.value = number(value)
        if "," in text or m[2] or m[6]:
            cell.formatted = text.strip()  # Google keeps the typed number format
        return
    serial = _date_serial(text.strip())
    if serial is not None:
        cell.value = number(serial)
        cell.formatted = text.strip()
        cell.is_date = True
        return
    cell.value = text


def raw_entered(cell: Cell, raw: Any) -> None:
    """RAW: stored as given; strings stay strings even when they look like numbers or formulas."""
    cell.clear_value()
    if raw is None or raw == "":
        return
    cell.value = number(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else raw


# ---------------------------------------------------------------- formulas


class FormulaError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<str>\"(?:[^\"]|\"\")*\")"
    r"|(?P<ref>(?:'(?:[^']|'')+'!|[A-Za-z_][A-Za-z0-9_]*!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op><>|<=|>=|[-+*/^&(),=<>:]))"
)


class Formula:
    """A small evaluator: arithmetic, comparisons, cell references and a few common functions.

    Unknown functions give "#NAME?" like Google; bad arithmetic gives "#VALUE!" / "#DIV/0!".
    """

    FUNCS = {
        "SUM",
        "AVERAGE",
        "MIN",
        "MAX",
        "COUNT",
        "COUNTA",
        "CONCATENATE",
        "CONCAT",
        "LEN",
        "UPPER",
        "LOWER",
        "TRIM",
        "ROUND",
        "ABS",
        "IF",
        "AND",
        "OR",
        "NOT",
    }

    def __init__(self, book: Spreadsheet, sheet: Sheet, text: str, depth: int = 0) -> None:
        self.book, self.sheet, self.depth = book, sheet, depth
        self.tokens: list[tuple[str, str]] = []
        pos, body = 0, text[1:]
        while pos < len(body):
            m = _TOKEN.match(body, pos)
            if not m or m.end() == pos:
                if body[pos:].strip() == "":
                    break
                raise FormulaError("#ERROR!")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def evaluate(self) -> Any:
        if self.depth > 50:
            raise FormulaError("#REF!")
        value = self.compare()
        if self.i != len(self.tokens):
            raise FormulaError("#ERROR!")
        if isinstance(value, list):
            value = value[0] if value else ""
        return value

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise FormulaError("#ERROR!")
        self.i += 1
        return tok

    def compare(self) -> Any:
        left = self.concat()
        while (
            (tok := self.peek()) and tok[0] == "op" and tok[1] in ("=", "<>", "<", ">", "<=", ">=")
        ):
            self.i += 1
            right = self.concat()
            a, b = _scalar(left), _scalar(right)
            ops = {"=": a == b, "<>": a != b}
            try:
                ops.update({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b})
            except TypeError:
                raise FormulaError("#VALUE!") from None
            left = ops[tok[1]]
        return left

    def concat(self) -> Any:
        left = self.additive()
        while self.peek() == ("op", "&"):
            self.i += 1
            left = _text(left) + _text(self.additive())
        return left

    def additive(self) -> Any:
        left = self.term()
        while (tok := self.peek()) and tok in (("op", "+"), ("op", "-")):
            self.i += 1
            right = self.term()
            left = _num(left) + _num(right) if tok[1] == "+" else _num(left) - _num(right)
        return left

    def term(self) -> Any:
        left = self.power()
        while (tok := self.peek()) and tok in (("op", "*"), ("op", "/")):
            self.i += 1
            right = self.power()
            if tok[1] == "*":
                left = _num(left) * _num(right)
            else:
                if _num(right) == 0:
                    raise FormulaError("#DIV/0!")
                left = _num(left) / _num(right)
        return left

    def power(self) -> Any:
        left = self.unary()
        while self.peek() == ("op", "^"):
            self.i += 1
            left = _num(left) ** _num(self.unary())
        return left

    def unary(self) -> Any:
        tok = self.peek()
        if tok in (("op", "-"), ("op", "+")):
            self.i += 1
            value = _num(self.unary())
            return -value if tok[1] == "-" else value
        return self.atom()

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "ref":
            return self.reference(text)
        if kind == "op" and text == "(":
            value = self.compare()
            self.take(")")
            return value
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(text.upper())
            if text.upper() in ("TRUE", "FALSE"):
                return text.upper() == "TRUE"
            named = self.book.named_range(text)
            if named is not None:
                return self.values(*named)
            raise FormulaError("#NAME?")
        raise FormulaError("#ERROR!")

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.compare())
            while self.peek() == ("op", ","):
                self.i += 1
                args.append(self.compare())
        self.take(")")
        if name not in self.FUNCS:
            raise FormulaError("#NAME?")
        flat = [v for a in args for v in (a if isinstance(a, list) else [a])]
        nums = [v for v in flat if isinstance(v, int | float) and not isinstance(v, bool)]
        if name == "SUM":
            return float(sum(nums))
        if name == "AVERAGE":
            if not nums:
                raise FormulaError("#DIV/0!")
            return sum(nums) / len(nums)
        if name in ("MIN", "MAX"):
            return float((min if name == "MIN" else max)(nums)) if nums else 0.0
        if name == "COUNT":
            return float(len(nums))
        if name == "COUNTA":
            return float(len([v for v in flat if v not in (None, "")]))
        if name in ("CONCATENATE", "CONCAT"):
            return "".join(_text(v) for v in flat)
        if name in ("LEN", "UPPER", "LOWER", "TRIM"):
            text = _text(_scalar(args[0])) if args else ""
            return {
                "LEN": float(len(text)),
                "UPPER": text.upper(),
                "LOWER": text.lower(),
                "TRIM": " ".join(text.split()),
            }[name]
        if name == "ROUND":
            digits = int(_num(args[1])) if len(args) > 1 else 0
            return float(round(_num(args[0]), digits))
        if name == "ABS":
            return abs(_num(args[0]))
        if name == "IF":
            cond = _scalar(args[0]) if args else False
            return (
                (args[1] if len(args) > 1 else True)
                if cond
                else (args[2] if len(args) > 2 else False)
            )
        if name == "AND":
            return all(bool(v) for v in flat)
        if name == "OR":
            return any(bool(v) for v in flat)
        return not _scalar(args[0])  # NOT

    def reference(self, text: str) -> Any:
        title, cells = split_sheet(text)
        sheet = self.sheet if title is None else self.book.sheet_by_title(title)
        if sheet is None:
            raise FormulaError("#REF!")
        box = parse_cells(cells or "")
        if box is None:
            raise FormulaError("#REF!")
        r0, c0, r1, c1 = box
        values = self.values(sheet, r0 or 0, c0 or 0, r1 or r0 + 1, c1 or c0 + 1)
        return values[0] if len(values) == 1 and ":" not in (cells or "") else values

    def values(self, sheet: Sheet, r0: int, c0: int, r1: int, c1: int) -> list[Any]:
        out = []
        for (r, c), cell in sheet.cells.items():
            if r0 <= r < r1 and c0 <= c < c1:
                out.append(self.book.effective(sheet, cell, self.depth + 1))
        if r1 - r0 == 1 and c1 - c0 == 1 and not out:
            out.append("")
        return out


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def _num(value: Any) -> float:
    value = _scalar(value)
    if value in (None, ""):
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        raise FormulaError("#VALUE!") from None


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


# ---------------------------------------------------------------- sheets and spreadsheets


@dataclass
class Sheet:
    props: dict
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)
    basic_filter: dict | None = None
    protected_ranges: list[dict] = field(default_factory=list)
    row_groups: list[dict] = field(default_factory=list)
    column_groups: list[dict] = field(default_factory=list)
    conditional_formats: list[dict] = field(default_factory=list)
    row_meta: dict[int, dict] = field(default_factory=dict)
    col_meta: dict[int, dict] = field(default_factory=dict)
    developer_metadata: list[dict] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def grid(self) -> dict:
        return self.props.setdefault("gridProperties", {})

    @property
    def rows(self) -> int:
        return self.grid.get("rowCount", 0)

    @property
    def cols(self) -> int:
        return self.grid.get("columnCount", 0)

    def prefix(self) -> str:
        return quote_title(self.title) + "!"

    def cell(self, r: int, c: int) -> Cell:
        found = self.cells.get((r, c))
        if found is None:
            found = self.cells[(r, c)] = Cell()
        return found

    def used_extent(self) -> tuple[int, int]:
        """One past the last row and column holding anything."""
        rows = cols = 0
        for (r, c), cell in self.cells.items():
            if not cell.is_blank():
                rows, cols = max(rows, r + 1), max(cols, c + 1)
        return rows, cols

    def prune(self) -> None:
        for key in [k for k, cell in self.cells.items() if cell.is_blank()]:
            del self.cells[key]

    def cells_in(self, box: Box) -> list[tuple[tuple[int, int], Cell]]:
        """Stored cells inside a box, by whichever is cheaper: the box's area or the store."""
        area = (box.r1 - box.r0) * (box.c1 - box.c0)
        if area < len(self.cells):
            found = []
            for r in range(box.r0, box.r1):
                for c in range(box.c0, box.c1):
                    cell = self.cells.get((r, c))
                    if cell is not None:
                        found.append(((r, c), cell))
            return found
        return [
            (k, cell)
            for k, cell in self.cells.items()
            if box.r0 <= k[0] < box.r1 and box.c0 <= k[1] < box.c1
        ]

    def snapshot(self) -> Sheet:
        """A copy cheap enough to take before every batch: cells are copied one level deep."""
        other = copy.copy(self)
        other.props = copy.deepcopy(self.props)
        other.cells = {k: v.copy() for k, v in self.cells.items()}
        for name in (
            "merges",
            "protected_ranges",
            "row_groups",
            "column_groups",
            "conditional_formats",
            "developer_metadata",
            "basic_filter",
        ):
            setattr(other, name, copy.deepcopy(getattr(self, name)))
        other.row_meta = copy.deepcopy(self.row_meta)
        other.col_meta = copy.deepcopy(self.col_meta)
        return other


@dataclass
class Box:
    """A bounded range on one sheet: rows r0..r1-1, columns c0..c1-1."""

    sheet: Sheet
    r0: int
    c0: int
    r1: int
    c1: int

    def a1(self) -> str:
        return self.sheet.prefix() + a1(self.r0, self.c0, self.r1, self.c1)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Google (Java strings) counts characters."""
    return len(text.encode("utf-16-le")) // 2


def check_cell_text(rows: list[list[Any]]) -> None:
    """Google's 400 for a value over 50,000 characters, before any cell is written."""
    for row in rows:
        for raw in row:
            if isinstance(raw, str) and len(raw) > CELL_TEXT_LIMIT // 2:
                if utf16_len(raw) > CELL_TEXT_LIMIT:
                    raise bad_request(CELL_TEXT_ERROR)


@dataclass
class Spreadsheet:
    id: str
    props: dict
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict] = field(default_factory=list)
    developer_metadata: list[dict] = field(default_factory=list)

    # ---- Google's limits

    def cell_total(self) -> int:
        """Grid cells in the spreadsheet, empty ones included: what Google's limit counts."""
        return sum(s.rows * s.cols for s in self.sheets)

    def check_cells(self, where: str = "") -> None:
        """Google's 400 when the grid has grown past ten million cells."""
        if self.cell_total() > CELLS_LIMIT:
            raise bad_request(f"{where}: {CELLS_ERROR}" if where else CELLS_ERROR)

    # ---- lookup

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        # Sheet names in A1 ranges match case-insensitively in Google Sheets.
        exact = next((s for s in self.sheets if s.title == title), None)
        return exact or next((s for s in self.sheets if s.title.lower() == title.lower()), None)

    def named_range(self, name: str) -> tuple[Sheet, int, int, int, int] | None:
        for nr in self.named_ranges:
            if nr["name"].lower() == name.lower():
                rng = nr["range"]
                sheet = self.sheet_by_id(rng.get("sheetId", 0))
                if sheet is None:
                    return None
                return (
                    sheet,
                    rng.get("startRowIndex", 0),
                    rng.get("startColumnIndex", 0),
                    rng.get("endRowIndex", sheet.rows),
                    rng.get("endColumnIndex", sheet.cols),
                )
        return None

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    # ---- ranges

    def resolve(self, text: str, *, for_write: bool = False) -> Box:
        """An A1 range or named range -> a bounded Box; Google's errors for unparsable or too-big."""
        try:
            title, cells = split_sheet(text)
        except ValueError:
            raise bad_request(f"Unable to parse range: {text}") from None
        if title is not None:
            sheet = self.sheet_by_title(title)
            if sheet is None:
                raise bad_request(f"Unable to parse range: {text}")
            if cells is None or cells == "":
                return Box(sheet, 0, 0, sheet.rows, sheet.cols)
            box = parse_cells(cells)
            if box is None:
                named = self.named_range(cells)
                if named is None or named[0] is not sheet:
                    raise bad_request(f"Unable to parse range: {text}")
                return Box(*named)
        else:
            box = parse_cells(cells or "")
            if box is None:
                sheet_found = self.sheet_by_title(cells or "")
                if sheet_found is not None:
                    return Box(sheet_found, 0, 0, sheet_found.rows, sheet_found.cols)
                named = self.named_range(cells or "")
                if named is None:
                    raise bad_request(f"Unable to parse range: {text}")
                return Box(*named)
            sheet = self.sheets[0]
        r0, c0, r1, c1 = box
        r1 = sheet.rows if r1 is None else r1
        c1 = sheet.cols if c1 is None else c1
        if (r1 > sheet.rows or c1 > sheet.cols) and not for_write:
            raise self.grid_error(sheet, cells or "", r0, c0, r1, c1)
        return Box(sheet, r0, c0, max(r1, r0 + 1), max(c1, c0 + 1))

    def grid_error(self, sheet: Sheet, text: str, r0: int, c0: int, r1: int, c1: int) -> ApiError:
        return bad_request(
            f"Range ({sheet.prefix()}{a1(r0, c0, r1, c1)}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
        )

    def grid_range(self, rng: dict, where: str) -> Box:
        """A GridRange dict -> Box; a missing sheetId means sheet 0, missing indexes unbounded."""
        sheet = self.sheet_by_id(rng.get("sheetId") or 0)
        if sheet is None:
            raise bad_request(f"{where}: No grid with id: {rng.get('sheetId') or 0}")
        box = Box(
            sheet,
            rng.get("startRowIndex") or 0,
            rng.get("startColumnIndex") or 0,
            rng.get("endRowIndex", sheet.rows)
            if rng.get("endRowIndex") is not None
            else sheet.rows,
            rng.get("endColumnIndex", sheet.cols)
            if rng.get("endColumnIndex") is not None
            else sheet.cols,
        )
        if box.r1 > sheet.rows or box.c1 > sheet.cols:
            raise bad_request(
                f"{where}: Range ({sheet.prefix()}{a1(box.r0, box.c0, box.r1, box.c1)}) "
                f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        return box

    # ---- values

    def effective(self, sheet: Sheet, cell: Cell, depth: int = 0) -> Any:
        """The value a cell shows; formulas are computed on read so they follow their inputs."""
        if cell.formula is None:
            return cell.value
        try:
            value = Formula(self, sheet, cell.formula, depth).evaluate()
        except FormulaError as err:
            return FormulaErrorValue(err.code)
        except (OverflowError, ZeroDivisionError, ValueError):
            return FormulaErrorValue("#NUM!")
        if isinstance(value, float):
            return number(value)
        return value

    def render(self, sheet: Sheet, cell: Cell | None, option: str, dt_option: str) -> Any:
        if cell is None or not cell.has_value():
            return ""
        if option == "FORMULA" and cell.formula is not None:
            return cell.formula
        value = self.effective(sheet, cell)
        if isinstance(value, FormulaErrorValue):
            return value.code
        if option == "FORMATTED_VALUE":
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, int | float):
                pattern = ((cell.fmt or {}).get("numberFormat") or {}).get("pattern")
                kind = ((cell.fmt or {}).get("numberFormat") or {}).get("type")
                if pattern and kind in ("DATE", "TIME", "DATE_TIME"):
                    return format_serial(value, pattern)
                if cell.formatted is not None and cell.formula is None:
                    return cell.formatted
                return format_number(value)
            return value
        if cell.is_date and dt_option == "FORMATTED_STRING" and cell.formatted is not None:
            return cell.formatted
        return value

    def read(
        self,
        box: Box,
        option: str = "FORMATTED_VALUE",
        dt_option: str = "SERIAL_NUMBER",
        major: str = "ROWS",
    ) -> list[list[Any]]:
        """Values of a box, trimmed the way Google trims them.

        Google drops trailing empty rows and, inside each row, trailing empty cells; an empty
        row in the middle comes back as []; an all-empty range has no "values" at all.
        """
        sheet = box.sheet
        grid: dict[tuple[int, int], Any] = {}
        for (r, c), cell in sheet.cells_in(box):
            if cell.has_value():
                value = self.render(sheet, cell, option, dt_option)
                if value != "":
                    grid[(r - box.r0, c - box.c0)] = value
        if not grid:
            return []
        if major == "COLUMNS":
            grid = {(c, r): v for (r, c), v in grid.items()}
        height = max(r for r, _ in grid) + 1
        rows: list[list[Any]] = [[] for _ in range(height)]
        for (r, c), value in sorted(grid.items()):
            row = rows[r]
            while len(row) < c:
                row.append("")
            row.append(value)
        return rows

    def write(
        self,
        box: Box,
        rows: list[list[Any]],
        input_option: str,
        touched: set[tuple[int, int, int]] | None = None,
    ) -> tuple[int, int, int]:
        """Write values from the box's top-left; null leaves a cell alone. Returns counts;
        `touched` (if given) gains (sheetId, row, column) of every cell written."""
        check_cell_text(rows)
        sheet = box.sheet
        touched_rows: set[int] = set()
        touched_cols: set[int] = set()
        cells = 0
        for i, row in enumerate(rows):
            for j, raw in enumerate(row):
                if raw is None:
                    continue
                cell = sheet.cell(box.r0 + i, box.c0 + j)
                if isinstance(raw, dict | list):
                    raise bad_request(f"Invalid values[{i}][{j}]: {type(raw).__name__}_value")
                if input_option == "RAW":
                    raw_entered(cell, raw)
                else:
                    user_entered(cell, raw)
                touched_rows.add(i)
                touched_cols.add(j)
                if touched is not None:
                    touched.add((sheet.id, box.r0 + i, box.c0 + j))
                cells += 1
                if cell.is_blank():
                    del sheet.cells[(box.r0 + i, box.c0 + j)]
        return len(touched_rows), len(touched_cols), cells

    def table_around(self, box: Box) -> Box | None:
        """values.append's table detection.

        Google looks for data inside the given range and takes the table (the block of
        touching non-empty cells, like a spreadsheet's "current region") around the last
        non-empty cell it finds there; the new rows go below that table, starting at its
        first column. With no data in the range there is no table (no "tableRange").
        """
        sheet = box.sheet
        inside = [k for k, cell in sheet.cells_in(box) if cell.has_value()]
        if not inside:
            return None

        def filled(r: int, c: int) -> bool:
            cell = sheet.cells.get((r, c))
            return cell is not None and cell.has_value()

        r, c = max(inside)
        r0, r1, c0, c1 = r, r + 1, c, c + 1

        def row_hits(row: int) -> list[int]:
            return [cc for cc in range(max(c0 - 1, 0), c1 + 1) if filled(row, cc)]

        def col_hits(col: int) -> list[int]:
            return [rr for rr in range(max(r0 - 1, 0), r1 + 1) if filled(rr, col)]

        grown = True
        while grown:  # push each side out while the line just beyond it holds data
            grown = False
            while hits := row_hits(r1):
                c0, c1, r1, grown = min(c0, hits[0]), max(c1, hits[-1] + 1), r1 + 1, True
            while r0 > 0 and (hits := row_hits(r0 - 1)):
                c0, c1, r0, grown = min(c0, hits[0]), max(c1, hits[-1] + 1), r0 - 1, True
            while hits := col_hits(c1):
                r0, r1, c1, grown = min(r0, hits[0]), max(r1, hits[-1] + 1), c1 + 1, True
            while c0 > 0 and (hits := col_hits(c0 - 1)):
                r0, r1, c0, grown = min(r0, hits[0]), max(r1, hits[-1] + 1), c0 - 1, True
        return Box(sheet, r0, c0, r1, c1)

    def snapshot(self) -> Spreadsheet:
        other = copy.copy(self)
        other.props = copy.deepcopy(self.props)
        other.sheets = [sheet.snapshot() for sheet in self.sheets]
        other.named_ranges = copy.deepcopy(self.named_ranges)
        other.developer_metadata = copy.deepcopy(self.developer_metadata)
        return other

    def clone(self, new_id: str, title: str) -> Spreadsheet:
        other = copy.deepcopy(self)
        other.id = new_id
        other.props["title"] = title
        return other


@dataclass
class FormulaErrorValue:
    code: str


def cell_data(book: Spreadsheet, sheet: Sheet, cell: Cell | None) -> dict:
    """CellData as spreadsheets.get(includeGridData) reports it."""
    out: dict[str, Any] = {}
    if cell is None:
        return out
    if cell.has_value():
        if cell.formula is not None:
            out["userEnteredValue"] = {"formulaValue": cell.formula}
        else:
            out["userEnteredValue"] = _typed(cell.value)
        value = book.effective(sheet, cell)
        if isinstance(value, FormulaErrorValue):
            out["effectiveValue"] = {
                "errorValue": {
                    "type": "NAME" if value.code == "#NAME?" else "ERROR",
                    "message": value.code,
                }
            }
        else:
            out["effectiveValue"] = _typed(value)
        out["formattedValue"] = book.render(sheet, cell, "FORMATTED_VALUE", "SERIAL_NUMBER")
    if cell.fmt:
        out["userEnteredFormat"] = copy.deepcopy(cell.fmt)
        out["effectiveFormat"] = copy.deepcopy(cell.fmt)
    if cell.note:
        out["note"] = cell.note
    if cell.validation:
        out["dataValidation"] = copy.deepcopy(cell.validation)
    return out


def _typed(value: Any) -> dict:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": "" if value is None else str(value)}


def sort_key(book: Spreadsheet, sheet: Sheet, cell: Cell | None) -> tuple:
    """Sheets sorts numbers before text, text case-insensitively, and blanks last."""
    if cell is None or not cell.has_value():
        return (3, 0)
    value = book.effective(sheet, cell)
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, FormulaErrorValue):
        return (2, 2)
    return (1, str(value).lower())


def quantize_color(color: dict) -> dict:
    """Google stores colours with 8 bits per channel and omits zero channels."""
    out = {}
    for key, value in color.items():
        if key in ("red", "green", "blue", "alpha") and isinstance(value, int | float):
            q = math.floor(value * 255) / 255
            if q:
                out[key] = number(float(f"{q:.8g}"))
        elif value is not None:
            out[key] = value
    return out
