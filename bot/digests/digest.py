"""What a digest is: the manager it is for, what needs them now and what changed, in sections. Built by
`bot.digests.build`, worded by `bot.digests.messages`, summarised by `bot.digests.summary`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import NamedTuple

from bot.accounts.attention import Assessment


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
    # What the note counts, written only when `/tend digest all` lists them (a daily run would otherwise
    # write a line for every overdue or untouched account of 200 teams to show none of them).
    standing: Callable[[], list[str]] | None = None


class Item(NamedTuple):
    """One thing that needs the manager now, whatever changed or not. Its words are written only when shown:
    a digest run weighs every account of 200 teams and shows eight items each (a tuple, for the same reason)."""

    key: str  # "renewal:42": what it is about, to tell how many days it has been on the list
    arr: Decimal  # the money at stake: the list is ordered by it
    urgency: int  # then by how much is wrong
    who: str  # "Globex (Jonas Weber)"
    about: Assessment | str  # the account's concerns, or the words themselves
    days: int = 1  # the how-manieth day in a row it is on the list

    @property
    def words(self) -> str:
        """ "renews in 15 days, health 29, no touch for 52 days" (the last touch said when it is no concern)."""
        if isinstance(self.about, str):
            return self.about
        judged = self.about
        return judged.words if judged.untouched else f"{judged.words}, last touch {judged.days_since_touch} days ago"

    @property
    def line(self) -> str:
        return f"{self.who}, ARR {self.arr:,.0f}: {self.words}" if self.arr else f"{self.who}: {self.words}"

    def text(self) -> str:
        return f"{self.line} — {ordinal(self.days)} day" if self.days > 1 else self.line


@dataclass
class Digest:
    manager: Manager
    local_date: date
    sections: list[Section]  # what changed
    activity: list[str]
    needs: list[Item] = field(default_factory=list)  # what needs the manager now, most money at stake first
    previous: date | None = None  # the local day of the previous digest; None: this is the first

    @property
    def quiet(self) -> bool:
        return not self.needs and not any(s.lines for s in self.sections)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
