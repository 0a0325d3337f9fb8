"""chorus.toml edited in place: comments, order and spacing as people left them, the new values in."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from automation.config_edit import set_toml_values, update_config
from automation.setup import CONFIG_TEMPLATE
from sheets_schema.errors import ConfigError

TEMPLATE = CONFIG_TEMPLATE.format(
    name="Example Org",
    timezone="Europe/London",
    domains='"example.org"',
    first_domain="example.org",
    backend="local",
)


def test_values_are_set_and_every_comment_is_kept() -> None:
    text = (
        "# Chorus settings\n\n[backend]\n"
        'kind = "local"                 # "local" or "google"\n'
        '# spreadsheet_id = ""              # google: the id\n'
        "\n[mail]\ntransport = 'outbox'\n"
    )
    edited = set_toml_values(
        text,
        {
            ("backend", "kind"): "google",
            ("backend", "spreadsheet_id"): "1abc",
            ("backend", "delegated_user"): "a@example.org",
            ("forms.feedback", "form_id"): 'q"uote',
        },
    )
    assert edited == (
        "# Chorus settings\n\n[backend]\n"
        'kind = "google"                # "local" or "google"\n'
        'spreadsheet_id = "1abc"            # google: the id\n'
        'delegated_user = "a@example.org"\n'
        "\n[mail]\ntransport = 'outbox'\n"
        '\n[forms.feedback]\nform_id = "q\\"uote"\n'
    )
    data = tomllib.loads(edited)
    assert data["backend"] == {
        "kind": "google",
        "spreadsheet_id": "1abc",
        "delegated_user": "a@example.org",
    }
    assert data["forms"]["feedback"]["form_id"] == 'q"uote'


def test_the_template_keeps_its_comments_and_layout_through_init_s_edits() -> None:
    edited = set_toml_values(
        TEMPLATE,
        {
            ("backend", "kind"): "google",
            ("backend", "spreadsheet_id"): "1abcdefghijklmnopqrstuvwxyz",
            ("mail", "max_per_run"): 50,
        },
    )
    before, after = TEMPLATE.splitlines(), edited.splitlines()
    assert len(after) == len(before)  # nothing added, nothing lost: each edit is in its own line
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert [new for _, new in changed] == [
        'kind = "google"                # "local" (.xlsx workbook) or "google" (Google Sheets)',
        'spreadsheet_id = "1abcdefghijklmnopqrstuvwxyz" # google: the spreadsheet\'s id (chorus init --backend google fills it)',
        "max_per_run = 50                   # a mistaken sheet never mails the world",
    ]
    # a trailing comment stays in its column where it still fits after the new value,
    # and keeps one space before it where it does not (the long spreadsheet id)
    kind, spreadsheet, allowance = changed
    assert kind[1].index("#") == kind[0].index("#")
    assert allowance[1].index("#") == allowance[0].rindex("#")
    assert '" # google' in spreadsheet[1]


def test_a_key_new_to_a_table_goes_after_its_last_setting_above_the_commented_examples() -> None:
    edited = set_toml_values(TEMPLATE, {("mail", "reply_to"): "help@example.org"})
    lines = edited.splitlines()
    at = lines.index('reply_to = "help@example.org"')
    assert lines[at - 1] == 'sender = "social@example.org"'
    assert lines[at + 1] == '# smtp_host = "smtp-relay.gmail.com"'
    assert tomllib.loads(edited)["mail"]["reply_to"] == "help@example.org"


def _without_table(text: str, header: str) -> str:
    """The text with one table (its header line up to the next blank line) taken out."""
    start = text.index(f"\n{header}") + 1
    end = text.find("\n\n", start)
    return text[:start] + (text[end + 2 :] if end != -1 else "")


def test_a_table_new_to_the_file_goes_at_its_end_after_a_blank_line() -> None:
    # A chorus.toml written before the guide and its feedback form: neither table is in it.
    older = _without_table(_without_table(TEMPLATE, "[guide]"), "[forms.feedback]")
    assert "[guide]" not in older and "[forms.feedback]" not in older
    edited = set_toml_values(
        older, {("guide", "doc_id"): "1doc", ("forms.feedback", "kind"): "forms_api"}
    )
    assert edited.startswith(older)
    assert edited[len(older) :] == (
        '\n[guide]\ndoc_id = "1doc"\n\n[forms.feedback]\nkind = "forms_api"\n'
    )
    data = tomllib.loads(edited)
    assert data["forms"]["feedback"] == {"kind": "forms_api"}
    assert data["forms"]["submissions"]["kind"] == "csv"


def test_dotted_keys_and_inline_tables_are_edited_where_they_are() -> None:
    dotted = set_toml_values(
        'forms.submissions.kind = "csv"\n', {("forms.submissions", "kind"): "forms_api"}
    )
    assert dotted == 'forms.submissions.kind = "forms_api"\n'
    inline = set_toml_values(
        '[forms]\nsubmissions = { kind = "csv" }\n', {("forms.submissions", "kind"): "forms_api"}
    )
    assert tomllib.loads(inline)["forms"]["submissions"] == {"kind": "forms_api"}
    assert inline.startswith("[forms]\nsubmissions = {")


def test_a_file_it_cannot_edit_safely_asks_for_the_edit_by_hand() -> None:
    text = 'forms = "csv"\n'  # [forms.submissions] cannot live under a string
    with pytest.raises(ConfigError) as caught:
        set_toml_values(text, {("forms.submissions", "kind"): "forms_api"})
    assert "by hand" in str(caught.value) and '[forms.submissions] kind = "forms_api"' in str(
        caught.value
    )


def test_update_config_rewrites_the_file_in_place(tmp_path: Path) -> None:
    path = tmp_path / "chorus.toml"
    path.write_text(TEMPLATE, encoding="utf-8")
    update_config(path, {("backend", "kind"): "google"})
    assert path.read_text(encoding="utf-8") == TEMPLATE.replace(
        'kind = "local"                 #', 'kind = "google"                #', 1
    )
