"""The Google twin works with the real client libraries, and is strict where Google is strict."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import gspread
import pytest
import requests
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account
from googleapiclient.errors import HttpError

from tests.fakes.google import GoogleTwin, make_app

REPO = Path(__file__).resolve().parents[1]
SHEETS_SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
]
FORMS_SCOPES = [
    "https://www.googleapis.com/auth/forms.body",
    "https://www.googleapis.com/auth/forms.responses.readonly",
]
GMAIL_SCOPES = [
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.compose",
]
DOCS_SCOPES = ["https://www.googleapis.com/auth/documents"]


@pytest.fixture
def twin() -> GoogleTwin:
    return make_app(require_auth=True, seed=7)


#: a person the twin's default domain-wide delegation covers: files need an owner who is a person
USER = "social@example.org"


@pytest.fixture
def gc(twin: GoogleTwin) -> gspread.Client:
    return twin.gspread_client(twin.credentials(SHEETS_SCOPES, subject=USER))


def _token(twin: GoogleTwin, scopes: list[str] = SHEETS_SCOPES) -> str:
    creds = twin.credentials(scopes)
    creds.refresh(AuthRequest(session=twin.requests_session()))
    return creds.token


# ---------------------------------------------------------------- auth


def test_service_account_key_made_by_the_twin_gets_a_token_from_the_twin(twin: GoogleTwin) -> None:
    key = twin.make_service_account_key()
    creds = service_account.Credentials.from_service_account_info(key, scopes=SHEETS_SCOPES)
    creds.refresh(AuthRequest(session=twin.requests_session()))
    assert creds.token.startswith("ya29.twin-")
    assert creds.valid
    assert twin.token_requests == 1


def test_token_endpoint_rejects_a_key_the_twin_did_not_make(twin: GoogleTwin) -> None:
    key = twin.make_service_account_key()
    other = make_app().make_service_account_key()
    forged = dict(key, private_key=other["private_key"])  # right key id, wrong signature
    creds = service_account.Credentials.from_service_account_info(forged, scopes=SHEETS_SCOPES)
    with pytest.raises(Exception, match="invalid_grant"):
        creds.refresh(AuthRequest(session=twin.requests_session()))


def test_api_calls_need_a_token_the_twin_issued(twin: GoogleTwin) -> None:
    session = twin.requests_session()
    book = twin.create_spreadsheet("Chorus")
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{book}"
    missing = session.get(url)
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    wrong = session.get(url, headers={"Authorization": "Bearer ya29.made-up"})
    assert wrong.status_code == 401
    good = session.get(url, headers={"Authorization": f"Bearer {_token(twin)}"})
    assert good.status_code == 200
    assert good.json()["properties"]["title"] == "Chorus"


def test_a_token_without_the_methods_scope_is_refused(twin: GoogleTwin) -> None:
    token = _token(twin, DOCS_SCOPES)
    book = twin.create_spreadsheet("Chorus")
    answer = twin.requests_session().get(
        f"https://sheets.googleapis.com/v4/spreadsheets/{book}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "Request had insufficient authentication scopes."


# ---------------------------------------------------------------- gspread


def test_gspread_creates_writes_and_reads_a_spreadsheet(
    twin: GoogleTwin, gc: gspread.Client
) -> None:
    sh = gc.create("Chorus program")
    ws = sh.sheet1
    ws.update([["ID", "Title", "Score"], ["q1", "Launch post", "3"]], "A1")
    ws.append_rows([["q2", "Follow-up", "=C2*2"]], value_input_option="USER_ENTERED")

    again = gc.open_by_key(sh.id).sheet1
    assert again.get_all_values() == [
        ["ID", "Title", "Score"],
        ["q1", "Launch post", "3"],
        ["q2", "Follow-up", "6"],
    ]
    assert again.get("C3", value_render_option="FORMULA") == [["=C2*2"]]
    # RAW keeps "3" as text; USER_ENTERED formulas compute to numbers.
    assert again.get("C2:C3", value_render_option="UNFORMATTED_VALUE") == [["3"], [6]]


def test_gspread_batch_get_and_batch_update(twin: GoogleTwin, gc: gspread.Client) -> None:
    book = twin.create_spreadsheet("Chorus", {"Queue": [["ID", "Title"], ["1", "a"], ["2", "b"]]})
    ws = gc.open_by_key(book).worksheet("Queue")
    ws.batch_update(
        [
            {"range": "B2", "values": [["alpha"]]},
            {"range": "C1:C3", "values": [["Done"], ["TRUE"], [""]]},
        ],
        value_input_option="USER_ENTERED",
    )
    first, second = ws.batch_get(["A1:C1", "B2:C3"])
    assert first == [["ID", "Title", "Done"]]
    assert second == [["alpha", "TRUE"], ["b"]]
    assert twin.sheet_values(book, "'Queue'!A3:C3") == [["2", "b"]]
    assert twin.call_count("sheets", "values.batchGet") == 1
    assert twin.calls[("sheets", "spreadsheets.values.batchUpdate")] == 1


def test_gspread_append_rows_finds_the_table_and_grows_the_grid(
    twin: GoogleTwin, gc: gspread.Client
) -> None:
    sh = gc.create("Grow")
    ws = sh.add_worksheet("Runs", rows=2, cols=3)
    ws.update([["Run ID", "Job"]], "A1")
    result = ws.append_rows([["r1", "brief"], ["r2", "thanks"]])
    assert result["tableRange"] == "Runs!A1:B1"
    assert result["updates"]["updatedRange"] == "Runs!A2:B3"
    meta = gc.open_by_key(sh.id).worksheet("Runs")
    assert meta.row_count == 3  # the twin adds the row Google adds
    assert meta.get_all_values() == [["Run ID", "Job"], ["r1", "brief"], ["r2", "thanks"]]


def test_sheet_structure_requests_are_applied(twin: GoogleTwin, gc: gspread.Client) -> None:
    sh = gc.create("Structure")
    ws = sh.sheet1
    ws.update_title("Queue")
    ws.freeze(rows=1)
    ws.update([["ID"], ["b"], ["c"]], "A1")
    ws.insert_rows([["a"]], 2)
    ws.delete_rows(4)
    props = gc.open_by_key(sh.id).fetch_sheet_metadata()["sheets"][0]["properties"]
    assert props["title"] == "Queue"
    assert props["gridProperties"]["frozenRowCount"] == 1
    assert ws.col_values(1) == ["ID", "a", "b"]


def test_unknown_spreadsheet_is_not_found(gc: gspread.Client) -> None:
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("1" + "x" * 43)


def test_bad_range_is_google_400(twin: GoogleTwin, gc: gspread.Client) -> None:
    ws = gc.open_by_key(twin.create_spreadsheet("Chorus")).sheet1
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.spreadsheet.values_get("'No such tab'!A1")
    assert caught.value.response.status_code == 400
    assert (
        caught.value.response.json()["error"]["message"]
        == "Unable to parse range: 'No such tab'!A1"
    )


def test_unknown_query_parameter_is_rejected_like_google(twin: GoogleTwin) -> None:
    book = twin.create_spreadsheet("Chorus")
    answer = twin.requests_session().get(
        f"https://sheets.googleapis.com/v4/spreadsheets/{book}/values/A1",
        params={"valueRenderOptoin": "FORMULA"},
        headers={"Authorization": f"Bearer {_token(twin)}"},
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "valueRenderOptoin"' in error["message"]


def test_writing_beyond_the_grid_is_refused(twin: GoogleTwin, gc: gspread.Client) -> None:
    sh = gc.create("Small")
    ws = sh.add_worksheet("Tiny", rows=2, cols=2)
    with pytest.raises(gspread.exceptions.APIError, match="exceeds grid limits"):
        ws.update([["a"], ["b"], ["c"]], "A1")


# ---------------------------------------------------------------- faults and counting


def test_injected_429_carries_retry_after_and_gspread_raises_api_error(
    twin: GoogleTwin, gc: gspread.Client
) -> None:
    ws = gc.open_by_key(twin.create_spreadsheet("Chorus")).sheet1
    twin.inject("429", at_call=1, api="sheets", method="values.get", retry_after=7)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.get("A1")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert ws.get("A1") == [[]]  # the fault fired once only


def test_fault_after_apply_loses_the_answer_but_keeps_the_write(
    twin: GoogleTwin, gc: gspread.Client
) -> None:
    book = twin.create_spreadsheet("Chorus")
    ws = gc.open_by_key(book).sheet1
    twin.inject("reset", at_call=1, method="values.update", after_apply=True)
    with pytest.raises(requests.ConnectionError):
        ws.update([["written"]], "A1")
    assert twin.sheet_values(book, "A1") == [["written"]]


def test_timeout_and_server_errors_reach_the_client(twin: GoogleTwin, gc: gspread.Client) -> None:
    ws = gc.open_by_key(twin.create_spreadsheet("Chorus")).sheet1
    twin.inject("timeout", at_call=1, method="values.get")
    with pytest.raises(requests.ReadTimeout):
        ws.get("A1")
    twin.inject("503", at_call=2, method="values.get")
    ws.get("A1")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.get("A1")
    assert caught.value.response.status_code == 503
    assert twin.call_count("sheets", "spreadsheets.values.get") == 3


def test_calls_are_counted_by_api_and_method(twin: GoogleTwin, gc: gspread.Client) -> None:
    ws = gc.open_by_key(twin.create_spreadsheet("Chorus")).sheet1
    twin.reset_calls()
    ws.batch_get(["A1", "B2"])
    ws.batch_get(["A1"])
    assert twin.calls_by_api() == {"sheets": {"spreadsheets.values.batchGet": 2}}
    assert twin.call_count() == 2


# ---------------------------------------------------------------- googleapiclient: Forms, Gmail, Docs, Drive


def test_forms_api_create_update_and_filtered_paged_responses(twin: GoogleTwin) -> None:
    forms = twin.build("forms", "v1", twin.credentials(FORMS_SCOPES, subject=USER))
    form = forms.forms().create(body={"info": {"title": "Submit content"}}).execute()
    reply = (
        forms.forms()
        .batchUpdate(
            formId=form["formId"],
            body={
                "requests": [
                    {
                        "createItem": {
                            "item": {
                                "title": "Link",
                                "questionItem": {"question": {"textQuestion": {}}},
                            },
                            "location": {"index": 0},
                        }
                    },
                    {
                        "updateFormInfo": {
                            "info": {"description": "For staff"},
                            "updateMask": "description",
                        }
                    },
                ]
            },
        )
        .execute()
    )
    question_id = reply["replies"][0]["createItem"]["questionId"][0]
    with pytest.raises(PermissionError):  # made through the API: unpublished, as Google does now
        twin.forms_add_response(form["formId"], {"Link": "x"}, email="p@example.org")
    state = {"publishState": {"isPublished": True, "isAcceptingResponses": True}}
    forms.forms().setPublishSettings(
        formId=form["formId"], body={"publishSettings": state}
    ).execute()
    with pytest.raises(PermissionError):  # published, but no one may respond yet
        twin.forms_add_response(form["formId"], {"Link": "x"}, email="p@example.org")
    drive = twin.build("drive", "v3", twin.credentials(SHEETS_SCOPES, subject=USER))
    responders = {"type": "domain", "domain": "example.org", "role": "reader", "view": "published"}
    drive.permissions().create(fileId=form["formId"], body=responders).execute()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for i in range(3):
        twin.forms_add_response(
            form["formId"],
            {"Link": f"https://example.org/{i}"},
            email=f"p{i}@example.org",
            submitted_at=start + dt.timedelta(hours=i),
        )
    page = (
        forms.forms()
        .responses()
        .list(formId=form["formId"], filter="timestamp > 2026-03-02T09:00:00Z", pageSize=1)
        .execute()
    )
    assert [
        r["answers"][question_id]["textAnswers"]["answers"][0]["value"] for r in page["responses"]
    ] == ["https://example.org/1"]
    rest = (
        forms.forms()
        .responses()
        .list(
            formId=form["formId"],
            filter="timestamp > 2026-03-02T09:00:00Z",
            pageToken=page["nextPageToken"],
        )
        .execute()
    )
    assert [r["respondentEmail"] for r in rest["responses"]] == ["p2@example.org"]
    assert "nextPageToken" not in rest
    got = forms.forms().get(formId=form["formId"]).execute()
    assert got["info"]["description"] == "For staff"
    with pytest.raises(HttpError) as caught:
        forms.forms().responses().list(formId=form["formId"], filter="since yesterday").execute()
    assert caught.value.resp.status == 400


def _mail(to: str, subject: str, message_id: str | None = None) -> str:
    msg = EmailMessage()
    msg["To"], msg["From"], msg["Subject"] = to, "chorus@example.org", subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("Hello from Chorus")
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


def test_gmail_drafts_are_sent_and_found_by_message_id(twin: GoogleTwin) -> None:
    creds = twin.credentials(GMAIL_SCOPES, subject="coordinator@example.org")
    gmail = twin.build("gmail", "v1", creds)
    draft = (
        gmail.users()
        .drafts()
        .create(
            userId="me",
            body={
                "message": {"raw": _mail("staff@example.org", "Daily brief", "<brief-1@chorus>")}
            },
        )
        .execute()
    )
    sent = gmail.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert sent["labelIds"] == ["SENT"]
    found = gmail.users().messages().list(userId="me", q="rfc822msgid:<brief-1@chorus>").execute()
    assert [m["id"] for m in found["messages"]] == [sent["id"]]
    [mail] = twin.gmail_sent("coordinator@example.org")
    assert mail["Message-ID"] == "<brief-1@chorus>"
    assert [m["Subject"] for m in twin.gmail_messages("staff@example.org", "INBOX")] == [
        "Daily brief"
    ]

    twin.gmail_rewrites_message_id = True
    gmail.users().messages().send(
        userId="me", body={"raw": _mail("staff@example.org", "Again", "<brief-2@chorus>")}
    ).execute()
    assert twin.gmail_sent("coordinator@example.org")[-1]["Message-ID"] != "<brief-2@chorus>"


def test_gmail_inbox_can_be_seeded_and_searched_by_label(twin: GoogleTwin) -> None:
    raw = (
        b"From: ana@example.org\r\nTo: social@example.org\r\nSubject: Fwd: great review\r\n"
        b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <fwd-1@example.org>\r\n\r\nLook!\r\n"
    )
    twin.gmail_add_message("social@example.org", raw, labels=["INBOX", "Chorus"])
    twin.gmail_add_message("social@example.org", raw.replace(b"fwd-1", b"fwd-2"), labels=["INBOX"])
    gmail = twin.build("gmail", "v1", twin.credentials(GMAIL_SCOPES, subject="social@example.org"))
    listed = (
        gmail.users()
        .messages()
        .list(userId="me", q="label:Chorus after:2026/03/01 from:ana")
        .execute()
    )
    assert listed["resultSizeEstimate"] == 1
    full = (
        gmail.users()
        .messages()
        .get(userId="me", id=listed["messages"][0]["id"], format="raw")
        .execute()
    )
    assert b"Message-ID: <fwd-1@example.org>" in base64.urlsafe_b64decode(full["raw"])
    names = {
        label["name"] for label in gmail.users().labels().list(userId="me").execute()["labels"]
    }
    assert {"INBOX", "Chorus"} <= names


def test_docs_text_indexes_follow_google(twin: GoogleTwin) -> None:
    docs = twin.build("docs", "v1", twin.credentials(DOCS_SCOPES, subject=USER))
    doc = docs.documents().create(body={"title": "Employee guide"}).execute()
    docs.documents().batchUpdate(
        documentId=doc["documentId"],
        body={
            "requests": [
                {"insertText": {"location": {"index": 1}, "text": "Guide\nPost kindly.\n"}},
                {
                    "updateParagraphStyle": {
                        "range": {"startIndex": 1, "endIndex": 6},
                        "paragraphStyle": {"namedStyleType": "HEADING_1"},
                        "fields": "namedStyleType",
                    }
                },
                {"deleteContentRange": {"range": {"startIndex": 7, "endIndex": 12}}},
            ]
        },
    ).execute()
    body = docs.documents().get(documentId=doc["documentId"]).execute()["body"]["content"]
    assert [(p["startIndex"], p["endIndex"]) for p in body[1:]] == [(1, 7), (7, 15), (15, 16)]
    assert body[1]["paragraph"]["paragraphStyle"]["namedStyleType"] == "HEADING_1"
    assert twin.docs_text(doc["documentId"]) == "Guide\nkindly.\n\n"
    with pytest.raises(HttpError) as caught:
        docs.documents().batchUpdate(
            documentId=doc["documentId"],
            body={
                "requests": [{"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 16}}}]
            },
        ).execute()
    assert caught.value.resp.status == 400


def test_drive_lists_by_query_and_shares(twin: GoogleTwin) -> None:
    drive = twin.build("drive", "v3", twin.credentials(SHEETS_SCOPES, subject=USER))
    made = (
        drive.files()
        .create(body={"name": "Chorus", "mimeType": "application/vnd.google-apps.spreadsheet"})
        .execute()
    )
    drive.files().create(body={"name": "Notes", "mimeType": "text/plain"}).execute()
    found = (
        drive.files()
        .list(
            q="mimeType='application/vnd.google-apps.spreadsheet' and name = 'Chorus'",
            fields="files(id,name)",
        )
        .execute()
    )
    assert found == {"files": [{"id": made["id"], "name": "Chorus"}]}
    drive.permissions().create(
        fileId=made["id"],
        body={"type": "user", "role": "writer", "emailAddress": "coord@example.org"},
    ).execute()
    perms = drive.permissions().list(fileId=made["id"]).execute()["permissions"]
    assert {(p["role"], p.get("emailAddress")) for p in perms} >= {("writer", "coord@example.org")}
    assert twin.sheet_values(made["id"], "Sheet1") == []


def test_httplib2_clients_see_a_connection_reset(twin: GoogleTwin) -> None:
    forms = twin.build("forms", "v1", twin.credentials(FORMS_SCOPES, subject=USER))
    twin.inject("reset", at_call=1, api="forms")
    with pytest.raises(ConnectionError):
        forms.forms().create(body={"info": {"title": "x"}}).execute()


# ---------------------------------------------------------------- loopback server mode


def test_server_mode_serves_tokens_sheets_and_call_counts(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.google", "--port", "0", "--key-file", str(key_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:")
        key = json.loads(key_file.read_text())
        assert key["token_uri"] == f"{base}/token"
        creds = service_account.Credentials.from_service_account_info(
            key, scopes=SHEETS_SCOPES, subject=USER
        )
        creds.refresh(AuthRequest())
        auth = {"Authorization": f"Bearer {creds.token}"}
        made = requests.post(
            f"{base}/v4/spreadsheets",
            json={"properties": {"title": "Loop"}},
            headers=auth,
            timeout=10,
        ).json()
        rng = requests.utils.quote("Sheet1!A1:B1", safe="")
        put = requests.put(
            f"{base}/v4/spreadsheets/{made['spreadsheetId']}/values/{rng}",
            params={"valueInputOption": "RAW"},
            json={"values": [["a", "b"]]},
            headers=auth,
            timeout=10,
        )
        assert put.json()["updatedCells"] == 2
        got = requests.get(
            f"{base}/v4/spreadsheets/{made['spreadsheetId']}/values:batchGet",
            params={"ranges": ["Sheet1!A1:B1", "Sheet1!A2"]},
            headers=auth,
            timeout=10,
        )
        assert [vr.get("values") for vr in got.json()["valueRanges"]] == [[["a", "b"]], None]
        assert requests.get(f"{base}/v4/spreadsheets/x", timeout=10).status_code == 401
        calls = requests.get(f"{base}/_twin/calls", timeout=10).json()
        assert calls["sheets"]["spreadsheets.values.batchGet"] == 1
        assert calls["sheets"]["spreadsheets.values.update"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
