"""What is wrong with an account, decided in one place: the card, the Home tab, nudges, briefings and the
managers' digest all read these concerns, so no two of them can disagree about an account. The rules are
pure functions of a few columns (`assess`); `read` fetches those columns for any set of accounts in one
set-based query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, Select, cast, func, null, select
from sqlalchemy.orm import Session

from bot.batch import chunks
from bot.models import Account, HealthSnapshot
from bot.text import plural
from bot.vocab import Stage


class Kind(StrEnum):
    """What can be wrong, most urgent first (the order a CSM should deal with them)."""

    RENEWAL_OVERDUE = "renewal_overdue"
    RENEWAL_NEAR = "renewal_near"  # inside the last renewal threshold (30 days by default)
    HEALTH = "health"  # under the floor, or fallen by the drop within the drop window
    AT_RISK = "at_risk"  # the lifecycle stage says so
    NO_TOUCH = "no_touch"  # past the tier's cadence
    RENEWAL_AHEAD = "renewal_ahead"  # inside the first threshold (90 days by default)


CHURNED, AT_RISK_STAGE = Stage.CHURNED.value, Stage.AT_RISK.value  # read once: enum lookups cost in a loop
WEIGHT = {
    Kind.RENEWAL_OVERDUE: 40,
    Kind.RENEWAL_NEAR: 30,
    Kind.HEALTH: 20,
    Kind.AT_RISK: 15,
    Kind.NO_TOUCH: 10,
    Kind.RENEWAL_AHEAD: 5,
}

# The weights as plain ints, read in assess's loop: hashing an enum member runs Python code.
W_OVERDUE, W_NEAR, W_HEALTH, W_STAGE, W_TOUCH, W_AHEAD = (WEIGHT[k] for k in Kind)


class Vitals(NamedTuple):
    """The columns the rules read, for one account (a tuple: a digest run reads 100k of them)."""

    id: int
    name: str
    owner_id: int | None
    tier: str
    stage: str
    arr: Decimal | None
    health: int | None
    peak: int | None  # the highest score inside the health-drop window
    renewal_date: date | None
    last_touch: date | None


VITALS = len(Vitals._fields)  # columns of `vitals_query`, before any a caller adds


class Concern(NamedTuple):
    kind: Kind
    words: str  # "renewal overdue by 6 days", "health 35", "no touch for 31 days"


class Assessment:
    """What is wrong with one account. The judgement (`at_risk`, `score`…) is a few comparisons, made for
    every account of every digest; the words (`concerns`) are written only when someone reads them."""

    __slots__ = ("_rules", "_said", "dropped", "left", "low", "staged", "today", "touch_days", "untouched", "vitals")

    def __init__(self, v: Vitals, rules: dict[str, int], today: date) -> None:
        self.vitals, self.today, self._rules = v, today, rules
        self._said: tuple[Concern, ...] | None = None
        active = v.stage != CHURNED
        self.left = (v.renewal_date - today).days if v.renewal_date is not None and active else None
        self.touch_days = (today - v.last_touch).days if v.last_touch is not None else None
        health, peak = v.health, v.peak
        self.low = active and health is not None and health < rules["health_floor"]
        self.dropped = (
            active and health is not None and peak is not None and peak - health >= rules["health_drop_points"]
        )
        self.staged = v.stage == AT_RISK_STAGE
        cadence = rules.get(f"no_touch_days_{v.tier}")
        self.untouched = bool(active and cadence and (self.touch_days is None or self.touch_days >= cadence))

    @property
    def at_risk(self) -> bool:
        """Health under the floor, stage at risk, or no touch past its cadence."""
        return self.low or self.staged or self.untouched

    @property
    def troubled(self) -> bool:
        """At risk by more than silence: a health concern or the at-risk stage."""
        return self.low or self.dropped or self.staged

    @property
    def score(self) -> int:
        """How much is wrong: the sum of its concerns' weights (plain ints: hashing enums costs in a loop)."""
        left, rules = self.left, self._rules
        renewal = 0
        if left is not None:
            renewal = (
                W_OVERDUE
                if left < 0
                else W_NEAR
                if left <= rules["renewal_days_last"]
                else W_AHEAD
                if left <= rules["renewal_days_first"]
                else 0
            )
        return (
            renewal
            + (W_HEALTH if self.low or self.dropped else 0)
            + (W_STAGE if self.staged else 0)
            + (W_TOUCH if self.untouched else 0)
        )

    @property
    def concerns(self) -> tuple[Concern, ...]:
        """Every concern in words, most urgent first."""
        if self._said is None:
            self._said = tuple(self._concerns())
        return self._said

    def _concerns(self) -> Iterator[Concern]:
        v, rules, left = self.vitals, self._rules, self.left
        if left is not None and left < 0:
            yield Concern(Kind.RENEWAL_OVERDUE, f"renewal overdue by {plural(-left, 'day')}")
        elif left is not None and left <= rules["renewal_days_last"]:
            yield Concern(Kind.RENEWAL_NEAR, _renews(left))
        if self.low and self.dropped:
            yield Concern(Kind.HEALTH, f"health {v.health}, down from {v.peak}")
        elif self.low:
            yield Concern(Kind.HEALTH, f"health {v.health}")
        elif self.dropped:
            yield Concern(Kind.HEALTH, f"health down from {v.peak} to {v.health} in {rules['health_drop_days']} days")
        if self.staged:
            yield Concern(Kind.AT_RISK, "stage at risk")
        if self.untouched:
            days = self.touch_days
            yield Concern(Kind.NO_TOUCH, "no touch yet" if days is None else f"no touch for {plural(days, 'day')}")
        if left is not None and rules["renewal_days_last"] < left <= rules["renewal_days_first"]:
            yield Concern(Kind.RENEWAL_AHEAD, _renews(left))

    @property
    def words(self) -> str:
        """Every concern in one line, most urgent first."""
        return ", ".join(c.words for c in self.concerns)

    @property
    def renewal_in(self) -> int | None:
        renewal = self.vitals.renewal_date
        return (renewal - self.today).days if renewal else None

    @property
    def days_since_touch(self) -> int | None:
        return self.touch_days

    def has(self, kind: Kind) -> bool:
        return any(c.kind is kind for c in self.concerns)


