"""Every reason a person may read about their suggestion is a sentence a colleague would write."""

from __future__ import annotations

import re

import pytest

from jobs import reasons
from jobs.screening import blocked_reason
from sheets_schema.tabs import TABS

WORDING = reasons.every_reason()
#: What a colleague would never write to someone: ids, tab names, code words.
INTERNAL = re.compile(r"\b[QMCP]-\d+\b|\bhttp\(s\)|\[\w+\]|\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("name", sorted(WORDING))
def test_each_reason_is_a_whole_sentence(name: str) -> None:
    text = WORDING[name]
    assert text[0].isupper() or text[0] == '"', text
    assert text.endswith("."), text


@pytest.mark.parametrize("name", sorted(WORDING))
def test_no_reason_names_an_internal_id_a_tab_or_a_setting(name: str) -> None:
    text = WORDING[name]
    assert not INTERNAL.search(text), text
    named_tabs = [t for t in TABS if re.search(rf"\b{t}\b", text)]
    assert named_tabs == [], text


def test_a_blocked_site_reads_as_the_same_sentence_wherever_it_is_shown() -> None:
    assert blocked_reason(["evil.example"]) == reasons.blocked_site("evil[.]example")


def test_several_reasons_read_as_one_paragraph() -> None:
    both = reasons.join([reasons.no_headline(), reasons.not_a_web_link("ftp://x")])
    assert both.startswith("It had no headline; please send it again")
    assert "headline. The link" in both


def test_the_demo_says_no_only_in_sentences_and_thanks_the_duplicate() -> None:
    from datetime import date

    from automation.demo import demo_rows

    submissions = demo_rows(date(2026, 12, 1))["Submissions"]
    rejected = [s["reason"] for s in submissions if s["status"] == "Rejected"]
    assert len(rejected) == 3
    assert all(r[0].isupper() and r.endswith(".") and not INTERNAL.search(r) for r in rejected)
    (merged,) = [s for s in submissions if reasons.is_merged(s)]
    assert merged["status"] == "Accepted" and merged["queue_id"].startswith("Q-")
