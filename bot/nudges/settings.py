"""What admins may change about nudges: the rules' numbers, each within its sensible range (the renewal
marks in order), and the organisation's holidays. Refusals say what is allowed; nothing is half-written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.accounts.thresholds import DEFAULTS, settings
from bot.errors import BadInput
from bot.models import Holiday, NudgeSetting
from bot.text import closest

# The values each rule may take: days and counts are at least 1; health is a 0–100 score.
RANGES: dict[str, tuple[int, int]] = {
    **{key: (1, 3650) for key in DEFAULTS},
    "health_floor": (0, 100),  # 0: no account is ever under it
    "health_drop_points": (1, 100),
    "health_drop_days": (1, 365),
    "unowned_every_days": (1, 365),
    "snoozes_before_manager": (1, 50),
}
RENEWAL_MARKS = ("renewal_days_first", "renewal_days_second", "renewal_days_last")
HOLIDAY_NAME = 200


def set_rule(session: Session, key: str, value: str) -> int:
    """Store rule `key` = `value` once it is a known rule, a whole number in its range, and (for the renewal
    marks) keeps first > second > last; the number stored."""
    if key not in DEFAULTS:
        guess = closest(key, DEFAULTS)
        hint = f" Did you mean {guess}?" if guess else " /tend admin nudges lists them."
        raise BadInput(f"There is no nudge rule “{key[:60]}”.{hint}")
    low, high = RANGES[key]
    number = int(value) if value.lstrip("-").isdigit() else None
    if number is None or not low <= number <= high:
        raise BadInput(f"{key} takes a whole number from {low} to {high}; “{value[:20]}” is not one.")
    if key in RENEWAL_MARKS:
        marks = {**{k: settings(session)[k] for k in RENEWAL_MARKS}, key: number}
        first, second, last = (marks[k] for k in RENEWAL_MARKS)
        if not first > second > last:
            raise BadInput(
                f"The renewal nudges must come in order, first > second > last (days before the renewal): "
                f"that would make them {first}, {second}, {last}. Change the others first."
            )
    session.merge(NudgeSetting(key=key, value=number))
    session.flush()
    return number


@dataclass(frozen=True)
class HolidayChange:
    day: date
    name: str
    was: str | None  # the name it had before, when the day already was a holiday


def add_holiday(session: Session, day: date, name: str, today: date) -> HolidayChange:
    """Make `day` a holiday (renaming it when it already is one). Past days are refused: nudges already
    went out on them."""
    if day < today:
        raise BadInput(f"{day.isoformat()} has passed: holidays are for days to come.")
    name = " ".join(name.split())[:HOLIDAY_NAME] or "Holiday"
    was = session.scalar(select(Holiday.name).where(Holiday.day == day))
    session.merge(Holiday(day=day, name=name))
    session.flush()
    return HolidayChange(day, name, was)


def remove_holiday(session: Session, day: date) -> str:
    """Make `day` a working day again; the name it had. A day that is no holiday is refused, saying so."""
    name = session.scalar(select(Holiday.name).where(Holiday.day == day))
    if name is None:
        raise BadInput(f"{day:%a %d %b %Y} is not a holiday, so there was nothing to remove.")
    session.execute(delete(Holiday).where(Holiday.day == day))
    session.flush()
    return name


def upcoming_holidays(session: Session, today: date, limit: int = 30) -> list[tuple[date, str]]:
    rows = session.execute(
        select(Holiday.day, Holiday.name).where(Holiday.day >= today).order_by(Holiday.day).limit(limit)
    )
    return [(day, name) for day, name in rows]
