"""A due account, as a nudge tells of it: the nudges that made it due and everything that is wrong with it
now, in words. Its own module so that what computes it (`bot.nudges.sending`) and what says it
(`bot.nudges.messages`) both read it without importing each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bot.accounts.attention import Assessment, Kind, Vitals, assess
from bot.nudges.rules import Reason
from bot.text import plural

URGENCY = list(Reason)


@dataclass(frozen=True)
class DueReason:
    nudge_id: int
    reason: Reason
    words: str


@dataclass
class DueAccount:
    """One account in a nudge: the nudges that made it due, and everything that is wrong with it now (the
    same concerns its card and the Home tab show)."""

    account_id: int
    name: str
    today: date
    reasons: list[DueReason] = field(default_factory=list)
    assessment: Assessment | None = None

    @property
    def nudge_ids(self) -> list[int]:
        return [r.nudge_id for r in self.reasons]

    @property
    def summary(self) -> str:
        """Every current reason, most urgent first, in one line: "renewal overdue by 6 days, health 35, no touch
        for 31 days"; a stale criterion (not an account-wide concern) after them; the last touch when it is
        not itself a concern."""
        concerns = self.assessment.words if self.assessment else ""
        criteria = [r.words for r in self.reasons if r.reason is Reason.CRITERION]
        if not concerns and not criteria:  # the reason went away since planning: say why it was due
            concerns = ", ".join(r.words for r in self.reasons)
        words = ", ".join(filter(None, (concerns, *criteria)))
        if any(r.reason is Reason.UNOWNED for r in self.reasons) or (
            self.assessment and self.assessment.has(Kind.NO_TOUCH)
        ):
            return words
        last_touch = self.assessment.vitals.last_touch if self.assessment else None
        return f"{words} — {touch_words(last_touch, self.today)}"

    def urgency(self) -> tuple[int, int, Decimal, str]:
        score = self.assessment.score if self.assessment else 0
        first = min(URGENCY.index(r.reason) for r in self.reasons)
        arr = (self.assessment.vitals.arr if self.assessment else None) or Decimal(0)
        return (-score, first, -arr, self.name.casefold())


def touch_words(last_touch: date | None, today: date) -> str:
    if last_touch is None:
        return "no touch logged yet"
    days = (today - last_touch).days
    return "last touch today" if days <= 0 else f"last touch {plural(days, 'day')} ago"


def group(
    rows: Iterable[tuple[int, str, int, str, str | None]],
    vitals: dict[int, Vitals],
    rules: dict[str, int],
    today: date,
) -> list[DueAccount]:
    """Rows of (nudge id, reason, account id, account name, criterion text or None) as due accounts, each
    with its reasons most urgent first, the most urgent account first."""
    accounts: dict[int, DueAccount] = {}
    for nudge_id, reason, account_id, name, criterion in rows:
        entry = accounts.get(account_id)
        if entry is None:
            found = vitals.get(account_id)
            entry = DueAccount(account_id, name, today, assessment=found and assess(found, rules, today))
            accounts[account_id] = entry
        entry.reasons.append(DueReason(nudge_id, Reason(reason), words(Reason(reason), criterion, rules)))
    for entry in accounts.values():
        entry.reasons.sort(key=lambda r: URGENCY.index(r.reason))
    return sorted(accounts.values(), key=DueAccount.urgency)


def words(reason: Reason, criterion: str | None, rules: dict[str, int]) -> str:
    """Why one nudge was planned, for what the account's concerns do not say (criteria, unowned accounts)."""
    if reason is Reason.CRITERION:
        which = f"success criterion “{criterion}”" if criterion is not None else "a success criterion"
        return f"{which} has had no update for {rules['criterion_stale_days']}+ days"
    if reason is Reason.UNOWNED:
        return "has no CSM: who will take it?"
    return {
        Reason.RENEWAL: "renewal coming up",
        Reason.HEALTH: "health fell",
        Reason.NO_TOUCH: "no touch for a while",
    }[reason]
