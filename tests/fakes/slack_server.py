"""A fake Slack Web API on 127.0.0.1: answers what Tend calls, records every call, and can be told to be
slow or to fail. It also stands in for response_url, so replies sent with respond() are captured too.

Every payload it receives is checked by tests/fakes/blockkit.py; problems collect in `violations`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes import blockkit
from tests.fakes.local_server import LocalServer

HOME_TEAM = "T0HOME"
BOT_USER = "U0BOT"


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    params: dict[str, Any]
    to: str = ""  # for response_url: its token (whose answer it is)
    at: float = field(default_factory=time.monotonic)
    status: int | None = None  # what the fake answered; None while answering, or when it cut the connection
    ok: bool = False  # the call did what it asked (a post was posted)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int
    reset: bool = False  # cut the connection without answering (nothing was done)
    stall: float = 0.0  # do it, but answer only after this many seconds


class FakeSlack(LocalServer):
    def __init__(self, *, check: bool = True) -> None:
        self.check = check  # validate every payload (tests); benchmarks skip it to stay out of the way
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.auth = {
            "ok": True,
            "url": "https://tend-test.slack.com/",
            "team": "Tend Test",
            "user": "tend",
            "team_id": HOME_TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }
        self.delays: dict[str, float] = {}
        self.failures: dict[str, list[Failure]] = {}
        self.limits: dict[str, tuple[int, int]] = {}  # method -> (every n-th call is a 429, its Retry-After)
        self.counted: dict[str, int] = {}
        self._changed = threading.Condition()
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.origin}/api/"

    def response_url(self, token: str = "r1") -> str:
        return f"{self.origin}/response/{token}"

    # --- scripting ----------------------------------------------------------------------------------------------
    def add_user(
        self, user_id: str, email: str | None, *, name: str = "", team_id: str = HOME_TEAM, **flags: Any
    ) -> None:
        profile = {"real_name": name or user_id, "display_name": name or user_id}
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id,
            "name": name or user_id,
            "real_name": name,
            "deleted": False,
            "is_bot": False,
            "profile": profile,
            **flags,
        }

    def delay(self, method: str, seconds: float) -> None:
        self.delays[method] = seconds

    def fail(
        self,
        method: str,
        status: int = 200,
        error: str = "internal_error",
        times: int = 1,
        retry_after: int | None = None,
        reset: bool = False,
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        failure = Failure(status, {"ok": False, "error": error}, headers, times, reset)
        self.failures.setdefault(method, []).append(failure)

    def rate_limit_every(self, method: str, n: int, retry_after: int) -> None:
        """From now on, every `n`-th call to `method` is answered 429 with that Retry-After (a busy workspace)."""
        self.limits[method] = (n, retry_after)
        self.counted[method] = 0

    def stall(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls to `method` succeed, but their answer comes `seconds` late."""
        self.failures.setdefault(method, []).append(Failure(200, {}, {}, times, stall=seconds))

    def done(self, method: str) -> list[Call]:
        """The calls to `method` that did what they asked (a post that was posted), in order."""
        return [call for call in self.calls_to(method) if call.ok]

    def record_ack(self, message: dict[str, Any], to: str) -> None:
        """A message the app answered with inside its ack (the sender saw it in the HTTP response)."""
        self._record("ack", message, to).ok = True

    # --- inspection ---------------------------------------------------------------------------------------------
    def answers(self, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """What the askers were answered, in order: messages in an ack's body and posts to response_url."""
        self._wait(lambda: len(self.answered()) >= count, f"{count} answer(s)", timeout)
        return self.answered()

    def answered(self) -> list[Call]:
        return [call for call in self.calls if call.method in ("ack", "response_url")]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self._wait(lambda: len(self.calls_to(method)) >= count, f"{count} {method} call(s)", timeout)
        return self.calls_to(method)

    def _wait(self, done: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    made = [c.method for c in self.calls]
                    raise AssertionError(f"expected {what} within {timeout}s; got {made}")
                self._changed.wait(left)

    # --- serving ------------------------------------------------------------------------------------------------
    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if method in self.delays:
            time.sleep(self.delays[method])
        if method in self.limits:
            every, retry_after = self.limits[method]
            self.counted[method] += 1
            if self.counted[method] % every == 0:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        queue = self.failures.get(method) or []
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            if failure.stall:
                time.sleep(failure.stall)
            else:
                return None if failure.reset else (failure.status, failure.body, failure.headers)
        if method == "auth.test":
            return 200, self.auth, {}
        if method == "users.info":
            user = self.users.get(params.get("user", ""))
            return 200, ({"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}), {}
        if method == "users.lookupByEmail":
            found = next((u for u in self.users.values() if u["profile"].get("email") == params.get("email")), None)
            return 200, ({"ok": True, "user": found} if found else {"ok": False, "error": "users_not_found"}), {}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return 200, {"ok": True, "view": {"id": "V0001", **_json(params.get("view"))}}, {}
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            return 200, {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}, {}
        return 200, {"ok": True}, {}

    def _record(self, method: str, params: dict[str, Any], to: str = "") -> Call:
        if self.check:
            self._check(method, params)
        call = Call(method, params, to)
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return call

    def _check(self, method: str, params: dict[str, Any]) -> None:
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            problems = blockkit.problems_in_view(_json(params.get("view")))
        else:
            problems = blockkit.problems_in_message(params)
        if method in ("response_url", "ack") and params.get("response_type") == "in_channel":
            problems.append("a reply was posted to the whole channel: account data must stay with the asker")
        self.violations += [f"{method}: {p}" for p in problems]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                to = ""
                if self.path.startswith("/response/"):
                    method, to = "response_url", self.path.removeprefix("/response/")
                else:
                    method = self.path.removeprefix("/api/").split("?")[0]
                call = fake._record(method, params, to)
                if method == "response_url":
                    time.sleep(fake.delays.get(method, 0))
                    status, body, headers = 200, {"ok": True}, {}
                else:
                    answer = fake._answer(method, params)
                    if answer is None:  # a reset: the client sees the connection cut, nothing was done
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    status, body, headers = answer
                call.status, call.ok = status, status == 200 and bool(body.get("ok"))
                data = b"ok" if method == "response_url" else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain" if method == "response_url" else "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value)
    return value or {}
