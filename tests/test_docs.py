"""The guide as a Google Doc: rewritten in place in one batchUpdate, with headings, bold, links, lists."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from automation.docs import guide_requests, guide_text, publish_guide, write_guide_doc
from automation.store.gsheets import SheetsStore
from automation.workspace import Workspace
from jobs.guide.document import ItemList, Link, Paragraph, Section, Strong, Subsection, Table
from jobs.guide.job import plan
from sheets_schema.records import Snapshot
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

SECTIONS = [
    Section(
        "Our goals",
        "goals",
        (Paragraph(("We post to ", Link("LinkedIn", "https://linkedin.com/company/x"), ".")),),
        (
            Subsection(
                "Channels", "channels", (ItemList((("LinkedIn",), (Strong("X:"), " daily"))),)
            ),
        ),
    ),
    Section(
        "Policies", "policies", (Table(("Policy", "Version"), ((("Social media",), ("3",)),)),)
    ),
]


def test_sections_become_paragraphs_with_heading_styles_and_ranges() -> None:
    doc = guide_text(SECTIONS, "Social media at Example")
    assert doc.paragraphs == [
        "Social media at Example",
        "Our goals",
        "We post to LinkedIn.",
        "Channels",
        "LinkedIn",
        "X: daily",
        "Policies",
        "Policy | Version",
        "Social media | 3",
    ]
    assert [(s, style) for s, _, style in doc.headings] == [
        (1, "TITLE"),
        (25, "HEADING_1"),
        (56, "HEADING_2"),
        (83, "HEADING_1"),
    ]
    assert doc.links == [
        (46, 54, "https://linkedin.com/company/x")
    ]  # "LinkedIn" inside the paragraph
    assert (74, 76) in doc.bold  # "X:"
    assert doc.lists == [(65, 83, False)]


def test_indexes_count_utf16_units_like_docs() -> None:
    doc = guide_text([Section("Wins \U0001f3c6", "w", (Paragraph((Strong("Go"),)),))])
    assert doc.bold == [(9, 11)]  # the trophy is two units: "Wins 🏆\n" is 8


def test_a_new_doc_is_created_and_rewritten_in_place_the_next_time(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    doc_id = write_guide_doc(services, "", SECTIONS, title="Social media at Example")
    first = twin.docs_text(doc_id)
    assert first.startswith("Social media at Example\nOur goals\nWe post to LinkedIn.\n")
    styles = twin.docs.documents[doc_id].paragraph_styles
    assert styles[1]["namedStyleType"] == "TITLE" and styles[25]["namedStyleType"] == "HEADING_1"

    twin.reset_calls()
    shorter = [Section("Our goals", "goals", (Paragraph(("Only this now.",)),))]
    assert write_guide_doc(services, doc_id, shorter, title="Social media at Example") == doc_id
    assert twin.docs_text(doc_id) == "Social media at Example\nOur goals\nOnly this now.\n"
    assert twin.calls_by_api() == {"docs": {"documents.get": 1, "documents.batchUpdate": 1}}


def test_an_empty_document_gets_no_delete() -> None:
    requests = guide_requests(guide_text([Section("A", "a")]), old_end=2)
    assert [next(iter(r)) for r in requests][:2] == ["insertText", "updateParagraphStyle"]


def test_publish_guide_writes_the_doc_from_the_plans_guide_without_reading_a_tab(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    settings = make_settings(tmp_path)
    store = SheetsStore(services, twin.create_spreadsheet("Chorus"), lock_dir=tmp_path)
    store.ensure_tabs()
    result = plan(Snapshot({}), datetime(2026, 11, 24, 9, tzinfo=TZ), settings)
    twin.reset_calls()
    doc_id = publish_guide(Workspace(settings, store, google=services), result.guide)
    assert twin.docs_text(doc_id).startswith("Social media at Example Org\nOur principles\n")
    assert "\nGoals\n" in twin.docs_text(doc_id)
    assert "generated on Tuesday 24 November 2026 at 9 am" in twin.docs_text(doc_id)
    assert twin.calls_by_api() == {
        "docs": {"documents.batchUpdate": 1, "documents.create": 1, "documents.get": 1}
    }


def test_the_guide_job_keeps_the_google_doc_in_step_and_remembers_its_id(tmp_path: Path) -> None:
    from automation.config import load_settings
    from automation.runner import run_job
    from automation.setup import CONFIG_TEMPLATE

    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    spreadsheet_id = twin.create_spreadsheet("Chorus")
    config = tmp_path / "chorus.toml"
    config.write_text(
        CONFIG_TEMPLATE.format(
            name="Example Org",
            timezone="Europe/London",
            domains='"example.org"',
            first_domain="example.org",
            backend="google",
        ).replace('# spreadsheet_id = ""', f'spreadsheet_id = "{spreadsheet_id}"'),
        encoding="utf-8",
    )
    # init's file has [guide] with doc_id commented out: the job switches it on with the Doc's id
    assert "[guide]" in config.read_text(encoding="utf-8")
    assert load_settings(config).guide.doc_id == ""
    settings = load_settings(config)
    store = SheetsStore(services, spreadsheet_id, lock_dir=tmp_path)
    store.ensure_tabs()
    twin.reset_calls()
    first = run_job(
        Workspace(settings, store, google=services), "guide", datetime(2026, 11, 24, 9, tzinfo=TZ)
    )
    doc_id = load_settings(config).guide.doc_id
    assert doc_id and any("created the Google Doc" in line for line in first.lines)
    # The Doc is written from the guide the plan built: the job's read and the re-read that
    # records the run are the only reads (publishing used to read the seven tabs again).
    assert twin.calls_by_api() == {
        "docs": {"documents.batchUpdate": 1, "documents.create": 1, "documents.get": 1},
        # and the tabs' sizes, read once before the append (Google's ten-million-cell limit)
        "sheets": {
            "spreadsheets.get": 1,
            "spreadsheets.values.append": 1,
            "spreadsheets.values.batchGet": 2,
        },
    }
    markdown = (tmp_path / "guide.md").read_text(encoding="utf-8")
    generated = next(line for line in markdown.splitlines() if "generated on" in line)
    assert generated in twin.docs_text(doc_id).splitlines()  # the Doc says what the files say
    settings = load_settings(config)
    again = run_job(
        Workspace(settings, store, google=services), "guide", datetime(2026, 11, 24, 10, tzinfo=TZ)
    )
    assert again.counts.get("unchanged") == 1
    assert not any(
        "Google Doc" in line for line in again.lines
    )  # nothing changed: the Doc is left alone


def test_a_guide_with_emoji_publishes_with_every_style_where_docs_counts_it(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    sections = [
        Section("Wins \U0001f3c6", "w", (Paragraph(("Cheers \U0001f389 to ", Strong("all"))),)),
        Section("Next", "n", (Paragraph((Link("Intranet", "https://intra.example.org"),)),)),
    ]
    doc_id = write_guide_doc(services, "", sections, title="Guide")
    assert (
        twin.docs_text(doc_id)
        == "Guide\nWins \U0001f3c6\nCheers \U0001f389 to all\nNext\nIntranet\n"
    )
    document = twin.docs.documents[doc_id]
    # "Guide\n" is 6 units and "Wins 🏆\n" 8, so "Next" starts at 1 + 6 + 8 + 17 = 32
    assert document.paragraph_styles[32]["namedStyleType"] == "HEADING_1"
    [bold] = [s["range"] for s in document.text_styles if s["fields"] == "bold"]
    assert (bold["startIndex"], bold["endIndex"]) == (28, 31)  # "all", after the two-unit 🎉
    # rewriting it in place deletes the old body by Docs' own end index
    write_guide_doc(services, doc_id, sections[1:], title="Guide")
    assert twin.docs_text(doc_id) == "Guide\nNext\nIntranet\n"


def test_the_docs_twin_refuses_an_index_inside_an_emoji(tmp_path: Path) -> None:
    import pytest
    from googleapiclient.errors import HttpError

    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    doc_id = write_guide_doc(services, "", [], title="A \U0001f3c6 B")
    documents = services.discovery("docs", "v1").documents()
    with pytest.raises(HttpError) as caught:
        documents.batchUpdate(
            documentId=doc_id,
            body={"requests": [{"insertText": {"location": {"index": 4}, "text": "x"}}]},
        ).execute()
    assert caught.value.resp.status == 400 and "surrogate pair" in str(caught.value)
