"""The HTTP face of Tend, whatever the platform: each configured platform's endpoint mounted beside GET
/healthz and /readyz, in one WSGI app for both `python app.py` (a small threaded server) and gunicorn.
Bodies too big for any chat platform are refused before they are read into memory."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import Engine

from bot.db import database_answers, head_revision, schema_revision
from bot.platforms import WsgiApp
from bot.runtime.work_pool import ACKS

log = logging.getLogger(__name__)

# Slack's largest payloads (a modal's state, a long message shortcut) are tens of kilobytes, Teams' under
# 100 KB: a bigger body is from no chat platform and is refused before it is read into memory.
MAX_BODY = 1024 * 1024


def health(engine: Engine) -> tuple[bool, dict[str, str]]:
    """/healthz, for load balancers: the process answers and so does its database."""
    ok = database_answers(engine)
    return ok, {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}


def readiness(engine: Engine) -> tuple[bool, dict[str, str]]:
    """/readyz, for deploys: the database answers and its schema is at this code's newest migration."""
    try:
        current = schema_revision(engine)
    except Exception:
        return False, {"status": "not ready", "database": "unreachable"}
    head = head_revision()
    if current != head:
        found = current or "never migrated"
        return False, {"status": "not ready", "database": "ok", "schema": f"{found}, code needs {head}: run migrations"}
    return True, {"status": "ready", "database": "ok", "schema": head}


PROBES: dict[str, Callable[[Engine], tuple[bool, dict[str, str]]]] = {"/healthz": health, "/readyz": readiness}


def make_wsgi(engine: Engine, endpoints: Mapping[str, WsgiApp]) -> WsgiApp:
    """One app: the health probes, and each platform's endpoint at its path (e.g. `/slack/events`)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        probe = PROBES.get(path)
        if probe is not None and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            ok, report = probe(engine)
            status = "200 OK" if ok else "503 Service Unavailable"
            return answer(start_response, status, "application/json", json.dumps(report).encode())
        endpoint = endpoints.get(path)
        if endpoint is None:
            return refuse(start_response, "404 Not Found", "no such endpoint")
        length = _content_length(environ)
        if length is None:
            return refuse(start_response, "400 Bad Request", "Content-Length is not a number")
        if length > MAX_BODY:
            _discard(environ, length)
            return refuse(start_response, "413 Content Too Large", "too large for a chat request")
        with ACKS.acking():  # post-ack work yields to requests still waiting for their ack
            return endpoint(environ, start_response)

    return wsgi


def _content_length(environ: dict[str, Any]) -> int | None:
    try:
        return max(int(environ.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return None


def _discard(environ: dict[str, Any], length: int, chunk: int = 65536, at_most: int = 16 * MAX_BODY) -> None:
    """Read an oversized body away in small pieces (never whole), so the sender hears the refusal instead of
    a reset connection; past `at_most` the connection is simply closed."""
    left = min(length, at_most)
    while left > 0 and (piece := environ["wsgi.input"].read(min(chunk, left))):
        left -= len(piece)


def refuse(start_response: Callable[..., Any], status: str, why: str) -> Iterable[bytes]:
    return answer(start_response, status, "text/plain; charset=utf-8", why.encode())


def answer(start_response: Callable[..., Any], status: str, content_type: str, body: bytes) -> Iterable[bytes]:
    """A whole response with its length (every endpoint answers this way, the platforms' too)."""
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    request_queue_size = 256  # the listen backlog: socketserver's default of 5 resets a burst of connections
    daemon_threads = False
    block_on_close = True  # server_close() waits for requests in flight: a graceful stop loses none


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No per-request access lines on stderr (they would drown the console's output)."""


def serve(wsgi: WsgiApp, host: str, port: int) -> WSGIServer:
    """A threaded HTTP server for `wsgi` (port 0 picks a free one); call serve_forever() or use in a thread."""
    return make_server(host, port, wsgi, server_class=_ThreadingServer, handler_class=_QuietHandler)


def serve_in_background(wsgi: WsgiApp, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    server = serve(wsgi, host, port)
    threading.Thread(target=server.serve_forever, name="tend-http", daemon=True).start()
    return server
