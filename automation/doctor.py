"""`chorus doctor`: check settings, credentials, access, the spreadsheet's shape, the forms and the mail.

Each check says ok, warn or fail, and for anything not ok the fix. It reads
and connects but never writes or sends: the spreadsheet is read (header rows,
and a tab's cells only where a header looks renamed), forms are read, SMTP is
connected to (and logged into) without sending, Gmail's delegated token is
used for one profile read. Only the checks that apply to the settings run: a
local workbook with an outbox needs no Google credentials.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from automation.config import load_settings
from automation.doctor_check import Check
from automation.logs import redact, remember_secrets
from sheets_schema.columns import APPROVAL_LEVELS, Tab, normalise_header
from sheets_schema.errors import ChorusError
from sheets_schema.forms import FORMS
from sheets_schema.headers import Rows, columns_to_add, find_renames
from sheets_schema.settings import FormSettings, Settings
from sheets_schema.tabs import TAB_ORDER, TABS


def run_doctor(config_path: Path | str | None, *, google: Any = None) -> list[Check]:
    """Every check that applies to the settings at `config_path`; stops early only on bad settings."""
    try:
        settings = load_settings(config_path)
    except ChorusError as exc:
        return [
            Check(
                "settings",
                "fail",
                exc.message if not exc.place else f"{exc.place}: {exc.message}",
                exc.fix,
            )
        ]
    remember_secrets(settings)  # a server may echo a password in its refusal
    checks = [Check("settings", "ok", f"{settings.path} is valid")]
    return [
        replace(c, detail=redact(c.detail), fix=redact(c.fix))
        for c in _checks(settings, google, checks)
    ]


def _checks(settings: Settings, google: Any, checks: list[Check]) -> list[Check]:
    """The checks after the settings loaded: Google's when needed, then sheet, forms and mail."""
    needs_google = _needs_google(settings)
    services = google
    if needs_google:
        checks += check_credentials(settings)
        if services is None:
            if any(c.status == "fail" for c in checks):
                return checks + _local_mail_checks(settings)
            services = _services(settings, checks)
        if services is None:
            return checks + _local_mail_checks(settings)
        token = check_token(services)
        checks.append(token)
        if token.status == "fail":
            return checks + _local_mail_checks(settings)
        from automation.doctor_google import check_owner

        checks += check_owner(settings, services)
    checks += check_spreadsheet(settings, services)
    checks += check_forms(settings, services)
    checks += check_mail(settings, services)
    return checks + check_inbox_trust(settings)


def check_inbox_trust(settings: Settings) -> list[Check]:
    """An inbox without [inbox] authserv_id trusts no message: say so before mail goes unread."""
    if not settings.inbox.kind or settings.inbox.authserv_id:
        return []
    return [
        Check(
            "inbox trust",
            "warn",
            "[inbox] authserv_id is not set, so ingest-inbox trusts no message",
            'set authserv_id = "mx.your-domain" under [inbox]: the name your receiving mail '
            "server writes first in each Authentication-Results header (mx.google.com for Gmail)",
        )
    ]


def _needs_google(settings: Settings) -> bool:
    return (
        settings.backend.kind == "google"
        or settings.mail.transport == "gmail"
        or any(f.kind in ("forms_api", "linked_sheet") for f in settings.forms.values())
    )


def _services(settings: Settings, checks: list[Check]) -> Any:
    from automation.google.transport import GoogleServices

    try:
        return GoogleServices.from_settings(settings)
    except ChorusError as exc:
        checks.append(Check("credentials", "fail", exc.message, exc.fix))
        return None


def _local_mail_checks(settings: Settings) -> list[Check]:
    return check_mail(settings, None) if settings.mail.transport != "gmail" else []


