"""Teams that own flag categories, their channel on each chat platform, and the routing rules (category →
team) read from the teams CSV."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, Timestamps


class Team(Timestamps, Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    sla_hours: Mapped[int] = mapped_column(Integer)


class TeamChannel(Base):
    """Where a team's flags are posted on one chat platform: a Slack channel, a Teams channel conversation id.
    A team on two platforms has two; its posts go to each."""

    __tablename__ = "team_channel"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(200))


class RoutingRule(Base):
    """Which team owns a flag category: one team per category."""

    __tablename__ = "routing_rule"

    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)


class TeamMember(Base):
    """Someone who works a team's flags (the teams CSV's `members`): may take them, and act on those open."""

    __tablename__ = "team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True)
