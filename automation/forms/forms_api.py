"""A form's responses read straight from the Google Forms API (forms.get, forms.responses.list).

The API gives what the CSV export and linked sheet cannot: a real `responseId`
that survives edits, and `lastSubmittedTime`, which moves when a respondent
edits their answers (so an edit is a later `submitted_at` on the same id).

Question ids map to the schema's questions by the item's title, matched the
way the row sources match headers (automation.forms.normalise.map_headers),
so renaming a question in the form breaks loudly, naming the question.

The sync mark. Only responses submitted or edited after the mark are fetched
(`filter=timestamp > ...`, every page followed). The mark is derived from the
spreadsheet, not kept in a file of its own: it is the newest time in the
form's tab (Submissions' Submitted At, Acknowledgements' Acknowledged At,
Feedback's Submitted At) less a safety margin of one hour. Whatever is in the
tab was written, so a run that died between reading and writing fetches the
same responses again; sync-forms de-duplicates by response id, so the margin
(which covers times stored to the second and late-arriving responses) costs
only a few repeated responses. Reading the mark costs one read of that tab;
an empty tab means everything is fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from automation.forms.normalise import _answer, _canonical_choice, map_headers
from jobs.responses import Answer, FormResponse, edit_key, newest_response
from sheets_schema.columns import CHANNEL_NAMES, Kind
from sheets_schema.errors import BackendError, InputError
from sheets_schema.forms import FORMS, Question
from sheets_schema.values import clean_text, parse_email

if TYPE_CHECKING:
    from automation.google import GoogleServices
    from automation.store.base import Store
    from sheets_schema.settings import Settings

#: how far before the newest recorded response the next fetch starts
MARGIN = timedelta(hours=1)
PAGE_SIZE = 5000  # the API's maximum: one call per 5,000 responses


class _Unread:
    """The sync mark has not been read by the caller (see FormsApiSource.responses)."""


UNREAD = _Unread()


class FormsApiSource:
    """A FormSource reading one Google Form through the Forms API."""

    def __init__(
        self,
        name: str,
        services: GoogleServices,
        form_id: str,
        settings: Settings,
        *,
        mark: Callable[[], datetime | None] | None = None,
    ) -> None:
        self.name = name
        self.services = services
        self.form_id = form_id
        self.settings = settings
        self.mark = mark or (lambda: None)
        self.warnings: list[str] = []
        self._api: Any = None

    @classmethod
    def from_settings(
        cls, name: str, settings: Settings, store: Store, google: GoogleServices | None = None
    ) -> FormsApiSource:
        """The source for [forms.<name>]; its sync mark comes from the form's tab in `store`."""
        from automation.google import GoogleServices

        return cls(
            name,
            google or GoogleServices.from_settings(settings),
            settings.forms[name].form_id,
            settings,
            mark=lambda: recorded_mark(name, store, settings),
        )

    def describe(self) -> str:
        return f"Google Form {self.form_id}"

    def _forms(self) -> Any:
        if self._api is None:
            self._api = self.services.discovery("forms", "v1")
        return self._api.forms()

    # -- the FormSource protocol -------------------------------------------------
    def responses(self, since: datetime | None | _Unread = UNREAD) -> list[FormResponse]:
        """Responses submitted or edited after `since` (None: all of them), oldest first.

        Called without `since`, the source reads the sync mark from the form's tab
        itself; sync-forms passes the mark from the tabs it has already read.
        """
        questions = self.questions()
        start = self.mark() if isinstance(since, _Unread) else since
        params: dict[str, Any] = {"formId": self.form_id, "pageSize": PAGE_SIZE}
        if start is not None:
            stamp = (start - MARGIN).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            params["filter"] = f"timestamp > {stamp}"
        found: list[dict[str, Any]] = []
        while True:
            request = self._forms().responses().list(**params)
            page = self._call(request.execute, "listing responses")
            found += page.get("responses", [])
            if not page.get("nextPageToken"):
                break
            params["pageToken"] = page["nextPageToken"]
        out = [self._response(raw, questions) for raw in found]
        return sorted(out, key=lambda r: (r.submitted_at, r.response_id))

    # -- the form itself ---------------------------------------------------------
    def questions(self) -> dict[str, Question]:
        """question id -> the schema's Question, from forms.get; InputError when one is missing."""
        form = self._call(
            lambda: self._forms().get(formId=self.form_id).execute(), "reading the form"
        )
        schema = FORMS[self.name]
        collection = (form.get("settings") or {}).get("emailCollectionType", "")
        if schema.collects_email and collection == "DO_NOT_COLLECT":
            raise InputError(
                "the form does not collect email addresses",
                place=self.describe(),
                fix="in the form's Settings > Responses, set 'Collect email addresses' to Verified",
            )
        ids: list[str] = []
        titles: list[str] = ["Timestamp", "Email Address"]
        for item in form.get("items", []):
            question = (item.get("questionItem") or {}).get("question")
            if question is None:
                continue  # section headers, images, text blocks
            ids.append(question["questionId"])
            titles.append(str(item.get("title", "")))
        columns, warnings = map_headers(schema, titles, source=self.describe())
        self.warnings = [w.replace("column ", "question ", 1) for w in warnings]
        by_field = {q.field: q for q in schema.questions}
        return {ids[col - 2]: by_field[f] for f, col in columns.items() if not f.startswith("__")}

    def _response(self, raw: dict[str, Any], questions: dict[str, Question]) -> FormResponse:
        response_id = str(raw["responseId"])
        place = f"{self.describe()} response {response_id}"
        # lastSubmittedTime moves on every edit: sync-forms sees an edit as a later submission.
        stamp = raw.get("lastSubmittedTime") or raw.get("createTime") or ""
        submitted_at = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(
            self.settings.tz
        )
        notes: list[str] = []
        answers: dict[str, Answer] = {}
        for qid, question in questions.items():
            given = (raw.get("answers") or {}).get(qid) or {}
            values = [
                clean_text(a.get("value", ""))
                for a in (given.get("textAnswers") or {}).get("answers", [])
            ]
            answers[question.field] = _api_answer(question, values, place, notes)
        email = clean_text(raw.get("respondentEmail", ""))
        try:
            email = parse_email(email) if email else ""
        except ValueError:
            pass  # kept as written: sync-forms rejects it with a reason
        return FormResponse(
            response_id=response_id,
            submitted_at=submitted_at,
            email=email,
            answers=answers,
            place=place,
            warnings=tuple(self.warnings + notes),
            edit_key=edit_key(self.name, email, answers),
        )

    def _call(self, request: Callable[[], Any], doing: str) -> dict[str, Any]:
        from googleapiclient.errors import HttpError

        try:
            return request() or {}
        except HttpError as exc:
            status = int(getattr(exc.resp, "status", 0) or 0)
            who = self.services.service_account_email()
            if status in (403, 404):
                raise InputError(
                    f"{doing}: the Forms API answered {status}",
                    place=self.describe(),
                    fix=f"check [forms.{self.name}] form_id, share the form with {who} as an editor, "
                    "and enable the Google Forms API in the project",
                ) from None
            raise InputError(
                f"{doing}: the Forms API answered {status}: {exc}", place=self.describe()
            ) from None
        except BackendError as exc:
            raise InputError(
                f"{doing}: {exc.message}", place=self.describe(), fix=exc.fix
            ) from None


def _api_answer(question: Question, values: list[str], place: str, notes: list[str]) -> Answer:
    """The API's list of answer values as the row sources would give them (same rules)."""
    if question.kind is Kind.MULTI_CHOICE:
        # The API lists each ticked box: no splitting on ", " needed (or wanted).
        items = [v for v in values if v]
        if question.choices == CHANNEL_NAMES:
            items = [_canonical_choice(v, question.choices) for v in items]
        return items
    # Dates come as 2026-11-24, choices as the option's text: the row rules apply as they are.
    return _answer(question, "\n".join(values), True, place, notes)


def recorded_mark(name: str, store: Store, settings: Settings) -> datetime | None:
    """The newest response time already in the form's tab (see the module doc); None when empty."""
    tab = FORMS[name].tab
    frame = store.read([tab])[tab]
    return newest_response(frame, tab, settings.tz, day_first=settings.organisation.day_first)
