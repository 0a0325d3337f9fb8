"""Sheets v4 and Drive v3 twins: the HTTP handlers over the model in google_sheets_model.

Sheets and Drive share one store because in Google they are one thing seen twice: a spreadsheet
is a Drive file, created, listed, copied and deleted through Drive and edited through Sheets.
Answers follow the recordings of real traffic in ../shared/google-traffic (see google.py).

Google's limits, refused with Google's words (a body over 10 MB is refused in google.py): a cell
over 50,000 UTF-16 code units, a spreadsheet grown past 10,000,000 grid cells (append, resize,
insert, addSheet), and deleting every row (or column) beside the frozen ones. A values batch
update counts totalUpdatedRows and totalUpdatedColumns once across the whole batch.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import random
import string
from collections.abc import Callable
from typing import Any

from tests.fakes.google_http import (
    ApiError,
    Request,
    Response,
    apply_field_mask,
    bad_request,
    mask_paths,
    not_found,
    parse_field_mask,
)
from tests.fakes.google_sheets_model import (
    CELLS_ERROR,
    CELLS_LIMIT,
    DEFAULT_COLS,
    DEFAULT_FORMAT,
    DEFAULT_ROWS,
    DEFAULT_THEME,
    NUMBER_FORMAT_TYPES,
    Box,
    Cell,
    Sheet,
    Spreadsheet,
    a1,
    cell_data,
    check_cell_text,
    col_letters,
    quantize_color,
    sort_key,
    user_entered,
)

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
DOCUMENT_MIME = "application/vnd.google-apps.document"
FORM_MIME = "application/vnd.google-apps.form"
VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def rfc3339(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


class SheetsDrive:
    """In-memory spreadsheets and Drive files, and the handlers for their two APIs."""

    #: the cells (sheetId, row, column) the last values write touched, for a batch's totals
    last_touched: frozenset[tuple[int, int, int]] = frozenset()

    def __init__(
        self,
        rng: random.Random,
        now: Callable[[], dt.datetime],
        default_owner: str = "twin@chorus-twin.iam.gserviceaccount.com",
    ) -> None:
        self.rng = rng
        self.now = now
        self.default_owner = default_owner
        self.books: dict[str, Spreadsheet] = {}
        self.files: dict[str, dict] = {}
        self.on_create: dict[str, Callable[[str, str], None]] = {}  # mimeType -> hook(id, name)
        self.on_delete: dict[str, Callable[[str], None]] = {}
        self.acting: Any = None  # the principal of the call being handled (set by the twin)
        #: the shared drive a file with these parents lands in (set by the twin's Ownership)
        self.drive_of: Callable[[list[str] | None], str | None] = lambda parents: None

    # ------------------------------------------------------------ helpers

    def new_id(self) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        return "1" + "".join(self.rng.choice(alphabet) for _ in range(43))

    def new_sheet_id(self) -> int:
        return self.rng.randint(1, 2**31 - 1)

    def owner(self, req: Request | None) -> str:
        """Who owns what a request creates: the delegated user or person, else the caller."""
        principal = getattr(req, "principal", None) if req else self.acting
        return getattr(principal, "user", None) or self.default_owner

    def book(self, spreadsheet_id: str) -> Spreadsheet:
        book = self.books.get(spreadsheet_id)
        if book is None or self.files.get(spreadsheet_id, {}).get("trashed"):
            raise not_found()
        return book

    def touch(self, file_id: str) -> None:
        if file_id in self.files:
            self.files[file_id]["modifiedTime"] = rfc3339(self.now())

    def new_book(
        self,
        title: str,
        book_id: str | None = None,
        req: Request | None = None,
        props: dict | None = None,
        sheets: list[dict] | None = None,
        parents: list[str] | None = None,
    ) -> Spreadsheet:
        book_id = book_id or self.new_id()
        properties = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
            "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
            "spreadsheetTheme": copy.deepcopy(DEFAULT_THEME),
        }
        for key, value in (props or {}).items():
            if value is not None and key != "title":
                properties[key] = value
        book = Spreadsheet(book_id, properties)
        for i, spec in enumerate(sheets or [{}]):
            sheet_props = dict(spec.get("properties") or {})
            book.sheets.append(self.make_sheet(book, sheet_props, 0 if i == 0 else None))
        book.reindex()
        self.books[book_id] = book
        self.register_file(book_id, title, SPREADSHEET_MIME, req, parents)
        return book

    def make_sheet(self, book: Spreadsheet, props: dict, sheet_id: int | None = None) -> Sheet:
        grid = dict(props.get("gridProperties") or {})
        grid.setdefault("rowCount", DEFAULT_ROWS)
        grid.setdefault("columnCount", DEFAULT_COLS)
        title = props.get("title")
        if not title:
            n = len(book.sheets) + 1
            while book.sheet_by_title(f"Sheet{n}"):
                n += 1
            title = f"Sheet{n}"
        out = {
            "sheetId": props.get(
                "sheetId", sheet_id if sheet_id is not None else self.new_sheet_id()
            ),
            "title": title,
            "index": props.get("index", len(book.sheets)),
            "sheetType": props.get("sheetType") or "GRID",
            "gridProperties": grid,
        }
        for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
            if props.get(key):
                out[key] = props[key]
        return Sheet(out)

    def register_file(
        self,
        file_id: str,
        name: str,
        mime: str,
        req: Request | None,
        parents: list[str] | None = None,
        extra: dict | None = None,
    ) -> dict:
        stamp = rfc3339(self.now())
        owner = self.owner(req)
        info = {
            "kind": "drive#file",
            "id": file_id,
            "name": name,
            "mimeType": mime,
            "createdTime": stamp,
            "modifiedTime": stamp,
            "parents": parents or ["root"],
            "trashed": False,
            "starred": False,
            "ownedByMe": True,
            "owners": [
                {"kind": "drive#user", "displayName": owner, "emailAddress": owner, "me": True}
            ],
            "permissions": [
                {
                    "kind": "drive#permission",
                    "id": "owner-" + file_id[:8],
                    "type": "user",
                    "role": "owner",
                    "emailAddress": owner,
                }
            ],
            "webViewLink": _web_link(file_id, mime),
            "_content": b"",
        }
        info.update(extra or {})
        drive_id = self.drive_of(parents)
        if drive_id is not None:
            # Files in a shared drive belong to the drive: no owners, a driveId.
            info.update(driveId=drive_id, ownedByMe=False, owners=[], permissions=[])
        self.files[file_id] = info
        return info

    # ------------------------------------------------------------ Sheets: spreadsheets

    def spreadsheet_json(
        self, book: Spreadsheet, ranges: list[str], grid: bool, cell_mask: dict | None
    ) -> dict:
        sheets_out = []
        wanted: list[tuple[Sheet, Box | None]] = []
        if ranges:
            for text in ranges:
                box = book.resolve(text)
                wanted.append((box.sheet, box))
        else:
            wanted = [(s, None) for s in book.sheets]
        seen: dict[int, dict] = {}
        for sheet in book.sheets:
            boxes = [b for s, b in wanted if s is sheet]
            if not boxes:
                continue
            out = self.sheet_json(sheet)
            if grid:
                out["data"] = [
                    self.grid_data(book, b or Box(sheet, 0, 0, sheet.rows, sheet.cols), cell_mask)
                    for b in boxes
                ]
            seen[sheet.id] = out
            sheets_out.append(out)
        body: dict[str, Any] = {
            "spreadsheetId": book.id,
            "properties": copy.deepcopy(book.props),
            "sheets": sheets_out,
        }
        if book.named_ranges:
            body["namedRanges"] = [_named_json(nr) for nr in book.named_ranges]
        if book.developer_metadata:
            body["developerMetadata"] = copy.deepcopy(book.developer_metadata)
        body["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{book.id}/edit"
        return body

    def sheet_json(self, sheet: Sheet) -> dict:
        props = copy.deepcopy(sheet.props)
        grid = props.get("gridProperties", {})
        for key in ("frozenRowCount", "frozenColumnCount"):
            if not grid.get(key):
                grid.pop(key, None)
        for key in ("hideGridlines", "rowGroupControlAfter", "columnGroupControlAfter"):
            if not grid.get(key):
                grid.pop(key, None)
        for key in ("hidden", "rightToLeft"):
            if not props.get(key):
                props.pop(key, None)
        out: dict[str, Any] = {"properties": props}
        if sheet.merges:
            out["merges"] = [_grid_json(m, sheet.id) for m in sheet.merges]
        if sheet.conditional_formats:
            out["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
        if sheet.basic_filter:
            out["basicFilter"] = copy.deepcopy(sheet.basic_filter)
        if sheet.protected_ranges:
            out["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
        if sheet.row_groups:
            out["rowGroups"] = copy.deepcopy(sheet.row_groups)
        if sheet.column_groups:
            out["columnGroups"] = copy.deepcopy(sheet.column_groups)
        if sheet.developer_metadata:
            out["developerMetadata"] = copy.deepcopy(sheet.developer_metadata)
        return out

    def grid_data(self, book: Spreadsheet, box: Box, cell_mask: dict | None) -> dict:
        """GridData for a box; trailing empty cells and rows (after the field mask) are dropped."""
        sheet = box.sheet
        used_rows, used_cols = sheet.used_extent()
        rows = []
        for r in range(box.r0, min(box.r1, used_rows)):
            values = []
            for c in range(box.c0, min(box.c1, used_cols)):
                data = cell_data(book, sheet, sheet.cells.get((r, c)))
                if cell_mask is not None:
                    data = apply_field_mask(data, cell_mask)
                values.append(data)
            while values and not values[-1]:
                values.pop()
            rows.append({"values": values} if values else {})
        while rows and not rows[-1]:
            rows.pop()
        out: dict[str, Any] = {}
        if box.r0:
            out["startRow"] = box.r0
        if box.c0:
            out["startColumn"] = box.c0
        if rows:
            out["rowData"] = rows
        out["rowMetadata"] = [
            {
                "pixelSize": sheet.row_meta.get(r, {}).get("pixelSize", 21),
                **_dim_flags(sheet.row_meta.get(r)),
            }
            for r in range(box.r0, box.r1)
        ]
        out["columnMetadata"] = [
            {
                "pixelSize": sheet.col_meta.get(c, {}).get("pixelSize", 100),
                **_dim_flags(sheet.col_meta.get(c)),
            }
            for c in range(box.c0, box.c1)
        ]
        return out

    def h_spreadsheets_get(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        fields = req.arg("fields")
        mask = parse_field_mask(fields) if fields else {}
        wants_data = _mask_reaches(mask, ["sheets", "data"])
        grid = req.flag("includeGridData") or wants_data
        cell_mask = _sub_mask(mask, ["sheets", "data", "rowData", "values"]) if fields else None
        body = self.spreadsheet_json(book, req.args("ranges"), grid, cell_mask)
        return Response.json(apply_field_mask(body, mask))

    def h_spreadsheets_create(self, req: Request) -> Response:
        body = req.json or {}
        props = body.get("properties") or {}
        book = self.new_book(
            props.get("title") or "Untitled spreadsheet",
            req=req,
            props=props,
            sheets=body.get("sheets"),
        )
        for nr in body.get("namedRanges") or []:
            self.add_named_range(book, nr, "namedRanges")
        out = self.spreadsheet_json(book, [], False, None)
        fields = req.arg("fields")
        return Response.json(apply_field_mask(out, parse_field_mask(fields)) if fields else out)

    def h_spreadsheets_getByDataFilter(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        body = req.json or {}
        ranges = [f["a1Range"] for f in body.get("dataFilters") or [] if "a1Range" in f]
        out = self.spreadsheet_json(book, ranges, bool(body.get("includeGridData")), None)
        return Response.json(out)

    # ------------------------------------------------------------ Sheets: values

    def value_range(
        self,
        book: Spreadsheet,
        text: str,
        req_args: Callable[[str], str | None],
        major: str | None = None,
    ) -> dict:
        box = book.resolve(text)
        option = req_args("valueRenderOption") or "FORMATTED_VALUE"
        dt_option = req_args("dateTimeRenderOption") or "SERIAL_NUMBER"
        major = major or req_args("majorDimension") or "ROWS"
        _check_enum("valueRenderOption", option, VALUE_RENDER)
        _check_enum("majorDimension", major, ("ROWS", "COLUMNS"))
        _check_enum("dateTimeRenderOption", dt_option, ("SERIAL_NUMBER", "FORMATTED_STRING"))
        out: dict[str, Any] = {"range": box.a1(), "majorDimension": major}
        values = book.read(box, option, dt_option, major)
        if values:
            out["values"] = values
        return out

    def h_values_get(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        return Response.json(self.value_range(book, req.path_params["range"], req.arg))

    def h_values_batchGet(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        ranges = [self.value_range(book, r, req.arg) for r in req.args("ranges")]
        return Response.json({"spreadsheetId": book.id, "valueRanges": ranges})

    def h_values_batchGetByDataFilter(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        body = req.json or {}
        args = {
            k: body.get(k) for k in ("valueRenderOption", "dateTimeRenderOption", "majorDimension")
        }
        out = []
        for flt in body.get("dataFilters") or []:
            text = flt.get("a1Range") or self.filter_range(book, flt)
            vr = self.value_range(book, text, args.get)
            out.append({"valueRange": vr, "dataFilters": [flt]})
        return Response.json({"spreadsheetId": book.id, "valueRanges": out})

    def filter_range(self, book: Spreadsheet, flt: dict) -> str:
        if "gridRange" in flt:
            box = book.grid_range(flt["gridRange"], "dataFilters")
            return box.a1()
        lookup = flt.get("developerMetadataLookup") or {}
        for md in self.all_metadata(book):
            if lookup.get("metadataKey") in (None, md.get("metadataKey")) and lookup.get(
                "metadataId"
            ) in (None, md.get("metadataId")):
                loc = md.get("location", {})
                if "sheetId" in loc:
                    sheet = book.sheet_by_id(loc["sheetId"])
                    if sheet:
                        return quote_whole(sheet)
                if "dimensionRange" in loc:
                    dr = loc["dimensionRange"]
                    sheet = book.sheet_by_id(dr.get("sheetId", 0))
                    if sheet and dr.get("dimension") == "ROWS":
                        return sheet.prefix() + f"{dr['startIndex'] + 1}:{dr['endIndex']}"
                    if sheet:
                        return sheet.prefix() + (
                            f"{col_letters(dr['startIndex'])}:{col_letters(dr['endIndex'] - 1)}"
                        )
        raise bad_request("No data filter matched.")

    def all_metadata(self, book: Spreadsheet) -> list[dict]:
        out = list(book.developer_metadata)
        for sheet in book.sheets:
            out.extend(sheet.developer_metadata)
        return out

    def write_range(
        self,
        book: Spreadsheet,
        text: str,
        data: dict,
        input_option: str | None,
        where: str = "data",
    ) -> dict:
        if input_option not in INPUT_OPTIONS:
            raise bad_request(
                f"Invalid valueInputOption: {input_option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}"
            )
        values = data.get("values") or []
        major = data.get("majorDimension") or "ROWS"
        _check_enum("majorDimension", major, ("ROWS", "COLUMNS"))
        if data.get("range") and _norm(data["range"]) != _norm(text):
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing within range "
                f"[{data['range']}]."
            )
        box = book.resolve(text, for_write=True)
        rows = _transpose(values) if major == "COLUMNS" else values
        height = len(rows)
        width = max((len(r) for r in rows), default=0)
        explicit = ":" in (text.split("!")[-1])
        if explicit and (height > box.r1 - box.r0 or width > box.c1 - box.c0):
            over_row = box.r0 + height > box.r1
            what = (
                f"row [{box.r0 + height}]" if over_row else f"column [{_col(box.c0 + width - 1)}]"
            )
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to {what}"
            )
        if height and width:
            if box.r0 + height > box.sheet.rows or box.c0 + width > box.sheet.cols:
                raise book.grid_error(
                    box.sheet, text, box.r0, box.c0, box.r0 + height, box.c0 + width
                )
        touched: set[tuple[int, int, int]] = set()
        updated_rows, updated_cols, cells = book.write(box, rows, input_option, touched)
        self.touch(book.id)
        target = box.sheet.prefix() + (
            a1(box.r0, box.c0, box.r0 + height, box.c0 + width)
            if height and width
            else a1(box.r0, box.c0, box.r1, box.c1)
        )
        out: dict[str, Any] = {"spreadsheetId": book.id, "updatedRange": target}
        if cells:
            out.update(updatedRows=updated_rows, updatedColumns=updated_cols, updatedCells=cells)
        self.last_touched = frozenset(touched)
        return out

    def h_values_update(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        data = req.json or {}
        out = self.write_range(book, req.path_params["range"], data, req.arg("valueInputOption"))
        if req.flag("includeValuesInResponse"):
            out["updatedData"] = self.value_range(
                book,
                out["updatedRange"],
                lambda k: req.arg(
                    {
                        "valueRenderOption": "responseValueRenderOption",
                        "dateTimeRenderOption": "responseDateTimeRenderOption",
                    }.get(k, k)
                ),
            )
        return Response.json(out)

    def h_values_batchUpdate(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        body = req.json or {}
        snapshot = book.snapshot()
        responses = []
        touched: set[tuple[int, int, int]] = set()
        try:
            for i, data in enumerate(body.get("data") or []):
                if not data.get("range"):
                    raise bad_request(f"Invalid data[{i}]: No range specified.")
                responses.append(
                    self.write_range(book, data["range"], data, body.get("valueInputOption"))
                )
                touched |= self.last_touched
        except ApiError:
            self.books[book.id] = snapshot
            raise
        if body.get("includeValuesInResponse"):
            for resp in responses:
                resp["updatedData"] = self.value_range(book, resp["updatedRange"], lambda _k: None)
        return Response.json(_batch_totals(book.id, responses, touched))

    def h_values_batchUpdateByDataFilter(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        body = req.json or {}
        responses = []
        touched: set[tuple[int, int, int]] = set()
        for item in body.get("data") or []:
            flt = item.get("dataFilter") or {}
            text = flt.get("a1Range") or self.filter_range(book, flt)
            resp = self.write_range(
                book,
                text,
                {k: v for k, v in item.items() if k != "dataFilter"},
                body.get("valueInputOption"),
            )
            resp["dataFilter"] = flt
            responses.append(resp)
            touched |= self.last_touched
        return Response.json(_batch_totals(book.id, responses, touched))

    def h_values_append(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        data = req.json or {}
        option = req.arg("valueInputOption")
        if option not in INPUT_OPTIONS:
            raise bad_request(
                f"Invalid valueInputOption: {option or 'INPUT_VALUE_OPTION_UNSPECIFIED'}"
            )
        insert = req.arg("insertDataOption") or "OVERWRITE"
        _check_enum("insertDataOption", insert, ("OVERWRITE", "INSERT_ROWS"))
        text = req.path_params["range"]
        box = book.resolve(text)
        sheet = box.sheet
        values = data.get("values") or []
        rows = _transpose(values) if (data.get("majorDimension") or "ROWS") == "COLUMNS" else values
        height = len(rows)
        width = max((len(r) for r in rows), default=0)
        check_cell_text(rows)
        table = book.table_around(box)
        if table is None:
            r0, c0 = box.r0, box.c0
        else:
            r0, c0 = table.r1, table.c0
        grown_rows = (
            sheet.rows + height if insert == "INSERT_ROWS" else max(sheet.rows, r0 + height)
        )
        grown = grown_rows * max(sheet.cols, c0 + width)
        if book.cell_total() - sheet.rows * sheet.cols + grown > CELLS_LIMIT:
            raise bad_request(CELLS_ERROR)
        if insert == "INSERT_ROWS" and height:
            _insert_dim(sheet, "ROWS", r0, r0 + height, book)
            # Google gives inserted rows the format of the row above them (the header's,
            # bold and all, when the table is only a header).
            above = {
                c: cell.fmt for (r, c), cell in sheet.cells.items() if r == r0 - 1 and cell.fmt
            }
            for r in range(r0, r0 + height):
                for c, fmt in above.items():
                    sheet.cell(r, c).fmt = fmt
        # Appending past the end of the grid adds the rows (and columns) it needs.
        sheet.grid["rowCount"] = max(sheet.rows, r0 + height)
        sheet.grid["columnCount"] = max(sheet.cols, c0 + width)
        target = Box(sheet, r0, c0, r0 + max(height, 1), c0 + max(width, 1))
        updated_rows, updated_cols, cells = book.write(target, rows, option)
        self.touch(book.id)
        updates: dict[str, Any] = {"spreadsheetId": book.id, "updatedRange": target.a1()}
        if cells:
            updates.update(
                updatedRows=updated_rows, updatedColumns=updated_cols, updatedCells=cells
            )
        if req.flag("includeValuesInResponse"):
            updates["updatedData"] = self.value_range(book, target.a1(), lambda _k: None)
        out: dict[str, Any] = {"spreadsheetId": book.id}
        if table is not None:
            out["tableRange"] = table.a1()
        out["updates"] = updates
        return Response.json(out)

    def clear_range(self, book: Spreadsheet, text: str) -> str:
        box = book.resolve(text)
        for key, cell in box.sheet.cells_in(box):
            cell.clear_value()
            if cell.is_blank():
                del box.sheet.cells[key]
        self.touch(book.id)
        return box.a1()

    def h_values_clear(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        cleared = self.clear_range(book, req.path_params["range"])
        return Response.json({"spreadsheetId": book.id, "clearedRange": cleared})

    def h_values_batchClear(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        ranges = (req.json or {}).get("ranges") or []
        for text in ranges:
            book.resolve(text)  # all ranges must parse before anything is cleared
        cleared = [self.clear_range(book, text) for text in ranges]
        return Response.json({"spreadsheetId": book.id, "clearedRanges": cleared})

    def h_values_batchClearByDataFilter(self, req: Request) -> Response:
        book = self.book(req.path_params["spreadsheetId"])
        filters = (req.json or {}).get("dataFilters") or []
        cleared = [
            self.clear_range(book, f.get("a1Range") or self.filter_range(book, f)) for f in filters
        ]
        return Response.json({"spreadsheetId": book.id, "clearedRanges": cleared})

    # ------------------------------------------------------------ Sheets: batchUpdate

    def h_spreadsheets_batchUpdate(self, req: Request) -> Response:
        book_id = req.path_params["spreadsheetId"]
        book = self.book(book_id)
        body = req.json or {}
        requests = body.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        # batchUpdate is atomic in Google: one failing request leaves the spreadsheet untouched.
        work = book.snapshot()
        replies = []
        for i, request in enumerate(requests):
            kinds = [k for k, v in request.items() if v is not None]
            if len(kinds) != 1:
                raise bad_request(f"Invalid requests[{i}]: No request set.")
            kind = kinds[0]
            handler = getattr(self, f"bu_{kind}", None)
            if handler is None:
                raise ApiError(
                    501,
                    f"Invalid requests[{i}].{kind}: the Google twin does not "
                    f"implement this request yet.",
                )
            reply = handler(work, request[kind] or {}, f"Invalid requests[{i}].{kind}")
            work.check_cells(f"Invalid requests[{i}].{kind}")
            replies.append({kind: reply} if reply is not None else {})
        self.books[book_id] = work
        if (
            work.props.get("title") != self.files.get(book_id, {}).get("name")
            and book_id in self.files
        ):
            self.files[book_id]["name"] = work.props["title"]
        self.touch(book_id)
        out: dict[str, Any] = {"spreadsheetId": book_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            out["updatedSpreadsheet"] = self.spreadsheet_json(
                work,
                body.get("responseRanges") or [],
                bool(body.get("responseIncludeGridData")),
                None,
            )
        return Response.json(out)

    def sheet_of(self, book: Spreadsheet, sheet_id: int | None, where: str) -> Sheet:
        sheet = book.sheet_by_id(sheet_id or 0)
        if sheet is None:
            raise bad_request(f"{where}: No grid with id: {sheet_id or 0}")
        return sheet

    def bu_addSheet(self, book: Spreadsheet, req: dict, where: str) -> dict:
        props = dict(req.get("properties") or {})
        title = props.get("title")
        if (
            title
            and book.sheet_by_title(title)
            and book.sheet_by_title(title).title.lower() == title.lower()
        ):
            raise bad_request(
                f'{where}: A sheet with the name "{title}" already exists. '
                "Please enter another name."
            )
        if "sheetId" in props and book.sheet_by_id(props["sheetId"]):
            raise bad_request(f"{where}: Sheet with id {props['sheetId']} already exists.")
        sheet = self.make_sheet(book, props)
        index = props.get("index")
        index = len(book.sheets) if index is None else min(index, len(book.sheets))
        book.sheets.insert(index, sheet)
        book.reindex()
        return {"properties": self.sheet_json(sheet)["properties"]}

    def bu_duplicateSheet(self, book: Spreadsheet, req: dict, where: str) -> dict:
        source = self.sheet_of(book, req.get("sourceSheetId"), where)
        sheet = copy.deepcopy(source)
        sheet.props["sheetId"] = req.get("newSheetId") or self.new_sheet_id()
        sheet.props["title"] = req.get("newSheetName") or f"Copy of {source.title}"
        index = req.get("insertSheetIndex")
        book.sheets.insert(len(book.sheets) if index is None else index, sheet)
        book.reindex()
        return {"properties": self.sheet_json(sheet)["properties"]}

    def bu_deleteSheet(self, book: Spreadsheet, req: dict, where: str) -> None:
        sheet = book.sheet_by_id(req.get("sheetId") or 0)
        if sheet is None:
            raise bad_request(f"{where}: No sheet with id: {req.get('sheetId') or 0}")
        if len(book.sheets) == 1:
            raise bad_request(f"{where}: You can't remove all the sheets in a document.")
        book.sheets.remove(sheet)
        book.named_ranges = [
            n for n in book.named_ranges if n["range"].get("sheetId", 0) != sheet.id
        ]
        book.reindex()

    def bu_updateSheetProperties(self, book: Spreadsheet, req: dict, where: str) -> None:
        props = req.get("properties") or {}
        sheet = self.sheet_of(book, props.get("sheetId"), where)
        fields = req.get("fields")
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        paths = [["*"]] if fields.strip() == "*" else mask_paths(fields)
        for path in paths:
            if path == ["*"]:
                for key, value in props.items():
                    if key != "sheetId":
                        self.set_sheet_prop(book, sheet, [key], value, where)
                continue
            value: Any = props
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            self.set_sheet_prop(book, sheet, path, value, where)

    def set_sheet_prop(
        self, book: Spreadsheet, sheet: Sheet, path: list[str], value: Any, where: str
    ) -> None:
        key = path[0]
        if key == "title":
            if not value:
                raise bad_request(f"{where}: Sheet title cannot be empty.")
            other = book.sheet_by_title(value)
            if other is not None and other is not sheet and other.title.lower() == value.lower():
                raise bad_request(
                    f'{where}: A sheet with the name "{value}" already exists. '
                    "Please enter another name."
                )
            sheet.props["title"] = value
        elif key == "index":
            book.sheets.remove(sheet)
            book.sheets.insert(min(value or 0, len(book.sheets)), sheet)
            book.reindex()
        elif key == "hidden":
            if value and all(s.props.get("hidden") or s is sheet for s in book.sheets):
                raise bad_request(f"{where}: You can't hide all the sheets in a document.")
            sheet.props["hidden"] = bool(value)
        elif key in ("tabColorStyle", "tabColor"):
            color = value if isinstance(value, dict) else {}
            rgb = color.get("rgbColor") if key == "tabColorStyle" else color
            if rgb:
                rgb = quantize_color(rgb)
                sheet.props["tabColorStyle"] = {"rgbColor": rgb}
                sheet.props["tabColor"] = rgb
            elif key == "tabColorStyle" and color.get("themeColor"):
                sheet.props["tabColorStyle"] = {"themeColor": color["themeColor"]}
            else:
                sheet.props.pop("tabColorStyle", None)
                sheet.props.pop("tabColor", None)
        elif key == "gridProperties":
            grid_value = value if isinstance(value, dict) else {}
            subkeys = path[1:] or list(grid_value.keys())
            for sub in subkeys:
                new = grid_value.get(sub) if len(path) == 1 else value
                if sub == "rowCount":
                    self.resize(sheet, "ROWS", new or 0, where)
                elif sub == "columnCount":
                    self.resize(sheet, "COLUMNS", new or 0, where)
                elif sub in ("frozenRowCount", "frozenColumnCount"):
                    limit = sheet.rows if sub == "frozenRowCount" else sheet.cols
                    if (new or 0) >= limit:
                        raise bad_request(
                            f"{where}: You can't freeze all visible rows on the sheet."
                            if sub == "frozenRowCount"
                            else f"{where}: You can't freeze all visible columns on the sheet."
                        )
                    sheet.grid[sub] = new or 0
                else:
                    sheet.grid[sub] = new
        elif key == "rightToLeft":
            sheet.props["rightToLeft"] = bool(value)
        elif key == "sheetType":
            sheet.props["sheetType"] = value or "GRID"
        else:
            raise bad_request(f"{where}: Unknown field: {key}")

    def resize(self, sheet: Sheet, dim: str, size: int, where: str) -> None:
        if size < 1:
            raise bad_request(
                f"{where}: Invalid {'rowCount' if dim == 'ROWS' else 'columnCount'}: {size}"
            )
        if dim == "ROWS":
            sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < size}
            sheet.grid["rowCount"] = size
        else:
            sheet.cells = {k: v for k, v in sheet.cells.items() if k[1] < size}
            sheet.grid["columnCount"] = size

    def bu_updateSpreadsheetProperties(self, book: Spreadsheet, req: dict, where: str) -> None:
        props = req.get("properties") or {}
        fields = req.get("fields")
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        paths = [[k] for k in props] if fields.strip() == "*" else mask_paths(fields)
        for path in paths:
            src: Any = props
            dst = book.props
            for part in path[:-1]:
                src = src.get(part) if isinstance(src, dict) else None
                dst = dst.setdefault(part, {})
            value = src.get(path[-1]) if isinstance(src, dict) else None
            if value is None:
                dst.pop(path[-1], None)
            else:
                dst[path[-1]] = value

    def add_named_range(self, book: Spreadsheet, named: dict, where: str) -> dict:
        name = named.get("name") or ""
        if not name or any(n["name"].lower() == name.lower() for n in book.named_ranges):
            raise bad_request(
                f"{where}: Named range with name {name!r} already exists."
                if name
                else f"{where}: Named range name is required."
            )
        rng = named.get("range") or {}
        box = book.grid_range(rng, where)
        entry = {
            "namedRangeId": named.get("namedRangeId") or str(self.rng.randint(10**8, 2**31 - 1)),
            "name": name,
            "range": {
                "sheetId": box.sheet.id,
                "startRowIndex": box.r0,
                "endRowIndex": box.r1,
                "startColumnIndex": box.c0,
                "endColumnIndex": box.c1,
            },
        }
        book.named_ranges.append(entry)
        return entry

    def bu_addNamedRange(self, book: Spreadsheet, req: dict, where: str) -> dict:
        return {
            "namedRange": _named_json(
                self.add_named_range(book, req.get("namedRange") or {}, where)
            )
        }

    def bu_deleteNamedRange(self, book: Spreadsheet, req: dict, where: str) -> None:
        rid = req.get("namedRangeId")
        if not any(n["namedRangeId"] == rid for n in book.named_ranges):
            raise bad_request(f"{where}: No named range with id {rid}")
        book.named_ranges = [n for n in book.named_ranges if n["namedRangeId"] != rid]

    def bu_updateNamedRange(self, book: Spreadsheet, req: dict, where: str) -> None:
        named = req.get("namedRange") or {}
        entry = next(
            (n for n in book.named_ranges if n["namedRangeId"] == named.get("namedRangeId")), None
        )
        if entry is None:
            raise bad_request(f"{where}: No named range with id {named.get('namedRangeId')}")
        fields = req.get("fields") or ""
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        for path in mask_paths(fields) if fields != "*" else [["name"], ["range"]]:
            if path[0] == "name" and named.get("name"):
                entry["name"] = named["name"]
            elif path[0] == "range" and named.get("range"):
                box = book.grid_range(named["range"], where)
                entry["range"] = {
                    "sheetId": box.sheet.id,
                    "startRowIndex": box.r0,
                    "endRowIndex": box.r1,
                    "startColumnIndex": box.c0,
                    "endColumnIndex": box.c1,
                }

    def bu_mergeCells(self, book: Spreadsheet, req: dict, where: str) -> None:
        box = book.grid_range(req.get("range") or {}, where)
        kind = req.get("mergeType") or "MERGE_ALL"
        pieces: list[tuple[int, int, int, int]]
        if kind == "MERGE_ALL":
            pieces = [(box.r0, box.c0, box.r1, box.c1)]
        elif kind == "MERGE_COLUMNS":
            pieces = [(box.r0, c, box.r1, c + 1) for c in range(box.c0, box.c1)]
        elif kind == "MERGE_ROWS":
            pieces = [(r, box.c0, r + 1, box.c1) for r in range(box.r0, box.r1)]
        else:
            raise bad_request(f"{where}: Invalid mergeType: {kind}")
        sheet = box.sheet
        # Merges inside the new range are replaced; one sticking out of it is an error.
        keep = []
        for m in sheet.merges:
            inside = (
                box.r0 <= m["startRowIndex"]
                and m["endRowIndex"] <= box.r1
                and box.c0 <= m["startColumnIndex"]
                and m["endColumnIndex"] <= box.c1
            )
            overlaps = (
                m["startRowIndex"] < box.r1
                and box.r0 < m["endRowIndex"]
                and m["startColumnIndex"] < box.c1
                and box.c0 < m["endColumnIndex"]
            )
            if overlaps and not inside:
                raise bad_request(
                    f"{where}: You can't merge cells that partially overlap an existing merge."
                )
            if not inside:
                keep.append(m)
        sheet.merges = keep
        for r0, c0, r1, c1 in pieces:
            if (r1 - r0) * (c1 - c0) < 2:
                continue
            # Merging keeps only the top-left value of each merged block.
            for (r, c), cell in sheet.cells.items():
                if r0 <= r < r1 and c0 <= c < c1 and (r, c) != (r0, c0):
                    cell.clear_value()
            sheet.merges.append(
                {
                    "startRowIndex": r0,
                    "endRowIndex": r1,
                    "startColumnIndex": c0,
                    "endColumnIndex": c1,
                }
            )
        sheet.prune()

    def bu_unmergeCells(self, book: Spreadsheet, req: dict, where: str) -> None:
        box = book.grid_range(req.get("range") or {}, where)
        box.sheet.merges = [
            m
            for m in box.sheet.merges
            if not (
                box.r0 <= m["startRowIndex"]
                and m["endRowIndex"] <= box.r1
                and box.c0 <= m["startColumnIndex"]
                and m["endColumnIndex"] <= box.c1
            )
        ]

    def bu_repeatCell(self, book: Spreadsheet, req: dict, where: str) -> None:
        box = book.grid_range(req.get("range") or {}, where)
        fields = req.get("fields")
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        cell_spec = req.get("cell") or {}
        # one merged format per prior format, shared by the cells (formats are never mutated)
        memo: dict[tuple[tuple[str, ...], int], tuple[Any, Any]] = {}
        for r in range(box.r0, box.r1):
            for c in range(box.c0, box.c1):
                self.apply_cell(book, box.sheet, r, c, cell_spec, fields, memo)
        box.sheet.prune()

    def apply_cell(
        self,
        book: Spreadsheet,
        sheet: Sheet,
        r: int,
        c: int,
        spec: dict,
        fields: str,
        memo: dict[tuple[tuple[str, ...], int], tuple[Any, Any]] | None = None,
    ) -> None:
        cell = sheet.cell(r, c)
        for path in (
            mask_paths(fields)
            if fields.strip() != "*"
            else [[k] for k in ("userEnteredValue", "userEnteredFormat", "note", "dataValidation")]
        ):
            key = path[0]
            if key == "userEnteredValue":
                value = spec.get("userEnteredValue") or {}
                cell.clear_value()
                if "formulaValue" in value:
                    cell.formula = value["formulaValue"]
                elif "numberValue" in value:
                    cell.value = value["numberValue"]
                elif "boolValue" in value:
                    cell.value = value["boolValue"]
                elif "stringValue" in value:
                    check_cell_text([[value["stringValue"]]])
                    cell.value = value["stringValue"]
            elif key == "userEnteredFormat":
                seen = memo.get((tuple(path), id(cell.fmt))) if memo is not None else None
                if seen is not None and seen[0] is cell.fmt:
                    cell.fmt = seen[1]
                    continue
                before = cell.fmt
                fmt = copy.deepcopy(spec.get("userEnteredFormat") or {})
                kind = (fmt.get("numberFormat") or {}).get("type")
                if kind is not None and kind not in NUMBER_FORMAT_TYPES:
                    raise bad_request(
                        f"Invalid value at 'requests.cell.user_entered_format.number_format.type' "
                        f'(type.googleapis.com/google.apps.sheets.v4.NumberFormat.Type), "{kind}"'
                    )
                target = copy.deepcopy(cell.fmt or {})
                if len(path) == 1:
                    target = fmt
                else:
                    src: Any = fmt
                    for part in path[1:]:
                        src = src.get(part) if isinstance(src, dict) else None
                    dst = target
                    for part in path[1:-1]:
                        dst = dst.setdefault(part, {})
                    if src is None:
                        dst.pop(path[-1], None)
                    else:
                        dst[path[-1]] = src
                cell.fmt = _with_color_styles(target) or None
                if memo is not None:
                    memo[(tuple(path), id(before))] = (before, cell.fmt)
            elif key == "note":
                cell.note = spec.get("note") or None
            elif key == "dataValidation":
                cell.validation = spec.get("dataValidation") or None

    def bu_updateCells(self, book: Spreadsheet, req: dict, where: str) -> None:
        fields = req.get("fields")
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        rows = req.get("rows") or []
        if "start" in req:
            start = req["start"]
            sheet = self.sheet_of(book, start.get("sheetId"), where)
            r0, c0 = start.get("rowIndex") or 0, start.get("columnIndex") or 0
            height = len(rows)
            width = max((len(r.get("values") or []) for r in rows), default=0)
            box = Box(sheet, r0, c0, r0 + height, c0 + width)
            if box.r1 > sheet.rows or box.c1 > sheet.cols:
                raise bad_request(
                    f"{where}: Range ({box.a1()}) exceeds grid limits. "
                    f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
                )
        else:
            box = book.grid_range(req.get("range") or {}, where)
        for i in range(box.r1 - box.r0):
            row = rows[i].get("values") or [] if i < len(rows) else []
            for j in range(box.c1 - box.c0):
                spec = row[j] if j < len(row) else {}
                self.apply_cell(book, box.sheet, box.r0 + i, box.c0 + j, spec or {}, fields)
        box.sheet.prune()

    def bu_appendCells(self, book: Spreadsheet, req: dict, where: str) -> None:
        sheet = self.sheet_of(book, req.get("sheetId"), where)
        rows = req.get("rows") or []
        start = sheet.used_extent()[0]
        sheet.grid["rowCount"] = max(sheet.rows, start + len(rows))
        self.bu_updateCells(
            book,
            {
                "rows": rows,
                "fields": req.get("fields") or "*",
                "start": {"sheetId": sheet.id, "rowIndex": start},
            },
            where,
        )

    def bu_setDataValidation(self, book: Spreadsheet, req: dict, where: str) -> None:
        box = book.grid_range(req.get("range") or {}, where)
        rule = copy.deepcopy(req.get("rule")) or None  # shared by the cells, never mutated
        for r in range(box.r0, box.r1):
            for c in range(box.c0, box.c1):
                box.sheet.cell(r, c).validation = rule
        box.sheet.prune()

    def bu_setBasicFilter(self, book: Spreadsheet, req: dict, where: str) -> None:
        flt = copy.deepcopy(req.get("filter") or {})
        box = book.grid_range(flt.get("range") or {}, where)
        flt["range"] = _grid_json(
            {
                "startRowIndex": box.r0,
                "endRowIndex": box.r1,
                "startColumnIndex": box.c0,
                "endColumnIndex": box.c1,
            },
            box.sheet.id,
        )
        box.sheet.basic_filter = flt

    def bu_clearBasicFilter(self, book: Spreadsheet, req: dict, where: str) -> None:
        self.sheet_of(book, req.get("sheetId"), where).basic_filter = None

    def bu_addProtectedRange(self, book: Spreadsheet, req: dict, where: str) -> dict:
        spec = req.get("protectedRange") or {}
        box = book.grid_range(spec.get("range") or {}, where)
        entry: dict[str, Any] = {
            "protectedRangeId": spec.get("protectedRangeId") or self.rng.randint(10**8, 2**31 - 1),
            "range": _grid_json(
                {
                    "startRowIndex": box.r0,
                    "endRowIndex": box.r1,
                    "startColumnIndex": box.c0,
                    "endColumnIndex": box.c1,
                },
                box.sheet.id,
            ),
        }
        if spec.get("description"):
            entry["description"] = spec["description"]
        if spec.get("warningOnly"):
            entry["warningOnly"] = True
        entry["requestingUserCanEdit"] = True
        editors = spec.get("editors") or {}
        stored = copy.deepcopy(entry)
        # Google always lists the owner as an editor of a protected range once it is stored.
        stored["editors"] = {
            "users": sorted(set(editors.get("users") or []) | {self.default_owner})
        }
        if editors.get("groups"):
            stored["editors"]["groups"] = editors["groups"]
        box.sheet.protected_ranges.append(stored)
        entry["editors"] = {}
        return {"protectedRange": entry}

    def bu_deleteProtectedRange(self, book: Spreadsheet, req: dict, where: str) -> None:
        pid = req.get("protectedRangeId")
        for sheet in book.sheets:
            sheet.protected_ranges = [
                p for p in sheet.protected_ranges if p["protectedRangeId"] != pid
            ]

    def dim_range(self, book: Spreadsheet, rng: dict, where: str) -> tuple[Sheet, str, int, int]:
        sheet = self.sheet_of(book, rng.get("sheetId"), where)
        dim = rng.get("dimension")
        if dim not in ("ROWS", "COLUMNS"):
            raise bad_request(f"{where}: Invalid dimension: {dim}")
        size = sheet.rows if dim == "ROWS" else sheet.cols
        start = rng.get("startIndex") or 0
        end = rng.get("endIndex") if rng.get("endIndex") is not None else size
        if start < 0 or end > size or start >= end:
            raise bad_request(f"{where}: Invalid dimension range: {start} to {end} (size {size})")
        return sheet, dim, start, end

    def bu_insertDimension(self, book: Spreadsheet, req: dict, where: str) -> None:
        rng = req.get("range") or {}
        sheet = self.sheet_of(book, rng.get("sheetId"), where)
        dim = rng.get("dimension")
        start, end = rng.get("startIndex") or 0, rng.get("endIndex") or 0
        size = sheet.rows if dim == "ROWS" else sheet.cols
        if dim not in ("ROWS", "COLUMNS") or start < 0 or end <= start or start > size:
            raise bad_request(f"{where}: Invalid dimension range")
        _insert_dim(sheet, dim, start, end, book)

    def bu_appendDimension(self, book: Spreadsheet, req: dict, where: str) -> None:
        sheet = self.sheet_of(book, req.get("sheetId"), where)
        length = req.get("length") or 0
        if length < 1:
            raise bad_request(f"{where}: length must be greater than 0")
        key = "rowCount" if req.get("dimension") == "ROWS" else "columnCount"
        sheet.grid[key] = sheet.grid[key] + length

    def bu_deleteDimension(self, book: Spreadsheet, req: dict, where: str) -> None:
        sheet, dim, start, end = self.dim_range(book, req.get("range") or {}, where)
        count = end - start
        total = sheet.rows if dim == "ROWS" else sheet.cols
        if count >= total:
            raise bad_request(
                f"{where}: You can't delete all the rows on the sheet."
                if dim == "ROWS"
                else f"{where}: You can't delete all the columns on the sheet."
            )
        # Google keeps at least one row (column) below (beside) the frozen ones.
        frozen = sheet.grid.get("frozenRowCount" if dim == "ROWS" else "frozenColumnCount", 0)
        if frozen and total - count <= frozen:
            noun = "rows" if dim == "ROWS" else "columns"
            raise bad_request(
                f"{where}: Sorry, it is not possible to delete all non-frozen {noun}."
            )
        axis = 0 if dim == "ROWS" else 1
        moved: dict[tuple[int, int], Cell] = {}
        for key, cell in sheet.cells.items():
            pos = key[axis]
            if start <= pos < end:
                continue
            new_pos = pos - count if pos >= end else pos
            moved[(new_pos, key[1]) if axis == 0 else (key[0], new_pos)] = cell
        sheet.cells = moved
        meta = sheet.row_meta if axis == 0 else sheet.col_meta
        shifted = {
            (k - count if k >= end else k): v for k, v in meta.items() if not start <= k < end
        }
        meta.clear()
        meta.update(shifted)
        sheet.grid["rowCount" if axis == 0 else "columnCount"] = total - count
        _shift_named(book, sheet, axis, end, -count, start)

    def bu_updateDimensionProperties(self, book: Spreadsheet, req: dict, where: str) -> None:
        rng = req.get("range") or {}
        sheet, dim, start, end = self.dim_range(book, rng, where)
        props = req.get("properties") or {}
        fields = req.get("fields")
        if not fields:
            raise bad_request(
                f"{where}: At least one field must be updated, but none were specified."
            )
        meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
        keys = list(props) if fields == "*" else [p[0] for p in mask_paths(fields)]
        for i in range(start, end):
            entry = meta.setdefault(i, {})
            for key in keys:
                if props.get(key) is None:
                    entry.pop(key, None)
                else:
                    entry[key] = props[key]

    def bu_autoResizeDimensions(self, book: Spreadsheet, req: dict, where: str) -> None:
        rng = req.get("dimensions") or {}
        sheet, dim, start, end = self.dim_range(book, rng, where)
        meta = sheet.row_meta if dim == "ROWS" else sheet.col_meta
        for i in range(start, end):
            if dim == "COLUMNS":
                texts = [
                    str(book.render(sheet, cell, "FORMATTED_VALUE", "SERIAL_NUMBER"))
                    for (r, c), cell in sheet.cells.items()
                    if c == i
                ]
                width = max((len(t) for t in texts), default=0)
                meta.setdefault(i, {})["pixelSize"] = max(100, 7 * width + 10) if texts else 100
            else:
                meta.setdefault(i, {})["pixelSize"] = 21

    def bu_addDimensionGroup(self, book: Spreadsheet, req: dict, where: str) -> dict:
        sheet, dim, start, end = self.dim_range(book, req.get("range") or {}, where)
        groups = sheet.row_groups if dim == "ROWS" else sheet.column_groups
        depth = 1 + sum(
            1 for g in groups if g["range"]["startIndex"] <= start and end <= g["range"]["endIndex"]
        )
        groups.append(
            {"range": {"dimension": dim, "startIndex": start, "endIndex": end}, "depth": depth}
        )
        sheet.grid["rowGroupControlAfter" if dim == "ROWS" else "columnGroupControlAfter"] = True
        return {"dimensionGroups": copy.deepcopy(groups)}

    def bu_deleteDimensionGroup(self, book: Spreadsheet, req: dict, where: str) -> dict:
        sheet, dim, start, end = self.dim_range(book, req.get("range") or {}, where)
        groups = sheet.row_groups if dim == "ROWS" else sheet.column_groups
        keep = [
            g
            for g in groups
            if not (g["range"]["startIndex"] == start and g["range"]["endIndex"] == end)
        ]
        if len(keep) == len(groups):
            raise bad_request(f"{where}: No dimension group found in the range.")
        groups[:] = keep
        return {"dimensionGroups": copy.deepcopy(groups)} if groups else {}

    def bu_copyPaste(self, book: Spreadsheet, req: dict, where: str) -> None:
        src = book.grid_range(req.get("source") or {}, where)
        dst = book.grid_range(req.get("destination") or {}, where)
        self.paste(
            src, dst.sheet, dst.r0, dst.c0, req.get("pasteType") or "PASTE_NORMAL", cut=False
        )

    def bu_cutPaste(self, book: Spreadsheet, req: dict, where: str) -> None:
        src = book.grid_range(req.get("source") or {}, where)
        dest = req.get("destination") or {}
        sheet = self.sheet_of(book, dest.get("sheetId"), where)
        self.paste(
            src,
            sheet,
            dest.get("rowIndex") or 0,
            dest.get("columnIndex") or 0,
            req.get("pasteType") or "PASTE_NORMAL",
            cut=True,
        )

    def paste(self, src: Box, sheet: Sheet, r0: int, c0: int, paste_type: str, cut: bool) -> None:
        copied = {
            (r - src.r0, c - src.c0): cell.copy()
            for (r, c), cell in src.sheet.cells.items()
            if src.r0 <= r < src.r1 and src.c0 <= c < src.c1
        }
        if cut:
            for key in [
                k for k in src.sheet.cells if src.r0 <= k[0] < src.r1 and src.c0 <= k[1] < src.c1
            ]:
                del src.sheet.cells[key]
        for i in range(src.r1 - src.r0):
            for j in range(src.c1 - src.c0):
                cell = copied.get((i, j)) or Cell()
                target = sheet.cell(r0 + i, c0 + j)
                if paste_type in ("PASTE_NORMAL", "PASTE_VALUES"):
                    target.value, target.formula = cell.value, cell.formula
                    target.formatted, target.is_date = cell.formatted, cell.is_date
                if paste_type in ("PASTE_NORMAL", "PASTE_FORMAT"):
                    target.fmt = cell.fmt
                if paste_type == "PASTE_NORMAL":
                    target.note, target.validation = cell.note, cell.validation
        sheet.prune()

    def bu_sortRange(self, book: Spreadsheet, req: dict, where: str) -> None:
        box = book.grid_range(req.get("range") or {}, where)
        sheet = box.sheet
        rows = [
            {c: sheet.cells.get((r, c)) for c in range(box.c0, box.c1)}
            for r in range(box.r0, box.r1)
        ]
        for spec in reversed(req.get("sortSpecs") or []):
            col = spec.get("dimensionIndex") or 0
            descending = spec.get("sortOrder") == "DESCENDING"
            blanks = [r for r in rows if r.get(col) is None or not r[col].has_value()]
            filled = [r for r in rows if not (r.get(col) is None or not r[col].has_value())]
            filled.sort(
                key=lambda row, col=col: sort_key(book, sheet, row.get(col)), reverse=descending
            )
            rows = filled + blanks  # blanks stay last in both orders
        for key in [k for k in sheet.cells if box.r0 <= k[0] < box.r1 and box.c0 <= k[1] < box.c1]:
            del sheet.cells[key]
        for i, row in enumerate(rows):
            for c, cell in row.items():
                if cell is not None:
                    sheet.cells[(box.r0 + i, c)] = cell

    def bu_findReplace(self, book: Spreadsheet, req: dict, where: str) -> dict:
        find, repl = req.get("find") or "", req.get("replacement") or ""
        sheets = (
            book.sheets
            if req.get("allSheets")
            else [self.sheet_of(book, req.get("sheetId"), where)]
        )
        changed = 0
        for sheet in sheets:
            for cell in sheet.cells.values():
                if isinstance(cell.value, str) and find in cell.value:
                    cell.value = cell.value.replace(find, repl)
                    changed += 1
        return (
            {
                "valuesChanged": changed,
                "occurrencesChanged": changed,
                "rowsChanged": changed,
                "sheetsChanged": len(sheets),
            }
            if changed
            else {}
        )

    def bu_createDeveloperMetadata(self, book: Spreadsheet, req: dict, where: str) -> dict:
        md = copy.deepcopy(req.get("developerMetadata") or {})
        md.setdefault("metadataId", self.rng.randint(10**6, 2**31 - 1))
        md.setdefault("visibility", "DOCUMENT")
        loc = md.get("location") or {}
        if "sheetId" in loc:
            self.sheet_of(book, loc["sheetId"], where).developer_metadata.append(md)
            md["location"] = {"locationType": "SHEET", "sheetId": loc["sheetId"]}
        elif "dimensionRange" in loc:
            dr = loc["dimensionRange"]
            self.sheet_of(book, dr.get("sheetId"), where).developer_metadata.append(md)
            md["location"] = {
                "locationType": dr.get("dimension", "ROWS")[:-1],
                "dimensionRange": dr,
            }
        else:
            md["location"] = {"locationType": "SPREADSHEET", "spreadsheet": True}
            book.developer_metadata.append(md)
        return {"developerMetadata": md}

    def bu_deleteDeveloperMetadata(self, book: Spreadsheet, req: dict, where: str) -> dict:
        lookup = ((req.get("dataFilter") or {}).get("developerMetadataLookup")) or {}
        deleted = []
        for holder in [book, *book.sheets]:
            keep = []
            for md in holder.developer_metadata:
                if lookup.get("metadataId") in (None, md["metadataId"]) and lookup.get(
                    "metadataKey"
                ) in (None, md.get("metadataKey")):
                    deleted.append(md)
                else:
                    keep.append(md)
            holder.developer_metadata = keep
        return {"deletedDeveloperMetadata": deleted}

    def _accept_loosely(self, book: Spreadsheet, req: dict, where: str) -> None:
        """Formatting-only requests: validated for their range, stored nowhere."""
        for key in ("range", "source", "destination"):
            if isinstance(req.get(key), dict):
                book.grid_range(req[key], where)

    bu_updateBorders = _accept_loosely
    bu_addConditionalFormatRule = _accept_loosely
    bu_addBanding = _accept_loosely
    bu_updateEmbeddedObjectPosition = _accept_loosely
    bu_trimWhitespace = _accept_loosely

    # ------------------------------------------------------------ Drive v3

    def file(self, file_id: str) -> dict:
        info = self.files.get(file_id)
        if info is None:
            raise ApiError(
                404,
                f"File not found: {file_id}.",
                with_status=False,
                errors=[
                    {
                        "message": f"File not found: {file_id}.",
                        "domain": "global",
                        "reason": "notFound",
                        "location": "fileId",
                        "locationType": "parameter",
                    }
                ],
            )
        return info

    def file_json(
        self, info: dict, fields: str | None, default: tuple = ("kind", "id", "name", "mimeType")
    ) -> dict:
        public = {k: copy.deepcopy(v) for k, v in info.items() if not k.startswith("_")}
        if not fields:
            return {k: public[k] for k in default if k in public}
        return apply_field_mask(public, parse_field_mask(fields))

    def h_files_create(self, req: Request) -> Response:
        meta, content = _drive_body(req)
        name = meta.get("name") or "Untitled"
        mime = meta.get("mimeType") or "application/octet-stream"
        file_id = meta.get("id") or self.new_id()
        parents = list(meta.get("parents") or []) or None
        if mime == SPREADSHEET_MIME:
            self.new_book(name, file_id, req, parents=parents)
            if content:
                self.import_csv(self.books[file_id], content.decode("utf-8"), name)
        elif mime in self.on_create:
            self.on_create[mime](file_id, name)
            self.register_file(file_id, name, mime, req, parents)
        else:
            self.register_file(file_id, name, mime, req, parents, extra={"_content": content})
        info = self.files[file_id]
        for key in ("description", "properties", "appProperties", "starred"):
            if key in meta:
                info[key] = meta[key]
        return Response.json(self.file_json(info, req.arg("fields")))

    def h_files_get(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        if req.arg("alt") == "media":
            return Response(200, info.get("_content") or b"", {"Content-Type": info["mimeType"]})
        return Response.json(self.file_json(info, req.arg("fields")))

    def h_files_list(self, req: Request) -> Response:
        query = req.arg("q") or ""
        match = drive_query(query) if query else (lambda f: not f.get("trashed"))
        found = [f for f in self.files.values() if match(f)]
        # Like Drive's default listing, most recently changed files come first.
        found.sort(key=lambda f: (f["modifiedTime"], f["createdTime"]), reverse=True)
        size = req.int_arg("pageSize", 100) or 100
        start = int(req.arg("pageToken") or 0)
        page = found[start : start + size]
        fields = req.arg("fields")
        body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
        if start + size < len(found):
            body["nextPageToken"] = str(start + size)
        body["files"] = [self.file_json(f, None) for f in page]
        if fields:
            full = dict(body)
            full["files"] = [
                {k: copy.deepcopy(v) for k, v in f.items() if not k.startswith("_")} for f in page
            ]
            body = apply_field_mask(full, parse_field_mask(fields))
        return Response.json(body)

    def h_files_delete(self, req: Request) -> Response:
        file_id = req.path_params["fileId"]
        info = self.file(file_id)
        del self.files[file_id]
        self.books.pop(file_id, None)
        hook = self.on_delete.get(info["mimeType"])
        if hook:
            hook(file_id)
        return Response.empty(204)

    def h_files_update(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        meta, content = _drive_body(req)
        for key in ("name", "description", "starred", "trashed", "properties", "appProperties"):
            if key in meta:
                info[key] = meta[key]
                if key == "name" and info["id"] in self.books:
                    self.books[info["id"]].props["title"] = meta[key]
        if content and info["id"] in self.books:
            self.import_csv(self.books[info["id"]], content.decode("utf-8"), info["name"])
        elif content:
            info["_content"] = content
        self.touch(info["id"])
        return Response.json(self.file_json(info, req.arg("fields")))

    def h_files_copy(self, req: Request) -> Response:
        source = self.file(req.path_params["fileId"])
        meta = req.json or {}
        name = meta.get("name") or f"Copy of {source['name']}"
        new_id = self.new_id()
        if source["id"] in self.books:
            book = self.books[source["id"]].clone(new_id, name)
            self.books[new_id] = book
            self.register_file(new_id, name, SPREADSHEET_MIME, req)
        else:
            self.register_file(
                new_id,
                name,
                source["mimeType"],
                req,
                extra={"_content": source.get("_content", b"")},
            )
        return Response.json(self.file_json(self.files[new_id], req.arg("fields")))

    def h_files_export(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        mime = req.arg("mimeType") or ""
        book = self.books.get(info["id"])
        if book is None or mime not in ("text/csv", "text/tab-separated-values"):
            raise bad_request(f"Export only supports Docs Editors files. ({mime})")
        sheet = book.sheets[0]
        rows = book.read(Box(sheet, 0, 0, sheet.rows, sheet.cols))
        width = max((len(r) for r in rows), default=0)
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t" if "tab" in mime else ",", lineterminator="\r\n")
        for row in rows:
            writer.writerow([*row, *[""] * (width - len(row))])
        return Response(200, buf.getvalue().rstrip("\r\n").encode(), {"Content-Type": mime})

    def h_comments_list(self, req: Request) -> Response:
        self.file(req.path_params["fileId"])
        body = {"kind": "drive#commentList", "comments": []}
        fields = req.arg("fields")
        return Response.json(apply_field_mask(body, parse_field_mask(fields)) if fields else body)

    def h_permissions_create(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        body = req.json or {}
        if body.get("type") not in ("user", "group", "domain", "anyone"):
            raise ApiError(
                400,
                "The permission type field is required.",
                with_status=False,
                errors=[
                    {
                        "domain": "global",
                        "reason": "required",
                        "message": "The permission type field is required.",
                    }
                ],
            )
        perm = {
            "kind": "drive#permission",
            "id": str(self.rng.randint(10**17, 10**18)),
            "type": body["type"],
            "role": body.get("role") or "reader",
        }
        for key in ("emailAddress", "domain", "allowFileDiscovery", "view"):
            if key in body:
                perm[key] = body[key]
        if perm.get("view") not in (None, "published"):
            raise bad_request(f"Invalid value for view: {perm['view']}")
        info["permissions"].append(perm)
        return Response.json(
            self.file_json(perm, req.arg("fields"), ("kind", "id", "type", "role"))
        )

    def h_permissions_list(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        # A view's permissions (a form's responders: view "published") are listed only on request.
        view = req.arg("includePermissionsForView")
        shown = [p for p in info["permissions"] if p.get("view") in (None, view)]
        body = {"kind": "drive#permissionList", "permissions": copy.deepcopy(shown)}
        fields = req.arg("fields")
        return Response.json(apply_field_mask(body, parse_field_mask(fields)) if fields else body)

    def h_permissions_delete(self, req: Request) -> Response:
        info = self.file(req.path_params["fileId"])
        pid = req.path_params["permissionId"]
        info["permissions"] = [p for p in info["permissions"] if p["id"] != pid]
        return Response.empty(204)

    def h_v2_files_update(self, req: Request) -> Response:
        """Drive v2 media upload with convert=true: gspread's import_csv replaces the content."""
        info = self.file(req.path_params["fileId"])
        book = self.books.get(info["id"])
        if req.upload and book is not None:
            self.import_csv(book, req.body.decode("utf-8"), info["name"])
        self.touch(info["id"])
        return Response.json(self.v2_file(info, req))

    def import_csv(self, book: Spreadsheet, text: str, title: str) -> None:
        """An imported CSV becomes the only sheet, named after the file, with parsed values."""
        rows = list(csv.reader(io.StringIO(text)))
        sheet = self.make_sheet(
            book,
            {
                "title": title,
                "gridProperties": {
                    "rowCount": max(DEFAULT_ROWS, len(rows)),
                    "columnCount": max(DEFAULT_COLS, max((len(r) for r in rows), default=0)),
                },
            },
        )
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value != "":
                    user_entered(sheet.cell(i, j), value)
        book.sheets = [sheet]
        book.named_ranges = []
        book.reindex()

    def v2_file(self, info: dict, req: Request) -> dict:
        file_id, owner = info["id"], self.owner(req)
        user = {
            "kind": "drive#user",
            "displayName": owner,
            "emailAddress": owner,
            "isAuthenticatedUser": True,
            "permissionId": "0" * 20,
            "picture": {"url": "https://lh3.googleusercontent.com/a/default-user=s64"},
        }
        links = {
            m: f"https://docs.google.com/spreadsheets/export?id={file_id}&exportFormat={f}"
            for m, f in (("text/csv", "csv"), ("application/pdf", "pdf"))
        }
        return {
            "kind": "drive#file",
            "id": file_id,
            "etag": f'"{self.rng.randint(10**12, 10**13)}"',
            "selfLink": f"https://www.googleapis.com/drive/v2/files/{file_id}",
            "alternateLink": f"https://docs.google.com/spreadsheets/d/{file_id}/edit?usp=drivesdk",
            "embedLink": f"https://docs.google.com/spreadsheets/d/{file_id}/htmlembed",
            "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{info['mimeType']}",
            "thumbnailLink": f"https://docs.google.com/feeds/vt?gd=true&id={file_id}&v=1&sz=s220",
            "title": info["name"],
            "mimeType": info["mimeType"],
            "labels": {
                "starred": False,
                "hidden": False,
                "trashed": False,
                "restricted": False,
                "viewed": True,
            },
            "copyRequiresWriterPermission": False,
            "createdDate": info["createdTime"],
            "modifiedDate": info["modifiedTime"],
            "modifiedByMeDate": info["modifiedTime"],
            "lastViewedByMeDate": info["modifiedTime"],
            "markedViewedByMeDate": "1970-01-01T00:00:00.000Z",
            "version": "1",
            "parents": [
                {
                    "kind": "drive#parentReference",
                    "id": "root",
                    "isRoot": True,
                    "selfLink": "",
                    "parentLink": "",
                }
            ],
            "exportLinks": links,
            "userPermission": {
                "kind": "drive#permission",
                "id": "me",
                "type": "user",
                "role": "owner",
                "selfLink": "",
                "etag": "",
                "pendingOwner": False,
            },
            "quotaBytesUsed": "1024",
            "fileSize": "1024",
            "ownerNames": [owner],
            "owners": [user],
            "lastModifyingUserName": owner,
            "lastModifyingUser": user,
            "capabilities": {"canCopy": True, "canEdit": True},
            "editable": True,
            "copyable": True,
            "writersCanShare": True,
            "shared": False,
            "explicitlyTrashed": False,
            "appDataContents": False,
            "spaces": ["drive"],
        }

    # ------------------------------------------------------------ dispatch table

    def handlers(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        sheets = {
            "spreadsheets.get": self.h_spreadsheets_get,
            "spreadsheets.create": self.h_spreadsheets_create,
            "spreadsheets.batchUpdate": self.h_spreadsheets_batchUpdate,
            "spreadsheets.getByDataFilter": self.h_spreadsheets_getByDataFilter,
            "spreadsheets.values.get": self.h_values_get,
            "spreadsheets.values.batchGet": self.h_values_batchGet,
            "spreadsheets.values.batchGetByDataFilter": self.h_values_batchGetByDataFilter,
            "spreadsheets.values.update": self.h_values_update,
            "spreadsheets.values.batchUpdate": self.h_values_batchUpdate,
            "spreadsheets.values.batchUpdateByDataFilter": self.h_values_batchUpdateByDataFilter,
            "spreadsheets.values.append": self.h_values_append,
            "spreadsheets.values.clear": self.h_values_clear,
            "spreadsheets.values.batchClear": self.h_values_batchClear,
            "spreadsheets.values.batchClearByDataFilter": self.h_values_batchClearByDataFilter,
        }
        drive = {
            "files.create": self.h_files_create,
            "files.get": self.h_files_get,
            "files.list": self.h_files_list,
            "files.delete": self.h_files_delete,
            "files.update": self.h_files_update,
            "files.copy": self.h_files_copy,
            "files.export": self.h_files_export,
            "comments.list": self.h_comments_list,
            "permissions.create": self.h_permissions_create,
            "permissions.list": self.h_permissions_list,
            "permissions.delete": self.h_permissions_delete,
            "v2.files.update": self.h_v2_files_update,
        }
        out = {("sheets", k): v for k, v in sheets.items()}
        out.update({("drive", k): v for k, v in drive.items()})
        return out


# ---------------------------------------------------------------- small helpers


def quote_whole(sheet: Sheet) -> str:
    return sheet.prefix()[:-1]


def _col(index: int) -> str:
    return col_letters(index)


def _norm(text: str) -> str:
    return text.replace("'", "").replace("$", "").lower()


def _check_enum(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise bad_request(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4."
            f'{name[0].upper() + name[1:]}), "{value}"',
            field_name=name,
        )


def _transpose(values: list[list[Any]]) -> list[list[Any]]:
    width = max((len(c) for c in values), default=0)
    return [[col[i] if i < len(col) else None for col in values] for i in range(width)]


def _batch_totals(book_id: str, responses: list[dict], touched: set[tuple[int, int, int]]) -> dict:
    """A batch update's totals as Google documents them: rows (and columns) in which at least
    one cell was updated, counted once across the whole batch; cells summed over the ranges."""
    out: dict[str, Any] = {"spreadsheetId": book_id}
    rows = len({(sheet, r) for sheet, r, _ in touched})
    if rows:
        out["totalUpdatedRows"] = rows
        out["totalUpdatedColumns"] = len({(sheet, c) for sheet, _, c in touched})
        out["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
        out["totalUpdatedSheets"] = len(
            {r["updatedRange"].rsplit("!", 1)[0] for r in responses if r.get("updatedCells")}
        )
    if responses:
        out["responses"] = responses
    return out


def _grid_json(rng: dict, sheet_id: int) -> dict:
    """GridRange as Google prints it: sheetId 0 is left out (proto3 default)."""
    out: dict[str, Any] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    for key in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"):
        if key in rng and rng[key] is not None:
            out[key] = rng[key]
    return out


def _named_json(named: dict) -> dict:
    return {
        "namedRangeId": named["namedRangeId"],
        "name": named["name"],
        "range": _grid_json(named["range"], named["range"].get("sheetId", 0)),
    }


def _dim_flags(meta: dict | None) -> dict:
    out = {}
    if meta and meta.get("hiddenByUser"):
        out["hiddenByUser"] = True
    if meta and meta.get("developerMetadata"):
        out["developerMetadata"] = meta["developerMetadata"]
    return out


def _with_color_styles(fmt: dict) -> dict:
    """Google mirrors every colour into its *Style twin ({"rgbColor": ...}) when it stores a format."""
    out = copy.deepcopy(fmt)
    for key in ("backgroundColor",):
        if key in out and f"{key}Style" not in out:
            out[f"{key}Style"] = {"rgbColor": out[key]}
    text = out.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text and "foregroundColorStyle" not in text:
        text["foregroundColorStyle"] = {"rgbColor": text["foregroundColor"]}
    return out


def _mask_reaches(mask: dict, path: list[str]) -> bool:
    node = mask
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _sub_mask(mask: dict, path: list[str]) -> dict | None:
    node: Any = mask
    for part in path:
        if not node:
            return None  # whole object requested above this level
        if part not in node:
            return {"__none__": {}}
        node = node[part]
    return node or None


def _insert_dim(sheet: Sheet, dim: str, start: int, end: int, book: Spreadsheet) -> None:
    count = end - start
    axis = 0 if dim == "ROWS" else 1
    moved: dict[tuple[int, int], Cell] = {}
    for key, cell in sheet.cells.items():
        pos = key[axis]
        new_pos = pos + count if pos >= start else pos
        moved[(new_pos, key[1]) if axis == 0 else (key[0], new_pos)] = cell
    sheet.cells = moved
    meta = sheet.row_meta if axis == 0 else sheet.col_meta
    shifted = {(k + count if k >= start else k): v for k, v in meta.items()}
    meta.clear()
    meta.update(shifted)
    key = "rowCount" if axis == 0 else "columnCount"
    sheet.grid[key] = sheet.grid[key] + count
    _shift_named(book, sheet, axis, start, count, start)


def _shift_named(
    book: Spreadsheet, sheet: Sheet, axis: int, at: int, delta: int, start: int
) -> None:
    lo, hi = (
        ("startRowIndex", "endRowIndex") if axis == 0 else ("startColumnIndex", "endColumnIndex")
    )
    for named in book.named_ranges:
        rng = named["range"]
        if rng.get("sheetId", 0) != sheet.id:
            continue
        for key in (lo, hi):
            if key in rng and rng[key] >= at:
                rng[key] = max(start, rng[key] + delta)


def _drive_body(req: Request) -> tuple[dict, bytes]:
    """Drive create/update bodies: JSON metadata, a media upload, or multipart/related."""
    ctype = req.headers.get("content-type", "")
    if not req.upload:
        return (req.json or {}), b""
    if ctype.startswith("multipart/"):
        boundary = ctype.split("boundary=", 1)[-1].strip('"')
        parts = [
            p for p in req.body.split(b"--" + boundary.encode()) if p.strip() not in (b"", b"--")
        ]
        meta: dict = {}
        content = b""
        for part in parts:
            head, _, payload = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
            payload = payload.rstrip(b"\r\n")
            if b"application/json" in head.lower() and not meta:
                meta = json.loads(payload or b"{}")
            else:
                content = payload
        return meta, content
    return {}, req.body


def _web_link(file_id: str, mime: str) -> str:
    kind = {SPREADSHEET_MIME: "spreadsheets", DOCUMENT_MIME: "document", FORM_MIME: "forms"}.get(
        mime
    )
    if kind:
        return f"https://docs.google.com/{kind}/d/{file_id}/edit?usp=drivesdk"
    return f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk"


# ---------------------------------------------------------------- Drive search queries


def drive_query(q: str) -> Callable[[dict], bool]:
    """A matcher for Drive's `q` language: name/mimeType =, !=, contains; 'x' in parents;
    trashed/starred = bool; and/or/not with parentheses."""
    tokens = _q_tokens(q)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise _q_error(q)
        pos += 1
        return tokens[pos - 1]

    def expr() -> Callable[[dict], bool]:
        left = term()
        while (peek() or "").lower() == "or":
            take()
            right = term()
            left = (lambda a, b: lambda f: a(f) or b(f))(left, right)
        return left

    def term() -> Callable[[dict], bool]:
        left = factor()
        while (peek() or "").lower() == "and":
            take()
            right = factor()
            left = (lambda a, b: lambda f: a(f) and b(f))(left, right)
        return left

    def factor() -> Callable[[dict], bool]:
        tok = take()
        if tok.lower() == "not":
            inner = factor()
            return lambda f: not inner(f)
        if tok == "(":
            inner = expr()
            if take() != ")":
                raise _q_error(q)
            return inner
        if tok[0] in "'\"":
            value = _q_string(tok)
            if take().lower() != "in":
                raise _q_error(q)
            field_name = take()
            if field_name == "parents":
                return lambda f: value in f.get("parents", [])
            if field_name in ("owners", "writers", "readers"):
                return lambda f: any(
                    p.get("emailAddress") == value for p in f.get("permissions", [])
                )
            raise _q_error(q)
        field_name, op, raw = tok, take(), take()
        value: Any = _q_string(raw) if raw[0] in "'\"" else raw.lower() == "true"
        if field_name in ("name", "mimeType", "fullText"):
            key = "name" if field_name == "fullText" else field_name
            if op == "=":
                return lambda f: f.get(key) == value
            if op == "!=":
                return lambda f: f.get(key) != value
            if op.lower() == "contains":
                return lambda f: str(value).lower() in str(f.get(key, "")).lower()
        if field_name in ("trashed", "starred"):
            if op == "=":
                return lambda f: bool(f.get(field_name)) == value
            if op == "!=":
                return lambda f: bool(f.get(field_name)) != value
        if field_name in ("modifiedTime", "createdTime") and op in (">", ">=", "<", "<="):
            ops = {">": str.__gt__, ">=": str.__ge__, "<": str.__lt__, "<=": str.__le__}
            return lambda f: ops[op](f.get(field_name, ""), str(value))
        raise _q_error(q)

    matcher = expr()
    if pos != len(tokens):
        raise _q_error(q)
    return matcher


def _q_tokens(q: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(q):
        ch = q[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"":
            j = i + 1
            while j < len(q) and q[j] != ch:
                j += 2 if q[j] == "\\" else 1
            tokens.append(q[i : j + 1])
            i = j + 1
        elif ch in "()":
            tokens.append(ch)
            i += 1
        elif q.startswith(("!=", ">=", "<="), i):
            tokens.append(q[i : i + 2])
            i += 2
        elif ch in "=<>":
            tokens.append(ch)
            i += 1
        else:
            j = i
            while j < len(q) and not q[j].isspace() and q[j] not in "()='\"!<>":
                j += 1
            tokens.append(q[i:j])
            i = j
    return tokens


def _q_string(tok: str) -> str:
    body = tok[1:-1]
    out, i = "", 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out += body[i + 1]
            i += 2
        else:
            out += body[i]
            i += 1
    return out


def _q_error(q: str) -> ApiError:
    return ApiError(
        400,
        "Invalid Value",
        with_status=False,
        errors=[
            {
                "domain": "global",
                "reason": "invalid",
                "message": "Invalid Value",
                "locationType": "parameter",
                "location": "q",
            }
        ],
    )
