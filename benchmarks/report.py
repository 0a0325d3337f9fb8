"""What `python -m benchmarks` measured, and how it is printed and written: the table and the CSV.

One Measurement per job and size holds every side of the comparison: the
Google twin (calls, wall and CPU seconds, tracemalloc MiB), the local
workbook (wall and CPU seconds, peak RSS MiB, bytes saved and rewritten),
the gspread tutorial ways (pessimistic and kind) and, for sync-forms, the
pandas scripts (pessimistic and kind). The CSV holds one flat row per
Measurement and reads back (--merge) into the same table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

from benchmarks import scale
from benchmarks.local import machine as machine  # the one line naming the machine

APIS = ("sheets", "forms", "gmail", "docs", "drive")


@dataclass
class Tutorial:
    """A gspread tutorial way at one size: its calls, Sheets reads and writes, wall seconds."""

    calls: dict[str, int | float] = field(default_factory=dict)
    reads: float = 0.0
    writes: float = 0.0
    seconds: float = 0.0
    extrapolated: bool = False
    measured: bool = False

    @property
    def total(self) -> float:
        return sum(self.calls.get(a, 0) for a in APIS)


@dataclass
class Local:
    """A run in a child process on the local workbook (or a pandas script on the same files)."""

    seconds: float = 0.0
    cpu: float = 0.0
    mib: float = 0.0
    saved: int = 0  # bytes the run's saves wrote, all saves added up
    rewritten: int = 0  # of those, bytes produced anew (the rest copied as they were)
    size: int = 0  # the workbook's size afterwards
    outcome: str = ""
    summary: str = ""


@dataclass
class Measurement:
    """One job at one size, on every side: Google twin, local workbook and the baselines."""

    job: str
    rows: int
    calls: dict[str, int] = field(default_factory=dict)
    sheets_reads: int = 0
    sheets_writes: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    twin_seconds: float = 0.0
    peak_mib: float = 0.0
    outcome: str = ""
    summary: str = ""
    naive: Tutorial | None = None
    kind: Tutorial | None = None
    local: Local | None = None
    pandas: Local | None = None
    pandas_kind: Local | None = None

    @property
    def total(self) -> int:
        return sum(self.calls.get(a, 0) for a in APIS)

    @property
    def ratio(self) -> float:
        """How many times Chorus's calls the pessimistic tutorial makes."""
        return self.naive.total / self.total if self.naive and self.total else 0.0


# -- the CSV ---------------------------------------------------------------------------
_PARTS: dict[str, type] = {
    "naive": Tutorial,
    "kind": Tutorial,
    "local": Local,
    "pandas": Local,
    "pandas_kind": Local,
}
_PLAIN = (
    *("job", "rows", "outcome", "summary", "sheets_reads", "sheets_writes"),
    *("seconds", "cpu_seconds", "twin_seconds", "peak_mib"),
)


def _columns() -> list[str]:
    out = ["job", "rows", "main_tab", *APIS, *_PLAIN[2:], "ratio"]
    for prefix, cls in _PARTS.items():
        for f in fields(cls):
            if f.name == "calls":
                out += [f"{prefix}_{a}" for a in APIS]
            else:
                out.append(f"{prefix}_{f.name}")
    return out


COLUMNS = _columns()


def csv_row(m: Measurement) -> dict[str, Any]:
    """One flat row: the Google twin's figures, then each other side under its prefix."""
    row: dict[str, Any] = {k: getattr(m, k) for k in _PLAIN}
    row.update({a: m.calls.get(a, 0) for a in APIS})
    row["main_tab"] = scale.main_tab(m.job.removesuffix(" again"))
    row["ratio"] = round(m.ratio, 1) if m.ratio else ""
    if not m.outcome:  # the Google side was not asked for: blanks, not zeros
        row.update({k: "" for k in (*APIS, *_PLAIN[4:])})
    for prefix in _PARTS:
        part = getattr(m, prefix)
        if part is None:
            continue
        for f in fields(part):
            value = getattr(part, f.name)
            if f.name == "calls":
                row.update({f"{prefix}_{a}": value.get(a, 0) for a in APIS})
            else:
                row[f"{prefix}_{f.name}"] = value
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}


def _typed(cls: type, name: str, text: str) -> Any:
    kind = {f.name: f.type for f in fields(cls)}[name]
    if "bool" in str(kind):
        return text == "True"
    if "int" in str(kind) and "float" not in str(kind):
        return int(float(text))
    if "float" in str(kind):
        return float(text)
    return text


