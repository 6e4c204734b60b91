"""A flag's life after it is raised: taken, resolved, re-routed, reassigned. Each change is a conditional
UPDATE (two people at once never both win), a timeline event, an in-place redraw of the team's post and a
word to the reporter and the CSM, all through the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.errors import NotFound
from bot.flags import messages as flag_messages
from bot.flags.permissions import FlagAction, require
from bot.flags.raising import MAX_OUTCOME, post_to_team, sla_due
from bot.flags.routing import examples as routing_examples
from bot.flags.routing.teams import owning_team
from bot.gateway import Target
from bot.models import Account, Flag, FlagEvent, Person, Team
from bot.people import reach
from bot.people.actors import Actor
from bot.vocab import Category, Severity


@dataclass(frozen=True)
class Change:
    """What a take/resolve did: `changed` False means someone got there first, and `flag` says who."""

    flag: Flag
    changed: bool


def take_flag(session: Session, flag_id: int, actor: Actor, now: datetime) -> Change:
    """Make `actor` the flag's owner, unless someone already is: a conditional UPDATE, so two clicks at
    the same instant (or a double click) can never produce two owners."""
    require(session, flag_id, actor, FlagAction.TAKE)
    taken = session.execute(
        update(Flag)
        .where(Flag.id == flag_id, Flag.status == "open")
        .values(
            status="taken",
            assignee_person_id=actor.person_id,
            assignee_name=actor.display_name[:200],
            assignee_ref=actor.external_id,
            assignee_platform=actor.platform,
            taken_at=now,
        )
        .returning(Flag.id)
    ).first()
    flag = _flag(session, flag_id)
    if taken:
        event_id = _event(session, flag, "taken", actor, now)
        _tell_people(session, flag, event_id, actor, now, f"{actor.display_name} took flag #{flag.id} and owns it now.")
    return Change(flag, taken is not None)


def resolve_flag(session: Session, flag_id: int, actor: Actor, outcome: str, now: datetime) -> Change:
    """Close the flag with a one-line outcome, credited to `actor`; the reporter and the CSM hear it.
    Resolving twice does nothing."""
    overruled = _owner(session, require(session, flag_id, actor, FlagAction.RESOLVE))
    outcome = " ".join(outcome.split())[:MAX_OUTCOME]
    values: dict = {
        "status": "resolved",
        "outcome": outcome,
        "resolved_at": now,
        "resolved_by_name": actor.display_name[:200],
    }
    resolved = session.execute(
        update(Flag).where(Flag.id == flag_id, Flag.status != "resolved").values(**values).returning(Flag.assignee_name)
    ).first()
    flag = _flag(session, flag_id)
    if resolved:
        if resolved[0] is None:  # resolved without being taken: the resolver owned it
            flag.assignee_name, flag.assignee_ref = actor.display_name[:200], actor.external_id
            flag.assignee_platform = actor.platform
            flag.assignee_person_id = actor.person_id
        event_id = _event(session, flag, "resolved", actor, now, outcome)
        _tell_people(
            session,
            flag,
            event_id,
            actor,
            now,
            f"{actor.display_name} resolved flag #{flag.id}. Outcome: {outcome}",
            also=overruled,
        )
    return Change(flag, resolved is not None)


def reroute_flag(
    session: Session,
    flag_id: int,
    actor: Actor,
    category: Category,
    reason: str,
    now: datetime,
    default_timezone: str,
    action: FlagAction = FlagAction.REROUTE,
) -> Change:
    """Move the flag to the team that owns `category` ("Not ours", or a corrected category: `action`): the
    old post says where it went, the new team gets its own post and a fresh SLA, the reporter and CSM are told."""
    flag = require(session, flag_id, actor, action)
    overruled = _owner(session, flag)
    team = owning_team(session, category)
    if flag.status == "resolved" or team is None or (team.id == flag.team_id and category.value == flag.category):
        return Change(flag, False)
    old_team = session.get(Team, flag.team_id) if flag.team_id else None
    old_key = flag.team_post_key
    moved = session.execute(
        update(Flag)
        .where(Flag.id == flag_id, Flag.status != "resolved", Flag.team_post_key.is_not_distinct_from(old_key))
        .values(
            category=category.value,
            category_source="rerouted",
            team_id=team.id,
            status="open",
            assignee_person_id=None,
            assignee_name=None,
            assignee_ref=None,
            assignee_platform=None,
            taken_at=None,
            escalated_at=None,
            sla_due_at=sla_due(session, team, Severity(flag.severity), now, default_timezone),
            routed_because=f"moved by {actor.display_name}: {' '.join(reason.split())}"[:300],
        )
        .returning(Flag.id)
    ).first()
    if moved is None:  # someone else moved or resolved it at the same moment
        return Change(_flag(session, flag_id), False)
    flag = _flag(session, flag_id)
    how = "rerouted" if action is FlagAction.REROUTE else "recategorised"
    routing_examples.learn(session, flag, category, how, actor.display_name, now)  # never wrong twice the same way
    reason = " ".join(reason.split())[:MAX_OUTCOME]
    account = session.get_one(Account, flag.account_id)
    owner = session.get(Person, account.owner_id) if account.owner_id else None
    moves = (
        session.scalar(
            select(func.count())
            .select_from(FlagEvent)
            .where(FlagEvent.flag_id == flag.id, FlagEvent.kind == "rerouted")
        )
        or 0
    )
    if old_key and old_team is not None:
        note = f"↪ Moved to {team.name} by {actor.display_name}: {reason}"
        outbox.update_post(
            session,
            f"{old_key}:moved",
            old_key,
            flag_messages.for_team(flag, account, owner, old_team, moved=note),
            now,
        )
    post_to_team(session, flag, account, owner, team, f"flag:{flag.id}:team:{moves + 1}", now)
    event_id = _event(session, flag, "rerouted", actor, now, f"to {team.name} as {category.value}: {reason}")
    _tell_people(
        session,
        flag,
        event_id,
        actor,
        now,
        f"{actor.display_name} moved flag #{flag.id} to {team.name} ({category.value}): {reason}",
        redraw=False,
        also=overruled,
    )
    return Change(flag, True)


def reassign_flag(session: Session, flag_id: int, actor: Actor, person_id: int, now: datetime) -> Change:
    """Give the flag to someone else from the people list; they, the reporter and the CSM are told."""
    overruled = _owner(session, require(session, flag_id, actor, FlagAction.REASSIGN))
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("That person is no longer in Tend's people list.")
    moved = session.execute(
        update(Flag)
        .where(Flag.id == flag_id, Flag.status != "resolved", Flag.assignee_person_id.is_distinct_from(person_id))
        .values(
            status="taken",
            assignee_person_id=person.id,
            assignee_name=person.name,
            assignee_ref=None,
            assignee_platform=None,
            taken_at=now,
        )
        .returning(Flag.id)
    ).first()
    flag = _flag(session, flag_id)
    if moved:
        event_id = _event(session, flag, "reassigned", actor, now, f"to {person.name}")
        _tell_people(
            session,
            flag,
            event_id,
            actor,
            now,
            f"{actor.display_name} gave flag #{flag.id} to {person.name}.",
            also={**overruled, "assignee": reach.person(session, person.id, person.email)},
        )
    return Change(flag, moved is not None)


def _owner(session: Session, flag: Flag) -> dict[str, Target]:
    """The flag's owner before a change, to be told when someone else resolves, moves or reassigns it."""
    target = _reach(session, flag.assignee_platform or flag.source_platform, flag.assignee_ref, flag.assignee_person_id)
    return {"owner": target} if target else {}


