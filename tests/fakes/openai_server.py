"""A fake OpenAI-compatible server on 127.0.0.1 (`/v1/chat/completions`): records every request, answers
canned JSON per response schema, and can be told to be slow, to fail, or to return what is not JSON."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.local_server import LocalServer

Reply = dict[str, Any] | str | Callable[[dict[str, Any]], dict[str, Any] | str]


@dataclass
class Request:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def schema(self) -> str:
        """The response schema's name (one per feature: TriageProposal, Briefing …)."""
        return ((self.body.get("response_format") or {}).get("json_schema") or {}).get("name", "")

    @property
    def text(self) -> str:
        """Everything the model was sent, as one string (what a privacy test searches)."""
        return "\n".join(str(message.get("content")) for message in self.body.get("messages", []))


class FakeOpenAI(LocalServer):
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.replies: dict[str, Reply] = {}  # schema name → canned answer (a dict is sent as JSON)
        self.delay = 0.0
        self.failures: list[int] = []  # HTTP statuses for the next requests, one each
        super().__init__(self._handler())

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def answer(self, schema: str, reply: Reply) -> None:
        self.replies[schema] = reply

    def to(self, schema: str) -> list[Request]:
        return [request for request in self.requests if request.schema == schema]

    def _content(self, request: Request) -> str:
        reply = self.replies.get(request.schema)
        if reply is None:
            return "{}"
        if callable(reply):
            reply = reply(request.body)
        return reply if isinstance(reply, str) else json.dumps(reply)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(json.loads(self.rfile.read(length) or b"{}"), dict(self.headers.items()))
                fake.requests.append(request)
                time.sleep(fake.delay)
                if fake.failures:
                    status = fake.failures.pop(0)
                    self._send(status, {"error": {"message": "fake failure", "type": "server_error"}})
                    return
                content = fake._content(request)
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(fake.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": request.body.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content, "refusal": None},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
                    },
                )

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with suppress(OSError):  # the client gave up (a timeout test)
                    self.wfile.write(data)

        return Handler
