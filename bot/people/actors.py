"""Who is asking: chat users mapped to Tend people by email, with the access rules of interfaces.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import read
from bot.models import ChatIdentity, Person
from bot.text import fold

IDENTITY_TTL = timedelta(hours=12)  # how long a platform's answer to "who is this?" is trusted


class Access(StrEnum):
    MEMBER = "member"  # a full member of the workspace: may look up and flag
    GUEST = "guest"  # single- or multi-channel guest: refused
    EXTERNAL = "external"  # from another organisation (shared channels): refused
    UNKNOWN = "unknown"  # the platform could not tell us: refused until it can


@dataclass(frozen=True)
class Actor:
    """The person behind a request, as far as Tend knows them."""

    access: Access
    display_name: str
    email: str | None = None
    person_id: int | None = None
    role: str | None = None
    timezone: str | None = None
    external_id: str | None = None  # the chat platform's user id, to reach this person later
    platform: str | None = None  # the chat platform `external_id` belongs to

    @property
    def may_use_tend(self) -> bool:
        return self.access is Access.MEMBER


def actor_for_email(session: Session, email: str) -> Actor | None:
    """A people-list member acting directly (console, `try`): a full member by definition."""
    person = session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None:
        return None
    return Actor(Access.MEMBER, person.name, person.email, person.id, person.role, person.timezone)


def cached_actor(session: Session, platform: str, workspace_id: str, external_id: str, now: datetime) -> Actor | None:
    """The remembered actor for a chat user, when it was checked recently enough to trust."""
    given = {"platform": platform, "workspace_id": workspace_id, "external_id": external_id}
    row = read(session, _CACHED, given).first()
    if row is None:
        return None
    known = _Known(*row)
    if now - known.checked_at > IDENTITY_TTL:
        return None
    return _actor(known)


class _Known(NamedTuple):
    """What Tend remembers of a chat user, and the person their email links them to (if any)."""

    access: str
    display_name: str
    email: str | None
    external_id: str
    platform: str
    checked_at: datetime
    person_id: int | None
    name: str | None
    role: str | None
    timezone: str | None


# Built once (every request reads it). Joined by email, not by the stored id: someone added to the people
# list is recognised at once.
_CACHED = (
    select(
        ChatIdentity.access,
        ChatIdentity.display_name,
        ChatIdentity.email,
        ChatIdentity.external_id,
        ChatIdentity.platform,
        ChatIdentity.checked_at,
        Person.id,
        Person.name,
        Person.role,
        Person.timezone,
    )
    .outerjoin(Person, Person.email == ChatIdentity.email)
    .where(
        ChatIdentity.platform == bindparam("platform"),
        ChatIdentity.workspace_id == bindparam("workspace_id"),
        ChatIdentity.external_id == bindparam("external_id"),
    )
)


def remember_actor(
    session: Session,
    *,
    platform: str,
    workspace_id: str,
    external_id: str,
    access: Access,
    display_name: str,
    email: str | None,
    now: datetime,
    address: dict[str, Any] | None = None,
) -> Actor:
    """Store what the platform said about a user and link them to the people list by email. `address`: what
    the platform needs to reach them later, when their id is not enough (kept when not given)."""
    email = email.strip().lower() if email else None
    linked = email if access is Access.MEMBER else None  # see _actor: only members are linked to a person
    person = session.scalar(select(Person).where(Person.email == linked)) if linked else None
    values = {
        "person_id": person.id if person else None,
        "email": email,
        "display_name": display_name[:200],
        "access": access.value,
        "checked_at": now,
        **({"address": address} if address is not None else {}),
    }
    key = {"platform": platform, "workspace_id": workspace_id, "external_id": external_id}
    identity = session.scalar(select(ChatIdentity).filter_by(**key))
    if identity is None:
        try:
            with session.begin_nested():
                identity = ChatIdentity(**key, **values)
                session.add(identity)
        except IntegrityError:  # a concurrent request remembered the same user first
            identity = session.scalars(select(ChatIdentity).filter_by(**key)).one()
    for name, value in values.items():
        setattr(identity, name, value)
    session.flush()
    linked_to = (person.id, person.name, person.role, person.timezone) if person else (None, None, None, None)
    facts = (identity.access, identity.display_name, identity.email, identity.external_id, identity.platform)
    return _actor(_Known(*facts, now, *linked_to))


def _actor(known: _Known) -> Actor:
    access = Access(known.access)
    if access is not Access.MEMBER:
        # An email is only a claim: a guest's or an outsider's profile may carry anyone's, even an admin's.
        # Only members of the app's own workspace are linked to the people list (and so to a role).
        return Actor(access, known.display_name, external_id=known.external_id, platform=known.platform)
    return Actor(
        access=access,
        display_name=known.name or known.display_name,
        email=known.email,
        person_id=known.person_id,
        role=known.role,
        timezone=known.timezone,
        external_id=known.external_id,
        platform=known.platform,
    )


def find_people(session: Session, query: str, limit: int = 10) -> list[Person]:
    """People whose name or email looks like `query` (people lists are hundreds, not millions)."""
    people = list(session.scalars(select(Person)))
    if not query.strip() or not people:
        return people[:limit]
    keys = [fold(f"{p.name} {p.email}") for p in people]
    found = process.extract(fold(query), keys, scorer=fuzz.WRatio, processor=None, limit=limit, score_cutoff=60)
    return [people[i] for _key, _score, i in found]


def names(session: Session) -> dict[int, str]:
    """Everyone's name by person id (people lists are hundreds, not millions)."""
    return {person_id: name for person_id, name in session.execute(select(Person.id, Person.name))}