def _reach(session: Session, platform: str, chat_ref: str | None, person_id: int | None) -> Target | None:
    """How to reach someone Tend knows by chat user id (on `platform`) or as a person in the people list."""
    if chat_ref:
        return Target(platform, "chat_user", chat_ref)
    email = session.scalar(select(Person.email).where(Person.id == person_id)) if person_id else None
    return reach.person(session, person_id, email) if person_id and email else None


def _flag(session: Session, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id, populate_existing=True)
    if flag is None:
        raise NotFound(f"Flag #{flag_id} no longer exists.")
    return flag


def _event(session: Session, flag: Flag, kind: str, actor: Actor, now: datetime, detail: str | None = None) -> int:
    """Record a step of the flag's life; its id keys the messages the step causes (each sent once)."""
    event = FlagEvent(flag_id=flag.id, kind=kind, actor_name=actor.display_name[:200], at=now, detail=detail)
    session.add(event)
    session.flush()
    return event.id


def _tell_people(
    session: Session,
    flag: Flag,
    event_id: int,
    actor: Actor,
    now: datetime,
    text: str,
    *,
    redraw: bool = True,
    also: dict[str, Target] | None = None,
) -> None:
    """Update the team's post in place, and tell the reporter and the account's CSM (closing the loop) and
    anyone in `also` (the owner someone else overruled, the new assignee), each once, except whoever made
    the change."""
    account = session.get_one(Account, flag.account_id)
    owner = session.get(Person, account.owner_id) if account.owner_id else None
    team = session.get(Team, flag.team_id) if flag.team_id else None
    if team is not None and redraw:
        post = flag.team_post_key or f"flag:{flag.id}:team"
        outbox.update_post(
            session, f"flag:{flag.id}:e{event_id}:post", post, flag_messages.for_team(flag, account, owner, team), now
        )
    notice = flag_messages.update(flag, account, text)
    recipients: dict[str, Target] = {}
    reporter = _reach(session, flag.source_platform, flag.reporter_ref, flag.reporter_person_id)
    if reporter is not None:
        recipients["reporter"] = reporter
    if owner is not None and owner.id != flag.reporter_person_id:  # a CSM who reported hears it once
        recipients["csm"] = reach.person(session, owner.id, owner.email)
    told = {("chat_user", actor.external_id or ""), ("person", actor.email or "")}  # never oneself
    for role, target in {**recipients, **(also or {})}.items():
        if (target.kind, target.ref) not in told:  # and everyone once, whatever their roles
            told.add((target.kind, target.ref))
            outbox.enqueue(session, f"flag:{flag.id}:e{event_id}:{role}", target, notice, now)
