"""A fake Microsoft side on 127.0.0.1: the Bot Framework's key server (JWKS), the token authority and the
Bot Connector. It signs incoming activities' tokens with the keys it announces (as the Bot Framework does),
hands Tend its own token, records every connector call, and can be told to answer 429."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes import adaptive
from tests.fakes.local_server import LocalServer

APP_ID = "00000000-0000-0000-0000-00000000a11d"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT = "22222222-2222-2222-2222-222222222222"
ISSUER = "https://api.botframework.com"
BOT_TOKEN = "eyJhbGciOiJub25lIn0.eyJmYWtlIjoidG9rZW4ifQ.c2ln"  # looks like a JWT, as the SDK expects


@dataclass
class Call:
    method: str
    path: str
    body: Any
    authorization: str
    status: int = 200
    region: str = ""  # the service URL's region ("" for the default one; see FakeTeams.service_url_in)
    at: float = field(default_factory=time.monotonic)  # when it arrived (system-wide: benchmarks compare)


@dataclass
class Failure:
    status: int
    times: int
    retry_after: str | None = None


class FakeTeams(LocalServer):
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.calls: list[Call] = []
        self.violations: list[str] = []  # what tests/fakes/adaptive.py found wrong in activities Tend sent
        self.members: dict[str, dict[str, Any]] = {}
        self.failures: list[tuple[str, Failure]] = []  # (path part, failure) for connector posts
        self.token_requests: list[dict[str, list[str]]] = []
        self.keys_fetched = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(_handler(self))

    @property
    def service_url(self) -> str:
        return f"{self.origin}/"

    def service_url_in(self, region: str) -> str:
        """Another region's Bot Connector (Teams gives each conversation its own serviceUrl): the same fake,
        which records which one each call went to."""
        return f"{self.origin}/{region}/"

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.origin}/v1/.well-known/openidconfiguration"

    def rotate(self) -> None:
        """The Bot Framework starts signing with a new key (announced under a new key id)."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"test-key-{int(self.kid.rsplit('-', 1)[1]) + 1}"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def mint(self, service_url: str | None = None, **over: Any) -> str:
        """A token as the Bot Framework signs it for an activity sent to Tend."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url or self.service_url,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **over,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def add_member(self, user_id: str, email: str, *, name: str = "", tenant: str = TENANT, **extra: Any) -> None:
        self.members[user_id] = {
            "id": user_id,
            "name": name or email,
            "email": email,
            "userPrincipalName": email,
            "tenantId": tenant,
            "userRole": "user",
            **extra,
        }

    def fail(self, path_part: str, status: int, times: int = 1, retry_after: str | None = None) -> None:
        self.failures.append((path_part, Failure(status, times, retry_after)))

    def posted(self, conversation: str | None = None) -> list[dict[str, Any]]:
        """Activities Tend posted (in `conversation`), oldest first."""
        return [
            c.body
            for c in self.calls
            if c.method == "POST"
            and c.path.endswith("/activities")
            and c.status == 200
            and (conversation is None or c.path == f"/v3/conversations/{conversation}/activities")
        ]

    def updated(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls if c.method == "PUT" and c.status == 200]

    def _failure(self, path: str) -> Failure | None:
        with self._lock:
            for part, failure in self.failures:
                if part in path and failure.times > 0:
                    failure.times -= 1
                    return failure
        return None


def _where(raw: str) -> tuple[str, str]:
    """(region, path): a connector path under a region's service URL, as under the default one."""
    path = urllib.parse.unquote(urllib.parse.urlparse(raw).path)
    first, _, rest = path.lstrip("/").partition("/")
    if rest.startswith(("v3/", "v1/")):
        return first, "/" + rest
    return "", path


def _handler(fake: FakeTeams) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return urllib.parse.parse_qs(raw.decode())
            return json.loads(raw) if raw else None

        def do_GET(self) -> None:
            region, path = _where(self.path)
            if path == "/v1/.well-known/keys":
                fake.keys_fetched += 1
                return self._answer(200, fake.jwks())
            call = Call("GET", path, None, self.headers.get("Authorization", ""), region=region)
            fake.calls.append(call)
            if "/members/" in path:
                member = fake.members.get(path.rsplit("/members/", 1)[1])
                call.status = 200 if member else 404
                return self._answer(call.status, member or {"error": {"code": "MemberNotFoundInConversation"}})
            call.status = 404
            return self._answer(404, {})

        def do_POST(self) -> None:
            region, path = _where(self.path)
            body = self._body()
            if path.endswith("/oauth2/v2.0/token"):
                fake.token_requests.append(body)
                return self._answer(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": BOT_TOKEN})
            call = Call("POST", path, body, self.headers.get("Authorization", ""), region=region)
            failure = fake._failure(path)  # decided before the call is seen: a refused post never looks posted
            if failure is not None:
                call.status = failure.status
            fake.calls.append(call)
            fake.violations += [f"POST {path}: {p}" for p in adaptive.problems_in_activity(body)]
            if failure is not None:
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return self._answer(failure.status, {"error": {"code": "Throttled"}}, headers)
            if path == "/v3/conversations":
                user = body["members"][0]["id"]
                return self._answer(200, {"id": f"a:personal-{user}"})
            return self._answer(200, {"id": f"act-{next(fake._ids)}"})

        def do_PUT(self) -> None:
            region, path = _where(self.path)
            call = Call("PUT", path, self._body(), self.headers.get("Authorization", ""), region=region)
            fake.calls.append(call)
            fake.violations += [f"PUT {path}: {p}" for p in adaptive.problems_in_activity(call.body)]
            return self._answer(200, {"id": path.rsplit("/", 1)[1]})

    return Handler


@dataclass
class Conversation:
    """Where an activity comes from: a personal chat with Tend, or a channel or group chat."""

    id: str
    kind: str = "personal"  # personal, channel, groupChat
    tenant: str = TENANT
    extra: dict[str, Any] = field(default_factory=dict)
