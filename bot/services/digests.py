"""Managers' daily digests: who gets one (anyone with reports), what it says (what changed on their team's
accounts since their previous digest, most important first), and sending it exactly once per local day, in
the manager's own morning, late rather than never when the clock was down."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ai import Model
from bot.db import insert_ignore
from bot.gateway import Target
from bot.models import DigestSent, Person
from bot.services import outbox
from bot.services.digest_facts import AccountRow, Facts, gather
from bot.services.digest_messages import for_manager
from bot.services.digest_summary import summarize
from bot.services.working_hours import holidays_near
from bot.text import plural
from bot.vocab import Stage

RENEWAL_MARKS = ("renewal_days_first", "renewal_days_second", "renewal_days_last")


@dataclass(frozen=True)
class Manager:
    id: int
    name: str
    email: str
    timezone: str
    digest_time: time
    digest_days: str
    team: frozenset[int]  # everyone reporting to them, directly or not


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    note: str = ""  # a standing count behind the day's new items ("12 in all")


@dataclass
class Digest:
    manager: Manager
    local_date: date
    sections: list[Section]
    activity: list[str]

    @property
    def quiet(self) -> bool:
        return not any(s.lines for s in self.sections)


def managers(session: Session, default_timezone: str) -> list[Manager]:
    """Everyone with at least one report, with their whole reporting tree (one query for all people)."""
    people = session.execute(
        select(
            Person.id,
            Person.name,
            Person.email,
            Person.timezone,
            Person.digest_time,
            Person.digest_days,
            Person.manager_id,
        )
    ).all()
    reports: dict[int, list[int]] = defaultdict(list)
    for row in people:
        if row.manager_id is not None and row.manager_id != row.id:
            reports[row.manager_id].append(row.id)

    def tree(root: int) -> frozenset[int]:
        seen: set[int] = set()
        stack = list(reports.get(root, ()))
        while stack:
            person = stack.pop()
            if person not in seen and person != root:
                seen.add(person)
                stack.extend(reports.get(person, ()))
        return frozenset(seen)

    return [
        Manager(p.id, p.name, p.email, p.timezone or default_timezone, p.digest_time, p.digest_days, tree(p.id))
        for p in people
        if p.id in reports
    ]


def build(facts: Facts, manager: Manager, local_date: date, people: dict[int, str]) -> Digest:
    """The digest for one manager from the run's facts: their team's accounts (and their own), with day
    counts from the manager's own calendar day."""
    facts = replace(facts, today=local_date)
    owners = manager.team | {manager.id}
    accounts = [a for o in owners for a in facts.by_owner.get(o, ()) if a.stage != Stage.CHURNED.value]
    ids = {a.id for a in accounts}
    who = lambda a: f"{a.name} ({people.get(a.owner_id or 0, 'unowned')})"  # noqa: E731
    sections = [
        _health(facts, accounts, who),
        _at_risk(facts, accounts, who),
        _renewals(facts, accounts, who),
        _no_touch(facts, accounts, who),
        Section("Snoozed three times in a row", [who(a) for a in accounts if a.id in facts.snoozed_often]),
        _open_flags(facts, ids, facts.accounts),
        Section(
            "Flags resolved since your last digest",
            [
                f"#{f.id} {facts.accounts[f.account_id].name}: {f.outcome or 'no outcome given'}"
                for f in facts.resolved_flags
                if f.account_id in ids
            ],
        ),
        Section(
            "Stage changes",
            [f"{who(a)}: {_path(facts.stage_moves[a.id])}" for a in accounts if a.id in facts.stage_moves],
        ),
        _colleague_flags(facts, accounts, who),
    ]
    activity = [
        f"{people.get(person, 'Someone')}: {plural(facts.check_ins.get(person, 0), 'check-in')} logged, "
        f"{plural(facts.open_nudges.get(person, 0), 'nudge')} open"
        for person in sorted(manager.team, key=lambda p: people.get(p, ""))
    ]
    return Digest(manager, local_date, sections, activity)


def _path(moves: list[tuple[str, str]]) -> str:
    """[("adoption", "expansion"), ("expansion", "at_risk")] → "Adoption → Expansion → At risk"."""
    stages = [moves[0][0], *(new for _old, new in moves)]
    return " → ".join(Stage(s).label if s in Stage._value2member_map_ else s for s in stages)


