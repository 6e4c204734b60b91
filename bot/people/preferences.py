"""A person's own settings (`/tend settings`): their time zone, working hours and days (nudges reach them only
then), when their digest comes, and the chat platform their messages go to when they use several."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import BadInput
from bot.models import ChatIdentity, Person

NOT_LISTED = "You're not in Tend's people list yet, so there is nothing to set. Ask a Tend admin to add you."


@dataclass(frozen=True)
class Preferences:
    timezone: str | None
    work_start: time
    work_end: time
    work_days: str  # ISO weekday digits, "12345"
    digest_time: time
    digest_days: str
    chat_platform: str | None  # None: where they were last
    platforms: tuple[str, ...]  # the chat platforms Tend has seen them on


def preferences(session: Session, person_id: int | None) -> Preferences:
    """The person's settings; a friendly refusal for someone not in the people list."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise BadInput(NOT_LISTED)
    seen = session.scalars(
        select(ChatIdentity.platform)
        .where(ChatIdentity.person_id == person.id)
        .distinct()
        .order_by(ChatIdentity.platform)
    )
    values = {f.name: getattr(person, f.name) for f in fields(Preferences) if f.name != "platforms"}
    return Preferences(**values, platforms=tuple(seen))


def change(session: Session, person_id: int | None, **changes: object) -> Preferences:
    """Save some of the person's settings (names as in Preferences); the whole of them after the change."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        raise BadInput(NOT_LISTED)
    allowed = {f.name for f in fields(Preferences)} - {"platforms"}
    for name, value in changes.items():
        if name not in allowed:
            raise ValueError(f"{name} is not a personal setting")
        setattr(person, name, value)
    session.flush()
    return preferences(session, person.id)
