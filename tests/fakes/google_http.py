"""HTTP plumbing shared by the Google twins: requests, answers, Google's error shapes, field masks
and routing/strictness driven by the discovery documents shipped with google-api-python-client.

Why discovery documents: they are Google's own description of every method (HTTP verb, path,
query parameters, body schema), so routing and "unknown parameter" checks follow Google rather
than our guesses, and a new API method becomes routable without code here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import googleapiclient

DISCOVERY_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"

# Google's canonical status names for the HTTP codes the twin answers with.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer in Google's JSON shape: {"error": {"code", "message", "status", ...}}."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        *,
        details: list[dict] | None = None,
        errors: list[dict] | None = None,
        headers: dict[str, str] | None = None,
        with_status: bool = True,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        self.errors = errors
        self.headers = headers or {}
        self.with_status = with_status

    def body(self) -> dict:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            err["errors"] = self.errors
        if self.with_status:
            err["status"] = self.status
        if self.details is not None:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str, *, field_name: str | None = None) -> ApiError:
    """Google's INVALID_ARGUMENT; with a field it carries the BadRequest fieldViolations detail."""
    details = None
    if field_name is not None:
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field_name, "description": message}],
            }
        ]
    return ApiError(400, message, details=details)


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message)


@dataclass
class Request:
    """One API call as the handlers see it."""

    api: str
    method_id: str
    http_method: str
    path_params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]
    principal: Any = None
    upload: bool = False
    base_url: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.arg(name)
        if value is None or value == "":
            return default
        return value.lower() == "true"

    def int_arg(self, name: str, default: int | None = None) -> int | None:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request(
                f"Invalid value at '{name}' (TYPE_INT32), \"{value}\"", field_name=name
            ) from None

    @property
    def json(self) -> Any:
        if not self.body or not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise bad_request(
                f"Invalid JSON payload received. Unexpected token.\n{self.body[:60]!r}"
            ) from None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/json; charset=UTF-8"}
        hdrs.update(headers or {})
        return cls(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), hdrs)

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status, b"", {"Content-Type": "text/html", "Content-Length": "0"})

    @classmethod
    def error(cls, err: ApiError) -> Response:
        return cls.json(err.body(), err.code, err.headers)


# ---------------------------------------------------------------- field masks


def parse_field_mask(mask: str) -> dict:
    """Parse a Google field mask ("a.b,c/d,files(id,name)") into a nested dict; {} means whole."""
    tree: dict = {}
    pos = 0

    def parse_list(stop: str | None) -> list[list[str] | tuple]:
        nonlocal pos
        items: list = []
        while pos < len(mask):
            path: list[str] = []
            name = ""
            sub = None
            while pos < len(mask) and mask[pos] not in ",)":
                ch = mask[pos]
                if ch in "./":
                    path.append(name.strip())
                    name = ""
                    pos += 1
                elif ch == "(":
                    pos += 1
                    path.append(name.strip())
                    name = ""
                    sub = parse_list(")")
                    pos += 1  # skip ")"
                else:
                    name += ch
                    pos += 1
            if name.strip():
                path.append(name.strip())
            if path:
                items.append((path, sub))
            if pos < len(mask) and mask[pos] == ",":
                pos += 1
                continue
            if pos < len(mask) and mask[pos] == ")" and stop == ")":
                return items
        return items

    def insert(node: dict, path: list[str], sub: list | None) -> None:
        for i, part in enumerate(path):
            if part == "*":
                node.clear()
                node["*"] = {}
                return
            last = i == len(path) - 1
            if part in node and node[part] == {} and not (last and sub):
                return  # already whole
            child = node.setdefault(part, {})
            if last:
                if sub:
                    for p, s in sub:
                        insert(child, p, s)
                else:
                    node[part] = {}
                return
            node = child

    for path, sub in parse_list(None):
        insert(tree, path, sub)
    return tree