# -- credentials and token -------------------------------------------------------
def check_credentials(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Check]:
    """The key file: there, readable, only by its owner, and a service-account key."""
    from automation.google.credentials import read_key_file

    env = os.environ if environ is None else environ
    path = settings.backend.credentials
    where = f"{settings.path}: backend.credentials"
    if path is None and env.get("GOOGLE_APPLICATION_CREDENTIALS"):
        path, where = Path(env["GOOGLE_APPLICATION_CREDENTIALS"]), "$GOOGLE_APPLICATION_CREDENTIALS"
    from automation.google.credentials import token_path

    if token_path(settings).exists():
        return [
            Check(
                "credentials",
                "ok",
                f"signed in with `chorus auth login` (token {token_path(settings)})",
            )
        ]
    if path is None:
        return [
            Check(
                "credentials",
                "warn",
                "no key file set: Google's application default credentials will be used",
                'set credentials = "service-account.json" under [backend] (Gmail needs a service-account key)',
            )
        ]
    if not path.exists():
        return [
            Check(
                "credentials",
                "fail",
                f"{path} does not exist ({where})",
                "download a JSON key for the service account there, or fix the path",
            )
        ]
    if not os.access(path, os.R_OK):
        return [
            Check(
                "credentials",
                "fail",
                f"{path} cannot be read by this user",
                f"chmod 600 {path} as the user that runs Chorus",
            )
        ]
    try:
        info = read_key_file(path, where)
    except ChorusError as exc:
        return [Check("credentials", "fail", exc.message, exc.fix)]
    checks = [
        Check(
            "credentials",
            "ok",
            f"{path} is a service-account key for {info.get('client_email', '?')}",
        )
    ]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        checks.append(
            Check(
                "key file mode",
                "warn",
                f"{path} is mode {mode:o}: other users can read the key",
                f"chmod 600 {path}",
            )
        )
    else:
        checks.append(Check("key file mode", "ok", f"{path} is mode {mode:o}"))
    return checks


def check_token(services: Any) -> Check:
    """A token for the service account (proves the key is live and the token endpoint answers)."""
    from google.auth.exceptions import RefreshError, TransportError

    from automation.google.errors import GoogleCall
    from automation.google.transport import TokenRequest, token_fix_for

    try:
        # TokenRequest: a 5xx is answered at once, never after google-auth's own sleeps
        services.credentials.refresh(TokenRequest(session=services.base_session))
    except (RefreshError, TransportError) as exc:
        failed = GoogleCall(
            f"signing in as {services.service_account_email()}",
            token_fix=token_fix_for(services.credentials),
        ).error(exc)
        return Check("Google token", "fail", failed.message, failed.fix)
    return Check("Google token", "ok", f"got a token for {services.service_account_email()}")


# -- the spreadsheet -------------------------------------------------------------
def check_spreadsheet(settings: Settings, services: Any) -> list[Check]:
    """Access to the spreadsheet, then its tabs and header rows against sheets_schema."""
    if settings.backend.kind == "local":
        path = settings.backend.workbook
        assert path is not None
        if not path.exists():
            return [
                Check(
                    "workbook", "fail", f"{path} does not exist", "run `chorus init` to create it"
                )
            ]
        try:
            drift = _xlsx_drift(path)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            return [
                Check(
                    "workbook",
                    "fail",
                    f"{path} cannot be read as .xlsx ({type(exc).__name__})",
                    "restore it from a backup, or move it away and run `chorus init`",
                )
            ]
        return [Check("workbook", "ok", f"{path} opens"), *drift]
    sid = settings.backend.spreadsheet_id
    try:
        headers = _sheet_headers(services, sid)
    except _NoAccess as exc:
        return [Check("spreadsheet", "fail", str(exc), exc.fix)]
    return [
        Check(
            "spreadsheet", "ok", f"{services.service_account_email()} can open spreadsheet {sid}"
        ),
        *schema_drift(headers, partial(_sheet_rows, services, sid)),
    ]


