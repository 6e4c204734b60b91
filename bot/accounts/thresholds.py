"""The numbers that decide what is wrong with an account and when its CSM hears of it: days without a touch
per tier, renewal marks, health drops and floor, stale criteria. Defaults here, admins' changes in the database
(`/tend admin nudges`, checked by `bot.nudges.settings`). Read by the card, Home, nudges and digests alike."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import read
from bot.models import NudgeSetting

DEFAULTS: dict[str, int] = {
    "no_touch_days_intimacy": 14,
    "no_touch_days_engagement": 30,
    "no_touch_days_service": 60,
    "renewal_days_first": 90,
    "renewal_days_second": 60,
    "renewal_days_last": 30,  # and weekly inside it while no touch is logged
    "health_drop_points": 10,
    "health_drop_days": 14,
    "health_floor": 50,
    "criterion_stale_days": 30,
    "unowned_every_days": 7,
    "snoozes_before_manager": 3,
}


def settings(session: Session) -> dict[str, int]:
    """The rules' numbers: defaults, overridden by what admins set."""
    values = dict(DEFAULTS)
    values.update((k, v) for k, v in read(session, _SET) if k in DEFAULTS)
    return values


_SET = select(NudgeSetting.key, NudgeSetting.value)  # built once: every card and nudge run reads it
