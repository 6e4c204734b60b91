"""`/tend settings`: a person's own time zone, working hours and working days (nudges reach them only then),
their digest's time, and the chat platform their messages go to when they use several."""

from __future__ import annotations

import re
from datetime import time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import BadInput
from bot.messages import Reply, Section
from bot.people import preferences
from bot.people.working_hours import DAY_NAMES, Schedule, day_ranges
from bot.text import closest
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

USAGE = (
    "/tend settings [hours 09:00-17:00 | days mon-fri | timezone Europe/Berlin | digest 08:30 | digest-days mon-fri"
    " | chat slack|teams|last]: when Tend may nudge you, when your digest comes (managers), and where"
)
SETTINGS = ("hours", "days", "timezone", "digest", "digest-days", "chat")
HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")


def parse_hours(text: str) -> tuple[time, time]:
    found = HOURS.match(text.strip())
    try:
        if found is None:
            raise ValueError
        h1, m1, h2, m2 = map(int, found.groups())
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise BadInput("Write your hours like 09:00-17:00 (24-hour clock).") from None
    if start >= end:
        raise BadInput("Your working day must end after it starts, e.g. 08:30-16:30.")
    return start, end


def parse_time(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise BadInput("Write the time like 08:30 (24-hour clock).") from None


def parse_days(text: str) -> str:
    """ "mon-fri", "mon,tue,thu", "weekdays" → ISO weekday digits ("12345")."""
    words = text.strip().lower().replace(" ", "")
    if words in ("weekdays", "workdays"):
        return "12345"
    days: set[int] = set()
    for part in filter(None, words.split(",")):
        first, _, last = part.partition("-")
        try:
            a = DAY_NAMES.index(first[:3])
            b = DAY_NAMES.index(last[:3]) if last else a
        except ValueError:
            raise BadInput("Name your days like mon-fri, or mon,tue,thu.") from None
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise BadInput("Name at least one working day, e.g. mon-fri.")
    return "".join(str(d + 1) for d in sorted(days))


def parse_timezone(text: str) -> str:
    """An IANA time zone name, however it was capitalised (`europe/berlin` → Europe/Berlin)."""
    name = text.strip()
    known = _zones().get(name.lower())
    if known:
        return known
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        guess = closest(name, _zones().values(), cutoff=85)
        meant = f" Did you mean {guess}?" if guess else " Use a name like Europe/Berlin or America/New_York."
        raise BadInput(f"“{name[:60]}” is not a time zone I know.{meant}") from None
    return name


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name by its lower-case form."""
    return {zone.lower(): zone for zone in available_timezones()}


def parse_chat(text: str, seen: tuple[str, ...]) -> str | None:
    """The platform their messages should go to (one Tend has seen them on), or None for "where I was last"."""
    name = text.strip().lower()
    if name in ("last", "auto", "any"):
        return None
    if name in seen:
        return name
    if not seen:
        raise BadInput("Tend hasn't seen you on a chat platform yet, so there is nothing to choose from.")
    if len(seen) < 2:
        raise BadInput(f"You use Tend on {seen[0].capitalize()} only, so your messages already go there.")
    raise BadInput(f"Choose {' or '.join(seen)} (where Tend has seen you), or last for wherever you were last.")


@routes.subcommand("settings", USAGE)
def settings_command(ctx: CommandContext, text: str) -> Reply:
    mine = preferences.preferences(ctx.session, ctx.actor.person_id)
    key, _, value = text.strip().partition(" ")
    key = key.lower()
    if key == "hours":
        start, end = parse_hours(value)
        mine = preferences.change(ctx.session, ctx.actor.person_id, work_start=start, work_end=end)
    elif key == "days":
        mine = preferences.change(ctx.session, ctx.actor.person_id, work_days=parse_days(value))
    elif key in ("timezone", "tz"):
        mine = preferences.change(ctx.session, ctx.actor.person_id, timezone=parse_timezone(value))
    elif key == "digest":
        mine = preferences.change(ctx.session, ctx.actor.person_id, digest_time=parse_time(value))
    elif key == "digest-days":
        mine = preferences.change(ctx.session, ctx.actor.person_id, digest_days=parse_days(value))
    elif key == "chat":
        mine = preferences.change(ctx.session, ctx.actor.person_id, chat_platform=parse_chat(value, mine.platforms))
    elif key:
        guess = closest(key, SETTINGS)
        meant = f"Did you mean {guess}? " if guess else ""
        raise BadInput(f"There is no setting “{key[:40]}”. {meant}Usage: {USAGE}.")
    schedule = Schedule(mine.timezone or ctx.default_timezone, mine.work_start, mine.work_end, mine.work_days)
    head = "Saved. " if key else ""
    digest = f"{mine.digest_time:%H:%M} on {day_ranges(mine.digest_days)}"
    body = (
        f"{head}Tend nudges you {schedule.describe()}, never on the organisation's holidays. "
        f"Your digest (if people report to you) comes at {digest}."
    )
    if len(mine.platforms) > 1:
        where = mine.chat_platform or "wherever you used Tend last"
        body += f" Your nudges and digests go to {where.capitalize() if mine.chat_platform else where}."
    return Reply(body, blocks=(Section(body), Section(f"Change it: {USAGE}")))
