"""How Tend reaches people and teams later (nudges, digests, flag updates): a person on the chat platform they
chose (`/tend settings chat`), else the one Tend saw them on last, else the organisation's default; a team in
its channel on each platform it has one. One person with one email may be on two platforms: one Tend person,
two chat identities, one place their messages go."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.db import read
from bot.gateway import ANY_PLATFORM, Target
from bot.models import ChatIdentity, Person, TeamChannel


def platforms_of(session: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """Each person's platform for direct messages: chosen, else last seen on, else ANY_PLATFORM."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    where: dict[int, str] = dict.fromkeys(ids, ANY_PLATFORM)
    for person_id, platform, _seen in read(session, _LATEST, {"ids": ids}):  # the most recent last
        if person_id is not None:
            where[person_id] = platform
    for chooser, choice in read(session, _CHOSEN, {"ids": ids}):
        if choice:
            where[chooser] = choice
    return where


# Built once: every flag and every DM reads them (building a statement costs more than running it).
_LATEST = (
    select(ChatIdentity.person_id, ChatIdentity.platform, func.max(ChatIdentity.checked_at).label("seen"))
    .where(ChatIdentity.person_id.in_(bindparam("ids", expanding=True)))
    .group_by(ChatIdentity.person_id, ChatIdentity.platform)
    .order_by("seen")
)
_CHOSEN = select(Person.id, Person.chat_platform).where(
    Person.id.in_(bindparam("ids", expanding=True)), Person.chat_platform.is_not(None)
)
_CHANNELS = (
    select(TeamChannel.team_id, TeamChannel.platform, TeamChannel.channel)
    .where(TeamChannel.team_id.in_(bindparam("ids", expanding=True)))
    .order_by(TeamChannel.team_id, TeamChannel.platform)
)


def person(session: Session, person_id: int, email: str) -> Target:
    """A direct message to one person of the people list."""
    return Target(platforms_of(session, [person_id])[person_id], "person", email)


def people(session: Session, emails: dict[int, str]) -> dict[int, Target]:
    """Direct messages to many people (person id → email), with one query for all."""
    where = platforms_of(session, emails)
    return {person_id: Target(where[person_id], "person", email) for person_id, email in emails.items()}


def team_channels(session: Session, team_ids: Iterable[int]) -> dict[int, list[Target]]:
    """Each team's channel on every platform it has one (a team on none gets no posts)."""
    ids = sorted(set(team_ids))
    found: dict[int, list[Target]] = {team_id: [] for team_id in ids}
    if ids:
        for team_id, platform, channel in read(session, _CHANNELS, {"ids": ids}):
            found[team_id].append(Target(platform, "channel", channel))
    return found


def team(session: Session, team_id: int) -> list[Target]:
    return team_channels(session, [team_id])[team_id]
