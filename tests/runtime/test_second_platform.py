"""A second chat platform is an adapter and nothing else: a tiny one written here, against the neutral runtime
alone (no Slack import, no change to the core), files a flag the way Slack does — recorded before its ack, a
retry done once, the team post and the CSM's DM each through its own platform's gateway, a request whose
process died finished by the `requests` job."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Settings
from bot.db import session_scope
from bot.gateway import Gateways, Target
from bot.messages import Form, Reply
from bot.models import Flag, InboundRequest, Team, TeamChannel
from bot.people.actors import Access, Actor, remember_actor
from bot.runtime import inbox, lifecycle, requests
from bot.runtime.recording import Outcome
from bot.runtime.requests import Answer, Runtime
from commands import router
from tests.factories import make_account, make_person, make_team
from tests.fakes.gateway import RecordingGateway

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ChatRequest:
    """A request as the fake platform sends it: who typed what, with the platform's own message id."""

    kind: str
    body: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.body['id']}"

    @property
    def name(self) -> str:
        return str(self.body["text"]).split(" ", 1)[0]

    @property
    def team(self) -> str | None:
        return "org-1"

    def to_payload(self) -> dict[str, Any]:
        return {"body": self.body}


@dataclass(frozen=True, kw_only=True)
class ChatRuntime(Runtime):
    """The fake platform's adapter: it reads its requests, knows its users, and answers in a list."""

    platform: str = "chat"
    answers: list[Reply | Form] = field(default_factory=list)

    def request_of(self, kind: str, payload: dict[str, Any]) -> ChatRequest:
        return ChatRequest(kind, payload["body"])

    def handle(self, request: requests.Request) -> Answer | None:
        assert isinstance(request, ChatRequest)
        body = request.body

        def who(session: Any) -> Actor:
            return remember_actor(
                session,
                platform="chat",
                workspace_id="org-1",
                external_id=body["user"],
                access=Access.MEMBER,
                display_name=body["user"],
                email=body["email"],
                now=self.clock.now(),
            )

        name, _, text = body["text"].partition(" ")
        answer = requests.run_for(self, who, lambda ctx: router.dispatch(ctx, name, text), request.key)
        self.answers.append(answer.reply)
        return answer


def company(session) -> None:
    """Maya's account Acme; Billing posts on the fake platform only; Sam uses Tend there."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    make_account(session, "Acme Corporation", domain="acme.example", owner_id=maya.id)
    make_team(session, "Billing", categories=("billing",), sla_hours=24)
    session.commit()


def platform(factory) -> tuple[ChatRuntime, RecordingGateway, RecordingGateway]:
    slack, chat = RecordingGateway(platform="slack"), RecordingGateway(platform="chat")
    runtime = ChatRuntime(
        settings=Settings(),
        session_factory=factory,
        clock=FixedClock(NOW),
        gateway=Gateways({"slack": slack, "chat": chat}, default="slack"),
    )
    return runtime, slack, chat


def flag(message_id: str) -> ChatRequest:
    return ChatRequest(
        "message",
        {"id": message_id, "user": "c-sam", "email": "sam@example.com", "text": "/flag acme invoice charged twice"},
    )


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def test_a_second_platform_files_a_flag_once_and_reaches_each_place_on_its_own_platform(factory):
    with factory() as session:
        company(session)
    with session_scope(factory) as session:  # Billing posts on the fake platform; Maya was last seen there
        billing = session.scalars(select(Team)).one()
        session.add(TeamChannel(team_id=billing.id, platform="chat", channel="room-billing"))
        remember_actor(
            session,
            platform="chat",
            workspace_id="org-1",
            external_id="c-maya",
            access=Access.MEMBER,
            display_name="Maya",
            email="maya@example.com",
            now=NOW,
        )
    runtime, slack, chat = platform(factory)
    try:
        assert lifecycle.record(runtime, flag("m1")) is Outcome.RECORDED  # recorded before the "ack"
        assert lifecycle.record(runtime, flag("m1")) is Outcome.REPEAT  # the platform's retry: done once
        wait_for(lambda: len(chat.sent) == 2)
    finally:
        runtime.shutdown()
    [answer] = runtime.answers
    assert answer.text.startswith("Flag #") and "Billing" in answer.text
    assert [(t.platform, t.kind, t.ref) for t, _reply in chat.sent] == [
        ("chat", "channel", "room-billing"),  # the team's post
        ("chat", "person", "maya@example.com"),  # the CSM's DM, where she was last seen
    ]
    assert slack.sent == []
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 1
        assert session.scalar(select(InboundRequest.platform)) == "chat"


def test_a_second_platforms_stranded_request_is_finished_by_the_requests_job(factory):
    with factory() as session:
        company(session)
    runtime, _slack, _chat = platform(factory)
    with session_scope(factory) as session:  # recorded, then the process died before working on it
        inbox.record_many(session, "chat", [("message:m2", "message", flag("m2").to_payload())], NOW)
    later = datetime(2026, 12, 2, 10, 10, tzinfo=UTC)
    summary = lifecycle.finish_stranded(factory, "chat", later, lambda: runtime)
    assert summary.startswith("1 stranded request finished, 0 failed again")
    assert runtime.answers and runtime.answers[0].text.startswith("Flag #")
    assert lifecycle.finish_stranded(factory, "slack", later, lambda: runtime).startswith("0 stranded requests")


def test_nothing_of_slack_is_imported_to_run_a_second_platform():
    code = (
        "import sys; import tests.runtime.test_second_platform as t; "
        "print(sorted(m for m in sys.modules if m.startswith(('slack_bolt', 'slack_sdk', 'bot.slack'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_unknown_platform_target_is_named_in_the_failure():
    gateways = Gateways({"chat": RecordingGateway(platform="chat")}, default="chat")
    try:
        gateways.send(Target("teams", "person", "x@example.com"), Reply("hi"))
    except Exception as error:
        assert "teams is not configured here" in str(error)
    else:
        raise AssertionError("expected a DeliveryError")
