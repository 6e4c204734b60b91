"""Logging a touch with a customer: the nudge's "Log check-in" button and form, the Home tab's "Log a check-in"
(any account), and `/tend checkin <account> [call|email|meeting|chat] [note]` from anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz.distance import OSA

from bot.accounts.catalog import Match
from bot.accounts.status import account_name
from bot.errors import BadInput
from bot.messages import Form, Input, Option, Reply
from bot.nudges import actions as nudge_actions
from bot.nudges.actions import CHANNELS, MAX_NOTE, NudgeAction
from bot.text import plural
from bot.values import AccountRef
from commands.context import CommandContext
from commands.flags.command import split_account
from commands.flags.form import ACCOUNTS
from commands.routes import Routes

CHECKED_IN = "nudge.checked_in"
CHECKIN_USAGE = "/tend checkin <account> [call|email|meeting|chat] [note]: log a touch with a customer"
# Ways of being in touch that are not Tend's kinds: refused (with the kinds), not logged as a chat whose
# note starts with that word. Words that can start a note ("lunch with their CFO…") are not among them.
OTHER_CHANNELS = frozenset(
    ("telegram", "whatsapp", "signal", "wechat", "sms", "imessage", "skype", "webex", "zoom", "slack", "fax")
)
CHANNEL_WORDS = {"call": "a call", "email": "an email", "meeting": "a meeting", "chat": "a chat"}

routes = Routes()


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


@routes.action(NudgeAction.CHECK_IN)
def log_check_in_button(ctx: CommandContext, value: str) -> Form:
    name = account_name(ctx.session, AccountRef.decode(value).account_id)
    if name is None:
        raise BadInput("That account no longer exists.")
    return checkin_form(AccountRef.decode(value).account_id, name)


def check_check_in(answers: dict[str, str]) -> dict[str, str]:
    problems = {}
    if answers.get("channel") not in CHANNELS:
        problems["channel"] = "Choose how you were in touch."
    if len(" ".join((answers.get("note") or "").split())) > MAX_NOTE:
        problems["note"] = f"Keep it to one line ({MAX_NOTE} characters at most)."
    return problems


@routes.form(CHECKED_IN, check_check_in)
def checked_in(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    return checked_in_reply(ctx, AccountRef.decode(value).account_id, answers["channel"], answers.get("note") or "")


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
