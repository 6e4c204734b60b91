"""What a CSM does with a nudge: log a check-in (the account stops being due), snooze it, dismiss it for this
cycle, or update the account's success criteria. Snoozing the same account and reason again and again is a
signal: the CSM's manager hears of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.accounts.thresholds import settings
from bot.db import insert_ignore
from bot.delivery import outbox
from bot.errors import BadInput, Forbidden, NotFound
from bot.messages import Reply
from bot.models import Account, CheckIn, Nudge, NudgeEvent, Person, SuccessCriterion
from bot.nudges.notices import untell
from bot.nudges.rules import Reason
from bot.people import reach
from bot.people.actors import Actor
from bot.text import plural
from bot.vocab import Role


class NudgeAction(StrEnum):
    """What a CSM may do from a nudge. Each verb is also the name of its button: the nudge DM offers verbs and
    the command layer registers one handler per verb (`commands/nudges/`)."""

    CHECK_IN = "nudge.checkin"
    DRAFT = "nudge.draft"  # a message to the customer, to send before logging the check-in
    SNOOZE = "nudge.snooze"
    CRITERIA = "nudge.criteria"
    DISMISS = "nudge.dismiss"


CHANNELS = ("call", "email", "meeting", "chat")
CRITERION_STATUSES = {"not_started": "Not started", "on_track": "On track", "at_risk": "At risk", "met": "Met"}
MAX_NOTE = 300
REASON_WORDS = {
    Reason.RENEWAL: "the renewal",
    Reason.HEALTH: "the health drop",
    Reason.NO_TOUCH: "no recent touch",
    Reason.CRITERION: "a stale success criterion",
    Reason.UNOWNED: "having no CSM",
}

MAX_SNOOZE_DAYS = 365  # longer than this, dismiss it instead


def _account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    return account


def _check_may_manage(session: Session, actor: Actor, accounts: list[Account], what: str) -> None:
    """Nudges and success criteria belong to the account's CSM; managers and admins may act for them.
    Anyone else is told who can (by name), and that nothing changed."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return
    theirs = next((a for a in accounts if a.owner_id is None or a.owner_id != actor.person_id), None)
    if theirs is None:
        return
    owner = session.scalar(select(Person.name).where(Person.id == theirs.owner_id)) if theirs.owner_id else None
    if owner is None:
        raise Forbidden(
            f"{theirs.name} has no CSM yet: only a manager or a Tend admin can {what}. Nothing was changed."
        )
    raise Forbidden(f"Only {owner} ({theirs.name}'s CSM), a manager or a Tend admin can {what}. Nothing changed.")


@dataclass(frozen=True)
class CheckInResult:
    account: Account
    closed: int
    repeated: bool = False


