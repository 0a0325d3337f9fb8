"""Form exports as Google writes them in other languages: localized metadata headers and timestamps."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.forms.csv_export import CsvExportSource
from sheets_schema.forms import FORMS
from tests.conftest import make_settings

UTC = ZoneInfo("UTC")
QUESTIONS = [q.title for q in FORMS["acknowledgements"].questions]

# (language, Timestamp header, Email header, two timestamps as Google writes them, the instants)
LOCALES = [
    ("de", "Zeitstempel", "E-Mail-Adresse", ["24.11.2026 10:15:32", "03.12.2026 09:05:00"]),
    ("fr", "Horodateur", "Adresse e-mail", ["24/11/2026 10:15:32", "03/12/2026 09:05:00"]),
    (
        "es",
        "Marca temporal",
        "Dirección de correo electrónico",
        ["24/11/2026 10:15:32", "3/12/2026 9:05:00"],
    ),
    (
        "it",
        "Informazioni cronologiche",
        "Indirizzo email",
        ["24/11/2026 10.15.32", "03/12/2026 9.05.00"],
    ),
    (
        "pt-BR",
        "Carimbo de data/hora",
        "Endereço de e-mail",
        ["24/11/2026 10:15:32", "03/12/2026 09:05:00"],
    ),
    ("nl", "Tijdstempel", "E-mailadres", ["24-11-2026 10:15:32", "3-12-2026 9:05:00"]),
    ("pl", "Sygnatura czasowa", "Adres e-mail", ["24.11.2026 10:15:32", "3.12.2026 09:05:00"]),
    ("sv", "Tidstämpel", "E-postadress", ["2026-11-24 10:15:32", "2026-12-03 09:05:00"]),
    ("fi", "Aikaleima", "Sähköpostiosoite", ["24.11.2026 klo 10.15.32", "3.12.2026 klo 9.05.00"]),
    ("cs", "Časová značka", "E-mailová adresa", ["24. 11. 2026 10:15:32", "3. 12. 2026 9:05:00"]),
    ("hu", "Időbélyeg", "E-mail-cím", ["2026. 11. 24. 10:15:32", "2026. 12. 03. 9:05:00"]),
    (
        "ru",
        "Отметка времени",
        "Адрес электронной почты",
        ["24.11.2026 10:15:32", "03.12.2026 9:05:00"],
    ),
    ("ja", "タイムスタンプ", "メールアドレス", ["2026/11/24 10:15:32", "2026/12/03 9:05:00"]),
    ("ko", "타임스탬프", "이메일 주소", ["2026. 11. 24 오전 10:15:32", "2026. 12. 3 오전 9:05:00"]),
    ("zh-CN", "时间戳记", "电子邮件地址", ["2026/11/24 上午10:15:32", "2026/12/3 上午9:05:00"]),
    ("en-US", "Timestamp", "Email Address", ["11/24/2026 10:15:32", "12/3/2026 9:05:00"]),
    (
        "en forms download",
        "Timestamp",
        "Email Address",
        ["2026/11/24 10:15:32 AM GMT", "2026/12/03 9:05:00 AM GMT"],
    ),
]
EXPECTED = [datetime(2026, 11, 24, 10, 15, 32, tzinfo=UTC), datetime(2026, 12, 3, 9, 5, tzinfo=UTC)]


def export(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.mark.parametrize(
    "lang, stamp_header, email_header, stamps", LOCALES, ids=[x[0] for x in LOCALES]
)
def test_an_export_in_the_form_owners_language_is_read(
    tmp_path: Path, lang: str, stamp_header: str, email_header: str, stamps: list[str]
) -> None:
    settings = make_settings(tmp_path, organisation={"timezone": "UTC"})
    path = export(
        tmp_path / "acks.csv",
        [stamp_header, email_header, *QUESTIONS],
        [
            [stamps[0], "ann@example.org", "I agree", "2026.2"],
            [stamps[1], "bob@example.org", "I agree", "2026.2"],
        ],
    )
    responses = CsvExportSource("acknowledgements", path, settings).responses()
    assert [r.submitted_at for r in responses] == EXPECTED
    assert [r.email for r in responses] == ["ann@example.org", "bob@example.org"]
    assert [r.text("policy_version") for r in responses] == ["2026.2", "2026.2"]
    assert not any("ignored" in w for r in responses for w in r.warnings)


def test_metadata_columns_in_a_language_chorus_does_not_know_are_found_by_their_values(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, organisation={"timezone": "UTC"})
    path = export(
        tmp_path / "acks.csv",
        ["Zeitmarke?", "Postadresse?", *QUESTIONS],
        [["24/11/2026 10:15:32", "ann@example.org", "I agree", "2026.2"]],
    )
    (response,) = CsvExportSource("acknowledgements", path, settings).responses()
    assert response.submitted_at == EXPECTED[0]
    assert response.email == "ann@example.org"
    assert any("'Zeitmarke?' read as the Timestamp" in w for w in response.warnings)


def test_zone_words_and_am_pm_words_google_writes_are_understood(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, organisation={"timezone": "Europe/London"})
    path = export(
        tmp_path / "acks.csv",
        ["Timestamp", "Email Address", *QUESTIONS],
        [
            ["2026/11/24 10:15:32 vorm. MEZ", "a@example.org", "I agree", "1"],
            ["2026/11/24 2:15:32 nachm. MEZ", "b@example.org", "I agree", "1"],
            ["2026/11/24 2:15:32 p. m. GMT-5", "c@example.org", "I agree", "1"],
            ["2026/11/24 午前0:05:00", "d@example.org", "I agree", "1"],
        ],
    )
    got = {
        r.email: r.submitted_at.astimezone(UTC)
        for r in CsvExportSource("acknowledgements", path, settings).responses()
    }
    assert got == {
        "a@example.org": datetime(2026, 11, 24, 9, 15, 32, tzinfo=UTC),
        "b@example.org": datetime(2026, 11, 24, 13, 15, 32, tzinfo=UTC),
        "c@example.org": datetime(2026, 11, 24, 19, 15, 32, tzinfo=UTC),
        "d@example.org": datetime(2026, 11, 24, 0, 5, tzinfo=UTC),
    }
