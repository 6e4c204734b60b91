"""Owning flags: one owner whatever the clicks, resolution with an outcome, re-routing; reporter and CSM told."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db import session_scope
from bot.flags.lifecycle import reroute_flag, resolve_flag, take_flag
from bot.flags.raising import FlagRequest, raise_flag
from bot.models import Flag, FlagEvent, Notification, Person, RoutingRule, Team, TeamMember
from bot.people.actors import Access, Actor
from bot.vocab import Category
from tests.factories import make_account, make_person, make_team

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SAM = Actor(Access.MEMBER, "Sam Rivera", "sam@example.com", None, "sales", "UTC", "U0SAM")


def person(session, email: str, name: str, role: str = "billing", team: Team | None = None) -> Actor:
    """Someone in the people list (a member of `team`, when given), as they act."""
    row = make_person(session, email, name=name, role=role)
    if team is not None:
        session.add(TeamMember(team_id=team.id, person_id=row.id))
        session.flush()
    return Actor(Access.MEMBER, name, email, row.id, role, "UTC", f"U0{name.split()[0].upper()}")


def flag_on_acme(session) -> tuple[int, Actor, Actor]:
    """Sam flags Acme; the flag goes to Billing, whose members are Jonas and Priya (and manager Dana)."""
    maya = make_person(session, "maya@example.com", name="Maya Patel")
    account = make_account(session, "Acme", owner_id=maya.id)
    dana = make_person(session, "dana@example.com", name="Dana Lee", role="manager")
    team = make_team(session, name="Billing", channel="#billing", sla_hours=24, manager_id=dana.id)
    session.add(team)
    session.flush()
    session.add(RoutingRule(category="billing", team_id=team.id))
    jonas = person(session, "jonas@example.com", "Jonas Weber", team=team)
    priya = person(session, "priya@example.com", "Priya Shah", team=team)
    raised = raise_flag(session, FlagRequest(account.id, "invoice charged twice", "test", "r1"), SAM, NOW, "UTC")
    session.commit()
    return raised.flag_id, jonas, priya


def last_id(session) -> int:
    return session.scalar(select(func.max(Notification.id))) or 0


def queued(session, after: int) -> dict[str, tuple[str, str, str]]:
    """What was queued after notification `after`, by role (post, reporter, csm) for event-caused messages."""
    rows = session.execute(
        select(Notification.dedupe_key, Notification.target_kind, Notification.target_ref, Notification.payload).where(
            Notification.id > after
        )
    )
    return {
        (key.rsplit(":", 1)[-1] if ":e" in key else key): (kind, ref, payload["text"])
        for key, kind, ref, payload in rows
    }


def test_take_assigns_the_clicker_and_tells_the_reporter_and_csm(session):
    flag_id, jonas, _priya = flag_on_acme(session)
    before = last_id(session)
    change = take_flag(session, flag_id, jonas, NOW)
    session.commit()
    assert change.changed and change.flag.status == "taken" and change.flag.assignee_name == "Jonas Weber"
    told = f"Jonas Weber took flag #{flag_id} and owns it now."
    assert queued(session, before) == {
        "post@slack": (
            "message",
            f"flag:{flag_id}:team@slack",
            f"Flag #{flag_id}: Acme — billing problem raised by Sam Rivera",
        ),
        "reporter": ("chat_user", "U0SAM", told),
        "csm": ("person", "maya@example.com", told),
    }


def test_a_second_take_sees_who_owns_it(session):
    flag_id, jonas, priya = flag_on_acme(session)
    take_flag(session, flag_id, jonas, NOW)
    session.commit()
    before = last_id(session)
    again = take_flag(session, flag_id, priya, NOW + timedelta(seconds=1))
    session.commit()
    assert not again.changed and again.flag.assignee_name == "Jonas Weber"
    assert queued(session, before) == {}
    assert [e.kind for e in session.scalars(select(FlagEvent).order_by(FlagEvent.id))] == ["raised", "taken"]


def test_simultaneous_clicks_make_exactly_one_owner(session, factory):
    flag_id, _jonas, _priya = flag_on_acme(session)
    billing = session.scalars(select(Team)).one()
    people = [person(session, f"c{n}@example.com", f"Clicker {n}", team=billing) for n in range(5)]
    session.commit()
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
    flag_id, jonas, _priya = flag_on_acme(session)
    take_flag(session, flag_id, jonas, NOW)
    session.commit()
    before = last_id(session)
    change = resolve_flag(session, flag_id, jonas, "  Refunded   the double charge ", NOW + timedelta(hours=2))
    session.commit()
    assert change.changed and change.flag.outcome == "Refunded the double charge"
    told = queued(session, before)
    assert told["reporter"][2].endswith("Outcome: Refunded the double charge") and "csm" in told
    assert not resolve_flag(session, flag_id, jonas, "again", NOW + timedelta(hours=3)).changed


def test_nobody_is_told_about_their_own_action(session):
    flag_id, _jonas, _priya = flag_on_acme(session)
    billing = session.scalars(select(Team)).one()
    maya_id = session.scalar(select(Person.id).where(Person.email == "maya@example.com"))
    session.add(TeamMember(team_id=billing.id, person_id=maya_id))  # the CSM also works billing flags
    session.commit()
    before = last_id(session)
    maya = Actor(Access.MEMBER, "Maya Patel", "maya@example.com", maya_id, "csm", "UTC", "U0MAYA")
    take_flag(session, flag_id, maya, NOW)
    session.commit()
    assert set(queued(session, before)) == {"post@slack", "reporter"}


def support_team(session) -> Team:
    """A second team, owning support flags: where "Not ours" sends a login bug."""
    support = make_team(session, name="Support", channel="#support", sla_hours=8)
    session.add(support)
    session.flush()
    session.add(RoutingRule(category="support", team_id=support.id))
    session.flush()
    return support


def test_not_ours_moves_the_flag_to_the_right_team_with_a_new_post(session):
    flag_id, jonas, _priya = flag_on_acme(session)
    support = support_team(session)
    pia = person(session, "pia@example.com", "Pia Support", role="support", team=support)
    take_flag(session, flag_id, jonas, NOW)
    session.commit()
    before = last_id(session)
    change = reroute_flag(session, flag_id, jonas, Category.SUPPORT, "It's a login bug, not billing", NOW, "UTC")
    session.commit()
    flag = change.flag
    assert change.changed and (flag.category, flag.team_id, flag.status, flag.assignee_name) == (
        "support",
        support.id,
        "open",
        None,
    )
    assert flag.team_post_key == f"flag:{flag_id}:team:1"
    moved = {key: (kind, ref) for key, (kind, ref, _text) in queued(session, before).items()}
    assert moved == {
        f"flag:{flag_id}:team:moved@slack": (
            "message",
            f"flag:{flag_id}:team@slack",
        ),  # the old post says where it went
        f"flag:{flag_id}:team:1@slack": ("channel", "#support"),  # the new team's own post
        "reporter": ("chat_user", "U0SAM"),
        "csm": ("person", "maya@example.com"),
    }
    # Moving it to where it already is changes nothing; the next take redraws the new post.
    assert not reroute_flag(session, flag_id, pia, Category.SUPPORT, "again", NOW, "UTC").changed
    before = last_id(session)
    take_flag(session, flag_id, pia, NOW)
    session.commit()
    assert queued(session, before)["post@slack"][:2] == ("message", f"flag:{flag_id}:team:1@slack")


def test_reassign_gives_the_flag_to_someone_and_tells_them(session):
    from bot.flags.lifecycle import reassign_flag

    flag_id, jonas, priya = flag_on_acme(session)
    before = last_id(session)
    change = reassign_flag(session, flag_id, jonas, priya.person_id, NOW)
    session.commit()
    assert change.changed and (change.flag.status, change.flag.assignee_name) == ("taken", "Priya Shah")
    told = queued(session, before)
    assert told["assignee"] == ("person", "priya@example.com", f"Jonas Weber gave flag #{flag_id} to Priya Shah.")
    assert {"post@slack", "reporter", "csm"} <= set(told)
    assert not reassign_flag(session, flag_id, priya, priya.person_id, NOW).changed  # already hers


def test_whoever_took_a_flag_on_teams_is_told_on_teams_when_someone_else_resolves_it(session):
    flag_id, jonas, _priya = flag_on_acme(session)
    on_teams = replace(jonas, external_id="29:1jonas", platform="teams")
    take_flag(session, flag_id, on_teams, NOW)
    session.commit()
    dana = session.scalars(select(Person).where(Person.email == "dana@example.com")).one()
    manager = Actor(Access.MEMBER, dana.name, dana.email, dana.id, "manager", "UTC", "U0DANA", platform="slack")
    before = last_id(session)
    resolve_flag(session, flag_id, manager, "Refunded", NOW + timedelta(minutes=5))
    session.commit()
    rows = session.execute(
        select(Notification.platform, Notification.target_kind, Notification.target_ref).where(
            Notification.id > before, Notification.dedupe_key.endswith(":owner")
        )
    ).all()
    assert rows == [("teams", "chat_user", "29:1jonas")]
    reporter = session.scalar(
        select(Notification.platform).where(Notification.id > before, Notification.dedupe_key.endswith(":reporter"))
    )
    assert reporter == "test"  # Sam flagged it from the `test` platform: told there