def from_csv_row(r: dict[str, str]) -> Measurement:
    """The Measurement a csv_row was made from (to print one table from earlier runs)."""
    m = Measurement(r["job"], int(r["rows"]))
    for name in _PLAIN[2:]:
        setattr(m, name, _typed(Measurement, name, r[name]) if r[name] != "" else 0)
    m.outcome, m.summary = r["outcome"], r["summary"]
    m.calls = {a: int(r[a]) for a in APIS if r[a] != ""}
    for prefix, cls in _PARTS.items():
        names = [f.name for f in fields(cls) if f.name != "calls"]
        if all(r.get(f"{prefix}_{n}", "") == "" for n in names):
            continue
        part = cls(**{n: _typed(cls, n, r[f"{prefix}_{n}"]) for n in names})
        if cls is Tutorial:
            part.calls = {a: float(r[f"{prefix}_{a}"] or 0) for a in APIS}
        setattr(m, prefix, part)
    return m


# -- the table -------------------------------------------------------------------------
def load() -> str:
    """The 1, 5 and 15-minute load averages, as `uptime` says them."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _x(text: str, extrapolated: bool) -> str:
    return ("~" + text) if extrapolated else text


def _google(m: Measurement) -> str:
    if m.outcome == "skipped":
        return f"{'skipped':>29}"
    if not m.calls and not m.seconds:
        return f"{'-':>5} {'-':>5} {'-':>6} {'-':>5} {'-':>5}"
    other = sum(m.calls.get(a, 0) for a in ("forms", "docs", "drive"))
    return (
        f"{m.calls.get('sheets', 0):>5} {m.calls.get('gmail', 0) + other:>5} "
        f"{m.seconds:>6.2f} {m.cpu_seconds:>5.2f} {m.peak_mib:>5.0f}"
    )


def _local(c: Local | None) -> str:
    if c is None:
        return f"{'-':>6} {'-':>5} {'-':>4} {'-':>10}"
    mark = "" if c.outcome in ("ok", "problems", "nothing added") else "!"
    return f"{c.seconds:>6.2f}{mark} {c.cpu:>5.2f} {c.mib:>4.0f} {c.rewritten:>10,}"


def _tutorial(t: Tutorial | None) -> str:
    if t is None:
        return f"{'-':>8} {'-':>6}"
    x = t.extrapolated
    return f"{_x(f'{t.total:,.0f}', x):>8} {_x(f'{t.seconds:.1f}', x):>6}"


def _pandas(c: Local | None) -> str:
    return f"{'-':>6} {'-':>5}" if c is None else f"{c.seconds:>6.2f} {c.cpu:>5.2f}"


HEADER = (
    f"{'':<26}| {'Google twin':<29}| {'local workbook':<28}| "
    f"{'gspread tutorial':<15} | {'tutorial kind':<15} | {'pandas':<12} | {'pandas kind':<12}",
    f"{'job':<17} {'rows':>8}| {'sheet':>5} {'other':>5} {'wall s':>6} {'CPU s':>5} {'MiB':>5}| "
    f"{'wall s':>6} {'CPU s':>5} {'MiB':>4} {'bytes rewr.':>10}| "
    f"{'calls':>8} {'s':>6} | {'calls':>8} {'s':>6} | {'wall s':>6} {'CPU s':>5} | {'wall s':>6} {'CPU s':>5}",
)


def table(rows: list[Measurement]) -> list[str]:
    """The printed table: each job and size on one line, every side beside the others."""
    lines = [*HEADER, "-" * len(HEADER[1])]
    for m in rows:
        problem = ""
        if m.outcome not in ("ok", "problems", "", "skipped"):
            problem = f"  [google {m.outcome}: {m.summary[:60]}]"
        if m.local and m.local.outcome not in ("ok", "problems"):
            problem += f"  [local {m.local.outcome}: {m.local.summary[:60]}]"
        lines.append(
            f"{m.job:<17} {m.rows:>8,}| {_google(m)}| {_local(m.local)}| "
            f"{_tutorial(m.naive)} | {_tutorial(m.kind)} | "
            f"{_pandas(m.pandas)} | {_pandas(m.pandas_kind)}{problem}"
        )
    return lines


LEGEND = (
    "  Google twin: sheet = Sheets API calls, other = Gmail, Forms, Docs and Drive calls; wall and CPU s"
    " (CPU with the process drawing the charts) with the twin's own time taken out; MiB = tracemalloc"
    " peak, a separate run.",
    "  local workbook: wall and CPU s of a child process (CPU with the process drawing its charts),"
    " nothing tracing; MiB = its peak resident set, a separate run; bytes rewr. = bytes of sheet XML"
    " produced anew (the rest copied).",
    "  tutorial = gspread, get_all_records per lookup, append_row / update_cell per row and cell;"
    " kind = each tab read once, then append_row per row; '~' = extrapolated linearly (a lower bound).",
    "  pandas (sync-forms only, same workbook, child process): read everything, write everything back;"
    " kind = read the tab once, ws.append per row, save once.",
)
