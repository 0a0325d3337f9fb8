"""Open HTML in headless Chromium (Playwright) for tests: console errors, visible text, PDF.

Uses the system Chromium (/usr/bin/chromium, or $CHROMIUM), not a browser
Playwright downloads. Without it, tests fail in CI (CI=1) and skip locally,
saying how to install it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@dataclass
class PageResult:
    """What a page did when opened: errors people would not see, text they would."""

    console_errors: list[str] = field(default_factory=list)
    text: str = ""
    title: str = ""
    failed_requests: list[str] = field(default_factory=list)
    images: list[dict[str, object]] = field(default_factory=list)
    width: int = 0


def chromium_path() -> str:
    """The Chromium binary, or a test failure (CI) / skip (locally) explaining how to get it."""
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    found = candidate if Path(candidate).exists() else shutil.which("chromium")
    if found:
        return found
    message = (
        f"Chromium not found at {candidate}: install it with `apt-get install -y chromium` "
        "or set CHROMIUM to its path"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")  # pragma: no cover


def open_in_chromium(html_path: Path | str, *, viewport_width: int = 1024) -> PageResult:
    """Load a local HTML file; collect console errors, page errors, failed loads and the text."""
    from playwright.sync_api import sync_playwright

    path = Path(html_path).resolve()
    result = PageResult()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": viewport_width, "height": 800})
            page.on(
                "console",
                lambda msg: result.console_errors.append(msg.text) if msg.type == "error" else None,
            )
            page.on("pageerror", lambda exc: result.console_errors.append(str(exc)))
            page.on(
                "requestfailed",
                lambda req: result.failed_requests.append(f"{req.url}: {req.failure}"),
            )
            page.goto(path.as_uri(), wait_until="load")
            result.title = page.title()
            result.text = page.inner_text("body")
            result.images = page.eval_on_selector_all(
                "img",
                "els => els.map(e => ({src: e.getAttribute('src'), width: e.naturalWidth,"
                " shown: e.getBoundingClientRect().width}))",
            )
            result.width = page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    return result


#: Words that a line break splits, found per text node with Range.getClientRects: a word
#: whose pieces sit on more than one line. Links (and URL- or address-like words) may wrap.
SPLIT_WORDS_JS = """
() => {
  const split = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || parent.closest('a, .preheader, style, script')) continue;
    const text = node.textContent;
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(text))) {
      const word = m[0];
      if (/:\\/\\/|@|\\//.test(word)) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + word.length);
      const tops = new Set();
      for (const r of range.getClientRects()) {
        if (r.width > 0 && r.height > 0) tops.add(Math.round(r.top));
      }
      if (tops.size > 1) split.push(word);
    }
  }
  return split;
}
"""


@dataclass
class Layout:
    """How a page lays out at one viewport width."""

    width: int
    scroll_width: int
    height: int
    split_words: list[str]
    #: each <img>: src, natural width, width shown (CSS px)
    images: list[dict[str, object]]
    #: tables (or their scrolling wrappers) wider than the room they have: "<scroll> > <client>"
    table_overflow: list[str]


def measure_layouts(
    html_paths: list[Path], widths: tuple[int, ...]
) -> dict[tuple[str, int], Layout]:
    """Open each page at each width in one Chromium; scroll width, height, split words, images."""
    from playwright.sync_api import sync_playwright

    found: dict[tuple[str, int], Layout] = {}
    assert len({Path(p).name for p in html_paths}) == len(html_paths), "pages are keyed by name"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            for path in html_paths:
                for width in widths:
                    page = browser.new_page(viewport={"width": width, "height": 844})
                    page.goto(Path(path).resolve().as_uri(), wait_until="load")
                    found[(Path(path).name, width)] = Layout(
                        width=width,
                        scroll_width=page.evaluate("document.documentElement.scrollWidth"),
                        height=page.evaluate("document.documentElement.scrollHeight"),
                        split_words=page.evaluate(SPLIT_WORDS_JS),
                        images=page.eval_on_selector_all(
                            "img",
                            "els => els.map(e => ({src: e.getAttribute('src'),"
                            " natural: e.naturalWidth, shown: e.getBoundingClientRect().width,"
                            " complete: e.complete}))",
                        ),
                        table_overflow=page.eval_on_selector_all(
                            "table, .table",
                            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1)"
                            ".map(e => `${e.scrollWidth} > ${e.clientWidth}`)",
                        ),
                    )
                    page.close()
        finally:
            browser.close()
    return found


def print_to_pdf(html_path: Path | str, pdf_path: Path | str) -> Path:
    """Print a local HTML file to PDF (A4) with headless Chromium; returns the PDF's path."""
    from playwright.sync_api import sync_playwright

    source = Path(html_path).resolve()
    target = Path(pdf_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.goto(source.as_uri(), wait_until="load")
            page.pdf(path=str(target), format="A4", print_background=True)
        finally:
            browser.close()
    return target
