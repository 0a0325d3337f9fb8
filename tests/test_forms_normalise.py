"""Header, timestamp and answer normalisation shared by the CSV export and linked sheets."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automation.forms.normalise import (
    decide_day_first,
    parse_timestamp,
    responses_from_table,
    split_checkboxes,
)
from sheets_schema.errors import InputError

TZ = ZoneInfo("America/New_York")

# How Google writes the same instant in each locale, given a local naive datetime.
LOCALE_FORMATS = {
    "forms-download": lambda d: (
        d.strftime("%Y/%m/%d ") + d.strftime("%I:%M:%S %p").lstrip("0") + " GMT-5"
    ),
    "en-US": lambda d: f"{d.month}/{d.day}/{d.year} {d.hour}:{d:%M:%S}",
    "en-GB": lambda d: d.strftime("%d/%m/%Y %H:%M:%S"),
    "de-DE": lambda d: d.strftime("%d.%m.%Y %H:%M:%S"),
    "iso": lambda d: d.strftime("%Y-%m-%d %H:%M:%S"),
    "en-US-12h-no-seconds": lambda d: f"{d.month}/{d.day}/{d.year} " + d.strftime("%I:%M %p"),
}
DAY_FIRST = {"en-GB": True, "de-DE": True, "en-US": False, "en-US-12h-no-seconds": False}

naive_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@given(naive_times, st.sampled_from(sorted(LOCALE_FORMATS)))
def test_every_locale_google_writes_reads_back_to_the_same_time(moment, locale):
    text = LOCALE_FORMATS[locale](moment)
    parsed = parse_timestamp(text, TZ, day_first=DAY_FIRST.get(locale, True))
    if locale == "forms-download":
        expected = moment.replace(tzinfo=timezone(timedelta(hours=-5))).astimezone(TZ)
    else:
        expected = moment.replace(tzinfo=TZ)
        if locale.endswith("no-seconds"):
            expected = expected.replace(second=0)
    assert parsed == expected


@given(st.lists(naive_times, min_size=1, max_size=20))
def test_a_files_date_order_is_never_contradicted_by_its_own_timestamps(moments):
    us = [LOCALE_FORMATS["en-US"](m) for m in moments]
    gb = [LOCALE_FORMATS["en-GB"](m) for m in moments]
    us_order = decide_day_first(us, default=False)
    gb_order = decide_day_first(gb, default=True)
    assert [parse_timestamp(t, TZ, day_first=us_order.day_first).date() for t in us] == [
        m.date() for m in moments
    ]
    assert [parse_timestamp(t, TZ, day_first=gb_order.day_first).date() for t in gb] == [
        m.date() for m in moments
    ]


def test_the_decision_says_which_timestamp_proved_it():
    assert decide_day_first(["03/04/2026 10:00", "13/04/2026 10:00"], False).reason == (
        "day first: '13/04/2026 10:00' has a first number over 12"
    )
    assert decide_day_first(["2026/11/24 10:00:00 AM GMT+1"], False).day_first is False


def test_unreadable_timestamps_raise_value_errors_a_person_understands():
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_timestamp("yesterday", TZ, day_first=True)
    with pytest.raises(ValueError, match="not a real date"):
        parse_timestamp("31/02/2026 10:00", TZ, day_first=True)


option = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda s: ", " not in s and s == s.strip())


@given(st.lists(option, max_size=6))
def test_checkbox_answers_split_back_into_the_ticked_options(options):
    options = [unicodedata.normalize("NFC", o) for o in options]
    assert split_checkboxes(", ".join(options)) == options


@given(st.text(max_size=60))
def test_text_answers_are_trimmed_and_nfc_normalised(text):
    header = ["Timestamp", "Email Address", "Which part is it about?", "Your feedback"]
    rows = [["2026-11-24 10:00:00", "a@example.org", "Goals", text]]
    (response,) = responses_from_table(
        "feedback", header, rows, source="sheet", tz=TZ, day_first=True
    )
    answer = response.answers["text"]
    assert answer == answer.strip()
    assert unicodedata.is_normalized("NFC", answer)
    assert "\r" not in answer


def test_a_linked_sheet_table_with_serial_number_timestamps_is_read():
    header = [
        "Timestamp",
        "Email address",
        "I have read and will follow the social media policy and guidelines",
        "Policy version",
    ]
    rows = [[46350.5, "bo@example.org", "I agree", "2.1"]]
    (response,) = responses_from_table(
        "acknowledgements", header, rows, source="Form Responses 1", tz=TZ, day_first=True
    )
    assert response.submitted_at == datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
    assert response.answers == {"agree": "I agree", "policy_version": "2.1"}
    assert response.place == "Form Responses 1 row 2"
    assert response.edit_key == ""


def test_a_missing_email_column_says_how_to_collect_addresses():
    with pytest.raises(InputError, match="Collect email addresses"):
        responses_from_table(
            "feedback",
            ["Timestamp", "Which part is it about?", "Your feedback"],
            [],
            source="f.csv",
            tz=TZ,
            day_first=True,
        )


CELL_TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from([" padded ", "line\r\nend", "cr\ronly", "e\u0301", "café", "", "  "]),
)


@given(st.lists(st.one_of(CELL_TEXT, st.none(), st.integers()), max_size=6))
def test_a_row_is_read_the_same_whether_its_cells_are_plain_ascii_or_not(
    row: list[object],
) -> None:
    """The quick reading of a plain ASCII row gives what reading each cell on its own gives."""
    from automation.forms.normalise import _cell, _cells

    assert _cells(row) == [_cell(v) for v in row]


def test_rows_choosing_the_same_options_read_them_alike() -> None:
    """Each different choice is worked out once; every row still gets its own list of channels."""
    header = [
        "Timestamp",
        "Email Address",
        "Your name",
        "What kind of content is it?",
        "Headline",
        "Tell us more",
        "Where should it go?",
        "May we share this publicly?",
    ]
    rows = [
        [
            "24/11/2026 10:15:32",
            "ana@example.org",
            "Ana",
            "event",
            "One",
            "More",
            "linkedin, X",
            "yes",
        ],
        [
            "24/11/2026 10:16:32",
            "ben@example.org",
            "Ben",
            "event",
            "Two",
            "More",
            "linkedin, X",
            "yes",
        ],
    ]
    first, second = responses_from_table(
        "submissions", header, rows, source="t.csv", tz=TZ, day_first=True
    )
    assert first.answers["suggested_channels"] == ["LinkedIn", "X"]
    assert second.answers["suggested_channels"] == ["LinkedIn", "X"]
    assert first.answers["suggested_channels"] is not second.answers["suggested_channels"]
    assert first.answers["permission"] == second.answers["permission"] == "Yes"


@given(
    st.one_of(
        st.builds(
            lambda d, sep, fmt: d.strftime(fmt.replace("/", sep)),
            st.datetimes(datetime(1000, 1, 1), datetime(9999, 12, 31)),
            st.sampled_from(["/", "-", "."]),
            st.sampled_from(["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S"]),
        ),
        st.text(alphabet="0123456789/-.: T٣", min_size=17, max_size=21),
    )
)
def test_a_plain_timestamp_is_read_as_the_full_pattern_reads_it(text: str) -> None:
    # the shape most exports write is read without the pattern: the same groups either way
    from automation.forms.normalise import _TIMESTAMP_RE, _stamp_match, normalise_stamp

    value = normalise_stamp(text)
    match = _TIMESTAMP_RE.fullmatch(value)
    assert _stamp_match(text) == (value, match.groups() if match else None)
