"""Owning flags: one owner whatever the clicks, resolution with an outcome, the reporter and CSM told."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.models import Flag, FlagEvent, Notification, RoutingRule, Team
from bot.services.flags import FlagRequest, raise_flag, resolve_flag, take_flag
from bot.services.people import Access, Actor
from tests.factories import make_account, make_person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SAM = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", None, "sales", "UTC", "U0SAM")
JONAS = Actor(Access.MEMBER, "Jonas Weber", "jonas@example.com", None, "billing", "UTC", "U0JONAS")
PRIYA = Actor(Access.MEMBER, "Priya Shah", "priya@example.com", None, "billing", "UTC", "U0PRIYA")


def flag_on_acme(session) -> int:
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    account = make_account(session, "Acme", owner_id=maya.id)
    team = Team(name="Billing", channel="#billing", sla_hours=24)
    session.add(team)
    session.flush()
    session.add(RoutingRule(category="billing", team_id=team.id))
    raised = raise_flag(session, FlagRequest(account.id, "invoice charged twice", "test", "r1"), SAM, NOW, "UTC")
    session.commit()
    return raised.flag_id


def queued(session, flag_id: int, kind: str) -> dict[str, tuple[str, str, str]]:
    rows = session.execute(
        select(Notification.dedupe_key, Notification.target_kind, Notification.target_ref, Notification.payload).where(
            Notification.dedupe_key.like(f"flag:{flag_id}:%{kind}%")
        )
    )
    return {key: (target, ref, payload["text"]) for key, target, ref, payload in rows}


def test_take_assigns_the_clicker_and_tells_the_reporter_and_csm(session):
    flag_id = flag_on_acme(session)
    change = take_flag(session, flag_id, JONAS, NOW)
    session.commit()
    assert change.changed and change.flag.status == "taken" and change.flag.assignee_name == "Jonas Weber"
    assert queued(session, flag_id, "taken") == {
        f"flag:{flag_id}:team:taken": (
            "message",
            f"flag:{flag_id}:team",
            "Flag #1: Acme — billing problem raised by Sam Rivera".replace("#1", f"#{flag_id}"),
        ),
        f"flag:{flag_id}:taken:reporter": ("chat_user", "U0SAM", f"Jonas Weber took flag #{flag_id} and owns it now."),
        f"flag:{flag_id}:taken:csm": (
            "person",
            "maya@example.com",
            f"Jonas Weber took flag #{flag_id} and owns it now.",
        ),
    }


def test_a_second_take_sees_who_owns_it(session):
    flag_id = flag_on_acme(session)
    take_flag(session, flag_id, JONAS, NOW)
    session.commit()
    again = take_flag(session, flag_id, PRIYA, NOW + timedelta(seconds=1))
    session.commit()
    assert not again.changed and again.flag.assignee_name == "Jonas Weber"
    assert [e.kind for e in session.scalars(select(FlagEvent).order_by(FlagEvent.id))] == ["raised", "taken"]


def test_simultaneous_clicks_make_exactly_one_owner(session, factory):
    flag_id = flag_on_acme(session)
    people = [
        Actor(Access.MEMBER, f"Clicker {n}", f"c{n}@example.com", None, "billing", "UTC", f"U0C{n}") for n in range(5)
    ]
    start = threading.Barrier(len(people))
    results: list[bool] = []

    def click(actor: Actor) -> None:
        start.wait()
        with session_scope(factory) as s:
            results.append(take_flag(s, flag_id, actor, NOW).changed)

    threads = [threading.Thread(target=click, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 4 + [True]
    session.expire_all()
    assert session.scalar(select(Flag.assignee_name).where(Flag.id == flag_id)).startswith("Clicker")


def test_resolving_tells_the_outcome_once(session):
    flag_id = flag_on_acme(session)
    take_flag(session, flag_id, JONAS, NOW)
    change = resolve_flag(session, flag_id, JONAS, "  Refunded   the double charge ", NOW + timedelta(hours=2))
    session.commit()
    assert change.changed and change.flag.outcome == "Refunded the double charge"
    texts = {key: text for key, (_k, _r, text) in queued(session, flag_id, "resolved").items()}
    assert texts[f"flag:{flag_id}:resolved:reporter"].endswith("Outcome: Refunded the double charge")
    assert f"flag:{flag_id}:resolved:csm" in texts
    assert not resolve_flag(session, flag_id, PRIYA, "again", NOW + timedelta(hours=3)).changed


def test_nobody_is_told_about_their_own_action(session):
    flag_id = flag_on_acme(session)
    maya = Actor(Access.MEMBER, "Maya Patel", "maya@example.com", None, "csm", "UTC", "U0MAYA")
    take_flag(session, flag_id, maya, NOW)
    session.commit()
    assert set(queued(session, flag_id, "taken")) == {f"flag:{flag_id}:team:taken", f"flag:{flag_id}:taken:reporter"}
