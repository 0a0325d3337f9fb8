"""The weekly summary's words: counts with their plurals, percentages, date ranges, comparisons.

Kept apart from the figures so each figure is computed once and worded the
same way in every section (the verdict, the details and the plain text).
"""

from __future__ import annotations

from datetime import date

IRREGULAR = {"person": "people", "reply": "replies", "criticism": "criticisms"}


def plural_of(word: str) -> str:
    """'post' -> 'posts', 'reply' -> 'replies', 'direct message' -> 'direct messages'."""
    head, _, last = word.rpartition(" ")
    lower = last.lower()
    if lower in IRREGULAR:
        plural = IRREGULAR[lower]
    elif lower.endswith("y") and lower[-2:-1] not in tuple("aeiou"):
        plural = last[:-1] + "ies"
    elif lower.endswith(("s", "x", "ch", "sh")):
        plural = last + "es"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def count_of(n: int, word: str) -> str:
    """'1 post', '3 posts', '0 direct messages'."""
    return f"{n} {word if n == 1 else plural_of(word)}"


def pct_text(value: float | None) -> str:
    """A percentage for people: '85%', '66.7%', or 'n/a' when there is nothing to divide."""
    if value is None:
        return "n/a"
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def share(part: int, whole: int) -> float | None:
    """part of whole as a percentage to one decimal; None when whole is 0."""
    return round(100 * part / whole, 1) if whole else None


def day_range(first: date, last: date, *, year: bool = True) -> str:
    """'16–22 Nov 2026', '27 Oct – 2 Nov 2026', '29 Dec 2025 – 4 Jan 2026' for people."""
    tail = f" {last:%Y}" if year else ""
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b}{tail}"
    return f"{first.day}–{last.day} {last:%b}{tail}"


def compared(now: int, before: int, word: str = "") -> str:
    """How this week compares with last: 'up from 4', 'down from 9', 'the same as last week'."""
    if now == before:
        return "the same as last week"
    direction = "up" if now > before else "down"
    return f"{direction} from {before}{' ' + word if word else ''} last week"


def kinds_text(by_kind: dict[str, int]) -> str:
    """'2 criticisms, 3 direct messages, 4 mentions and 1 question'."""
    parts = [count_of(n, kind.lower()) for kind, n in by_kind.items() if n]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def names_text(names: list[str]) -> str:
    """'Ann', 'Ann and Ben', 'Ann, Ben and Cy'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
