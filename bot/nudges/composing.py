"""What a nudge message says, written when it is sent (`bot.delivery.composed`): the recipient's open
nudges, told then (`bot.nudges.notices`), of the accounts they own at that moment, each account with
everything wrong with it now, most urgent first; and the same words for `/tend nudges`.
`bot.nudges.sending` decides who is messaged, and when; this module says what, and tells it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.accounts import attention
from bot.accounts.thresholds import settings
from bot.batch import chunks
from bot.db import prefer_indexes
from bot.delivery.composed import Recipe
from bot.messages import Reply
from bot.models import Account, Nudge, NudgeNotice, SuccessCriterion
from bot.nudges import messages as nudge_messages
from bot.nudges import notices
from bot.nudges.due import DueAccount, DueReason, group, words
from bot.nudges.rules import Reason
from bot.text import plural
from bot.vocab import Stage

KIND = "nudges"
TEAM = "team"  # the recipient of unowned accounts' nudges: the customer-success team's channel(s)


def person_key(person_id: int) -> str:
    """The recipient of a person's own accounts' nudges."""
    return f"person:{person_id}"


def owner_in(recipient: str) -> int | None:
    """The account owner a recipient key stands for (None: the team, for unowned accounts)."""
    return None if recipient == TEAM else int(recipient.split(":")[1])


def recipe(run: int, recipient: str, at: datetime, today: date, nudges: int) -> Recipe:
    """A message to `recipient` about their nudges open `at` (when it was queued), under its own `run` key
    (its notices', and its copies' on other platforms); `today` is their local date then, `at`'s date the
    day the accounts' figures are read for."""
    params = {
        "run": run,
        "recipient": recipient,
        "at": at.isoformat(),
        "today": today.isoformat(),
        "day": at.date().isoformat(),
    }
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
    """The words of a batch of nudge messages, set-based: one write telling their nudges, one read of them,
    one of their accounts. A message tells its recipient's nudges open when it was queued and not told
    before, of the accounts they own now: one dealt with since (snoozed, dismissed, closed) is left out,
    and so is an account that changed hands (its nudges are the new owner's: `notices.retell`) or churned.
    Written again (a retried send; the team's post on its second platform), it shows what its run told
    then, and anything come due since. A message left with nothing says nothing (None)."""
    wanted = {(p["run"], owner_in(p["recipient"])): p for _, p in batch}
    prefer_indexes(session)
    _tell(session, wanted)
    told = _told(session, set(wanted))
    rules = settings(session)
    vitals: dict[int, attention.Vitals] = {}
    for day in {p["day"] for p in wanted.values()}:
        accounts = {r.account_id for pair, rows in told.items() if wanted[pair]["day"] == day for r in rows}
        vitals.update(attention.read_ids(session, accounts, date.fromisoformat(day), rules))
    dues: dict[tuple[int, int | None], list[DueAccount]] = {}
    for pair, rows in told.items():
        named = [
            (r.nudge_id, r.reason, r.account_id, vitals[r.account_id].name, None)
            for r in rows
            if r.account_id in vitals
        ]
        dues[pair] = group(named, vitals, rules, date.fromisoformat(wanted[pair]["today"]))
    _name_criteria(session, [due for (_, owner), due in dues.items() if owner is not None], rules)
    replies: dict[int, Reply | None] = {}
    for message_id, params in batch:
        due = dues.get((params["run"], owner_in(params["recipient"])))
        if not due:  # everything in it was dealt with, or its accounts are someone else's now
            replies[message_id] = None
        else:
            write = nudge_messages.for_team if params["recipient"] == TEAM else nudge_messages.for_csm
            replies[message_id] = write(due)
    return replies


def _tell(session: Session, wanted: dict[tuple[int, int | None], dict[str, Any]]) -> None:
    """Tell each message's nudges, one statement per instant they were queued at (a batch is mostly one
    run's). A message queued before messages told their own nudges (no `at`) was told when it was queued."""
    runs: dict[str, dict[int | None, int]] = {}
    for (run, owner), params in wanted.items():
        if "at" in params:
            runs.setdefault(params["at"], {})[owner] = run
    for at, whose in runs.items():
        notices.tell(session, whose, datetime.fromisoformat(at))


def _told(session: Session, pairs: set[tuple[int, int | None]]) -> dict[tuple[int, int | None], list[_Told]]:
    """The open nudges each (run, owner) was told, of the accounts the owner has now (None: unowned ones),
    read from the notices' run index through the nudges' and accounts' keys."""
    found: dict[tuple[int, int | None], list[_Told]] = {pair: [] for pair in pairs}
    runs, churned = sorted({run for run, _ in pairs}), Stage.CHURNED.value  # churned since: never nudged
    owners = {owner for _, owner in pairs}
    for accounts_of in notices.owned_by(owners):
        rows = session.execute(
            select(NudgeNotice.run, Account.owner_id, Nudge.id, Nudge.reason, Nudge.account_id)
            .join(Nudge, Nudge.account_id == Account.id)
            .join(NudgeNotice, NudgeNotice.nudge_id == Nudge.id)
            .where(accounts_of, NudgeNotice.run.in_(runs), Nudge.status == "open", Account.stage != churned)
        )
        for run, owner, nudge_id, reason, account_id in rows:
            if (run, owner) in found:
                found[run, owner].append(_Told(nudge_id, reason, account_id))
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