def assess(v: Vitals, rules: dict[str, int], today: date) -> Assessment:
    """The account's concerns under the nudge rules' numbers (`bot.accounts.thresholds.settings`); a churned
    account has none."""
    return Assessment(v, rules, today)


def _renews(days: int) -> str:
    return "renews today" if days == 0 else "renews tomorrow" if days == 1 else f"renews in {days} days"


def most_urgent_first(assessments: Iterable[Assessment]) -> list[Assessment]:
    """By how much is wrong, then by the money at stake (ARR), then by name: the same order everywhere."""
    return sorted(assessments, key=lambda a: (-a.score, -(a.vitals.arr or 0), a.vitals.name.casefold(), a.vitals.id))


# --- reading the columns ---------------------------------------------------------------------------------------
def window_start(today: date, rules: dict[str, int]) -> date:
    """The first day of the health-drop window: `Vitals.peak` is the highest score from that day on."""
    return today - timedelta(days=rules["health_drop_days"])


def vitals_query(since: date | ColumnElement[date] | None) -> Select[Any]:
    """Vitals' columns, the peak since the window's first day `since` (a date, or a bound parameter in a
    statement built once): correlated, so it is read through the (account, day) index for the accounts asked
    for only. With `since` None, no peak: the caller fills it in (the digest reads the peaks in its own scan
    of the snapshots)."""
    peak = (
        select(func.max(HealthSnapshot.score))
        .where(HealthSnapshot.account_id == Account.id, HealthSnapshot.taken_on >= since)
        .correlate(Account)
        .scalar_subquery()
        if since is not None
        else cast(null(), Integer)
    )
    return select(
        Account.id,
        Account.name,
        Account.owner_id,
        Account.tier,
        Account.stage,
        Account.arr,
        Account.health_score,
        peak,
        Account.renewal_date,
        Account.last_touch_date,
    )


def read(
    session: Session,
    today: date,
    rules: dict[str, int],
    *where: ColumnElement[bool],
    peaks: dict[int, int] | None = None,
) -> list[Vitals]:
    """The vitals of every account matching `where`, in one query; with `peaks` given (account → peak in the
    window), those instead of a subquery per account."""
    if peaks is None:
        return [Vitals(*row) for row in session.execute(vitals_query(window_start(today, rules)).where(*where))]
    rows = session.execute(vitals_query(None).where(*where))
    return [
        Vitals(i, name, owner, tier, stage, arr, health, peaks.get(i), renewal, touch)
        for i, name, owner, tier, stage, arr, health, _none, renewal, touch in rows
    ]


def read_ids(session: Session, ids: Iterable[int], today: date, rules: dict[str, int]) -> dict[int, Vitals]:
    found: dict[int, Vitals] = {}
    for chunk in chunks(sorted(set(ids))):
        found.update((v.id, v) for v in read(session, today, rules, Account.id.in_(chunk)))
    return found


def of_owner(session: Session, owner_id: int, today: date, rules: dict[str, int]) -> list[Assessment]:
    """A person's active accounts, most urgent first."""
    rows = read(session, today, rules, Account.owner_id == owner_id, Account.stage != Stage.CHURNED.value)
    return most_urgent_first(assess(v, rules, today) for v in rows)
