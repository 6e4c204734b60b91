"""The records an account briefing may draw on, each with the name a sentence cites it by ("flag #12",
"check-in 2026-11-02", "health 2026-10-24") and the AI_SEND_FIELDS name that decides whether a model may
see it. Read in a fixed number of queries, whatever the account's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.accounts.status import AccountStatus, account_status
from bot.models import CheckIn, Flag, HealthSnapshot, StageChange
from bot.text import shorten
from bot.vocab import Stage

WINDOW = timedelta(days=90)  # how far back a briefing looks
RECENT = timedelta(days=30)  # "what changed" means: in this long
MAX_FLAGS = 15
MAX_CHECK_INS = 10


@dataclass(frozen=True)
class Source:
    key: str  # what a sentence cites: "flag #12"
    field: str  # the AI_SEND_FIELDS name it falls under
    text: str  # the record, in one line


@dataclass(frozen=True)
class FlagFact:
    id: int
    category: str
    severity: str
    status: str
    raised_on: date
    description: str
    overdue: bool
    escalated: bool
    taken_by: str | None
    resolved_on: date | None
    outcome: str | None


@dataclass(frozen=True)
class CheckInFact:
    key: str
    on: date
    channel: str
    note: str


@dataclass
class Facts:
    status: AccountStatus
    today: date
    health: list[tuple[date, int]]  # dated scores in the window, oldest first (today's score last)
    stage_changes: list[tuple[date, str, str]]
    flags: list[FlagFact]
    check_ins: list[CheckInFact]
    sources: dict[str, Source] = field(default_factory=dict)

    def add(self, key: str, field_name: str, text: str) -> None:
        self.sources[key] = Source(key, field_name, text)

    @property
    def open_flags(self) -> list[FlagFact]:
        return [f for f in self.flags if f.status != "resolved"]

    def missing(self) -> list[str]:
        """What a careful reader would want and is not on file (said plainly, never guessed)."""
        status, gaps = self.status, []
        if status.health.score is None:
            gaps.append("no health score")
        elif len(self.health) < 2:
            gaps.append(f"no health history in the last {WINDOW.days} days")
        if status.renewal_date is None:
            gaps.append("no renewal date")
        # Imports and logged check-ins are one history of touches (a check-in moves the last touch).
        if status.last_touch_date is None and not self.check_ins:
            gaps.append("no touch or check-in recorded")
        elif not self.check_ins and (status.days_since_touch or 0) > WINDOW.days:
            gaps.append(f"no touch in the last {WINDOW.days} days")
        if not status.success_criteria:
            gaps.append("no success criteria")
        if status.owner_name is None:
            gaps.append("no CSM (unowned account)")
        return gaps


def health_key(day: date) -> str:
    return f"health {day.isoformat()}"


def gather(session: Session, account_id: int, today: date, now: datetime) -> Facts:
    status = account_status(session, account_id, today)
    since = today - WINDOW
    snapshots = session.execute(
        select(HealthSnapshot.taken_on, HealthSnapshot.score)
        .where(HealthSnapshot.account_id == account_id, HealthSnapshot.taken_on >= since)
        .order_by(HealthSnapshot.taken_on)
    ).all()
    health = [(day, score) for day, score in snapshots if day < today]
    if status.health.score is not None:
        health.append((today, status.health.score))
    stages = session.execute(
        select(StageChange.changed_on, StageChange.from_stage, StageChange.to_stage)
        .where(StageChange.account_id == account_id, StageChange.changed_on >= since)
        .order_by(StageChange.changed_on)
    ).all()
    flag_rows = session.scalars(
        select(Flag)
        .where(
            Flag.account_id == account_id,
            or_(Flag.status != "resolved", Flag.resolved_at >= now - WINDOW),
        )
        .order_by(Flag.id.desc())
        .limit(MAX_FLAGS)
    ).all()
    check_in_rows = session.execute(
        select(CheckIn.at, CheckIn.channel, CheckIn.note)
        .where(CheckIn.account_id == account_id, CheckIn.at >= now - WINDOW)
        .order_by(CheckIn.at.desc())
        .limit(MAX_CHECK_INS)
    ).all()
    facts = Facts(
        status,
        today,
        health,
        [(day, a, b) for day, a, b in stages],
        [_flag_fact(flag, now) for flag in reversed(flag_rows)],
        _check_ins(check_in_rows),
    )
    _index(facts)
    return facts


def _flag_fact(flag: Flag, now: datetime) -> FlagFact:
    return FlagFact(
        flag.id,
        flag.category,
        flag.severity,
        flag.status,
        flag.created_at.date(),
        flag.description,
        flag.status == "open" and flag.sla_due_at is not None and flag.sla_due_at <= now,
        flag.escalated_at is not None and flag.status == "open",
        flag.credited_to,
        flag.resolved_at.date() if flag.resolved_at else None,
        flag.outcome,
    )


def _check_ins(rows: Sequence[Any]) -> list[CheckInFact]:
    seen: dict[str, int] = {}
    facts = []
    for at, channel, note in reversed(rows):  # oldest first
        key = f"check-in {at.date().isoformat()}"
        seen[key] = seen.get(key, 0) + 1
        facts.append(CheckInFact(key if seen[key] == 1 else f"{key} ({seen[key]})", at.date(), channel, note or ""))
    return facts


def _index(facts: Facts) -> None:
    """Every record, under the key sentences cite it by."""
    status = facts.status
    facts.add("account name", "account", f"Account: {status.name}" + (f" ({status.domain})" if status.domain else ""))
    facts.add("tier", "tier", f"Tier: {status.tier.label}")
    facts.add("stage", "stage", f"Lifecycle stage: {status.stage.label}")
    facts.add("csm", "names", f"CSM: {status.owner_name or 'none (unowned account)'}")
    if status.arr is not None:
        facts.add("arr", "arr", f"ARR: {status.arr:,.0f}")
    if status.owner_email:
        facts.add("csm email", "emails", f"CSM email: {status.owner_email}")
    for day, score in facts.health:
        facts.add(health_key(day), "health", f"Health score {score}/100 on {day.isoformat()}")
    if status.renewal_date:
        facts.add(
            "renewal date",
            "renewal",
            f"Renewal on {status.renewal_date.isoformat()} (in {status.days_to_renewal} days)",
        )
    if status.last_touch_date:
        facts.add(
            "last touch",
            "touches",
            f"Last touch on {status.last_touch_date.isoformat()} ({status.days_since_touch} days ago)",
        )
    for day, before, after in facts.stage_changes:
        facts.add(
            f"stage change {day.isoformat()}",
            "stage",
            f"Stage changed from {Stage(before).label} to {Stage(after).label} on {day.isoformat()}",
        )
    for n, criterion in enumerate(status.success_criteria, start=1):
        facts.add(
            f"criterion {n}",
            "criteria",
            f"Success criterion {n}: {shorten(criterion.text, 200)} ({criterion.status.replace('_', ' ')})",
        )
    for flag in facts.flags:
        facts.add(f"flag #{flag.id}", "flags", flag_text(flag))
    for check_in in facts.check_ins:
        facts.add(
            check_in.key, "touches", f"Check-in by {check_in.channel} on {check_in.on}: {shorten(check_in.note, 200)}"
        )


def flag_text(flag: FlagFact) -> str:
    if flag.status == "resolved":
        state = f"resolved on {flag.resolved_on}: {shorten(flag.outcome or 'no outcome given', 150)}"
    elif flag.status == "taken":
        state = "taken by someone on the owning team"
    else:
        state = "open, nobody has taken it" + (", past its SLA" if flag.overdue else "")
    return (
        f"Flag #{flag.id} ({flag.category}, {flag.severity}) raised on {flag.raised_on}, {state}. "
        f"Description: {shorten(' '.join(flag.description.split()), 200)}"
    )
