"""Which team owns a flag: the team whose categories include it, else the customer-success team
(the owner of `other`). The rules live in the database, from the teams CSV."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.models import RoutingRule, Team
from bot.vocab import Category


def owning_team(session: Session, category: Category) -> Team | None:
    """The team that owns `category`, falling back to the customer-success team; None when no team exists."""
    teams = dict(session.execute(_OWNERS, {"categories": [category.value, Category.OTHER.value]}).all())
    return teams.get(category.value) or teams.get(Category.OTHER.value)


_OWNERS = (  # built once: every flag asks
    select(RoutingRule.category, Team)
    .join(Team, Team.id == RoutingRule.team_id)
    .where(RoutingRule.category.in_(bindparam("categories", expanding=True)))
)


def customer_success_team(session: Session) -> Team | None:
    return owning_team(session, Category.OTHER)


def team_name(session: Session, team_id: int | None) -> str | None:
    return session.scalar(select(Team.name).where(Team.id == team_id)) if team_id else None