class _NoAccess(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _sheet_headers(services: Any, spreadsheet_id: str) -> dict[str, list[str]]:
    """Every tab's header row: one spreadsheets.get and one values:batchGet."""
    from gspread.exceptions import APIError

    from automation.google.errors import refusal_of
    from automation.store.gsheets import quote_tab

    http = services.gspread_client().http_client
    who = services.service_account_email()
    try:
        meta = http.fetch_sheet_metadata(
            spreadsheet_id, params={"fields": "sheets.properties.title"}
        )
        titles = [s["properties"]["title"] for s in meta.get("sheets", [])]
        body = (
            http.values_batch_get(spreadsheet_id, [f"{quote_tab(t)}!1:1" for t in titles])
            if titles
            else {}
        )
    except APIError as exc:
        refusal = refusal_of(exc)
        code = refusal.status if refusal else 0
        if code in (403, 404):
            raise _NoAccess(
                f"spreadsheet {spreadsheet_id} answered {code}: it is not shared with {who}, or the id is wrong",
                f"open the spreadsheet, Share, add {who} as an Editor; check backend.spreadsheet_id "
                "and that the Google Sheets API is enabled",
            ) from None
        raise _NoAccess(
            f"spreadsheet {spreadsheet_id} answered {code}",
            "try again; see https://www.google.com/appsstatus",
        ) from None
    except ChorusError as exc:
        raise _NoAccess(exc.message, exc.fix) from None
    ranges = body.get("valueRanges", []) if body else []
    return {
        title: [str(h).strip() for h in (vr.get("values") or [[]])[0]]
        for title, vr in zip(titles, ranges, strict=False)
    }


def _sheet_rows(services: Any, spreadsheet_id: str, title: str) -> list[list[Any]]:
    """A tab's data rows (one values:batchGet), to tell a renamed column by its values."""
    from automation.store.gsheets import quote_tab

    http = services.gspread_client().http_client
    try:
        body = http.values_batch_get(spreadsheet_id, [quote_tab(title)])
    except Exception:  # noqa: BLE001 - the header check stands without the values
        return []
    ranges = body.get("valueRanges", [])
    rows: list[list[Any]] = (ranges[0].get("values") or []) if ranges else []
    return rows[1:]


def _xlsx_drift(path: Path) -> list[Check]:
    """The workbook's header rows against the schema; a tab's cells are read only when needed."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        headers = {}
        for ws in wb.worksheets:
            first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            headers[ws.title] = [str(h).strip() if h is not None else "" for h in first]
        return schema_drift(headers, lambda title: wb[title].iter_rows(min_row=2, values_only=True))
    finally:
        wb.close()


def schema_drift(
    headers: Mapping[str, Sequence[str]], rows_of: Callable[[str], Rows] | None = None
) -> list[Check]:
    """Missing tabs, missing columns and renamed headers, compared with sheets_schema.

    `rows_of(title)` reads a tab's data rows, so a renamed column can be known
    by its values; it is called only for a tab with a missing column and an unknown header.
    """
    by_norm = {normalise_header(t): t for t in headers}
    checks: list[Check] = []
    missing_tabs = [n for n in TAB_ORDER if normalise_header(n) not in by_norm]
    if missing_tabs:
        checks.append(
            Check(
                "tabs",
                "fail",
                "missing: " + ", ".join(missing_tabs),
                "run `chorus init` to add them (nothing is removed)",
            )
        )
    problems = 0
    for name in TAB_ORDER:
        if name in missing_tabs:
            continue
        title = by_norm[normalise_header(name)]
        tab_checks = _tab_drift(TABS[name], list(headers[title]), title, rows_of)
        problems += len(tab_checks)
        checks += tab_checks
    if not missing_tabs and not problems:
        checks.append(
            Check("tabs", "ok", f"all {len(TAB_ORDER)} tabs have every column the schema names")
        )
    return checks


def _tab_drift(
    tab: Tab, row: list[str], title: str, rows_of: Callable[[str], Rows] | None
) -> list[Check]:
    """One tab's columns: each renamed one (a fail: jobs stop on it) and each missing one."""
    renames = find_renames(tab, row, partial(rows_of, title) if rows_of else ())
    checks = [
        Check(
            f"tab {tab.name}",
            "fail",
            r.description(),
            f"{r.advice()}: Chorus finds columns by header (`chorus init` will not add a second one)",
        )
        for r in renames
    ]
    for col in columns_to_add(tab, row, renames):
        checks.append(
            Check(
                f"tab {tab.name}",
                "fail" if col.required else "warn",
                f"column {col.header!r} is missing",
                "run `chorus init` to add it at the end of the header row",
            )
        )
    return checks


# -- the forms --------------------------------------------------------------------
def check_forms(settings: Settings, services: Any) -> list[Check]:
    """Each configured form: its questions (Forms API), its tab (linked sheet) or its file (CSV)."""
    checks: list[Check] = []
    for name in FORMS:
        form = settings.forms.get(name)
        label = f"form {name}"
        if form is None:
            checks.append(_missing_form(name, settings, services))
            continue
        try:
            if form.kind == "forms_api":
                checks += _check_forms_api(name, form, settings, services)
            elif form.kind == "linked_sheet":
                checks.append(_check_linked_sheet(name, form, settings, services))
            else:
                checks.append(_check_csv_export(name, form, settings))
        except ChorusError as exc:
            checks.append(
                Check(
                    label,
                    "fail",
                    exc.message if not exc.place else f"{exc.place}: {exc.message}",
                    exc.fix,
                )
            )
    return checks


def _missing_form(name: str, settings: Settings, services: Any) -> Check:
    """A form chorus.toml does not name: a warning only when something needs it.

    The approval form is needed once a channel asks for approval (Channels >
    Approval is Coordinator or Compliance); the mention form is optional (staff
    can report a mention by mail to the inbox too); the others are always needed.
    """
    label = f"form {name}"
    add = f"add [forms.{name}] to chorus.toml (or run `chorus init --backend google`)"
    if name == "mention":
        return Check(label, "ok", f"not used; optional: {add} to let staff report mentions by form")
    if name == "approval":
        needing = _channels_needing_approval(settings, services)
        if needing is not None and not needing:
            return Check(label, "ok", "not used: no channel needs approval (Channels > Approval)")
        if needing:
            more = len(needing) - 3
            shown = ", ".join(needing[:3]) + (f" and {more} more" if more > 0 else "")
            return Check(label, "warn", f"not configured, but channels need approval: {shown}", add)
    return Check(label, "warn", "not configured", add)


def _channels_needing_approval(settings: Settings, services: Any) -> list[str] | None:
    """Channels whose Approval is Coordinator or Compliance; None when the tab cannot be read."""
    try:
        rows = _channel_rows(settings, services)
    except Exception:  # noqa: BLE001 - the spreadsheet's own check reports why it cannot be read
        return None
    if rows is None:
        return None
    if not rows:
        return []
    header = [normalise_header(h) for h in rows[0]]
    if "approval" not in header:
        return []
    at_approval = header.index("approval")
    at_channel = header.index("channel") if "channel" in header else None
    needs = {level.casefold() for level in APPROVAL_LEVELS[1:]}
    names: list[str] = []
    for row in rows[1:]:
        cells = list(row)
        value = cells[at_approval] if at_approval < len(cells) else None
        if normalise_header(value) in needs:
            channel = (
                cells[at_channel] if at_channel is not None and at_channel < len(cells) else ""
            )
            names.append(str(channel or "").strip() or "(a channel without a name)")
    return names


def _channel_rows(settings: Settings, services: Any) -> list[Sequence[Any]] | None:
    """The Channels tab, header first: the .xlsx read locally, one values read on Google."""
    if settings.backend.kind == "local":
        path = settings.backend.workbook
        if path is None or not path.exists():
            return None
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            if "Channels" not in wb.sheetnames:
                return []
            return [tuple(r) for r in wb["Channels"].iter_rows(values_only=True)]
        finally:
            wb.close()
    if services is None:
        return None
    from automation.store.gsheets import quote_tab

    http = services.gspread_client().http_client
    body = http.values_batch_get(settings.backend.spreadsheet_id, [quote_tab("Channels")])
    ranges = body.get("valueRanges", [])
    return list((ranges[0].get("values") or []) if ranges else [])


def _check_forms_api(
    name: str, form: FormSettings, settings: Settings, services: Any
) -> list[Check]:
    """The form asks every question the schema names; extra questions are warnings."""
    from automation.doctor_google import check_publishing
    from automation.forms.forms_api import FormsApiSource

    label = f"form {name}"
    source = FormsApiSource(name, services, form.form_id, settings)
    questions = source.questions()
    return [
        Check(
            label, "ok", f"{source.describe()} asks all {len(questions)} questions the schema names"
        ),
        *(Check(label, "warn", w, "remove the question or ignore this") for w in source.warnings),
        check_publishing(name, form.form_id, settings.organisation.email_domains, services),
    ]


def _check_linked_sheet(name: str, form: FormSettings, settings: Settings, services: Any) -> Check:
    """The response tab reads through to responses."""
    from automation.forms.linked_sheet import LinkedSheetSource

    linked = LinkedSheetSource(name, services, form.spreadsheet_id, form.tab, settings)
    count = len(linked.responses())
    return Check(f"form {name}", "ok", f"{linked.describe()}: {count} responses readable")


def _check_csv_export(name: str, form: FormSettings, settings: Settings) -> Check:
    """The export file reads through to responses; a file not downloaded yet is only a warning."""
    assert form.path is not None
    if not form.path.exists():
        return Check(
            f"form {name}",
            "warn",
            f"{form.path} is not there yet",
            "download the responses as CSV from Google Forms to that path",
        )
    from automation.forms.csv_export import CsvExportSource

    count = len(CsvExportSource(name, form.path, settings).responses())
    return Check(f"form {name}", "ok", f"{form.path}: {count} responses readable")


# -- mail ---------------------------------------------------------------------------
def check_mail(
    settings: Settings, services: Any, *, smtp_factory: Callable[[Settings], Any] | None = None
) -> list[Check]:
    """The transport: outbox folder writable; SMTP connects and logs in; Gmail's delegated token works."""
    transport = settings.mail.transport
    if transport == "outbox":
        folder = settings.mail.outbox or settings.base_dir / "outbox"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".chorus-doctor-"):
                pass
        except OSError as exc:
            return [
                Check(
                    "mail (outbox)",
                    "fail",
                    f"{folder} is not writable ({exc.strerror})",
                    f"create {folder} and let the user running Chorus write to it",
                )
            ]
        return [
            Check(
                "mail (outbox)",
                "ok",
                f"messages are written to {folder} (nothing leaves this machine)",
            )
        ]
    if transport == "smtp":
        from automation.mail.smtp import SmtpMailer

        where = f"{settings.mail.smtp_host}:{settings.mail.smtp_port}"
        try:
            mailer = (smtp_factory or SmtpMailer.from_settings)(settings)
            mailer._connection()  # noqa: SLF001 - connect, STARTTLS and log in; never send
            mailer.close()
        except ChorusError as exc:
            return [Check("mail (smtp)", "fail", exc.message, exc.fix)]
        except Exception as exc:  # noqa: BLE001 - smtplib and ssl raise many kinds
            return [
                Check(
                    "mail (smtp)",
                    "fail",
                    f"cannot connect to {where}: {_first(exc)}",
                    "check smtp_host, smtp_port, smtp_security and the login in chorus.toml and the password variable",
                )
            ]
        return [Check("mail (smtp)", "ok", f"connected to {where} and logged in (nothing sent)")]
    from automation.mail.gmail import GmailMailer

    try:
        mailer = GmailMailer.from_settings(settings, google=services)
        address = mailer.check()
    except ChorusError as exc:
        return [Check("mail (gmail)", "fail", exc.message, exc.fix)]
    return [Check("mail (gmail)", "ok", f"the delegated token works: sending as {address}")]


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
