"""Platform-neutral command layer: text in, a neutral `Reply` out, the same for Slack, Teams and the console.

Slash commands and button actions are looked up here by name; the rules of who may use Tend at all are applied
here once, so no adapter can forget them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from bot.errors import UserFacingError
from bot.messages import Form, Option, Reply
from bot.text import clean_typed, closest, shorten
from commands.context import CommandContext

log = logging.getLogger(__name__)

CommandHandler = Callable[[CommandContext, str], Reply | Form]
ActionHandler = Callable[[CommandContext, str], Reply | Form]
FormCheck = Callable[[dict[str, str]], dict[str, str]]
DatedFormCheck = Callable[[dict[str, str], date], dict[str, str]]  # also needs the asker's today
FormHandler = Callable[[CommandContext, str, dict[str, str]], Reply]

COMMANDS: dict[str, CommandHandler] = {}
ACTIONS: dict[str, ActionHandler] = {}
FORMS: dict[str, tuple[DatedFormCheck, FormHandler]] = {}
DATED: set[str] = set()  # forms whose check needs the asker's date
SearchHandler = Callable[[CommandContext, str], list[Option]]
SEARCHES: dict[str, SearchHandler] = {}
USAGE: dict[str, str] = {}

REFUSAL = (
    "Sorry, Tend is only available to full members of this workspace, so I can't show account information "
    "here. If you think that's a mistake, ask your Slack admin or your customer-success team."
)
UNKNOWN_PERSON = "I couldn't confirm who you are just now, so I can't show account information. Please try again."


def command(name: str, usage: str) -> Callable[[CommandHandler], CommandHandler]:
    def register(handler: CommandHandler) -> CommandHandler:
        COMMANDS[name] = handler
        USAGE[name] = usage
        return handler

    return register


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    def register(handler: ActionHandler) -> ActionHandler:
        ACTIONS[name] = handler
        return handler

    return register


def form(name: str, check: FormCheck) -> Callable[[FormHandler], FormHandler]:
    """Register a form handler; `check` validates the answers alone (no database), so a platform can
    return its errors inside the form before acknowledging."""

    def register(handler: FormHandler) -> FormHandler:
        FORMS[name] = (lambda answers, _today: check(answers), handler)
        return handler

    return register


def dated_form(name: str, check: DatedFormCheck) -> Callable[[FormHandler], FormHandler]:
    """As `form`, for a check that needs the asker's date (a snooze date must be in the future)."""

    def register(handler: FormHandler) -> FormHandler:
        FORMS[name] = (check, handler)
        DATED.add(name)
        return handler

    return register


def search(name: str) -> Callable[[SearchHandler], SearchHandler]:
    """Register the options a `search` form field offers as the person types."""

    def register(handler: SearchHandler) -> SearchHandler:
        SEARCHES[name] = handler
        return handler

    return register


def run_search(ctx: CommandContext, name: str, query: str) -> list[Option]:
    handler = SEARCHES.get(name)
    if handler is None or not ctx.actor.may_use_tend:
        return []
    return handler(ctx, clean_typed(query))


# What a person hears when they use something Tend no longer has (an older message's button or form).
STALE_BUTTON = "That button no longer does anything. Run the command again to get a fresh one."
STALE_FORM = "That form is out of date. Start again from the message or command."
UNKNOWN_COMMAND = "I don't know the command {name}. Try /tend help."


def needs_today(name: str) -> bool:
    """Whether form `name`'s check reads the asker's date (so the platform need not look it up otherwise)."""
    return name in DATED


def check_form(name: str, answers: dict[str, str], today: date) -> dict[str, str]:
    """Problems with the answers, by input name; empty when they may be submitted. `today`: the asker's
    date, in their time zone when known."""
    entry = FORMS.get(name)
    return entry[0](answers, today) if entry else {}


def dispatch_form(ctx: CommandContext, name: str, value: str, answers: dict[str, str]) -> Reply:
    entry = FORMS.get(name)
    if entry is None:
        return Reply(STALE_FORM)
    handler = entry[1]
    answers = {name: clean_typed(answer) for name, answer in answers.items()}
    return _guarded(ctx, lambda c, v: handler(c, v, answers), value)  # type: ignore[return-value]


def dispatch(ctx: CommandContext, name: str, text: str) -> Reply | Form:
    """Run slash command `name` (e.g. "/account") with its text as the asker in `ctx`."""
    handler = COMMANDS.get(name.strip().lower())
    if handler is None:
        guess = closest(name.strip(), COMMANDS)
        if guess:
            return Reply(f"I don't know the command {shorten(name, 40)}. Did you mean {guess} {shorten(text, 60)}?")
        return Reply(UNKNOWN_COMMAND.format(name=shorten(name, 40)))
    return _guarded(ctx, handler, text)


def dispatch_action(ctx: CommandContext, name: str, value: str) -> Reply | Form:
    """Run the handler behind a button press."""
    handler = ACTIONS.get(name)
    if handler is None:
        return Reply(STALE_BUTTON)
    return _guarded(ctx, handler, value)


def _guarded(ctx: CommandContext, handler: Callable[[CommandContext, str], Reply | Form], text: str) -> Reply | Form:
    """Every command, button and form passes here: outsiders stop, and what people typed is cleaned once."""
    if not ctx.actor.may_use_tend:
        return Reply(UNKNOWN_PERSON if ctx.actor.access == "unknown" else REFUSAL)
    try:
        return handler(ctx, clean_typed(text).strip())
    except UserFacingError as error:
        ctx.session.rollback()
        return Reply(error.message)


# Handlers register themselves on import.
from commands import (  # noqa: E402, F401
    account,
    admin,
    briefing,
    digest,
    drafts,
    flag,
    flag_actions,
    flag_filing,
    flag_form,
    flag_lists,
    home,
    nudges,
    settings,
    tend,
)
