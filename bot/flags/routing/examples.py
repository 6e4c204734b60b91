"""What the organisation has taught Tend about where its flags go: every flag a person re-routed ("Not
ours"), re-categorised, or whose proposed category they confirmed is kept as a labelled example in its own
words. The classifier routes a new flag like its most similar example (`classifier.nearest`), so that a
mistake corrected once is not made again the same way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db import read
from bot.flags.routing.classifier import Example, content_words
from bot.models import Flag, RoutingExample, Team
from bot.vocab import Category

MAX_EXAMPLES = 5000  # the most recent ones: an organisation's language drifts, and matching stays fast


def learn(session: Session, flag: Flag, category: Category, how: str, actor_name: str, now: datetime) -> None:
    """Keep `flag`'s words as an example of `category` (`how`: rerouted, recategorised, confirmed). One per
    flag: a later correction replaces an earlier one."""
    text = content_words(flag.description)
    if not text:
        return
    team = session.scalar(select(Team.name).where(Team.id == flag.team_id)) if flag.team_id else None
    session.execute(delete(RoutingExample).where(RoutingExample.flag_id == flag.id))
    session.add(
        RoutingExample(
            flag_id=flag.id,
            text=text,
            category=category.value,
            how=how,
            actor_name=actor_name[:200],
            team_name=team,
            at=now,
        )
    )
    session.flush()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RoutingExample)) or 0


def examples(session: Session) -> tuple[Example, ...]:
    """The examples the classifier compares a new flag with, newest first."""
    return tuple(
        Example(flag_id, text, Category(category), how, actor, team)
        for flag_id, text, category, how, actor, team in read(session, _NEWEST)
    )


_NEWEST = (  # built once: every flag reads it
    select(
        RoutingExample.flag_id,
        RoutingExample.text,
        RoutingExample.category,
        RoutingExample.how,
        RoutingExample.actor_name,
        RoutingExample.team_name,
    )
    .order_by(RoutingExample.at.desc(), RoutingExample.id.desc())
    .limit(MAX_EXAMPLES)
)
