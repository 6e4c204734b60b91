"""Flags are acted on by the people entitled to them: the owning team takes; the owner, the team's manager and
admins resolve, reassign and re-route; the reporter and the team correct the category. Anyone else is told
who can, and nothing changes. Every change is credited to the person who made it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.errors import Forbidden
from bot.flags import messages as flag_messages
from bot.flags.lifecycle import reassign_flag, reroute_flag, resolve_flag, take_flag
from bot.flags.permissions import FlagAction
from bot.models import Flag, FlagEvent, Notification, Person
from bot.people.actors import Access, Actor
from bot.vocab import Category
from tests.factories import make_team
from tests.flags.test_lifecycle import NOW, SAM, flag_on_acme, last_id, person, queued, support_team


def manager(session) -> Actor:
    dana = session.scalars(select(Person).where(Person.email == "dana@example.com")).one()
    return Actor(Access.MEMBER, dana.name, dana.email, dana.id, "manager", "UTC", "U0DANA")


def refused(session, call) -> str:
    """What the person is told when `call` is not theirs to make; checks that nothing changed meanwhile."""
    before = last_id(session), session.scalar(select(Flag.status)), len(session.scalars(select(FlagEvent)).all())
    with pytest.raises(Forbidden) as refusal:
        call()
    session.rollback()
    assert (last_id(session), session.scalar(select(Flag.status)), len(session.scalars(select(FlagEvent)).all())) == (
        before
    )
    return refusal.value.message


def test_only_the_owning_team_and_admins_take_a_flag(session):
    flag_id, _jonas, _priya = flag_on_acme(session)
    said = refused(session, lambda: take_flag(session, flag_id, SAM, NOW))  # the reporter, in sales
    assert said == (
        f"Only the Billing team (its members and its manager, Dana Lee) and Tend admins can take flag #{flag_id}. "
        "Nothing was changed."
    )
    stranger = person(session, "olaf@example.com", "Olaf Other", role="csm")
    refused(session, lambda: take_flag(session, flag_id, stranger, NOW))
    ada = person(session, "ada@example.com", "Ada Admin", role="admin")
    assert take_flag(session, flag_id, ada, NOW).changed


def test_the_manager_can_take_and_resolve_and_the_resolution_is_credited_to_them(session):
    flag_id, jonas, _priya = flag_on_acme(session)
    take_flag(session, flag_id, jonas, NOW)
    session.commit()
    dana = manager(session)
    before = last_id(session)
    change = resolve_flag(session, flag_id, dana, "Refunded", NOW + timedelta(hours=1))
    session.commit()
    flag = change.flag
    assert change.changed and flag.resolved_by_name == "Dana Lee" and flag.assignee_name == "Jonas Weber"
    assert flag_messages.status_line(flag) == "✅ Resolved by Dana Lee: Refunded"  # the post, redrawn
    told = queued(session, before)
    assert told["reporter"][2] == f"Dana Lee resolved flag #{flag_id}. Outcome: Refunded"
    post = session.scalar(
        select(Notification.payload).where(Notification.id > before, Notification.dedupe_key.endswith(":post@slack"))
    )
    assert "Resolved by Dana Lee" in str(post)
    event = session.scalars(select(FlagEvent).order_by(FlagEvent.id.desc())).first()
    assert (event.kind, event.actor_name) == ("resolved", "Dana Lee")


def test_a_taken_flag_is_its_owners_to_resolve_reassign_or_move(session):
    flag_id, jonas, priya = flag_on_acme(session)
    take_flag(session, flag_id, jonas, NOW)
    session.commit()
    said = refused(session, lambda: resolve_flag(session, flag_id, priya, "done", NOW))
    assert said == (
        f"Flag #{flag_id} belongs to Jonas Weber: only they, Dana Lee (Billing's manager) and Tend admins can "
        "resolve it. Nothing was changed."
    )
    refused(session, lambda: reassign_flag(session, flag_id, priya, priya.person_id, NOW))
    refused(session, lambda: reroute_flag(session, flag_id, priya, Category.SUPPORT, "not ours", NOW, "UTC"))
    refused(session, lambda: resolve_flag(session, flag_id, SAM, "done", NOW))
    assert reassign_flag(session, flag_id, jonas, priya.person_id, NOW).changed  # the owner hands it over
    session.commit()
    assert resolve_flag(session, flag_id, priya, "Refunded", NOW).changed  # and the new owner resolves it


def test_while_nobody_has_taken_it_the_whole_team_may_resolve_or_move_it(session):
    flag_id, _jonas, priya = flag_on_acme(session)
    session.add(make_team(session, name="Support", channel="#support", sla_hours=8))
    session.commit()
    said = refused(session, lambda: resolve_flag(session, flag_id, SAM, "done", NOW))
    assert said.endswith(f"can resolve flag #{flag_id} while nobody has taken it. Nothing was changed.")
    assert resolve_flag(session, flag_id, priya, "Refunded", NOW).changed
    session.commit()
    assert session.scalar(select(Flag.resolved_by_name)) == "Priya Shah"


def test_the_reporter_may_correct_the_category_but_not_say_not_ours(session):
    flag_id, _jonas, _priya = flag_on_acme(session)
    support_team(session)
    session.commit()
    refused(session, lambda: reroute_flag(session, flag_id, SAM, Category.SUPPORT, "not ours", NOW, "UTC"))
    moved = reroute_flag(session, flag_id, SAM, Category.SUPPORT, "a login bug", NOW, "UTC", FlagAction.RECATEGORIZE)
    assert moved.changed and moved.flag.category == "support"
    session.commit()
    said = refused(
        session,
        lambda: reroute_flag(
            session,
            flag_id,
            person(session, "x@example.com", "X"),
            Category.SALES,
            "",
            NOW,
            "UTC",
            FlagAction.RECATEGORIZE,
        ),
    )
    assert said.startswith(
        "Only Sam Rivera (who raised it), the Support team (its members) and Tend admins can change the category of"
    )


def test_a_chat_user_id_is_someone_only_on_its_own_platform(session):
    """Sam flagged it from the `test` platform as U0SAM: the same id on another platform is someone else."""
    from dataclasses import replace

    from bot.flags.lists import mine, page
    from bot.flags.permissions import viewer

    flag_id, _jonas, _priya = flag_on_acme(session)
    flag = session.get(Flag, flag_id)
    sam_there = replace(SAM, platform="test")
    elsewhere = Actor(Access.MEMBER, "Sam Other", None, None, None, "UTC", "U0SAM", platform="teams")
    assert viewer(session, sam_there).standing(flag).reporter
    assert not viewer(session, elsewhere).standing(flag).reporter
    assert [line.flag_id for line in page(session, mine(sam_there), NOW).lines] == [flag_id]
    assert page(session, mine(elsewhere), NOW).lines == ()
