"""Forms v1 twin: forms, their items and questions, and responses with Google's filter and paging.

Responses are added by tests through `add_response` (there is no public API for submitting),
then read by the code under test through responses.list / responses.get.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from collections.abc import Callable
from typing import Any

from tests.fakes.google_http import ApiError, Request, Response, bad_request, mask_paths, not_found

MAX_PAGE = 5000
_FILTER = re.compile(r"^\s*timestamp\s*(>=|>)\s*(\S+)\s*$")


def _stamp(when: dt.datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}Z"


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class FormsTwin:
    def __init__(self, rng: random.Random, now: Callable[[], dt.datetime]) -> None:
        self.rng = rng
        self.now = now
        self.forms: dict[str, dict] = {}
        self.responses: dict[str, list[dict]] = {}
        self.register_file: Callable[[str, str, str], None] = lambda *_: None
        #: Google's 2025 change: forms made through the API after 30 June 2026 start unpublished
        self.created_published = False
        #: who may respond to a form: the responder emails, domains or "anyone" (set by the twin
        #: from the form's Drive permissions with view "published"); None: no Drive file to ask
        self.responders_of: Callable[[str], list[dict] | None] = lambda form_id: None

    def new_id(self, length: int = 8) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def form(self, form_id: str) -> dict:
        form = self.forms.get(form_id)
        if form is None:
            raise not_found()
        return form

    def create_blank(self, form_id: str, title: str, published: bool = True) -> None:
        self.forms[form_id] = {
            "formId": form_id,
            "info": {"title": title, "documentTitle": title},
            "settings": {"emailCollectionType": "DO_NOT_COLLECT"},
            "revisionId": "00000001",
            "responderUri": f"https://docs.google.com/forms/d/e/{form_id}-viewform/viewform",
            "publishSettings": {
                "publishState": {"isPublished": published, "isAcceptingResponses": published}
            },
        }
        self.responses[form_id] = []

    def bump(self, form: dict) -> None:
        form["revisionId"] = f"{int(form['revisionId']) + 1:08d}"

    # ------------------------------------------------------------ handlers

    def h_create(self, req: Request) -> Response:
        body = req.json or {}
        info = body.get("info") or {}
        if not info.get("title"):
            raise bad_request("Invalid form: info.title is required.", field_name="form.info.title")
        extra = [k for k in body if k != "info" and body[k]]
        extra += [f"info.{k}" for k in info if k not in ("title", "documentTitle")]
        if extra:
            # Google only lets create() set the titles; everything else goes through batchUpdate.
            raise bad_request(
                "Only info.title and info.document_title may be set in "
                f"forms.create; use forms.batchUpdate for {', '.join(extra)}."
            )
        form_id = "1" + "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            for _ in range(43)
        )
        unpublished = req.flag("unpublished", not self.created_published)
        self.create_blank(form_id, info["title"], published=not unpublished)
        self.forms[form_id]["_api"] = True
        if info.get("documentTitle"):
            self.forms[form_id]["info"]["documentTitle"] = info["documentTitle"]
        self.register_file(
            form_id,
            self.forms[form_id]["info"]["documentTitle"],
            "application/vnd.google-apps.form",
        )
        return Response.json(_public(self.forms[form_id]))

    def h_get(self, req: Request) -> Response:
        return Response.json(_public(self.form(req.path_params["formId"])))

    def h_set_publish_settings(self, req: Request) -> Response:
        """forms.setPublishSettings: both flags required; accepting responses needs published."""
        form = self.form(req.path_params["formId"])
        body = req.json or {}
        mask = body.get("updateMask") or "*"
        if mask not in ("*", "publishState"):
            raise bad_request(f"Invalid field mask: {mask}", field_name="update_mask")
        state = (body.get("publishSettings") or {}).get("publishState")
        if not isinstance(state, dict) or {"isPublished", "isAcceptingResponses"} - set(state):
            raise bad_request(
                "Both is_published and is_accepting_responses must be set when updating "
                "publish_state.",
                field_name="publish_settings.publish_state",
            )
        if state["isAcceptingResponses"] and not state["isPublished"]:
            raise bad_request(
                "A form cannot accept responses when it is not published.",
                field_name="publish_settings.publish_state.is_accepting_responses",
            )
        form["publishSettings"] = {"publishState": dict(state)}
        return Response.json(
            {"formId": form["formId"], "publishSettings": copy.deepcopy(form["publishSettings"])}
        )

    def h_batch_update(self, req: Request) -> Response:
        form_id = req.path_params["formId"]
        form = self.form(form_id)
        body = req.json or {}
        required = (body.get("writeControl") or {}).get("requiredRevisionId")
        if required and required != form["revisionId"]:
            raise bad_request(f"The form's revision ID {required} is no longer current.")
        work = copy.deepcopy(form)
        replies = []
        for i, request in enumerate(body.get("requests") or []):
            kind = next(iter(request), "")
            where = f"Invalid requests[{i}].{kind}"
            handler = getattr(self, f"bu_{kind}", None)
            if handler is None:
                raise ApiError(501, f"{where}: the Google twin does not implement this request.")
            reply = handler(work, request[kind] or {}, where)
            replies.append({kind: reply} if reply is not None else {})
        self.bump(work)
        self.forms[form_id] = work
        out: dict[str, Any] = {
            "replies": replies,
            "writeControl": {"requiredRevisionId": work["revisionId"]},
        }
        if body.get("includeFormInResponse"):
            out["form"] = _public(work)
        return Response.json(out)

    def bu_createItem(self, form: dict, req: dict, where: str) -> dict:
        items = form.setdefault("items", [])
        index = (req.get("location") or {}).get("index")
        if index is None:
            raise bad_request(f"{where}: location.index is required.")
        if not 0 <= index <= len(items):
            raise bad_request(
                f"{where}: index {index} must be less than or equal to the number "
                f"of items ({len(items)})."
            )
        item = copy.deepcopy(req.get("item") or {})
        if not item.get("title") and "questionItem" in item:
            raise bad_request(f"{where}: title is required for question items.")
        item["itemId"] = item.get("itemId") or self.new_id()
        question_ids = []
        question = (item.get("questionItem") or {}).get("question")
        if question is not None:
            question["questionId"] = question.get("questionId") or self.new_id()
            question_ids.append(question["questionId"])
        for q in (item.get("questionGroupItem") or {}).get("questions", []):
            q["questionId"] = q.get("questionId") or self.new_id()
            question_ids.append(q["questionId"])
        items.insert(index, item)
        reply: dict[str, Any] = {"itemId": item["itemId"]}
        if question_ids:
            reply["questionId"] = question_ids
        return reply

    def bu_deleteItem(self, form: dict, req: dict, where: str) -> None:
        items = form.get("items", [])
        index = (req.get("location") or {}).get("index", -1)
        if not 0 <= index < len(items):
            raise bad_request(f"{where}: index {index} is out of range.")
        items.pop(index)

    def bu_moveItem(self, form: dict, req: dict, where: str) -> None:
        items = form.get("items", [])
        src = (req.get("originalLocation") or {}).get("index", -1)
        dst = (req.get("newLocation") or {}).get("index", -1)
        if not (0 <= src < len(items) and 0 <= dst < len(items)):
            raise bad_request(f"{where}: index out of range.")
        items.insert(dst, items.pop(src))

    def bu_updateItem(self, form: dict, req: dict, where: str) -> None:
        items = form.get("items", [])
        index = (req.get("location") or {}).get("index", -1)
        if not 0 <= index < len(items):
            raise bad_request(f"{where}: index {index} is out of range.")
        self._masked_update(items[index], req.get("item") or {}, req.get("updateMask"), where)

    def bu_updateFormInfo(self, form: dict, req: dict, where: str) -> None:
        self._masked_update(
            form.setdefault("info", {}), req.get("info") or {}, req.get("updateMask"), where
        )

    def bu_updateSettings(self, form: dict, req: dict, where: str) -> None:
        self._masked_update(
            form.setdefault("settings", {}), req.get("settings") or {}, req.get("updateMask"), where
        )

    def _masked_update(self, target: dict, source: dict, mask: str | None, where: str) -> None:
        if not mask:
            raise bad_request(f"{where}: update_mask is required.")
        paths = [[k] for k in source] if mask.strip() == "*" else mask_paths(mask)
        for path in paths:
            src: Any = source
            dst = target
            for part in path[:-1]:
                src = src.get(part) if isinstance(src, dict) else None
                dst = dst.setdefault(part, {})
            value = src.get(path[-1]) if isinstance(src, dict) else None
            if value is None:
                dst.pop(path[-1], None)
            else:
                dst[path[-1]] = copy.deepcopy(value)

    def h_responses_list(self, req: Request) -> Response:
        form_id = req.path_params["formId"]
        self.form(form_id)
        found = list(self.responses.get(form_id, []))
        text = req.arg("filter")
        if text:
            m = _FILTER.match(text)
            try:
                if not m:
                    raise ValueError(text)
                limit = _parse_time(m.group(2))
            except ValueError:
                raise bad_request(f"Invalid filter: {text}", field_name="filter") from None
            op = m.group(1)
            found = [
                r
                for r in found
                if (
                    _parse_time(r["lastSubmittedTime"]) > limit
                    if op == ">"
                    else _parse_time(r["lastSubmittedTime"]) >= limit
                )
            ]
        size = req.int_arg("pageSize", MAX_PAGE) or MAX_PAGE
        if size < 0:
            raise bad_request("page_size must be positive", field_name="pageSize")
        size = min(size, MAX_PAGE)
        token = req.arg("pageToken")
        start = 0
        if token:
            if not token.startswith("twin-page-"):
                raise bad_request("Invalid page token.", field_name="pageToken")
            start = int(token.removeprefix("twin-page-"))
        page = found[start : start + size]
        out: dict[str, Any] = {}
        if page:
            out["responses"] = copy.deepcopy(page)
        if start + size < len(found):
            out["nextPageToken"] = f"twin-page-{start + size}"
        return Response.json(out)

    def h_responses_get(self, req: Request) -> Response:
        form_id = req.path_params["formId"]
        self.form(form_id)
        for response in self.responses.get(form_id, []):
            if response["responseId"] == req.path_params["responseId"]:
                return Response.json(copy.deepcopy(response))
        raise not_found()

    def handlers(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("forms", "forms.create"): self.h_create,
            ("forms", "forms.get"): self.h_get,
            ("forms", "forms.setPublishSettings"): self.h_set_publish_settings,
            ("forms", "forms.batchUpdate"): self.h_batch_update,
            ("forms", "forms.responses.list"): self.h_responses_list,
            ("forms", "forms.responses.get"): self.h_responses_get,
        }

    # ------------------------------------------------------------ test helpers

    def seed_form(self, title: str, questions: list[dict | str]) -> str:
        form_id = "1" + self.new_id(43)
        self.create_blank(form_id, title)
        self.register_file(form_id, title, "application/vnd.google-apps.form")
        form = self.forms[form_id]
        for i, q in enumerate(questions):
            item = (
                {"title": q, "questionItem": {"question": {"textQuestion": {}}}}
                if isinstance(q, str)
                else copy.deepcopy(q)
            )
            self.bu_createItem(form, {"item": item, "location": {"index": i}}, "seed")
        return form_id

    def add_response(
        self,
        form_id: str,
        answers: dict[str, Any],
        email: str | None,
        submitted_at: dt.datetime | None,
    ) -> str:
        """Record a submission; answers are keyed by question title or question id.

        As on Google, only a published form accepting responses takes one, and a form made
        through the API only from someone its Drive permissions let respond.
        """
        form = self.form(form_id)
        state = form.get("publishSettings", {}).get("publishState", {})
        if not (state.get("isPublished") and state.get("isAcceptingResponses")):
            raise PermissionError(f"form {form_id} is not published and accepting responses")
        if form.get("_api"):
            self._check_responder(form_id, email)
        by_title: dict[str, str] = {}
        ids: set[str] = set()
        for item in form.get("items", []):
            question = (item.get("questionItem") or {}).get("question")
            if question:
                by_title[item.get("title", "")] = question["questionId"]
                ids.add(question["questionId"])
        when = submitted_at or self.now()
        out_answers = {}
        for key, value in answers.items():
            qid = key if key in ids else by_title.get(key)
            if qid is None:
                raise KeyError(
                    f"form {form_id} has no question titled or numbered {key!r}; "
                    f"questions: {sorted(by_title)}"
                )
            values = value if isinstance(value, list | tuple) else [value]
            out_answers[qid] = {
                "questionId": qid,
                "textAnswers": {"answers": [{"value": str(v)} for v in values]},
            }
        response: dict[str, Any] = {
            "formId": form_id,
            "responseId": "ACYDBN"
            + "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") for _ in range(60)),
            "createTime": _stamp(when),
            "lastSubmittedTime": _stamp(when),
            "answers": out_answers,
        }
        if email:
            response["respondentEmail"] = email
        self.responses.setdefault(form_id, []).append(response)
        self.responses[form_id].sort(key=lambda r: r["lastSubmittedTime"])
        return response["responseId"]

    def _check_responder(self, form_id: str, email: str | None) -> None:
        """The form's responders (Drive permissions with view "published") must cover `email`."""
        granted = self.responders_of(form_id) or []
        domain = (email or "").rpartition("@")[2].lower()
        for perm in granted:
            kind = perm.get("type")
            if (
                kind == "anyone"
                or (kind == "domain" and perm.get("domain", "").lower() == domain and domain)
                or (
                    kind == "user" and perm.get("emailAddress", "").lower() == (email or "").lower()
                )
            ):
                return
        raise PermissionError(f"{email or 'an anonymous person'} may not respond to form {form_id}")


def _public(form: dict) -> dict:
    """A form as Google shows it (the twin's own bookkeeping left out)."""
    return {k: copy.deepcopy(v) for k, v in form.items() if not k.startswith("_")}
