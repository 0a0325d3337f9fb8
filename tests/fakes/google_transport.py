"""Ways for the real client libraries to reach the twin without touching the network.

- `TwinAdapter`: a requests transport adapter that calls the WSGI app in-process (used by
  gspread, google-auth's token refresh and anything else built on requests).
- `TwinHttp`: an httplib2.Http look-alike for googleapiclient's `build(..., http=...)`.
- `serve`: the same app on a loopback port (wsgiref, one thread per request) for subprocess tests.

Injected "reset" and "timeout" faults surface as the exceptions each client library really sees:
requests.ConnectionError / requests.ReadTimeout, and ConnectionResetError / TimeoutError
(socket.timeout) for httplib2.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterable
from http.client import responses as reasons
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httplib2
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

GOOGLE_ORIGINS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
    "https://forms.googleapis.com",
    "https://gmail.googleapis.com",
    "https://docs.googleapis.com",
    "https://accounts.google.com",
)


class TwinConnectionReset(ConnectionResetError):
    """Raised by the app for an injected "reset": the connection dropped, no answer."""


class TwinTimeout(TimeoutError):
    """Raised by the app for an injected "timeout": no answer in time."""


WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def call_wsgi(
    app: WsgiApp, method: str, url: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One in-process request; PATH_INFO stays percent-encoded, as the app expects."""
    parts = urlsplit(url)
    data = body or b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "PATH_INFO": parts.path or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "HTTP_HOST": parts.netloc,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": parts.scheme or "https",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(data)),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ["HTTP_" + key] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, hdrs: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = hdrs

    chunks = app(environ, start_response)
    payload = b"".join(chunks)
    return captured["status"], captured["headers"], payload


class TwinAdapter(BaseAdapter):
    """requests transport adapter that answers from the twin instead of the network."""

    def __init__(self, app: WsgiApp) -> None:
        super().__init__()
        self.app = app

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, bytes):
            body = b"".join(body)  # generators from streaming uploads
        try:
            status, headers, payload = call_wsgi(
                self.app, request.method or "GET", request.url or "", body, dict(request.headers)
            )
        except TwinConnectionReset as err:
            raise requests.exceptions.ConnectionError(
                ConnectionResetError(104, "Connection reset by peer"), request=request
            ) from err
        except TwinTimeout as err:
            raise requests.exceptions.ReadTimeout(
                f"HTTPSConnectionPool: Read timed out. (read timeout={timeout})", request=request
            ) from err
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response.raw = io.BytesIO(payload)
        response._content = payload
        response._content_consumed = True
        response.reason = reasons.get(status, "")
        response.url = request.url or ""
        response.request = request
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.connection = self
        return response

    def close(self) -> None:
        pass


class TwinHttp:
    """Enough of httplib2.Http for googleapiclient and google_auth_httplib2."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.timeout: float | None = None
        self.connections: dict = {}
        self.redirect_codes = set()
        self.follow_redirects = True

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            status, hdrs, payload = call_wsgi(self.app, method, uri, body, dict(headers or {}))
        except TwinConnectionReset as err:
            raise ConnectionResetError(104, "Connection reset by peer") from err
        except TwinTimeout as err:
            raise TimeoutError("timed out") from err
        info = {k.lower(): v for k, v in hdrs}
        info["status"] = str(status)
        response = httplib2.Response(info)
        response.reason = reasons.get(status, "")
        return response, payload

    def close(self) -> None:
        pass

    def add_credentials(self, *args: Any, **kwargs: Any) -> None:
        pass


# ---------------------------------------------------------------- loopback server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    """Keeps PATH_INFO percent-encoded (as in-process calls do) and turns faults into sockets."""

    def get_environ(self) -> dict:
        env = super().get_environ()
        env["PATH_INFO"] = self.path.split("?", 1)[0]
        return env

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - wsgiref's signature
        pass


def serve(
    app: WsgiApp, port: int, host: str = "127.0.0.1", fault_timeout: float = 10.0
) -> WSGIServer:
    """A threading wsgiref server on the loopback interface.

    An injected "reset" closes the connection without an answer (wsgiref drops the response
    when the app raises ConnectionResetError); "timeout" holds the request for fault_timeout
    seconds and then drops it.
    """

    def served(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return list(app(environ, start_response))
        except TwinTimeout:
            threading.Event().wait(timeout=fault_timeout)
            raise TwinConnectionReset() from None

    return make_server(host, port, served, server_class=_ThreadingServer, handler_class=_Handler)
