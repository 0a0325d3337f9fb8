"""Emails as people see them: previews opened in headless Chromium, desktop and phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.config import load_settings
from automation.mail.preview import preview, write_previews
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_workspace
from jobs.base import OutgoingMessage
from sheets_schema.records import Append, Changes
from tests.browser import measure_layouts, open_in_chromium
from tests.conftest import TZ, make_settings
from tests.test_mail_compose import sample_message, write_sample_templates

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)


def sample_page(tmp_path: Path, message: OutgoingMessage | None = None) -> Path:
    ws = Workspace(settings=make_settings(tmp_path), store=XlsxStore(tmp_path / "workbook.xlsx"))
    templates = write_sample_templates(tmp_path / "templates")
    (page,) = write_previews(
        [message or sample_message()], ws, NOW, tmp_path / "preview", search_path=[templates]
    )
    return page


def test_a_templated_email_loads_cleanly_and_shows_what_people_must_read(tmp_path: Path) -> None:
    page = open_in_chromium(sample_page(tmp_path))
    assert page.console_errors == []
    assert page.failed_requests == []
    assert page.title == "Your brief for Tuesday — 3 posts"
    for words in (
        "Example Org · social media",
        "Hello Zoë Brontë",
        "You have 3 posts due Tue 24 Nov 2026.",
        "Open the queue; also javascript:alert(1).",
        "Sent by Chorus for Example Org · why you got this:",
    ):
        assert words in page.text
    (image,) = page.images
    assert image["width"] == 1  # the inline PNG decoded from its own file
    assert page.width <= 1024


def test_an_email_fits_a_phone_screen_without_sideways_scrolling(tmp_path: Path) -> None:
    long_word = sample_message(
        context=dict(sample_message().context, other_url="https://example.org/" + "a" * 200)
    )
    page = open_in_chromium(sample_page(tmp_path, long_word), viewport_width=375)
    assert page.console_errors == []
    assert page.width <= 375


def test_the_layout_alone_renders_its_footer(tmp_path: Path) -> None:
    message = OutgoingMessage(
        job="thanks",
        period="2026-11",
        to_email="ann@example.org",
        to_name="Ann",
        subject="Thank you",
        template="_layout",
        context={"why": "you submitted a post."},
    )
    page = open_in_chromium(sample_page(tmp_path, message))
    assert page.console_errors == []
    assert "Sent by Chorus for Example Org · why you got this: you submitted a post." in page.text


def test_preview_of_a_real_job_writes_pages_that_show_their_charts(tmp_path: Path) -> None:
    from automation import demo

    (tmp_path / "chorus.toml").write_text(demo.demo_config_toml(tmp_path), encoding="utf-8")
    ws = build_workspace(load_settings(tmp_path / "chorus.toml"))
    now = datetime(2026, 11, 24, 8, 45, tzinfo=ZoneInfo(demo.DEMO_ORG["timezone"]))
    ws.store.ensure_tabs()
    rows = demo.demo_rows(now.date())
    ws.store.apply(Changes(appends=tuple(Append(t, r) for t, rs in rows.items() for r in rs)))
    before = ws.store.read(("Sent", "Runs"))

    pages = preview("weekly-summary", ws, now, tmp_path / "preview")

    assert pages and all(p.suffix == ".html" for p in pages)
    after = ws.store.read(("Sent", "Runs"))
    assert len(after["Sent"]) == len(before["Sent"]) and len(after["Runs"]) == len(before["Runs"])
    assert not (tmp_path / "outbox" / "new").exists() or not list(
        (tmp_path / "outbox" / "new").iterdir()
    )
    page = open_in_chromium(pages[0], viewport_width=390)
    assert page.console_errors == [] and page.failed_requests == []
    assert page.images and all(int(img["width"]) > 0 for img in page.images)  # type: ignore[call-overload]
    assert "why you got this" in page.text
    assert page.width <= 390


PHONE, DESKTOP = 390, 1280


def every_template_page(tmp_path: Path) -> dict[str, Path]:
    """One preview page per mail template, from the demo program's real jobs (and a crisis)."""
    from automation import demo
    from automation.runner import run_job
    from jobs.crisis.command import CrisisCommand, plan_end, plan_start
    from sheets_schema.tabs import TABS

    (tmp_path / "chorus.toml").write_text(demo.demo_config_toml(tmp_path), encoding="utf-8")
    ws = build_workspace(load_settings(tmp_path / "chorus.toml"))
    now = datetime(2026, 12, 1, 8, 45, tzinfo=ZoneInfo(demo.DEMO_ORG["timezone"]))
    ws.store.ensure_tabs()
    rows = demo.demo_rows(now.date())
    ws.store.apply(Changes(appends=tuple(Append(t, r) for t, rs in rows.items() for r in rs)))
    run_job(ws, "check-cadence", now)
    messages: list[OutgoingMessage] = []
    for job in (
        "brief",
        "weekly-summary",
        "policy-digest",
        "thanks",
        "share-digest",
        "welcome",
        "assign-mentions",
        "approval-requests",
    ):
        messages += _planned(ws, job, now)
    # reminders go to those who had the digest and still have not acknowledged, days later
    run_job(ws, "policy-digest", now)
    later = now + timedelta(days=ws.settings.policy.reminder_interval_days + 1)
    messages += _planned(ws, "policy-digest", later)
    command = CrisisCommand(
        "start", reason="Data leak", statement="We are aware of reports and are looking into them."
    )
    start = plan_start(ws.store.read(tuple(TABS)), now, ws.settings, command)
    ws.store.apply(start.changes)
    end = plan_end(ws.store.read(tuple(TABS)), now.replace(hour=17), ws.settings)
    messages += [*start.messages, *end.messages]
    first: dict[str, OutgoingMessage] = {}
    for message in messages:
        first.setdefault(message.template, message)
    pages = write_previews(list(first.values()), ws, now, tmp_path / "preview")
    return dict(zip(first, pages, strict=True))


