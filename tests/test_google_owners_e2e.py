"""The real `chorus` command over the loopback twin with its strict defaults: who owns what init makes.

The twin refuses a service account that tries to own a file, as Google does,
and `GET /_twin/files` lists every Drive file with its owners, so these
tests see what an installer would see in Drive afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from automation.config_edit import set_toml_values
from sheets_schema.forms import FORMS
from tests.test_google_e2e import CHORUS, DELEGATED, ROOT, chorus, google_config, loopback_twin

pytestmark = pytest.mark.slow

PERSON = "coordinator@example.org"


def files_of(url: str) -> list[dict]:
    with urllib.request.urlopen(f"{url}/_twin/files", timeout=10) as answer:  # noqa: S310 - loopback
        return json.load(answer)["files"]


def test_init_with_a_delegated_user_makes_every_file_theirs(tmp_path: Path) -> None:
    with loopback_twin() as (twin, url):
        key = tmp_path / "key.json"
        twin.make_service_account_key(key)
        key.chmod(0o600)
        config = google_config(tmp_path / "g", key)
        made = chorus(config, "init", "--backend", "google", endpoint=url)
        assert made.returncode == 0, made.stderr
        files = files_of(url)
    kinds = sorted(f["mimeType"].rsplit(".", 1)[-1] for f in files)
    assert kinds == ["form"] * len(FORMS) + ["spreadsheet"]  # the workbook and every form
    assert [f["owners"] for f in files] == [[DELEGATED]] * (1 + len(FORMS))
    assert all(f["driveId"] is None for f in files)
    forms = [f for f in files if f["mimeType"].endswith("form")]
    assert all(
        {"type": "domain", "domain": "example.org", "role": "reader", "view": "published"}
        in [{k: p.get(k) for k in ("type", "domain", "role", "view")} for p in f["permissions"]]
        for f in forms
    )


def test_init_with_only_a_service_account_exits_2_with_the_three_ways(tmp_path: Path) -> None:
    with loopback_twin() as (twin, url):
        key = tmp_path / "key.json"
        twin.make_service_account_key(key)
        key.chmod(0o600)
        config = google_config(tmp_path / "g", key)
        text = set_toml_values(config.read_text(), {("backend", "delegated_user"): ""})
        config.write_text(text, encoding="utf-8")
        made = chorus(config, "init", "--backend", "google", endpoint=url)
        files = files_of(url)
    assert made.returncode == 2
    assert "Traceback" not in made.stderr
    for way in ("delegated_user", "chorus auth login", "shared_drive_id"):
        assert way in made.stderr
    assert files == []


def test_a_person_signs_in_and_init_makes_every_file_theirs(tmp_path: Path) -> None:
    folder = tmp_path / "g"
    with loopback_twin() as (twin, url):
        twin.oauth_user = PERSON
        client = folder / "client_secret.json"
        folder.mkdir()
        twin.oauth.make_client(
            client,
            "https://accounts.google.com/o/oauth2/auth",
            "https://oauth2.googleapis.com/token",
        )
        config = google_config(folder, tmp_path / "no-key.json")
        text = config.read_text()
        text = text.replace(f'credentials = "{tmp_path / "no-key.json"}"\n', "")
        text = set_toml_values(
            text, {("backend", "delegated_user"): "", ("backend", "oauth_client"): str(client)}
        )
        config.write_text(text, encoding="utf-8")
        browser = f"{sys.executable} -m tests.fakes.google_consent %s"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BROWSER": browser}
        env["CHORUS_GOOGLE_API_ENDPOINT"] = url
        env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        login = subprocess.run(
            [str(CHORUS), "--config", str(config), "auth", "login"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert login.returncode == 0, login.stderr
        made = chorus(config, "init", "--backend", "google", endpoint=url)
        assert made.returncode == 0, made.stderr
        status = chorus(config, "auth", "status", endpoint=url)
        files = files_of(url)
    assert f"signed in as {PERSON}" in login.stdout
    token = folder / ".chorus-state" / "google-token.json"
    assert token.stat().st_mode & 0o777 == 0o600
    assert json.loads(token.read_text())["account"] == PERSON
    assert [f["owners"] for f in files] == [[PERSON]] * (1 + len(FORMS))
    assert f"Chorus acts as {PERSON} (signed in with `chorus auth login`)" in status.stdout