def check_in(
    session: Session,
    account_id: int,
    actor: Actor,
    channel: str,
    note: str,
    now: datetime,
    today: date,
    request_ref: str,
) -> CheckInResult:
    """Log a touch: the account's last touch becomes `today` and its open nudges (but stale criteria, which a
    criteria update settles) are done. A repeated request logs nothing more."""
    if channel not in CHANNELS:
        raise BadInput(f"Choose how you were in touch: {', '.join(CHANNELS)}.")
    account = _account(session, account_id)
    added = insert_ignore(
        session,
        CheckIn.__table__,
        {
            "account_id": account.id,
            "person_id": actor.person_id,
            "channel": channel,
            "note": " ".join(note.split())[:MAX_NOTE],
            "at": now,
            "request_ref": request_ref[:200],
        },
    )
    if added is None:
        return CheckInResult(account, 0, repeated=True)
    if account.last_touch_date is None or account.last_touch_date < today:
        account.last_touch_date = today
    closed = session.scalars(
        update(Nudge)
        .where(Nudge.account_id == account.id, Nudge.status == "open", Nudge.reason != Reason.CRITERION.value)
        .values(status="done", closed_at=now)
        .returning(Nudge.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.add(NudgeEvent(account_id=account.id, kind="checked_in", person_id=actor.person_id, at=now, detail=channel))
    session.flush()
    return CheckInResult(account, len(closed))


def open_nudges(
    session: Session, ids: list[int], actor: Actor, what: str = "snooze or dismiss its nudges"
) -> list[tuple[Nudge, Account]]:
    rows = session.execute(
        select(Nudge, Account)
        .join(Account, Account.id == Nudge.account_id)
        .where(Nudge.id.in_(ids), Nudge.status == "open")
    ).all()
    if not rows:
        raise BadInput("Those nudges are already dealt with: nothing to change.")
    _check_may_manage(session, actor, [account for _nudge, account in rows], what)
    return [(nudge, account) for nudge, account in rows]


@dataclass(frozen=True)
class SnoozeResult:
    account_names: list[str]
    until: datetime
    told_manager: list[str]  # account names whose repeated snoozes were reported


def snooze(
    session: Session, ids: list[int], actor: Actor, until: datetime, reason: str, now: datetime, today: date
) -> SnoozeResult:
    """Hold these nudges until `until` (then they come back once). The Nth snooze in a row of one account and
    reason (N from the rules, 3 by default) is reported to the CSM's manager."""
    if until <= now:
        raise BadInput("Choose a time in the future to snooze until.")
    if until > now + timedelta(days=MAX_SNOOZE_DAYS + 1):
        raise BadInput("Snooze for a year at most; dismiss it if it will never matter.")
    rows = open_nudges(session, ids, actor)
    for nudge, _account in rows:
        nudge.notify_after = until
    untell(session, [nudge.id for nudge, _account in rows])  # told again once the snooze ends
    why = " ".join(reason.split())[:MAX_NOTE] or None
    session.add_all(
        NudgeEvent(account_id=a.id, reason=n.reason, kind="snoozed", person_id=actor.person_id, at=now, detail=why)
        for n, a in rows
    )
    session.flush()
    told = _report_repeated_snoozes(session, rows, actor, why, now, today)
    names = sorted({account.name for _nudge, account in rows})
    return SnoozeResult(names, until, told)


def _report_repeated_snoozes(
    session: Session, rows: list[tuple[Nudge, Account]], actor: Actor, why: str | None, now: datetime, today: date
) -> list[str]:
    """Record an `escalated` event for each account and reason snoozed `snoozes_before_manager` times in a row
    (the manager's digest reads them); DM the manager at once when the renewal is under 30 days away."""
    limit = settings(session)["snoozes_before_manager"]
    pairs = {(a.id, n.reason): a for n, a in rows}
    events = session.execute(
        select(NudgeEvent.account_id, NudgeEvent.reason, NudgeEvent.kind, NudgeEvent.at)
        .where(NudgeEvent.account_id.in_({a for a, _r in pairs}))
        .order_by(NudgeEvent.at.desc(), NudgeEvent.id.desc())
    ).all()
    reached: dict[int, list[Reason]] = {}
    streaks: dict[int, int] = {}
    for account_id, reason in pairs:
        snoozed_at: set[datetime] = set()  # one snooze may hold several nudges of a reason (two stale criteria)
        for event_account, event_reason, kind, at in events:
            if event_account != account_id or (event_reason not in (reason, None)):
                continue
            if kind != "snoozed":
                break  # a check-in, a dismissal or an earlier report ends the run of snoozes
            snoozed_at.add(at)
        streak = len(snoozed_at)
        if streak < limit:
            continue
        session.add(
            NudgeEvent(
                account_id=account_id, reason=reason, kind="escalated", person_id=actor.person_id, at=now, detail=why
            )
        )
        reached.setdefault(account_id, []).append(Reason(reason))
        streaks[account_id] = max(streak, streaks.get(account_id, 0))
    accounts = {a.id: a for a in pairs.values()}
    for account_id, reasons in reached.items():
        _dm_manager_if_renewal_close(
            session, accounts[account_id], reasons, streaks[account_id], actor, why, now, today
        )
    session.flush()
    return sorted(accounts[i].name for i in reached)


def _dm_manager_if_renewal_close(
    session: Session,
    account: Account,
    reasons: list[Reason],
    streak: int,
    actor: Actor,
    why: str | None,
    now: datetime,
    today: date,
) -> None:
    if account.renewal_date is None or (account.renewal_date - today).days >= 30:
        return
    owner = session.get(Person, account.owner_id) if account.owner_id else None
    manager = session.get(Person, owner.manager_id) if owner and owner.manager_id else None
    if manager is None or manager.id == actor.person_id:  # the manager snoozing it knows
        return
    days = (account.renewal_date - today).days
    about = ", ".join(REASON_WORDS[r] for r in sorted(reasons, key=list(Reason).index))
    text = (
        f"{actor.display_name} has snoozed the nudge about {account.name} ({about}) {streak} times in a row, "
        f"and it renews in {plural(days, 'day')}." + (f" Their latest reason: “{why}”." if why else " No reason given.")
    )
    outbox.enqueue(
        session,
        f"snoozes:{account.id}:{now.isoformat()}",
        reach.person(session, manager.id, manager.email),
        Reply(text),
        now,
    )


def dismiss(session: Session, ids: list[int], actor: Actor, now: datetime) -> list[str]:
    """Close these nudges for this cycle (the rule may fire again in its next cycle)."""
    rows = open_nudges(session, ids, actor)
    for nudge, _account in rows:
        nudge.status, nudge.closed_at = "dismissed", now
    session.add_all(
        NudgeEvent(account_id=a.id, reason=n.reason, kind="dismissed", person_id=actor.person_id, at=now)
        for n, a in rows
    )
    session.flush()
    return sorted({account.name for _nudge, account in rows})


def criteria_of(session: Session, account_id: int, actor: Actor) -> tuple[Account, list[SuccessCriterion]]:
    account = _account(session, account_id)
    _check_may_manage(session, actor, [account], "update its success criteria")
    criteria = list(
        session.scalars(
            select(SuccessCriterion)
            .where(SuccessCriterion.account_id == account.id)
            .order_by(SuccessCriterion.position)
        )
    )
    return account, criteria


def update_criteria(
    session: Session, account_id: int, actor: Actor, statuses: dict[int, str], now: datetime, today: date
) -> int:
    """Set the criteria's statuses; each reviewed criterion counts as updated today, so its stale nudge is done."""
    account, criteria = criteria_of(session, account_id, actor)
    reviewed = [c for c in criteria if c.id in statuses]
    for criterion in reviewed:
        if statuses[criterion.id] not in CRITERION_STATUSES:
            raise BadInput("Choose a status for each criterion.")
        criterion.status, criterion.updated_on = statuses[criterion.id], today
    session.execute(
        update(Nudge)
        .where(
            Nudge.account_id == account.id,
            Nudge.status == "open",
            Nudge.criterion_id.in_([c.id for c in reviewed]),
        )
        .values(status="done", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(reviewed)