def _planned(ws: Workspace, job_name: str, now: datetime) -> list[OutgoingMessage]:
    import jobs
    from automation.gather import GATHER

    job = jobs.get(job_name)
    snapshot = ws.store.read(tuple(dict.fromkeys((*job.tabs, "People", "Sent"))))
    gather = GATHER.get(job.name)
    plan = job.plan(snapshot, now, ws.settings, gather(ws, now, snapshot) if gather else None)
    return list(plan.messages)


def test_every_email_fits_a_phone_and_a_desktop_with_whole_words_and_sharp_charts(
    tmp_path: Path,
) -> None:
    pages = every_template_page(tmp_path)
    templates = {
        p.name.removesuffix(".html.j2")
        for p in (Path(__file__).parent.parent / "automation" / "templates").glob("*.html.j2")
    }
    assert set(pages) == templates - {"_layout"}  # every template, seen in a real email
    layouts = measure_layouts(list(pages.values()), (PHONE, DESKTOP))
    for template, page in pages.items():
        for width in (PHONE, DESKTOP):
            layout = layouts[(page.name, width)]
            where = f"{template} at {width} px"
            assert layout.scroll_width <= width, f"{where} scrolls sideways"
            assert layout.split_words == [], f"{where} splits words across lines"
            for image in layout.images:
                assert image["complete"] and int(image["natural"]) > 0, f"{where}: {image}"  # type: ignore[call-overload]
                # charts carry twice the pixels they are shown at, and are never shown wider
                assert int(image["natural"]) >= 2 * float(image["shown"]), f"{where}: {image}"  # type: ignore[arg-type, call-overload]
    summary = layouts[(pages["weekly_summary"].name, PHONE)]
    assert len(summary.images) == 2
    for image in summary.images:
        # a label of 13.9 CSS px at 420 px wide stays >= 11 px at the width a phone shows
        assert 13.9 * float(image["shown"]) / 420 >= 11  # type: ignore[arg-type]
