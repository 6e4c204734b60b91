"""Who may act on a flag. Anyone may raise one and see it; acting on it belongs to the people who work it:

- Take it: the owning team (its members and its manager) and admins.
- Resolve, Reassign, Not ours: the flag's current owner, the owning team's manager and admins; while nobody
  has taken it, the owning team as a whole (its members too) owns it.
- Change the category: the person who raised it, the owning team and admins.

Anyone else who presses a button is told, privately, who can act on it, and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import Forbidden, NotFound
from bot.models import Flag, Person, Team, TeamMember
from bot.people.actors import Actor
from bot.vocab import Role


class FlagAction(StrEnum):
    """What someone may do to a flag. Each verb is also the name of the button that does it: the domain's
    messages offer verbs, and the command layer registers one handler per verb (`commands/flags/actions.py`)."""

    TAKE = "flag.take"
    RESOLVE = "flag.resolve"
    REASSIGN = "flag.reassign"
    REROUTE = "flag.reroute"
    RECATEGORIZE = "flag.change_category"  # the reporter's one-click fix

    @property
    def phrase(self) -> str:
        """The verb in a sentence: "Only … can <phrase> flag #12"."""
        return _PHRASES[self]


_PHRASES = {
    FlagAction.TAKE: "take",
    FlagAction.RESOLVE: "resolve",
    FlagAction.REASSIGN: "reassign",
    FlagAction.REROUTE: "move",
    FlagAction.RECATEGORIZE: "change the category of",
}


@dataclass(frozen=True)
class Standing:
    """What the actor is to one flag."""

    admin: bool
    manager: bool  # of the owning team
    member: bool  # of the owning team
    owner: bool  # the flag's current assignee
    reporter: bool

    def may(self, action: FlagAction, taken: bool) -> bool:
        team = self.manager or self.member
        if action is FlagAction.TAKE:
            return self.admin or team
        if action is FlagAction.RECATEGORIZE:
            return self.admin or team or self.reporter
        return self.admin or self.manager or self.owner or (self.member and not taken)


class FlagState(Protocol):
    """What deciding someone's standing on a flag reads of it: a Flag, or a row of `STANDING_COLUMNS`."""

    status: str
    team_id: int | None
    assignee_person_id: int | None
    assignee_ref: str | None
    assignee_platform: str | None
    reporter_person_id: int | None
    reporter_ref: str | None
    source_platform: str


STANDING_COLUMNS = (
    Flag.team_id,
    Flag.assignee_person_id,
    Flag.assignee_ref,
    Flag.assignee_platform,
    Flag.reporter_person_id,
    Flag.reporter_ref,
    Flag.source_platform,
)


class Viewer:
    """The actor and the teams they belong to or manage: asked once, and only when a flag is there to be
    judged (a card with no open problems costs no query), then applied to any number of flags (a list with
    each flag's buttons costs two queries, not two per flag)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor

    @cached_property
    def member_of(self) -> frozenset[int]:
        if self.actor.person_id is None:
            return frozenset()
        return frozenset(
            self.session.scalars(select(TeamMember.team_id).where(TeamMember.person_id == self.actor.person_id))
        )

    @cached_property
    def manager_of(self) -> frozenset[int]:
        if self.actor.person_id is None:
            return frozenset()
        return frozenset(self.session.scalars(select(Team.id).where(Team.manager_id == self.actor.person_id)))

    def standing(self, flag: FlagState) -> Standing:
        return Standing(
            admin=self.actor.role == Role.ADMIN,
            manager=flag.team_id in self.manager_of,
            member=flag.team_id in self.member_of,
            owner=_is(self.actor, flag.assignee_person_id, flag.assignee_ref, flag.assignee_platform),
            reporter=_is(self.actor, flag.reporter_person_id, flag.reporter_ref, flag.source_platform),
        )

    def offered(self, flag: FlagState) -> tuple[FlagAction, ...]:
        """What the actor may do to `flag` as it stands, in the order its buttons are shown: Take it while
        nobody has; Resolve, Reassign, Not ours; the reporter's Change category when Not ours is not theirs."""
        if flag.status == "resolved":
            return ()
        taken = flag.status == "taken"
        rights = self.standing(flag)
        wanted = (FlagAction.RESOLVE, FlagAction.REASSIGN, FlagAction.REROUTE)
        offered = [FlagAction.TAKE] if not taken and rights.may(FlagAction.TAKE, taken) else []
        offered += [action for action in wanted if rights.may(action, taken)]
        if FlagAction.REROUTE not in offered and rights.may(FlagAction.RECATEGORIZE, taken):
            offered.append(FlagAction.RECATEGORIZE)
        return tuple(offered)


def viewer(session: Session, actor: Actor) -> Viewer:
    return Viewer(session, actor)


def standing(session: Session, flag: Flag, actor: Actor) -> Standing:
    return viewer(session, actor).standing(flag)


def check(session: Session, flag: Flag, actor: Actor, action: FlagAction) -> None:
    """Raise Forbidden, saying who can, unless `actor` may do `action` on `flag`."""
    if not standing(session, flag, actor).may(action, taken=flag.status == "taken"):
        raise Forbidden(who_can(session, flag, action))


def require(session: Session, flag_id: int, actor: Actor, action: FlagAction) -> Flag:
    """The flag, once `actor` may do `action` to it (NotFound or Forbidden otherwise)."""
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(f"Flag #{flag_id} no longer exists.")
    check(session, flag, actor, action)
    return flag


def who_can(session: Session, flag: Flag, action: FlagAction) -> str:
    """Who may, in plain words (the team, its manager and the owner by name), for the person who may not."""
    team = session.get(Team, flag.team_id) if flag.team_id else None
    manager = session.get(Person, team.manager_id) if team and team.manager_id else None
    if team is None:
        crew = "the team that owns it"
    else:
        crew = f"the {team.name} team ({f'its members and its manager, {manager.name}' if manager else 'its members'})"
    if action is FlagAction.RECATEGORIZE:
        who = f"Only {flag.reporter_name} (who raised it), {crew} and Tend admins can {action.phrase} flag #{flag.id}"
    elif action is FlagAction.TAKE or flag.status != "taken":
        when = "" if action is FlagAction.TAKE else " while nobody has taken it"
        who = f"Only {crew} and Tend admins can {action.phrase} flag #{flag.id}{when}"
    else:
        boss = f", {manager.name} ({team.name}'s manager)" if team and manager else ""
        who = f"Flag #{flag.id} belongs to {flag.assignee_name}: only they{boss} and Tend admins can {action.phrase} it"
    return f"{who}. Nothing was changed."


def _is(actor: Actor, person_id: int | None, ref: str | None, platform: str | None) -> bool:
    """The actor is this person of the people list, or this chat user on this platform."""
    if actor.person_id and person_id == actor.person_id:
        return True
    return bool(actor.external_id and ref == actor.external_id and same_platform(actor, platform))


def same_platform(actor: Actor, platform: str | None) -> bool:
    """Whether a chat user id recorded on `platform` can be the actor's (unknown on either side: it can)."""
    return actor.platform is None or platform is None or actor.platform == platform
