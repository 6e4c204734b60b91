"""What changed on every account between two days, gathered once per run with one set-based query per kind
of fact, so that 200 managers' digests cost a handful of queries, not a handful per manager."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.accounts import attention
from bot.accounts.attention import Assessment, Vitals
from bot.accounts.thresholds import settings
from bot.models import Account, CheckIn, Flag, HealthSnapshot, Nudge, NudgeEvent, StageChange, Team
from bot.vocab import Stage

AccountRow = Vitals  # an account as the digest reads it: the columns attention's rules read


@dataclass(frozen=True)
class FlagRow:
    id: int
    account_id: int
    team: str
    category: str
    status: str
    assignee: str | None
    sla_due_at: datetime | None
    escalated: bool
    outcome: str | None

    def past_sla(self, now: datetime) -> bool:
        return self.status == "open" and self.sla_due_at is not None and self.sla_due_at <= now


@dataclass
class Facts:
    """Everything a digest may report, for every account, since `since`."""

    since: datetime
    since_date: date
    today: date
    now: datetime
    rules: dict[str, int]
    accounts: dict[int, AccountRow] = field(default_factory=dict)
    by_owner: dict[int | None, list[AccountRow]] = field(default_factory=dict)  # so each digest reads only its own
    health_then: dict[int, int] = field(default_factory=dict)
    stage_moves: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    snoozed_often: set[int] = field(default_factory=set)  # reached the snooze limit since `since`
    still_snoozed: dict[int, datetime] = field(default_factory=dict)  # reached it, still open, not touched since
    open_flags: list[FlagRow] = field(default_factory=list)
    open_by_account: dict[int, list[FlagRow]] = field(default_factory=dict)
    late_flags: dict[int, list[FlagRow]] = field(default_factory=dict)  # open past their SLA, by account
    resolved_flags: list[FlagRow] = field(default_factory=list)
    flags_30d: dict[int, int] = field(default_factory=dict)
    flags_prior_30d: dict[int, int] = field(default_factory=dict)
    check_ins: dict[int, int] = field(default_factory=dict)  # by person
    open_nudges: dict[int, int] = field(default_factory=dict)  # by account owner
    # Filled as digests ask, per local day: a manager's manager's digest covers the same accounts again.
    judged: dict[date, dict[int, Assessment]] = field(default_factory=dict)

    def judge(self, accounts: list[AccountRow]) -> list[Assessment]:
        """What is wrong with each account (`bot.accounts.attention`) on `today`, computed once per run."""
        known = self.judged.setdefault(self.today, {})
        rules, today, assess = self.rules, self.today, attention.assess
        out = []
        for account in accounts:
            found = known.get(account.id)
            if found is None:
                found = known[account.id] = assess(account, rules, today)
            out.append(found)
        return out


def gather(session: Session, since: datetime, since_date: date, now: datetime, today: date) -> Facts:
    facts = Facts(since, since_date, today, now, settings(session))
    facts.health_then, peaks = _health_then(session, since_date, today, attention.window_start(today, facts.rules))
    facts.accounts = {v.id: v for v in attention.read(session, today, facts.rules, peaks=peaks)}
    by_owner: dict[int | None, list[AccountRow]] = defaultdict(list)
    for account in facts.accounts.values():
        by_owner[account.owner_id].append(account)
    facts.by_owner = dict(by_owner)
    moves: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for account_id, old, new in session.execute(
        select(StageChange.account_id, StageChange.from_stage, StageChange.to_stage)
        .where(StageChange.changed_on > since_date)
        .order_by(StageChange.changed_on, StageChange.id)
    ):
        moves[account_id].append((old, new))
    facts.stage_moves = dict(moves)
    facts.snoozed_often = set(
        session.scalars(select(NudgeEvent.account_id).where(NudgeEvent.kind == "escalated", NudgeEvent.at > since))
    )
    facts.still_snoozed = _still_snoozed(session)
    flag_columns = (
        Flag.id,
        Flag.account_id,
        func.coalesce(Team.name, "Customer success"),
        Flag.category,
        Flag.status,
        func.coalesce(Flag.resolved_by_name, Flag.assignee_name),  # who resolved it, else who owns it
        Flag.sla_due_at,
        Flag.escalated_at.is_not(None),
        Flag.outcome,
    )
    flags = select(*flag_columns).outerjoin(Team, Team.id == Flag.team_id)
    facts.open_flags = [FlagRow(*row) for row in session.execute(flags.where(Flag.status != "resolved"))]
    by_account: dict[int, list[FlagRow]] = defaultdict(list)
    late: dict[int, list[FlagRow]] = defaultdict(list)
    for flag in facts.open_flags:
        by_account[flag.account_id].append(flag)
        if flag.past_sla(now):
            late[flag.account_id].append(flag)
    facts.open_by_account, facts.late_flags = dict(by_account), dict(late)
    facts.resolved_flags = [
        FlagRow(*row) for row in session.execute(flags.where(Flag.status == "resolved", Flag.resolved_at > since))
    ]
    facts.flags_30d = _flag_counts(session, now - timedelta(days=30), now)
    facts.flags_prior_30d = _flag_counts(session, now - timedelta(days=60), now - timedelta(days=30))
    facts.check_ins = {
        person_id: count
        for person_id, count in session.execute(
            select(CheckIn.person_id, func.count()).where(CheckIn.at > since).group_by(CheckIn.person_id)
        )
        if person_id is not None
    }
    facts.open_nudges = {
        owner_id: count
        for owner_id, count in session.execute(
            select(Account.owner_id, func.count())
            .join(Nudge, Nudge.account_id == Account.id)
            .where(Nudge.status == "open", Account.stage != Stage.CHURNED.value)
            .group_by(Account.owner_id)
        )
        if owner_id is not None
    }
    return facts


def _health_then(
    session: Session, since_date: date, today: date, window: date
) -> tuple[dict[int, int], dict[int, int]]:
    """Each account's score as it stood on `since_date` (its latest snapshot on or before that day, else its
    first one after: an account scored only since then changed from there), and its peak since `window`
    (the health-drop window's start), in one scan of the snapshots."""
    days = (
        select(
            HealthSnapshot.account_id,
            func.coalesce(
                func.max(case((HealthSnapshot.taken_on <= since_date, HealthSnapshot.taken_on))),
                func.min(HealthSnapshot.taken_on),
            ).label("day"),
            func.max(case((HealthSnapshot.taken_on >= window, HealthSnapshot.score))).label("peak"),
        )
        .where(HealthSnapshot.taken_on <= today)
        .group_by(HealthSnapshot.account_id)
        .subquery()
    )
    then: dict[int, int] = {}
    peaks: dict[int, int] = {}
    for account_id, score, peak in session.execute(
        select(HealthSnapshot.account_id, HealthSnapshot.score, days.c.peak).join(
            days, and_(days.c.account_id == HealthSnapshot.account_id, days.c.day == HealthSnapshot.taken_on)
        )
    ):
        then[account_id] = score
        if peak is not None:
            peaks[account_id] = peak
    return then, peaks


def _flag_counts(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Flags raised by colleagues, per account: not those its own CSM raised."""
    return dict(
        session.execute(
            select(Flag.account_id, func.count())
            .join(Account, Account.id == Flag.account_id)
            .where(
                Flag.created_at > start,
                Flag.created_at <= end,
                or_(
                    Flag.reporter_person_id.is_(None),
                    Account.owner_id.is_(None),
                    Flag.reporter_person_id != Account.owner_id,
                ),
            )
            .group_by(Flag.account_id)
        ).all()
    )


def _still_snoozed(session: Session) -> dict[int, datetime]:
    """Accounts whose nudge was snoozed the limit's number of times in a row, when that happened, while the
    nudge is still open and nobody has logged a check-in since."""
    reached = (
        select(NudgeEvent.account_id, NudgeEvent.reason, func.max(NudgeEvent.at).label("at"))
        .where(NudgeEvent.kind == "escalated")
        .group_by(NudgeEvent.account_id, NudgeEvent.reason)
        .subquery()
    )
    still_open = exists().where(
        Nudge.account_id == reached.c.account_id, Nudge.reason == reached.c.reason, Nudge.status == "open"
    )
    touched_since = exists().where(
        NudgeEvent.account_id == reached.c.account_id,
        NudgeEvent.kind.in_(("checked_in", "dismissed")),
        NudgeEvent.at > reached.c.at,
    )
    found: dict[int, datetime] = {}
    for account_id, at in session.execute(select(reached.c.account_id, reached.c.at).where(still_open, ~touched_since)):
        found[account_id] = min(at, found.get(account_id, at))
    return found
