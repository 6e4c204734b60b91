"""Customer problems flagged by anyone, and the timeline of what happened to each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Float, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, Timestamps, UTCDateTime


class Flag(Timestamps, Base):
    """A tracked problem. Its id is the number people see ("flag #42")."""

    __tablename__ = "flag"
    # A retried or double-submitted request carries the same source reference: it can never make a second flag.
    __table_args__ = (
        UniqueConstraint("source_platform", "source_ref"),
        Index("ix_flag_account_id_status", "account_id", "status"),
        Index("ix_flag_status_sla_due_at", "status", "sla_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(20))
    category_source: Mapped[str] = mapped_column(String(20))  # "reporter", "rules" or "model"
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(300))  # the model's one-line summary, when there was one
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, taken, resolved
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"), index=True)
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(200))
    # The reporter's chat user id on `source_platform` (to tell them later when they are not in the people list).
    reporter_ref: Mapped[str | None] = mapped_column(String(200))
    source_platform: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str] = mapped_column(String(200))
    source_link: Mapped[str | None] = mapped_column(String(1000))
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assignee_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    assignee_ref: Mapped[str | None] = mapped_column(String(200))  # their chat user id on assignee_platform
    assignee_platform: Mapped[str | None] = mapped_column(String(20))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The outbox key of the flag's current team post: updates redraw it; a re-route starts a new one.
    team_post_key: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_name: Mapped[str | None] = mapped_column(String(200))  # who resolved it (not always its owner)
    outcome: Mapped[str | None] = mapped_column(Text)
    # How its team was chosen, for people: "matched 'invoice'", "like flag #41, re-routed to Billing by Omar",
    # "the reporter's choice", "moved by Omar Haddad: Zephyr is the billing portal".
    routed_because: Mapped[str | None] = mapped_column(String(300))

    @hybrid_property
    def credited_to(self) -> str | None:
        """Whom the flag's state is credited to: who resolved it once resolved, else who owns it."""
        return self.resolved_by_name or self.assignee_name

    @credited_to.inplace.expression
    @classmethod
    def _credited_to_column(cls) -> ColumnElement[str | None]:
        """The same in SQL, for lists that read columns rather than Flag objects."""
        return func.coalesce(func.nullif(cls.resolved_by_name, ""), cls.assignee_name)


class FlagEvent(Base):
    """One step in a flag's life (raised, taken, re-routed, escalated, resolved): the account's timeline."""

    __tablename__ = "flag_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class FlagProposal(Base):
    """A flag the model triaged without enough certainty: held until the reporter confirms or changes its
    category (one click), or, unconfirmed, filed by the rules when it expires. Its source reference is the
    request's, so the flag it becomes is the one a retry would have made."""

    __tablename__ = "flag_proposal"
    __table_args__ = (
        UniqueConstraint("source_platform", "source_ref"),
        Index("ix_flag_proposal_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(10))  # the reporter's (normal when they gave none)
    source_platform: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str] = mapped_column(String(200))
    source_link: Mapped[str | None] = mapped_column(String(1000))
    reporter_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(320))
    reporter_ref: Mapped[str | None] = mapped_column(String(200))
    proposed_category: Mapped[str] = mapped_column(String(20))
    proposed_severity: Mapped[str] = mapped_column(String(10))
    rules_category: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(300))
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, filed
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flag.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoutingExample(Base):
    """A flag whose category a person settled: re-routed ("Not ours"), its category changed, or a proposal
    confirmed. These are the organisation's own words for each team; the classifier routes a new flag like
    the most similar of them (`bot.flags.routing.examples`). One per flag: the latest correction wins."""

    __tablename__ = "routing_example"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)  # the flag's description, folded
    category: Mapped[str] = mapped_column(String(20))
    how: Mapped[str] = mapped_column(String(20))  # rerouted, recategorised, confirmed
    actor_name: Mapped[str] = mapped_column(String(200))
    team_name: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