def apply_field_mask(obj: Any, mask: dict) -> Any:
    """Keep only the masked fields; lists are masked element by element, like Google does."""
    if not mask or "*" in mask:
        return obj
    if isinstance(obj, list):
        return [apply_field_mask(item, mask) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, sub in mask.items():
        if key in obj:
            out[key] = apply_field_mask(obj[key], sub)
    return out


def mask_paths(mask: str) -> list[list[str]]:
    """A field mask as flat paths, for update requests ("gridProperties/rowCount,title")."""
    paths: list[list[str]] = []

    def walk(node: dict, prefix: list[str]) -> None:
        for key, sub in node.items():
            if sub:
                walk(sub, prefix + [key])
            else:
                paths.append(prefix + [key])

    walk(parse_field_mask(mask), [])
    return paths


# ---------------------------------------------------------------- routing from discovery documents


@dataclass
class Route:
    api: str
    method_id: str
    http_method: str
    host: str
    regex: re.Pattern
    param_names: list[str]
    query_params: set[str]
    upload: bool
    request_schema: str | None
    discovery: dict
    scopes: frozenset = frozenset()


GLOBAL_PARAMS = {
    "$.xgafv",
    "access_token",
    "alt",
    "callback",
    "fields",
    "key",
    "oauth_token",
    "prettyPrint",
    "quotaUser",
    "uploadType",
    "upload_protocol",
    "userIp",
}

# (twin api name, discovery document, host)
APIS = [
    ("sheets", "sheets.v4", "sheets.googleapis.com"),
    ("drive", "drive.v3", "www.googleapis.com"),
    ("drive", "drive.v2", "www.googleapis.com"),
    ("forms", "forms.v1", "forms.googleapis.com"),
    ("gmail", "gmail.v1", "gmail.googleapis.com"),
    ("docs", "docs.v1", "docs.googleapis.com"),
    ("calendar", "calendar.v3", "www.googleapis.com"),
]


@cache
def load_discovery(name: str) -> dict:
    return json.loads((DISCOVERY_DIR / f"{name}.json").read_text())


def _template_regex(template: str) -> tuple[re.Pattern, list[str]]:
    names: list[str] = []
    out = "^/"
    pos = 0
    template = template.lstrip("/")
    for m in re.finditer(r"\{\+?([^}]+)\}", template):
        out += re.escape(template[pos : m.start()])
        name = m.group(1)
        names.append(name)
        # A1 ranges and Gmail ids may hold ':' ; other ids never do.
        out += "(.+?)" if name in ("range",) else "([^/:]+)"
        pos = m.end()
    out += re.escape(template[pos:]) + "$"
    return re.compile(out), names


@cache
def routes() -> list[Route]:
    table: list[Route] = []
    for api, doc_name, host in APIS:
        doc = load_discovery(doc_name)
        service_path = doc.get("servicePath", "")
        version = doc_name.split(".", 1)[1]

        def walk(
            resources: dict,
            doc: dict = doc,
            service_path: str = service_path,
            api: str = api,
            host: str = host,
            version: str = version,
        ) -> None:
            for res in resources.values():
                for method in res.get("methods", {}).values():
                    params = method.get("parameters", {})
                    query = {p for p, v in params.items() if v.get("location") == "query"}
                    schema = (method.get("request") or {}).get("$ref")
                    method_id = method["id"].split(".", 1)[1]
                    if api == "drive" and version == "v2":
                        method_id = "v2." + method_id
                    path = service_path + method.get("flatPath", method["path"])
                    regex, names = _template_regex(path)
                    scopes = frozenset(method.get("scopes", []))
                    table.append(
                        Route(
                            api,
                            method_id,
                            method["httpMethod"],
                            host,
                            regex,
                            names,
                            query,
                            False,
                            schema,
                            doc,
                            scopes,
                        )
                    )
                    upload = method.get("mediaUpload", {}).get("protocols", {})
                    for proto in upload.values():
                        regex, names = _template_regex(proto["path"])
                        table.append(
                            Route(
                                api,
                                method_id,
                                method["httpMethod"],
                                host,
                                regex,
                                names,
                                query,
                                True,
                                schema,
                                doc,
                                scopes,
                            )
                        )
                walk(res.get("resources", {}))

        walk(doc["resources"])
    # Literal verbs (":batchUpdate") and longer paths first so "{range}" cannot swallow them.
    table.sort(key=lambda r: (-len(r.regex.pattern.replace("(.+?)", "").replace("([^/:]+)", "")),))
    return table


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The discovery method for an HTTP method and raw (still percent-encoded) path."""
    for route in routes():
        if route.http_method != method:
            continue
        m = route.regex.match(path)
        if m:
            return route, {
                n: unquote(v) for n, v in zip(route.param_names, m.groups(), strict=True)
            }
    return None


def parse_query(query_string: str) -> dict[str, list[str]]:
    return parse_qs(query_string, keep_blank_values=True)


def unknown_query_params(route: Route, query: dict[str, list[str]]) -> list[str]:
    allowed = route.query_params | GLOBAL_PARAMS
    return [name for name in query if name not in allowed]


# ---------------------------------------------------------------- body validation against schemas


def validate_body(route: Route, body: Any, prefix: str = "") -> None:
    """Reject unknown field names and list/object type mix-ups like Google's JSON binder does."""
    if route.request_schema is None or not isinstance(body, dict):
        return
    schemas = route.discovery.get("schemas", {})
    _validate(schemas, {"$ref": route.request_schema}, body, prefix)


def _validate(schemas: dict, schema: dict, value: Any, path: str) -> None:
    if value is None:
        return
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"], {})
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        if not isinstance(value, dict):
            raise bad_request(
                f"Invalid value at '{path}' ({_type_name(schema)}), {json.dumps(value)}",
                field_name=path,
            )
        props = schema["properties"]
        for key, sub in value.items():
            if key not in props:
                where = f" at '{path}'" if path else ""
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
                    field_name=path,
                )
            _validate(schemas, props[key], sub, f"{path}.{key}" if path else key)
    elif kind == "object" and "additionalProperties" in schema:
        if isinstance(value, dict):
            for key, sub in value.items():
                _validate(schemas, schema["additionalProperties"], sub, f"{path}[{key!r}]")
    elif kind == "array":
        if not isinstance(value, list):
            type_name = "type.googleapis.com/google.protobuf.ListValue"
            raise bad_request(
                f"Invalid value at '{path}' ({type_name}), {json.dumps(value)}", field_name=path
            )
        for i, item in enumerate(value):
            _validate(schemas, schema.get("items", {}), item, f"{path}[{i}]")
    elif kind in ("string",) and isinstance(value, dict | list):
        raise bad_request(
            f"Invalid value at '{path}' (TYPE_STRING), {json.dumps(value)}", field_name=path
        )
    elif kind in ("integer", "number") and isinstance(value, dict | list):
        raise bad_request(
            f"Invalid value at '{path}' (TYPE_INT32), {json.dumps(value)}", field_name=path
        )


def _type_name(schema: dict) -> str:
    return "type.googleapis.com/google.protobuf.Struct"


Handler = Callable[[Request], Response]