def _health(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001 - a small formatter
    drops = []
    for a in accounts:
        then = facts.health_then.get(a.id)
        if then is not None and a.health is not None and then - a.health >= facts.rules["health_drop_points"]:
            drops.append((then - a.health, f"{who(a)}: {then} → {a.health}"))
    return Section("Health drops", [line for _size, line in sorted(drops, key=lambda d: -d[0])])


def _at_risk(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    floor = facts.rules["health_floor"]
    lines = []
    for a in accounts:
        moved = any(new == Stage.AT_RISK.value for _old, new in facts.stage_moves.get(a.id, ()))
        then = facts.health_then.get(a.id)
        crossed = then is not None and a.health is not None and then >= floor > a.health
        if moved or crossed:
            lines.append(f"{who(a)}: " + ("moved to at risk" if moved else f"health below {floor} ({a.health})"))
    return Section("Crossed into at-risk", lines)


def _renewals(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    """Renewals that reached a 90/60/30-day mark or became overdue since the last digest; overdue ones counted."""
    marks = sorted((facts.rules[k] for k in RENEWAL_MARKS), reverse=True)
    lines, overdue = [], 0
    for a in sorted((a for a in accounts if a.renewal_date), key=lambda a: a.renewal_date):  # type: ignore[arg-type,return-value]
        left_now, left_then = (a.renewal_date - facts.today).days, (a.renewal_date - facts.since_date).days  # type: ignore[operator]
        overdue += left_now < 0
        if left_now < 0 <= left_then:
            lines.append(f"{who(a)}: overdue since {a.renewal_date.isoformat()}")  # type: ignore[union-attr]
        elif left_now >= 0 and any(left_now <= mark < left_then for mark in marks):
            lines.append(f"{who(a)}: renews in {plural(left_now, 'day')}")
    return Section("Renewals", lines, f"{overdue} overdue in all" if overdue else "")


def _no_touch(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    """Accounts that went past their tier's touch cadence since the last digest; all past it counted."""
    lines, past = [], 0
    for a in accounts:
        cadence = facts.rules.get(f"no_touch_days_{a.tier}")
        if not cadence or not a.last_touch:
            continue
        days_now, days_then = (facts.today - a.last_touch).days, (facts.since_date - a.last_touch).days
        past += days_now >= cadence
        if days_now >= cadence > days_then:
            lines.append(f"{who(a)}: no touch for {plural(days_now, 'day')}")
    return Section("Past their touch cadence", sorted(lines), f"{past} past it in all" if past else "")


def _open_flags(facts: Facts, ids: set[int], accounts: dict[int, AccountRow]) -> Section:
    mine = [f for f in facts.open_flags if f.account_id in ids]
    breached = lambda f: f.status == "open" and f.sla_due_at is not None and f.sla_due_at <= facts.now  # noqa: E731
    mine.sort(key=lambda f: (not breached(f), f.team, f.id))
    lines = []
    for f in mine:
        state = (
            "past its SLA, nobody took it"
            if breached(f)
            else f"taken by {f.assignee}"
            if f.status == "taken"
            else "open"
        )
        lines.append(f"{f.team}: #{f.id} {accounts[f.account_id].name} ({f.category}) — {state}")
    return Section("Open flags by team, SLA breaches first", lines)


def _colleague_flags(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    lines = []
    for a in accounts:
        recent, before = facts.flags_30d.get(a.id, 0), facts.flags_prior_30d.get(a.id, 0)
        if recent >= 2 and recent > before:
            lines.append((-recent, f"{who(a)}: {plural(recent, 'flag')} from colleagues in 30 days (was {before})"))
    return Section("Rising flags (a churn signal)", [line for _n, line in sorted(lines)])


# --- sending -----------------------------------------------------------------------------------------------
@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{plural(len(self.sent), 'digest')} queued" + (f": {', '.join(self.sent)}" if self.sent else "")


def due(session: Session, now: datetime, default_timezone: str) -> list[tuple[Manager, date]]:
    """Managers whose digest time has come today (their day, their zone), not a holiday, not sent yet."""
    holidays = holidays_near(session, now)
    candidates = []
    for manager in managers(session, default_timezone):
        local = now.astimezone(ZoneInfo(manager.timezone))
        day = local.date()
        if str(day.isoweekday()) in manager.digest_days and day not in holidays and local.time() >= manager.digest_time:
            candidates.append((manager, day))
    if not candidates:
        return []
    sent = set(
        session.execute(
            select(DigestSent.person_id, DigestSent.local_date).where(
                DigestSent.person_id.in_([m.id for m, _d in candidates])
            )
        ).all()
    )
    return [(m, d) for m, d in candidates if (m.id, d) not in sent]


def last_sent(session: Session, person_ids: list[int]) -> dict[int, datetime]:
    rows = session.execute(
        select(DigestSent.person_id, DigestSent.sent_at).where(DigestSent.person_id.in_(person_ids))
    ).all()
    latest: dict[int, datetime] = {}
    for person, at in rows:
        latest[person] = max(at, latest.get(person, at))
    return latest


def send_due(session: Session, now: datetime, default_timezone: str, model: Model | None = None) -> SendReport:
    """Queue every due digest. The DigestSent row and the message go in one transaction per manager, and the
    row's unique (manager, local day) makes a second clock or a rerun find it and send nothing."""
    report = SendReport()
    waiting = due(session, now, default_timezone)
    if not waiting:
        return report
    previous = last_sent(session, [m.id for m, _d in waiting])
    people = dict(session.execute(select(Person.id, Person.name)).all())
    by_since: dict[datetime, list[tuple[Manager, date]]] = defaultdict(list)
    for manager, day in waiting:
        by_since[previous.get(manager.id, now - timedelta(days=1))].append((manager, day))
    for since, group in by_since.items():
        facts = gather(session, since, since.astimezone(ZoneInfo(group[0][0].timezone)).date(), now, now.date())
        for manager, day in group:
            added = insert_ignore(
                session, DigestSent.__table__, {"person_id": manager.id, "local_date": day, "sent_at": now}
            )
            if added is None:
                continue  # another clock sent it a moment ago
            digest = build(facts, manager, day, people)
            reply = for_manager(digest, summary=summarize(model, digest))
            outbox.enqueue(
                session, f"digest:{manager.id}:{day.isoformat()}", Target("person", manager.email), reply, now
            )
            report.sent.append(manager.email)
    return report
