"""The Google Forms CSV export, as Google and Excel really write it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.config import settings_from_dict
from automation.forms.csv_export import CsvExportSource
from automation.store.memory import MemoryStore
from automation.workspace import build_form_source
from sheets_schema.errors import ConfigError, InputError
from sheets_schema.settings import Settings

LONDON = ZoneInfo("Europe/London")
HEADER = [
    "Timestamp",
    "Email Address",
    "Your name",
    "What kind of content is it?",
    "Headline",
    "Tell us more",
    "Link (optional)",
    "Where should it go?",
    "Preferred date (optional)",
    "May we share this publicly?",
]


def make_settings(tmp_path: Path, *, day_first: bool = True, kind: str = "csv") -> Settings:
    form: dict[str, str] = {"kind": kind, "path": "forms/submissions.csv"}
    if kind == "linked_sheet":
        form = {"kind": kind, "spreadsheet_id": "abc"}
    if kind == "forms_api":
        form = {"kind": kind, "form_id": "abc"}
    return settings_from_dict(
        {
            "organisation": {
                "name": "Acme",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
                "day_first": day_first,
            },
            "forms": {"submissions": form},
        },
        tmp_path / "chorus.toml",
    )


def csv_line(cells: list[str]) -> str:
    """One CSV record as Google writes it: quoted when needed, quotes doubled."""
    out = []
    for cell in cells:
        if any(ch in cell for ch in ',"\r\n'):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return ",".join(out)


def write_export(
    tmp_path: Path, rows: list[list[str]], *, header: list[str] = HEADER, bom: bool = True
) -> Path:
    path = tmp_path / "forms" / "submissions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(csv_line(r) for r in [header, *rows]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def answer_row(
    stamp: str, email: str = "ann@example.org", headline: str = "Ann wins award"
) -> list[str]:
    return [
        stamp,
        email,
        "Ann Lee",
        "Employee award",
        headline,
        "She won.",
        "",
        "LinkedIn, X",
        "",
        "Yes",
    ]


def read(tmp_path: Path, *, day_first: bool = True) -> list:
    settings = make_settings(tmp_path, day_first=day_first)
    return CsvExportSource(
        "submissions", tmp_path / "forms" / "submissions.csv", settings
    ).responses()


def test_google_download_with_bom_crlf_and_quoted_newlines_keeps_every_answer_whole(tmp_path):
    write_export(
        tmp_path,
        [
            [
                "2026/11/24 10:15:32 AM GMT+1",
                "Ann@Example.org",
                "  Ann Lee ",
                "Event",
                'Open day, "free" for all',
                "First line\r\nSecond line, with a comma",
                "https://example.org/open-day",
                "LinkedIn, X",
                "12/01/2026",
                "Not sure",
            ]
        ],
    )
    (response,) = read(tmp_path)
    assert response.submitted_at == datetime(2026, 11, 24, 9, 15, 32, tzinfo=LONDON)
    assert response.email == "ann@example.org"
    assert response.answers["name"] == "Ann Lee"
    assert response.answers["headline"] == 'Open day, "free" for all'
    assert response.answers["details"] == "First line\nSecond line, with a comma"
    assert response.answers["suggested_channels"] == ["LinkedIn", "X"]
    assert response.answers["permission"] == "Not sure"
    assert response.answers["preferred_date"] == "2026-01-12"  # no proof either way: day first
    assert response.place == "forms/submissions.csv row 2"
    assert response.response_id.startswith("row-") and len(response.response_id) == 20


def test_en_us_export_is_month_first_because_a_second_number_is_over_12(tmp_path):
    write_export(
        tmp_path,
        [answer_row("11/24/2026 10:15:32"), answer_row("12/01/2026 9:05:00", headline="b")],
    )
    first, second = read(tmp_path, day_first=True)
    assert first.submitted_at == datetime(2026, 11, 24, 10, 15, 32, tzinfo=LONDON)
    assert second.submitted_at == datetime(2026, 12, 1, 9, 5, tzinfo=LONDON)  # not 12 January


def test_en_gb_export_is_day_first_because_a_first_number_is_over_12(tmp_path):
    write_export(
        tmp_path,
        [answer_row("01/12/2026 09:05:00"), answer_row("24/11/2026 10:15:32", headline="b")],
    )
    responses = read(tmp_path, day_first=False)
    assert [r.submitted_at.date().isoformat() for r in responses] == ["2026-11-24", "2026-12-01"]


def test_de_de_dotted_export_is_day_first_whatever_the_setting(tmp_path):
    write_export(tmp_path, [answer_row("03.11.2026 14:07:09")])
    (response,) = read(tmp_path, day_first=False)
    assert response.submitted_at == datetime(2026, 11, 3, 14, 7, 9, tzinfo=LONDON)


def test_ambiguous_export_follows_the_day_first_setting(tmp_path):
    write_export(tmp_path, [answer_row("03/11/2026 14:07")])
    assert read(tmp_path, day_first=True)[0].submitted_at.month == 11
    assert read(tmp_path, day_first=False)[0].submitted_at.month == 3


def test_twelve_hour_times_without_seconds_and_iso_timestamps_are_read(tmp_path):
    write_export(
        tmp_path,
        [
            answer_row("11/24/2026 3:07 PM"),
            answer_row("2026-11-25 08:00", headline="b"),
            answer_row("2026/11/26 12:30:00 AM GMT-5", headline="c"),
        ],
    )
    times = [r.submitted_at for r in read(tmp_path)]
    assert times == [
        datetime(2026, 11, 24, 15, 7, tzinfo=LONDON),
        datetime(2026, 11, 25, 8, 0, tzinfo=LONDON),
        datetime(2026, 11, 26, 5, 30, tzinfo=LONDON),
    ]


def test_an_export_mixing_date_orders_is_refused_naming_the_file(tmp_path):
    write_export(
        tmp_path,
        [answer_row("24/11/2026 10:00:00"), answer_row("11/25/2026 10:00:00", headline="b")],
    )
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert "forms/submissions.csv" in str(err.value)
    assert "24/11/2026" in str(err.value) and "11/25/2026" in str(err.value)


def test_an_added_column_is_ignored_with_a_warning(tmp_path):
    write_export(tmp_path, [[*answer_row("2026-11-24 10:00:00"), "7"]], header=[*HEADER, "Score"])
    (response,) = read(tmp_path)
    assert "Score" not in response.answers
    assert response.warnings == (
        "forms/submissions.csv: column 'Score' is not a question of the submissions form; ignored",
    )


def test_a_missing_required_question_is_an_input_error_naming_file_and_question(tmp_path):
    header = [h for h in HEADER if h != "Headline"]
    write_export(
        tmp_path,
        [["2026-11-24 10:00:00", "ann@example.org", "Ann", "Event", "x", "", "", "", "Yes"]],
        header=header,
    )
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert "forms/submissions.csv" in str(err.value)
    assert "'Headline'" in str(err.value)


def test_headers_match_regardless_of_case_and_surrounding_spaces(tmp_path):
    header = [
        "Timestamp",
        " Email address ",
        "YOUR NAME",
        "what kind of content is it?",
        "headline ",
        "Tell us more",
        "Link (optional)",
        "Where should it go?",
        "Preferred date (optional)",
        "May we share this publicly?",
    ]
    write_export(tmp_path, [answer_row("2026-11-24 10:00:00")], header=header)
    (response,) = read(tmp_path)
    assert response.email == "ann@example.org"
    assert response.answers["headline"] == "Ann wins award"
    assert response.warnings == ()


def test_excel_resaved_export_with_semicolons_and_windows_code_page_is_read(tmp_path):
    path = tmp_path / "forms" / "submissions.csv"
    path.parent.mkdir(parents=True)
    lines = [
        ";".join(HEADER),
        "24.11.2026 10:15;zoe@example.org;Zoë;Event;Café opening;Come along;;LinkedIn;;Yes",
    ]
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    (response,) = read(tmp_path)
    assert response.answers["headline"] == "Café opening"
    assert response.answers["name"] == "Zoë"
    assert response.submitted_at == datetime(2026, 11, 24, 10, 15, tzinfo=LONDON)


def test_a_missing_export_is_an_input_error_saying_where_to_download_it(tmp_path):
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert "forms/submissions.csv" in str(err.value)
    assert "Download responses" in str(err.value)


def test_html_and_formula_looking_answers_stay_as_text(tmp_path):
    write_export(
        tmp_path,
        [answer_row("2026-11-24 10:00:00", headline='=IMPORTXML("http://x","//a") <b>bold</b>')],
    )
    (response,) = read(tmp_path)
    assert response.answers["headline"] == '=IMPORTXML("http://x","//a") <b>bold</b>'


def test_response_id_is_stable_across_reads_and_changes_when_the_row_is_edited(tmp_path):
    write_export(tmp_path, [answer_row("2026-11-24 10:00:00")])
    first = read(tmp_path)[0]
    assert read(tmp_path)[0].response_id == first.response_id
    write_export(tmp_path, [answer_row("2026-11-24 10:05:00")])
    edited = read(tmp_path)[0]
    assert edited.response_id != first.response_id
    assert edited.edit_key == first.edit_key == "submissions|ann@example.org|ann wins award"


def test_the_same_response_in_another_locale_keeps_its_id(tmp_path):
    write_export(tmp_path, [answer_row("2026/11/24 10:15:32 AM GMT")])
    google_download = read(tmp_path)[0]
    write_export(tmp_path, [answer_row("24/11/2026 10:15:32")])
    linked_sheet_style = read(tmp_path)[0]
    assert google_download.response_id == linked_sheet_style.response_id


def test_blank_rows_are_skipped_but_row_numbers_match_the_file(tmp_path):
    write_export(
        tmp_path,
        [
            answer_row("2026-11-24 10:00:00"),
            [""] * len(HEADER),
            answer_row("2026-11-24 11:00:00", headline="b"),
        ],
    )
    assert [r.place for r in read(tmp_path)] == [
        "forms/submissions.csv row 2",
        "forms/submissions.csv row 4",
    ]


def test_build_form_source_reads_the_configured_csv(tmp_path):
    write_export(tmp_path, [answer_row("2026-11-24 10:00:00")])
    source = build_form_source("submissions", make_settings(tmp_path), MemoryStore())
    assert source.describe() == "forms/submissions.csv"
    assert len(source.responses()) == 1


def test_build_form_source_names_an_unconfigured_form(tmp_path):
    with pytest.raises(ConfigError) as err:
        build_form_source("feedback", make_settings(tmp_path), MemoryStore())
    assert "[forms.feedback]" in str(err.value)


NOT_READABLE = {
    "bytes no code page defines": (
        "Timestamp,Email Address\r\n24/11/2026 10:15:32,ann@example.org,Caf\x81\x8d\x8f\x90\x9d\r\n".encode(
            "latin-1"
        ),
        "line 2 holds the byte 0x81, which is neither UTF-8 nor Windows-1252 text",
    ),
    "a PNG under a .csv name": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image"),
    "a workbook under a .csv name": (b"PK\x03\x04\x14\x00\x06\x00", "this is a zip archive"),
    "an old Excel workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook"),
    "a field longer than any answer": (
        b'Timestamp,Email Address\r\nx,y\r\nx,"' + b"y" * 200_000 + b'"\r\n',
        "line 3 cannot be read as CSV (field larger than field limit",
    ),
}


@pytest.mark.parametrize("case", list(NOT_READABLE))
def test_a_file_that_is_not_csv_text_is_one_clear_error_naming_it_and_the_fix(tmp_path, case):
    data, said = NOT_READABLE[case]
    path = tmp_path / "forms" / "submissions.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read(tmp_path)
    message = str(err.value)
    assert said in message
    assert "forms/submissions.csv" in message
    assert "Download responses (.csv)" in message
