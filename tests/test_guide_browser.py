"""The employee guide in a real browser: no console errors, working contents links, prints to PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jobs.guide.job import plan
from tests.browser import CHROMIUM_ARGS, chromium_path, open_in_chromium, print_to_pdf
from tests.test_guide import NOW, guide_settings, sheets, snapshot_of, write_files

pytestmark = pytest.mark.browser


@pytest.fixture
def guide_html(tmp_path: Path) -> Path:
    """A realistic guide written where the runner would write it."""
    settings = guide_settings(tmp_path)
    folder = write_files(settings, plan(snapshot_of(sheets()), NOW, settings))
    return folder / "guide.html"


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF Chromium printed (it writes each page object uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def test_guide_opens_without_console_errors_or_outside_requests(guide_html: Path) -> None:
    page = open_in_chromium(guide_html)
    assert page.console_errors == []
    assert page.failed_requests == []
    assert page.title == "Social media at Example Org"
    assert (
        "three times a week, on Mondays, Wednesdays and Fridays, between 9 and 11 am" in page.text
    )
    assert page.width <= 1024  # nothing forces sideways scrolling


def test_every_contents_link_scrolls_to_its_section(guide_html: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 700})
            page.goto(guide_html.resolve().as_uri(), wait_until="load")
            links = page.locator("nav.contents a")
            targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
            assert len(targets) == 6 + 3 + 7 + 2
            for href in targets:
                assert href and href.startswith("#")
                page.evaluate("window.scrollTo(0, 0)")
                page.locator(f'nav.contents a[href="{href}"]').click()
                page.wait_for_function("h => location.hash === h", arg=href)
                target = page.locator(href)
                assert target.count() == 1, f"no element with id {href}"
                top = target.evaluate("el => el.getBoundingClientRect().top")
                # the section is brought to the top of the window (or as far as the page scrolls)
                at_bottom = page.evaluate(
                    "window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
                )
                assert 0 <= top <= 40 or at_bottom, f"{href} is {top}px from the top"
        finally:
            browser.close()


def test_guide_prints_to_a_pdf_of_several_pages(guide_html: Path, tmp_path: Path) -> None:
    pdf = print_to_pdf(guide_html, tmp_path / "guide.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) >= 2
