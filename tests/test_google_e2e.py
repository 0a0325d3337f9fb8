"""End to end over the loopback twin: the real `chorus` command against Google, compared with local.

Two ways of serving the twin:
- `python -m tests.fakes.google --port 0 --key-file KEY` in a subprocess (exactly what an
  installer would point CHORUS_GOOGLE_API_ENDPOINT at): init, doctor and sync-forms;
- the same WSGI app served on the loopback from this process, because form responses can only
  be seeded through the twin object (the Forms API has no way to submit a response): the same
  responses go into the twin's forms and into CSV exports for a local set-up, every job runs on
  both, and the tabs must come out the same.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import jobs
from automation.config import load_settings
from automation.config_edit import set_toml_values
from automation.setup import CONFIG_TEMPLATE
from automation.workspace import build_store
from sheets_schema.forms import FORMS
from sheets_schema.records import Append, Changes
from tests.conftest import TZ
from tests.fakes.google import make_app
from tests.fakes.google_transport import serve

pytestmark = pytest.mark.slow

CHORUS = Path(sys.executable).parent / "chorus"
ROOT = Path(__file__).resolve().parent.parent
DELEGATED = "social@example.org"
AT = "2026-11-24T12:00"
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "team": "Litigation", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "team": "Tax", "active": "Yes"},
]
SUBMISSIONS = [
    (
        "ann@example.org",
        datetime(2026, 11, 24, 9, 15, 32, tzinfo=TZ),
        {
            "Your name": "Ann Archer",
            "What kind of content is it?": "Award",
            "Headline": "We won the Green Award",
            "Tell us more": "Judges praised the river clean-up.",
            "Link (optional)": "https://example.org/green-award",
            "Where should it go?": ["LinkedIn", "X"],
            "Preferred date (optional)": "2026-12-01",
            "May we share this publicly?": "Yes",
        },
    ),
    (
        "bob@example.org",
        datetime(2026, 11, 24, 10, 2, 0, tzinfo=TZ),
        {
            "Your name": "Bob Baker",
            "What kind of content is it?": "Event",
            "Headline": "Tax clinic open day",
            "Tell us more": "Free advice for charities, confidential until Friday.",
            "Where should it go?": ["LinkedIn"],
            "May we share this publicly?": "Not sure",
        },
    ),
]
ACKS = [
    (
        "bob@example.org",
        datetime(2026, 11, 24, 9, 30, tzinfo=TZ),
        {FORMS["acknowledgements"].questions[0].title: "I agree", "Policy version": "1"},
    )
]
FEEDBACK = [
    (
        "ann@example.org",
        datetime(2026, 11, 24, 11, 0, tzinfo=TZ),
        {
            "Which part is it about?": FORMS["feedback"].questions[0].choices[0],
            "Your feedback": "More examples please.",
            "May we contact you about it?": "Yes",
        },
    )
]
RESPONSES = {"submissions": SUBMISSIONS, "acknowledgements": ACKS, "feedback": FEEDBACK}
COMPARED = ("Submissions", "Queue", "Acknowledgements", "Feedback", "Cadence", "Mentions", "Sent")
#: columns that hold the mail transport's own ids, which legitimately differ
OWN_IDS = {"transport", "transport_id", "thread_id"}


def chorus(config: Path, *args: str, endpoint: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    if endpoint:
        env["CHORUS_GOOGLE_API_ENDPOINT"] = endpoint
    return subprocess.run(
        [str(CHORUS), "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def google_config(folder: Path, key: Path, transport: str = "gmail") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = CONFIG_TEMPLATE.format(
        name="Example Org",
        timezone="Europe/London",
        domains='"example.org"',
        first_domain="example.org",
        backend="local",
    )
    text = set_toml_values(
        text,
        {
            ("backend", "credentials"): str(key),
            ("backend", "delegated_user"): DELEGATED,
            ("mail", "transport"): transport,
            ("mail", "sender"): DELEGATED,
        },
    )
    path = folder / "chorus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def twin_calls(url: str) -> dict[str, dict[str, int]]:
    with urllib.request.urlopen(f"{url}/_twin/calls", timeout=10) as answer:  # noqa: S310 - loopback
        return json.load(answer)


def test_init_doctor_and_sync_forms_against_the_twin_server(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.google", "--port", "0", "--key-file", str(key)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        key.chmod(0o600)
        config = google_config(tmp_path / "google", key)

        init = chorus(config, "init", "--backend", "google", endpoint=url)
        assert init.returncode == 0, init.stderr
        assert "created the submissions form: https://" in init.stdout
        settings = load_settings(config)
        assert settings.backend.kind == "google" and settings.forms["feedback"].kind == "forms_api"
        after_init = twin_calls(url)

        doctor = chorus(config, "doctor", endpoint=url)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert (
            "ok    mail (gmail): the delegated token works: sending as social@example.org"
            in doctor.stdout
        )

        before = twin_calls(url)
        run = chorus(config, "run", "sync-forms", "--at", AT, "--json", endpoint=url)
        assert run.returncode == 0, run.stdout + run.stderr
        spent = _difference(twin_calls(url), before)
        # Call budget of one sync over every form with nothing new: each form's questions and
        # responses (the sync marks come from the job's own read), and the Runs row.
        assert spent["forms"] == {"forms.get": len(FORMS), "forms.responses.list": len(FORMS)}
        # sheets: the job's read, then the re-read, the tabs' sizes (Google's cell limit is
        # checked before an append) and the append that record the run
        assert spent["sheets"] == {
            "spreadsheets.values.batchGet": 2,
            "spreadsheets.get": 1,
            "spreadsheets.values.append": 1,
        }
        assert after_init["forms"]["forms.create"] == len(FORMS)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _difference(
    now: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for api, methods in now.items():
        for method, n in methods.items():
            d = n - before.get(api, {}).get(method, 0)
            if d:
                out.setdefault(api, {})[method] = d
    return out


@contextmanager
def loopback_twin() -> Iterator[tuple[object, str]]:
    twin = make_app(require_auth=True)
    server = serve(twin, 0)
    twin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    )
    thread.start()
    try:
        yield twin, twin.base_url
    finally:
        server.shutdown()
        server.server_close()


def write_csv(path: Path, name: str, rows: list[tuple[str, datetime, dict[str, object]]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    titles = [q.title for q in FORMS[name].questions]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Timestamp", "Email Address", *titles])
        for email, when, answers in rows:
            cells = [
                ", ".join(v) if isinstance(v, list) else str(v)
                for v in (answers.get(t, "") for t in titles)
            ]
            writer.writerow([when.strftime("%d/%m/%Y %H:%M:%S"), email, *cells])


def tab_rows(
    config: Path, env_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[dict[str, str]]]:
    if env_endpoint:
        monkeypatch.setenv("CHORUS_GOOGLE_API_ENDPOINT", env_endpoint)
    settings = load_settings(config)
    snapshot = build_store(
        settings, _services(settings) if settings.backend.kind == "google" else None
    ).read(COMPARED)
    monkeypatch.delenv("CHORUS_GOOGLE_API_ENDPOINT", raising=False)
    rows = {
        name: [{k: v for k, v in row.items() if k not in OWN_IDS} for _, row in frame.iterrows()]
        for name, frame in snapshot.items()
    }
    # Response ids differ by source (Google's responseId, a CSV row's derived id): number them.
    ids = [
        r["response_id"]
        for tab in ("Submissions", "Acknowledgements", "Feedback")
        for r in rows[tab]
    ]
    for tab_rows_ in rows.values():
        for row in tab_rows_:
            for k, v in row.items():
                for i, rid in enumerate(ids, start=1):
                    v = v.replace(rid, f"<response {i}>")
                row[k] = v
    return rows


def _services(settings):  # noqa: ANN001, ANN202
    from automation.google.transport import GoogleServices

    return GoogleServices.from_settings(settings)


@pytest.mark.timeout(900)  # two `chorus` processes per job, every job: slow on a busy machine
def test_every_job_leaves_the_same_tabs_on_google_as_on_the_local_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with loopback_twin() as (twin, url):
        key = tmp_path / "key.json"
        twin.make_service_account_key(key)  # type: ignore[attr-defined]
        key.chmod(0o600)
        gconfig = google_config(tmp_path / "google", key)
        init = chorus(gconfig, "init", "--backend", "google", endpoint=url)
        assert init.returncode == 0, init.stderr
        gsettings = load_settings(gconfig)

        local = tmp_path / "local" / "chorus.toml"
        assert chorus(local, "init", "--domain", "example.org").returncode == 0
        for name, rows in RESPONSES.items():
            write_csv(local.parent / "forms" / f"{name}.csv", name, rows)
            for email, when, answers in rows:
                twin.forms_add_response(
                    gsettings.forms[name].form_id, answers, email=email, submitted_at=when
                )  # type: ignore[attr-defined]
        text = set_toml_values(
            local.read_text(),
            {("forms.feedback", "kind"): "csv", ("forms.feedback", "path"): "forms/feedback.csv"},
        )
        local.write_text(text)

        people = Changes(appends=tuple(Append("People", p) for p in PEOPLE))
        build_store(load_settings(local)).apply(people)
        monkeypatch.setenv("CHORUS_GOOGLE_API_ENDPOINT", url)
        build_store(gsettings, _services(gsettings)).apply(people)
        monkeypatch.delenv("CHORUS_GOOGLE_API_ENDPOINT")

        ran = []
        for job in jobs.available():
            for config, endpoint in ((local, ""), (gconfig, url)):
                result = chorus(config, "run", job, "--at", AT, endpoint=endpoint)
                assert result.returncode in (0, 1), (
                    f"{job} on {config.parent.name}: {result.stdout}{result.stderr}"
                )
            ran.append(job)
        # a second sync changes nothing on either side (the Forms API mark, the ids)
        for config, endpoint in ((local, ""), (gconfig, url)):
            later = (datetime.fromisoformat(AT) + timedelta(hours=1)).isoformat()
            assert chorus(
                config, "run", "sync-forms", "--at", later, endpoint=endpoint
            ).returncode in (0, 1)

        on_google = tab_rows(gconfig, url, monkeypatch)
        on_disk = tab_rows(local, "", monkeypatch)
        assert "sync-forms" in ran and len(ran) == len(jobs.available())
        assert len(on_google["Submissions"]) == 2 and len(on_google["Acknowledgements"]) == 1
        for name in COMPARED:
            assert on_google[name] == on_disk[name], name
        assert len(on_google["Queue"]) == 2 and len(on_google["Sent"]) == 2
        # Gmail sent what the outbox holds
        outbox = (
            sorted(p.name for p in (local.parent / "outbox" / "new").glob("*"))
            if (local.parent / "outbox" / "new").exists()
            else []
        )
        assert len(twin.gmail_sent(DELEGATED)) == len(outbox)  # type: ignore[attr-defined]
