"""Where every command, button, form and search field is looked up by name, and where the rules of who may
use Tend at all are applied once, so no adapter can forget them. The table is built here, explicitly, from each
command module's own `Routes`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import partial

from bot.errors import UserFacingError
from bot.instant import Instant
from bot.messages import Form, Option, Reply
from bot.text import clean_typed, closest, shorten
from commands import account, admin, briefing, digest, home, settings, tend
from commands.context import CommandContext
from commands.flags import actions as flag_actions
from commands.flags import command as flag_command
from commands.flags import filing as flag_filing
from commands.flags import form as flag_form
from commands.flags import lists as flag_lists
from commands.nudges import checkin, criteria, drafts, listing, snooze
from commands.routes import Routes

log = logging.getLogger(__name__)

ROUTES = Routes.merged(
    account.routes,
    admin.routes,
    briefing.routes,
    digest.routes,
    home.routes,
    checkin.routes,
    snooze.routes,
    criteria.routes,
    drafts.routes,
    listing.routes,
    settings.routes,
    flag_actions.routes,
    flag_command.routes,
    flag_filing.routes,
    flag_form.routes,
    flag_lists.routes,
)
ROUTES.command("/tend", tend.USAGE)(partial(tend.run, ROUTES))

REFUSAL = (
    "Sorry, Tend is only available to full members of this workspace, so I can't show account information "
    "here. If you think that's a mistake, ask your admin or your customer-success team."
)
UNKNOWN_PERSON = "I couldn't confirm who you are just now, so I can't show account information. Please try again."


def run_search(ctx: CommandContext, name: str, query: str) -> list[Option]:
    handler = ROUTES.searches.get(name)
    if handler is None or not ctx.actor.may_use_tend:
        return []
    return handler(ctx, clean_typed(query))


# What a person hears when they use something Tend no longer has (an older message's button or form).
STALE_BUTTON = "That button no longer does anything. Run the command again to get a fresh one."
STALE_FORM = "That form is out of date. Start again from the message or command."
UNKNOWN_COMMAND = "I don't know the command {name}. Try /tend help."


def answers_instantly(name: str) -> Instant | None:
    """How slash command `name` may be answered inside the platform's ack (see bot.instant); None: after it."""
    return ROUTES.instant.get(name.strip().lower())


def needs_today(name: str) -> bool:
    """Whether form `name`'s check reads the asker's date (so the platform need not look it up otherwise)."""
    route = ROUTES.forms.get(name)
    return route is not None and route.dated


def check_form(name: str, answers: dict[str, str], today: date) -> dict[str, str]:
    """Problems with the answers, by input name; empty when they may be submitted. `today`: the asker's
    date, in their time zone when known."""
    route = ROUTES.forms.get(name)
    return route.check(answers, today) if route else {}


def dispatch_form(ctx: CommandContext, name: str, value: str, answers: dict[str, str]) -> Reply:
    route = ROUTES.forms.get(name)
    if route is None:
        return Reply(STALE_FORM)
    handler = route.handler
    answers = {name: clean_typed(answer) for name, answer in answers.items()}
    reply = _guarded(ctx, lambda c, v: handler(c, v, answers), value)
    return reply if isinstance(reply, Reply) else Reply(STALE_FORM)  # a form's handler answers, never asks again


def dispatch(ctx: CommandContext, name: str, text: str) -> Reply | Form:
    """Run slash command `name` (e.g. "/account") with its text as the asker in `ctx`."""
    entry = ROUTES.commands.get(name.strip().lower())
    if entry is None:
        guess = closest(name.strip(), ROUTES.commands)
        if guess:
            return Reply(f"I don't know the command {shorten(name, 40)}. Did you mean {guess} {shorten(text, 60)}?")
        return Reply(UNKNOWN_COMMAND.format(name=shorten(name, 40)))
    return _guarded(ctx, entry[0], text)


def dispatch_action(ctx: CommandContext, name: str, value: str) -> Reply | Form:
    """Run the handler behind a button press."""
    handler = ROUTES.actions.get(name)
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
