"""What a nudge message says, written when it is sent (`bot.delivery.composed`): the accounts behind one
run's notices to one recipient, each with everything wrong with it now, most urgent first; and the same
words for `/tend nudges`. `bot.nudges.sending` decides who is told what; this module only says it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.accounts import attention
from bot.accounts.thresholds import settings
from bot.batch import chunks
from bot.delivery.composed import Recipe
from bot.messages import Reply
from bot.models import Account, Nudge, NudgeNotice, SuccessCriterion
from bot.nudges import messages as nudge_messages
from bot.nudges.actions import untell
from bot.nudges.due import DueAccount, DueReason, group, words
from bot.nudges.rules import Reason
from bot.text import plural

KIND = "nudges"
TEAM = "team"  # the recipient of unowned accounts' nudges: the customer-success team's channel(s)


def person_key(person_id: int) -> str:
    """The recipient of a person's own accounts' nudges."""
    return f"person:{person_id}"


def owner_in(recipient: str) -> int | None:
    """The account owner a recipient key stands for (None: the team, for unowned accounts)."""
    return None if recipient == TEAM else int(recipient.split(":")[1])


NOBODY = 0  # a notice's recipient for the nudges of unowned accounts (the team is told of them)


def noticed(recipient: str) -> int:
    """A recipient key as a notice's recipient column holds it."""
    owner = owner_in(recipient)
    return NOBODY if owner is None else owner


def recipient_of(noticed_as: int) -> str:
    return TEAM if noticed_as == NOBODY else person_key(noticed_as)


def recipe(run: int, recipient: str, today: date, day: date, nudges: int) -> Recipe:
    """A message about the nudges `run` told `recipient`; `today` is their local date, `day` the one the
    accounts' figures are read for."""
    params = {"run": run, "recipient": recipient, "today": today.isoformat(), "day": day.isoformat()}
    return Recipe(KIND, params, f"Nudges: {plural(nudges, 'due nudge')}, written when sent")


def describe(session: Session, nudge_ids: Iterable[int], today: date) -> list[DueAccount]:
    """The accounts behind `nudge_ids`, each with its reasons in plain words, most urgent first."""
    rows = _load(session, list(nudge_ids))
    rules = settings(session)
    return group(rows, attention.read_ids(session, {r[2] for r in rows}, today, rules), rules, today)


def _load(session: Session, ids: list[int]) -> list[Any]:
    rows: list[Any] = []
    for chunk in chunks(ids):
        rows += session.execute(
            select(Nudge.id, Nudge.reason, Account.id, Account.name, SuccessCriterion.text)
            .join(Account, Account.id == Nudge.account_id)
            .outerjoin(SuccessCriterion, SuccessCriterion.id == Nudge.criterion_id)
            .where(Nudge.id.in_(chunk))
        ).all()
    return rows


class _Told(NamedTuple):
    nudge_id: int
    reason: str
    account_id: int


def compose(session: Session, batch: Sequence[tuple[int, dict[str, Any]]]) -> dict[int, Reply | None]:
    """The words of a batch of nudge messages, set-based: one read of their notices, one of their accounts.
    A nudge dealt with since it was queued (snoozed, dismissed, closed) is left out; one whose account changed
    hands is given back, for its new owner's next message; a message left with nothing says nothing (None)."""
    wanted = {(p["run"], p["recipient"]): p for _, p in batch}
    told = _told(session, set(wanted))
    rules = settings(session)
    vitals: dict[int, attention.Vitals] = {}
    for day in {p["day"] for p in wanted.values()}:
        accounts = {r.account_id for pair, rows in told.items() if wanted[pair]["day"] == day for r in rows}
        vitals.update(attention.read_ids(session, accounts, date.fromisoformat(day), rules))
    dues: dict[tuple[int, str], list[DueAccount]] = {}
    strays: list[int] = []
    for pair, rows in told.items():
        owner = owner_in(pair[1])
        mine = [r for r in rows if r.account_id in vitals and vitals[r.account_id].owner_id == owner]
        strays += [r.nudge_id for r in rows if r.account_id in vitals and vitals[r.account_id].owner_id != owner]
        named = [(r.nudge_id, r.reason, r.account_id, vitals[r.account_id].name, None) for r in mine]
        dues[pair] = group(named, vitals, rules, date.fromisoformat(wanted[pair]["today"]))
    untell(session, strays)  # the next run puts them in their account's new owner's message
    _name_criteria(session, [due for (_, recipient), due in dues.items() if recipient != TEAM], rules)
    replies: dict[int, Reply | None] = {}
    for message_id, params in batch:
        due = dues.get((params["run"], params["recipient"]))
        if not due:  # everything in it was dealt with, or its accounts are gone
            replies[message_id] = None
        else:
            write = nudge_messages.for_team if params["recipient"] == TEAM else nudge_messages.for_csm
            replies[message_id] = write(due)
    return replies


def _told(session: Session, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], list[_Told]]:
    """The open nudges each (run, recipient) was told, read through the notices' (run, recipient) index."""
    found: dict[tuple[int, str], list[_Told]] = {pair: [] for pair in pairs}
    runs, recipients = sorted({run for run, _ in pairs}), sorted({noticed(recipient) for _, recipient in pairs})
    for chunk in chunks(recipients):
        rows = session.execute(
            select(NudgeNotice.run, NudgeNotice.recipient, Nudge.id, Nudge.reason, Nudge.account_id)
            .join(Nudge, Nudge.id == NudgeNotice.nudge_id)
            .where(NudgeNotice.run.in_(runs), NudgeNotice.recipient.in_(chunk), Nudge.status == "open")
        )
        for run, noticed_as, nudge_id, reason, account_id in rows:
            if (pair := (run, recipient_of(noticed_as))) in found:
                found[pair].append(_Told(nudge_id, reason, account_id))
    return found


def _name_criteria(session: Session, dues: list[list[DueAccount]], rules: dict[str, int]) -> None:
    """Put each stale criterion's own text into the words of the accounts a message shows in full (the text
    is read for those only: a first run has tens of thousands of stale criteria)."""
    shown = [entry for due in dues for entry in due[: nudge_messages.IN_FULL]]
    ids = [r.nudge_id for entry in shown for r in entry.reasons if r.reason is Reason.CRITERION]
    texts: dict[int, str] = {}
    for chunk in chunks(ids):
        texts.update(
            (nudge_id, text)
            for nudge_id, text in session.execute(
                select(Nudge.id, SuccessCriterion.text)
                .join(SuccessCriterion, SuccessCriterion.id == Nudge.criterion_id)
                .where(Nudge.id.in_(chunk))
            )
        )
    for entry in shown:
        entry.reasons = [
            DueReason(r.nudge_id, r.reason, words(r.reason, texts.get(r.nudge_id), rules))
            if r.reason is Reason.CRITERION
            else r
            for r in entry.reasons
        ]
