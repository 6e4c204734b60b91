"""Managers' daily digests: who gets one (anyone with reports), what it says (what changed on their team's
accounts since their previous digest, most important first), and sending it exactly once per local day, in
the manager's own morning, late rather than never when the clock was down."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.accounts.attention import WEIGHT, Kind
from bot.ai.client import Model
from bot.batch import fewer_collections
from bot.db import insert_ignore
from bot.delivery import outbox
from bot.digests.digest import Digest, Item, Manager, Section
from bot.digests.facts import AccountRow, Facts, gather
from bot.digests.messages import for_manager
from bot.digests.summary import summarize
from bot.models import DigestSent, Person
from bot.people import reach
from bot.people.actors import names
from bot.people.working_hours import holidays_near
from bot.text import plural
from bot.vocab import Stage, Tier

RENEWAL_MARKS = ("renewal_days_first", "renewal_days_second", "renewal_days_last")
FIRST_LOOK_BACK = timedelta(days=7)  # what a first digest's "what changed" covers
ZERO = Decimal(0)
UNTOUCHED_DAYS = 14  # an account at risk with no touch this long needs its manager


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


def build(
    facts: Facts,
    manager: Manager,
    local_date: date,
    people: dict[int, str],
    previous: date | None = None,
    on_list_since: dict[str, date] | None = None,
) -> Digest:
    """The digest for one manager from the run's facts: their team's accounts (and their own), with day
    counts from the manager's own calendar day. `previous` is the local day of their previous digest (None:
    the first: its "what changed" covers the week before); `on_list_since` the first day of each "needs you now" item
    that was on the previous digest's list too."""
    facts = replace(facts, today=local_date)
    owners = manager.team | {manager.id}
    churned = Stage.CHURNED.value
    accounts = [a for o in owners for a in facts.by_owner.get(o, ()) if a.stage != churned]
    ids = {a.id for a in accounts}
    who = lambda a: f"{a.name} ({people.get(a.owner_id or 0, 'unowned')})"  # noqa: E731
    sections = [
        _health(facts, accounts, who),
        _at_risk(facts, accounts, who),
        _renewals(facts, accounts, who),
        _no_touch(facts, accounts, who),
        Section("Snoozed three times in a row", [who(a) for a in accounts if a.id in facts.snoozed_often]),
        _open_flags(facts, accounts),
        Section(
            "Flags resolved",
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
    since = on_list_since or {}
    needs = [
        item._replace(days=(local_date - since[item.key]).days + 1) if item.key in since else item
        for item in needs_now(facts, accounts, who)
    ]
    return Digest(manager, local_date, sections, activity, needs, previous)


def needs_now(facts: Facts, accounts: list[AccountRow], who) -> list[Item]:  # noqa: ANN001
    """What needs the manager today, changed or not: renewals within the last threshold (30 days) or overdue
    on an account at risk; accounts at risk untouched for two weeks; flags past their SLA; nudges snoozed the
    limit's number of times. Most money at stake first, each with its CSM and the reason in plain words."""
    rules = facts.rules
    items: list[Item] = []
    late = facts.late_flags
    for a, judged in zip(accounts, facts.judge(accounts), strict=True):
        snoozed = a.id in facts.still_snoozed
        if not judged.at_risk and not snoozed and a.id not in late:
            continue
        arr, name = a.arr or ZERO, who(a)
        left, days = judged.renewal_in, judged.days_since_touch
        if judged.at_risk and left is not None and left <= rules["renewal_days_last"]:
            items.append(Item(f"renewal:{a.id}", arr, judged.score, name, judged))
        elif judged.at_risk and judged.troubled and (days is None or days >= UNTOUCHED_DAYS):
            items.append(Item(f"risk:{a.id}", arr, judged.score, name, judged))
        if snoozed:
            limit = rules["snoozes_before_manager"]
            items.append(Item(f"snoozed:{a.id}", arr, 0, name, f"its nudge was snoozed {limit} times in a row"))
        for f in late.get(a.id, ()):
            by = _ago(facts.now - f.sla_due_at) if f.sla_due_at else "a while"
            words = f"flag #{f.id} ({f.category}) past its SLA by {by}, nobody on {f.team} has taken it"
            items.append(Item(f"flag:{f.id}", arr, WEIGHT[Kind.RENEWAL_OVERDUE], name, words))
    by_name = sorted(items, key=lambda i: (i.who, i.key))
    return sorted(by_name, key=lambda i: (i.arr, i.urgency), reverse=True)  # stable: names stay in order


def _ago(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return plural(hours, "hour") if hours < 48 else plural(hours // 24, "day")


def _path(moves: list[tuple[str, str]]) -> str:
    """[("adoption", "expansion"), ("expansion", "at_risk")] → "Adoption → Expansion → At risk"."""
    stages = [moves[0][0], *(new for _old, new in moves)]
    return " → ".join(Stage(s).label if s in Stage._value2member_map_ else s for s in stages)


def _health(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001 - a small formatter
    drops, drop, health_then = [], facts.rules["health_drop_points"], facts.health_then
    for a in accounts:
        then = health_then.get(a.id)
        if then is not None and a.health is not None and then - a.health >= drop:
            drops.append((then - a.health, f"{who(a)}: {then} → {a.health}"))
    return Section("Health drops", [line for _size, line in sorted(drops, key=lambda d: -d[0])])


def _at_risk(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    floor, at_risk, moves, health_then = (
        facts.rules["health_floor"],
        Stage.AT_RISK.value,
        facts.stage_moves,
        facts.health_then,
    )
    lines = []
    for a in accounts:
        moved = a.id in moves and any(new == at_risk for _old, new in moves[a.id])
        then = health_then.get(a.id)
        crossed = then is not None and a.health is not None and then >= floor > a.health
        if moved or crossed:
            lines.append(f"{who(a)}: " + ("moved to at risk" if moved else f"health below {floor} ({a.health})"))
    return Section("Crossed into at-risk", lines)


def _renewals(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    """Renewals that reached a 90/60/30-day mark or became overdue since the last digest; every overdue one
    counted (and listed by `/tend digest all`)."""
    marks = sorted((facts.rules[k] for k in RENEWAL_MARKS), reverse=True)
    today, since = facts.today, facts.since_date
    lines, overdue = [], []
    for a in accounts:
        if a.renewal_date is None:
            continue
        left_now, left_then = (a.renewal_date - today).days, (a.renewal_date - since).days
        if left_now < 0:
            overdue.append(a)
            if left_then >= 0:
                lines.append((a.renewal_date, f"{who(a)}: overdue since {a.renewal_date.isoformat()}"))
        elif left_then > marks[-1] and any(left_now <= mark < left_then for mark in marks):
            lines.append((a.renewal_date, f"{who(a)}: renews in {plural(left_now, 'day')}"))
    overdue.sort(key=lambda a: (a.renewal_date or date.max, a.name))
    note = f"{len(overdue)} overdue in all" if overdue else ""
    return Section(
        "Renewals",
        [line for _day, line in sorted(lines)],
        note,
        lambda: [f"{who(a)}: overdue since {a.renewal_date}" for a in overdue],
    )


def _no_touch(facts: Facts, accounts: list[AccountRow], who) -> Section:  # noqa: ANN001
    """Accounts that went past their tier's touch cadence since the last digest; every account past it
    counted (and listed by `/tend digest all`, longest untouched first)."""
    lines, past = [], []
    today, since = facts.today, facts.since_date
    cadences = {tier.value: facts.rules.get(f"no_touch_days_{tier.value}") for tier in Tier}
    for a in accounts:
        cadence = cadences.get(a.tier)
        if not cadence or not a.last_touch:
            continue
        days_now = (today - a.last_touch).days
        if days_now >= cadence:
            past.append(a)
            if cadence > (since - a.last_touch).days:
                lines.append((-days_now, f"{who(a)}: no touch for {plural(days_now, 'day')}"))
    note = f"{len(past)} past it in all" if past else ""

    def standing() -> list[str]:
        return [
            f"{who(a)}: no touch for {plural((today - a.last_touch).days, 'day')}"
            for a in _oldest_touch(past)
            if a.last_touch is not None
        ]

    return Section("Past their touch cadence", [t for _d, t in sorted(lines)], note, standing)


def _oldest_touch(accounts: list[AccountRow]) -> list[AccountRow]:
    return sorted(accounts, key=lambda a: (a.last_touch or date.min, a.name))


def _open_flags(facts: Facts, accounts: list[AccountRow]) -> Section:
    names = {a.id: a.name for a in accounts if a.id in facts.open_by_account}
    mine = [f for account_id in names for f in facts.open_by_account[account_id]]
    breached = lambda f: f.past_sla(facts.now)  # noqa: E731
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
        lines.append(f"{f.team}: #{f.id} {names[f.account_id]} ({f.category}) — {state}")
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


@dataclass(frozen=True)
class Previous:
    """A manager's previous digest: when it was sent, for which of their local days, and its worklist."""

    sent_at: datetime
    local_date: date
    worklist: dict[str, date]  # item key → the first day of its run on the list


def previous_digests(session: Session, person_ids: list[int]) -> dict[int, Previous]:
    latest = (
        select(DigestSent.person_id, func.max(DigestSent.local_date).label("day"))
        .where(DigestSent.person_id.in_(person_ids))
        .group_by(DigestSent.person_id)
        .subquery()
    )
    rows = session.execute(
        select(DigestSent.person_id, DigestSent.sent_at, DigestSent.local_date, DigestSent.worklist).join(
            latest, and_(latest.c.person_id == DigestSent.person_id, latest.c.day == DigestSent.local_date)
        )
    )
    return {
        person: Previous(at, day, {key: date.fromisoformat(first) for key, first in (worklist or {}).items()})
        for person, at, day, worklist in rows
    }


def since_of(previous: Previous | None, now: datetime) -> datetime:
    """What "what changed" covers: since the previous digest; a first digest looks back a week."""
    return previous.sent_at if previous else now - FIRST_LOOK_BACK


def build_for(facts: Facts, manager: Manager, day: date, people: dict[int, str], previous: Previous | None) -> Digest:
    """`build` with what the manager's previous digest tells: its day, and its list's runs."""
    if previous is None:
        return build(facts, manager, day, people)
    return build(facts, manager, day, people, previous.local_date, previous.worklist)


def worklist(digest: Digest) -> dict[str, str]:
    """What the digest's row keeps of its list for the next one."""
    return {item.key: (digest.local_date - timedelta(days=item.days - 1)).isoformat() for item in digest.needs}


def send_due(session: Session, now: datetime, default_timezone: str, model: Model | None = None) -> SendReport:
    """Queue every due digest. The DigestSent row and the message go in one transaction per manager, and the
    row's unique (manager, local day) makes a second clock or a rerun find it and send nothing."""
    report = SendReport()
    waiting = due(session, now, default_timezone)
    if not waiting:
        return report
    with fewer_collections():
        _send(session, waiting, now, model, report)
    return report


def _send(
    session: Session, waiting: list[tuple[Manager, date]], now: datetime, model: Model | None, report: SendReport
) -> None:
    previous = previous_digests(session, [m.id for m, _d in waiting])
    people = names(session)
    dms = reach.people(session, {m.id: m.email for m, _d in waiting})
    by_since: dict[datetime, list[tuple[Manager, date]]] = defaultdict(list)
    for manager, day in waiting:
        by_since[since_of(previous.get(manager.id), now)].append((manager, day))
    for since, group in by_since.items():
        facts = gather(session, since, since.astimezone(ZoneInfo(group[0][0].timezone)).date(), now, now.date())
        for manager, day in group:
            digest = build_for(facts, manager, day, people, previous.get(manager.id))
            row = {"person_id": manager.id, "local_date": day, "sent_at": now, "worklist": worklist(digest)}
            if insert_ignore(session, DigestSent.__table__, row) is None:
                continue  # another clock sent it a moment ago
            reply = for_manager(digest, summary=summarize(model, digest))
            outbox.enqueue(session, f"digest:{manager.id}:{day.isoformat()}", dms[manager.id], reply, now)
            report.sent.append(manager.email)
