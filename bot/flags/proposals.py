"""Flags the model triaged without enough certainty, or whose words the rules could not read (another
language, no model): held for the reporter's one click, filed by the rules when nobody confirms them in
time. A problem is never left unrouted because a guess went unanswered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import insert_ignore
from bot.delivery import outbox
from bot.errors import Forbidden, NotFound
from bot.flags.permissions import same_platform
from bot.flags.raising import MAX_SUMMARY, FlagRequest, RaisedFlag, raise_flag
from bot.flags.routing import examples as routing_examples
from bot.flags.routing.triage import Triage
from bot.gateway import Target
from bot.messages import Reply
from bot.models import Account, Flag, FlagProposal
from bot.people import reach
from bot.people.actors import Access, Actor
from bot.vocab import Category, Severity

WAIT = timedelta(minutes=30)  # an unconfirmed proposal is filed by the rules after this
BATCH = 200


@dataclass(frozen=True)
class Proposal:
    id: int
    account_name: str
    description: str
    category: Category  # the model's
    severity: Severity  # the model's, or the reporter's when they chose one
    rules_category: Category
    summary: str
    confidence: float
    filed_flag_id: int | None  # already filed (a retry of the request, or a click that came first)

    @property
    def by_model(self) -> bool:
        """False: no model guessed; the rules could not read the words, and the reporter chooses."""
        return bool(self.summary)


def propose(session: Session, request: FlagRequest, reporter: Actor, triage: Triage, now: datetime) -> Proposal:
    """Hold `request` with the model's proposal (once per request: a retry finds the same proposal)."""
    insert_ignore(
        session,
        FlagProposal.__table__,
        {
            "account_id": request.account_id,
            "description": request.description,
            "severity": request.severity.value,
            "source_platform": request.source_platform,
            "source_ref": request.source_ref[:200],
            "source_link": request.source_link,
            "reporter_person_id": reporter.person_id,
            "reporter_name": reporter.display_name[:200],
            "reporter_email": reporter.email,
            "reporter_ref": reporter.external_id,
            "proposed_category": triage.category.value,
            "proposed_severity": triage.severity.value,
            "rules_category": triage.rules_category.value,
            "summary": (triage.summary or "")[:MAX_SUMMARY],
            "confidence": triage.confidence or 0.0,
            "status": "pending",
            "created_at": now,
        },
    )
    row = session.scalars(
        select(FlagProposal).where(
            FlagProposal.source_platform == request.source_platform,
            FlagProposal.source_ref == request.source_ref[:200],
        )
    ).one()
    return _proposal(session, row)


def file_proposal(
    session: Session,
    proposal_id: int,
    actor: Actor,
    category: Category,
    severity: Severity,
    now: datetime,
    default_timezone: str,
) -> RaisedFlag:
    """The reporter's click: file the held flag as `category`/`severity`. A second click (or one after the
    proposal expired) changes nothing and returns the flag that was filed."""
    row = session.get(FlagProposal, proposal_id)
    if row is None:
        raise NotFound("That proposal no longer exists.")
    if not _is_reporter(row, actor):
        raise Forbidden(f"Only {row.reporter_name}, who flagged this, can confirm where it goes.")
    source = "model" if row.summary and category.value == row.proposed_category else "reporter"
    raised = _file(session, row, actor, category, severity, source, now, default_timezone)
    if raised.created:  # the reporter settled where it goes: an example to learn from
        routing_examples.learn(
            session, session.get_one(Flag, raised.flag_id), category, "confirmed", actor.display_name, now
        )
    return raised


def file_expired(session: Session, now: datetime, default_timezone: str) -> list[int]:
    """The clock: proposals nobody confirmed within WAIT are filed as the rules say (the judge of last
    resort), and the reporter is told. Returns the flags filed."""
    rows = session.scalars(
        select(FlagProposal)
        .where(FlagProposal.status == "pending", FlagProposal.created_at <= now - WAIT)
        .order_by(FlagProposal.id)
        .limit(BATCH)
    ).all()
    filed = []
    for row in rows:
        reporter = Actor(
            Access.MEMBER, row.reporter_name, row.reporter_email, row.reporter_person_id, external_id=row.reporter_ref
        )
        severity = Severity(row.severity or Severity.NORMAL.value)
        raised = _file(session, row, reporter, Category(row.rules_category), severity, "rules", now, default_timezone)
        if raised.created:
            filed.append(raised.flag_id)
            _tell_reporter(session, row, raised)
    return filed


def _file(
    session: Session,
    row: FlagProposal,
    reporter: Actor,
    category: Category,
    severity: Severity,
    source: str,
    now: datetime,
    default_timezone: str,
) -> RaisedFlag:
    # One path wins: the conditional UPDATE waits for a concurrent click or expiry and then finds nothing.
    won = session.execute(
        update(FlagProposal)
        .where(FlagProposal.id == row.id, FlagProposal.status == "pending")
        .values(status="filed")
        .returning(FlagProposal.id)
    ).first()
    request = FlagRequest(
        row.account_id,
        row.description,
        row.source_platform,
        row.source_ref,
        category=category,
        severity=severity,
        source_link=row.source_link,
        category_source=source,
        summary=row.summary or None,
    )
    raised = raise_flag(session, request, reporter, now, default_timezone)
    if won:
        row.flag_id = raised.flag_id
    return raised


def _tell_reporter(session: Session, row: FlagProposal, raised: RaisedFlag) -> None:
    if row.reporter_ref:
        target = Target(row.source_platform, "chat_user", row.reporter_ref)
    elif row.reporter_person_id and row.reporter_email:
        target = reach.person(session, row.reporter_person_id, row.reporter_email)
    elif row.reporter_email:  # a full member who is not in the people list, where they flagged it
        target = Target(row.source_platform, "person", row.reporter_email)
    else:
        return
    text = (
        f"Nobody confirmed where your flag about {raised.account_name} should go within "
        f"{int(WAIT.total_seconds() // 60)} minutes, so Tend filed it as flag #{raised.flag_id}: "
        f"{raised.category.value} (from your words)."
    )
    outbox.enqueue(session, f"proposal:{row.id}:expired", target, Reply(text), row.created_at + WAIT)


def _is_reporter(row: FlagProposal, actor: Actor) -> bool:
    if row.reporter_ref and actor.external_id:
        return row.reporter_ref == actor.external_id and same_platform(actor, row.source_platform)
    return row.reporter_person_id is not None and row.reporter_person_id == actor.person_id


def _proposal(session: Session, row: FlagProposal) -> Proposal:
    name = session.scalar(select(Account.name).where(Account.id == row.account_id)) or "an account"
    return Proposal(
        row.id,
        name,
        row.description,
        Category(row.proposed_category),
        Severity(row.proposed_severity),
        Category(row.rules_category),
        row.summary,
        row.confidence,
        row.flag_id,
    )
