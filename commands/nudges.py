"""Nudges from the CSM's side: the buttons on a nudge (log check-in, snooze, update criteria, dismiss),
`/tend checkin <account> [note]` from anywhere, and `/tend nudges` to see what is due and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz.distance import OSA

from bot.accounts.catalog import Match
from bot.accounts.status import account_name
from bot.errors import BadInput
from bot.messages import Block, Form, Input, Note, Option, Reply, Section
from bot.nudges import actions as nudge_actions
from bot.nudges.actions import CHANNELS, CRITERION_STATUSES, MAX_NOTE, MAX_SNOOZE_DAYS, REASON_WORDS
from bot.nudges.messages import CHECK_IN, CRITERIA, DISMISS, IN_FULL, SNOOZE, entry_blocks
from bot.nudges.mine import my_nudges
from bot.nudges.rules import Reason
from bot.people.working_hours import Schedule
from bot.text import plural, shorten
from bot.values import AccountRef, NudgeRefs
from commands.context import CommandContext
from commands.flags.command import split_account
from commands.flags.form import ACCOUNTS
from commands.routes import Routes

CHECKED_IN, SNOOZED, CRITERIA_SET, DISMISSED = (
    "nudge.checked_in",
    "nudge.snoozed",
    "nudge.criteria_set",
    "nudge.dismissed",
)
CHECKIN_USAGE = "/tend checkin <account> [call|email|meeting|chat] [note]: log a touch with a customer"
NUDGES_USAGE = "/tend nudges: the accounts that need a touch from you, and why"
# Ways of being in touch that are not Tend's kinds: refused (with the kinds), not logged as a chat whose
# note starts with that word. Words that can start a note ("lunch with their CFO…") are not among them.
OTHER_CHANNELS = frozenset(
    ("telegram", "whatsapp", "signal", "wechat", "sms", "imessage", "skype", "webex", "zoom", "slack", "fax")
)
SNOOZE_FOR = (Option("1d", "1 day"), Option("1w", "1 week"), Option("date", "Until a date"))
MAX_CRITERIA_IN_FORM = 20
CHANNEL_WORDS = {"call": "a call", "email": "an email", "meeting": "a meeting", "chat": "a chat"}

routes = Routes()


def _account(value: str) -> int:
    return AccountRef.decode(value).account_id


def _ids(value: str) -> list[int]:
    return list(NudgeRefs.decode(value).nudge_ids)


# --- log a check-in --------------------------------------------------------------------------------------------
def check_in_inputs(note: str = "") -> tuple[Input, Input]:
    """How the touch happened and a one-line note: every check-in form asks these."""
    return (
        Input(
            "channel", "How", kind="choice", options=tuple(Option(c, c.capitalize()) for c in CHANNELS), initial="call"
        ),
        Input("note", "Note", MAX_NOTE, initial=note, optional=True, hint="One line, e.g. “QBR booked for May”."),
    )


def checkin_form(account_id: int, account_name: str, note: str = "") -> Form:
    return Form(
        title="Log a check-in",
        action=CHECKED_IN,
        value=AccountRef(account_id).encode(),
        intro=f"A touch with {account_name}: it counts as the account's last touch, today.",
        inputs=check_in_inputs(note),
        submit="Log it",
    )


CHECK_IN_ANY, CHECKED_IN_ANY = "home.check_in", "home.checked_in"  # names kept: Home tabs carry them


def any_account_checkin_form(candidates: Sequence[Match] = (), channel: str = "", note: str = "") -> Form:
    """A check-in whose account is still to be chosen: searched for (the Home tab's button), or picked among
    the accounts what was typed could mean (`/tend checkin globex call …`), with the rest kept."""
    if candidates:
        options = tuple(Option(str(m.account_id), m.name) for m in candidates[:25])
        account = Input("account", "Which account?", kind="choice", options=options)
    else:
        account = Input("account", "Account", kind="search", search=ACCOUNTS)
    how, what = check_in_inputs(note)
    if channel:
        how = replace(how, initial=channel)
    return Form(title="Log a check-in", action=CHECKED_IN_ANY, value="", inputs=(account, how, what), submit="Log it")


@routes.action(CHECK_IN_ANY)
def check_in_any(ctx: CommandContext, value: str) -> Form:
    return any_account_checkin_form()


def _check_any_check_in(answers: dict[str, str]) -> dict[str, str]:
    chosen = (answers.get("account") or "").isdigit()
    return {**({} if chosen else {"account": "Choose an account."}), **check_check_in(answers)}


@routes.form(CHECKED_IN_ANY, _check_any_check_in)
def checked_in_any(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return checked_in_reply(ctx, int(answers["account"]), answers["channel"], answers.get("note") or "")


@routes.action(CHECK_IN)
def log_check_in_button(ctx: CommandContext, value: str) -> Form:
    name = account_name(ctx.session, _account(value))
    if name is None:
        raise BadInput("That account no longer exists.")
    return checkin_form(_account(value), name)


def check_check_in(answers: dict[str, str]) -> dict[str, str]:
    problems = {}
    if answers.get("channel") not in CHANNELS:
        problems["channel"] = "Choose how you were in touch."
    if len(" ".join((answers.get("note") or "").split())) > MAX_NOTE:
        problems["note"] = f"Keep it to one line ({MAX_NOTE} characters at most)."
    return problems


@routes.form(CHECKED_IN, check_check_in)
def checked_in(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return checked_in_reply(ctx, _account(value), answers["channel"], answers.get("note") or "")


def checked_in_reply(ctx: CommandContext, account_id: int, channel: str, note: str) -> Reply:
    result = nudge_actions.check_in(
        ctx.session,
        account_id,
        ctx.actor,
        channel,
        note,
        ctx.clock.now(),
        ctx.today,
        f"{ctx.platform}:{ctx.request_id}",
    )
    name = result.account.name
    if result.repeated:
        return Reply(f"That check-in with {name} is logged already.")
    done = (
        f" {plural(result.closed, 'open nudge')} about it {'is' if result.closed == 1 else 'are'} done."
        if result.closed
        else ""
    )
    return Reply(f"Logged {CHANNEL_WORDS[channel]} with {name} today.{done}")


@routes.subcommand("checkin", CHECKIN_USAGE)
def checkin_command(ctx: CommandContext, text: str) -> Reply | Form:
    words = text.split()
    if not words:
        return Reply(f"Usage: {CHECKIN_USAGE}.")
    named = split_account(ctx, words)
    match, rest = named.match, named.rest
    first, _, note = rest.partition(" ")
    if match is None and named.result.kind == "ambiguous":  # pick one of them, the rest as typed
        kind = first.lower() if first.lower() in CHANNELS else ""
        return any_account_checkin_form(named.result.matches, kind, note if kind else rest)
    if match is None:
        hint = ", ".join(m.name for m in named.result.matches[:3])
        return Reply(f"No account matches “{words[0]}”{': ' + hint if hint else ''}. Try its full name or domain.")
    if first.lower() in CHANNELS:
        return checked_in_reply(ctx, match.account_id, first.lower(), note)
    guess = _misspelt_channel(first)
    if first.lower() in OTHER_CHANNELS or guess:
        hint = f"Did you mean {guess}? " if guess else ""
        raise BadInput(
            f"Tend doesn't log “{first[:30]}” as a kind of touch. {hint}Use one of {', '.join(CHANNELS)} "
            f"(a video call is a meeting, a text a chat): {CHECKIN_USAGE}."
        )
    if not rest:
        return checkin_form(match.account_id, match.name)
    return checked_in_reply(ctx, match.account_id, "chat", rest)


def _misspelt_channel(word: str) -> str | None:
    """The kind a word of four letters or more is one slip away from ("emial" → email), if any; shorter
    words ("all", "cal") are too often the start of a note."""
    word = word.lower()
    return next((c for c in CHANNELS if len(word) >= 4 and OSA.distance(word, c) <= 1), None)


# --- snooze and dismiss ----------------------------------------------------------------------------------------
@routes.action(SNOOZE)
def snooze_button(ctx: CommandContext, value: str) -> Form:
    nudge_actions.open_nudges(ctx.session, _ids(value), ctx.actor)  # only theirs, and only what is still open
    return Form(
        title="Snooze",
        action=SNOOZED,
        value=value,
        intro="The nudge comes back when the snooze ends, inside your working hours.",
        inputs=(
            Input("for", "For", kind="choice", options=SNOOZE_FOR, initial="1w"),
            Input(
                "until",
                "Until (YYYY-MM-DD)",
                10,
                optional=True,
                hint="Only for “until a date”: a day after today, within a year.",
                asked_when=("for", "date"),
            ),
            Input("reason", "Why?", MAX_NOTE, optional=True),
        ),
        submit="Snooze",
    )


def _check_snooze(answers: dict[str, str], today: date) -> dict[str, str]:
    choice = answers.get("for")
    if choice not in ("1d", "1w", "date"):
        return {"for": "Choose how long."}
    if choice != "date":
        return {}
    try:
        day = date.fromisoformat((answers.get("until") or "").strip())
    except ValueError:
        return {"until": "Write the date as YYYY-MM-DD, e.g. 2027-01-15."}
    if day <= today:
        return {"until": f"Choose a day after today ({today.isoformat()})."}
    if day > today + timedelta(days=MAX_SNOOZE_DAYS):
        return {"until": "Snooze for a year at most; dismiss it if it will never matter."}
    return {}


@routes.dated_form(SNOOZED, _check_snooze)
def snoozed(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    now = ctx.clock.now()
    choice = answers["for"]
    if choice == "date":
        problems = _check_snooze(answers, ctx.today)
        if problems:
            raise BadInput(next(iter(problems.values())))
        day = date.fromisoformat(answers["until"].strip())
        until = datetime.combine(day, time(0), ZoneInfo(ctx.actor.timezone or ctx.default_timezone))
    else:
        until = now + (timedelta(days=1) if choice == "1d" else timedelta(weeks=1))
    result = nudge_actions.snooze(
        ctx.session, _ids(value), ctx.actor, until, answers.get("reason") or "", now, ctx.today
    )
    local = until.astimezone(ZoneInfo(ctx.actor.timezone or ctx.default_timezone))
    told = (
        f" You've snoozed {', '.join(result.told_manager)} several times in a row, so your manager will hear of it."
        if result.told_manager
        else ""
    )
    return Reply(f"Snoozed {', '.join(result.account_names)} until {local:%a %d %b %Y}.{told}")


@routes.action(DISMISS)
def dismiss_button(ctx: CommandContext, value: str) -> Reply | Form:
    """One reason: dismissed at once. Several (an account due for more than one reason): say which."""
    ids = _ids(value)
    rows = sorted(nudge_actions.open_nudges(ctx.session, ids, ctx.actor), key=lambda row: row[0].id)
    if len(rows) <= 1:
        return _dismiss(ctx, ids)
    options = (
        Option("all", "All of them"),
        *(Option(str(n.id), REASON_WORDS[Reason(n.reason)].capitalize()) for n, _account in rows),
    )
    return Form(
        title="Dismiss",
        action=DISMISSED,
        value=value,
        intro="Dismissed reasons stay quiet until they come up again (a new renewal mark, a new drop…).",
        inputs=(Input("which", "Reason to dismiss", kind="choice", options=options, initial="all"),),
        submit="Dismiss",
    )


def _check_dismiss(answers: dict[str, str]) -> dict[str, str]:
    which = answers.get("which") or ""
    return {} if which == "all" or which.isdigit() else {"which": "Choose a reason, or all of them."}


@routes.form(DISMISSED, _check_dismiss)
def dismissed(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    which = answers["which"]
    return _dismiss(ctx, _ids(value) if which == "all" else [int(which)])


def _dismiss(ctx: CommandContext, ids: list[int]) -> Reply:
    names = nudge_actions.dismiss(ctx.session, ids, ctx.actor, ctx.clock.now())
    return Reply(f"Dismissed: no more nudges about {', '.join(names)} for this until it comes up again.")


# --- success criteria ------------------------------------------------------------------------------------------
@routes.action(CRITERIA)
def criteria_button(ctx: CommandContext, value: str) -> Reply | Form:
    account, criteria = nudge_actions.criteria_of(ctx.session, _account(value), ctx.actor)
    if not criteria:
        return Reply(f"{account.name} has no success criteria yet: add them with the accounts CSV.")
    options = tuple(Option(k, label) for k, label in CRITERION_STATUSES.items())
    shown = criteria[:MAX_CRITERIA_IN_FORM]
    more = len(criteria) - len(shown)
    return Form(
        title="Success criteria",
        action=CRITERIA_SET,
        value=AccountRef(account.id).encode(),
        intro=f"{account.name}: where each criterion stands today."
        + (f" (First {len(shown)} of {len(criteria)}.)" if more else ""),
        inputs=tuple(
            Input(f"c{c.id}", shorten(c.text, 150), kind="choice", options=options, initial=c.status) for c in shown
        ),
        submit="Save",
    )


def _check_criteria(answers: dict[str, str]) -> dict[str, str]:
    return {k: "Choose a status." for k, v in answers.items() if k.startswith("c") and v not in CRITERION_STATUSES}


@routes.form(CRITERIA_SET, _check_criteria)
def criteria_set(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    statuses = {int(k[1:]): v for k, v in answers.items() if k.startswith("c") and k[1:].isdigit()}
    count = nudge_actions.update_criteria(ctx.session, _account(value), ctx.actor, statuses, ctx.clock.now(), ctx.today)
    return Reply(f"Saved {plural(count, 'success criterion', 'success criteria')}.")


# --- /tend nudges ----------------------------------------------------------------------------------------------
@routes.subcommand("nudges", NUDGES_USAGE)
def nudges_command(ctx: CommandContext, text: str) -> Reply:
    if ctx.actor.person_id is None:
        return Reply("You're not in Tend's people list, so no accounts are yours to be nudged about.")
    now = ctx.clock.now()
    mine = my_nudges(ctx.session, ctx.actor.person_id, now, ctx.today, ctx.default_timezone)
    if not mine.owns_accounts:
        return Reply(
            "You own no accounts, so Tend has nothing to nudge you about: nudges go to each account's CSM. "
            "/tend flags lists the flags you raised."
        )
    when = _next_dm(mine.schedule, now, mine.holidays)
    due = mine.due
    if not due:
        head = "Nothing needs a touch from you right now."
        return Reply(head, blocks=(Section(head), Note(when)))
    head = f"{plural(len(due), 'account')} could use a touch from you, most urgent first:"
    blocks: list[Block] = [Section(head)]
    for entry in due[:IN_FULL]:
        blocks += entry_blocks(entry)
    rest = due[IN_FULL:]
    if rest:
        lines = "\n".join(f"• {e.name}: {e.summary}" for e in rest[:40])
        more = f"\n…and {plural(len(rest) - 40, 'more account')}" if len(rest) > 40 else ""
        blocks.append(Section(f"Also due:\n{lines}{more}"))
    if mine.snoozed:
        blocks.append(Note(f"{plural(mine.snoozed, 'nudge')} snoozed: they come back when the snooze ends."))
    blocks.append(Note(when))
    return Reply(head, blocks=tuple(blocks))


def _next_dm(schedule: Schedule, now: datetime, holidays: set[date]) -> str:
    hours = f"Nudges reach you {schedule.describe()}; change that with /tend settings."
    if schedule.is_working(now, holidays):
        return hours
    nxt = schedule.next_start(now, holidays).astimezone(ZoneInfo(schedule.timezone))
    return f"{hours} Next: {nxt:%a %d %b, %H:%M}."
