"""A stand-in for the person's web browser in `chorus auth login` tests: BROWSER="python -m ... %s".

Python's webbrowser runs the BROWSER command and waits for it to exit before
the installed-app flow starts listening for Google's redirect, so this
command hands the page to a detached copy of itself and exits at once. The
copy opens the consent page on the twin (CHORUS_GOOGLE_API_ENDPOINT stands in
for accounts.google.com), which consents and redirects back to Chorus's
localhost server, exactly the trip a browser makes after a person clicks Allow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit

import requests


def visit(url: str) -> None:
    """Follow the consent page and its redirect to the localhost server, as a browser does."""
    endpoint = os.environ["CHORUS_GOOGLE_API_ENDPOINT"].rstrip("/")
    parts = urlsplit(url)
    requests.get(f"{endpoint}{parts.path}?{parts.query}", timeout=60)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--now"]:
        visit(argv[1])
        return 0
    subprocess.Popen(  # noqa: S603 - this very module, detached, like a browser tab
        [sys.executable, "-m", "tests.fakes.google_consent", "--now", argv[0]],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
