"""The flag form: account (searchable), category, severity and description. Opened by /flag alone, by
/flag with an unclear account, by both shortcuts and by the account card's "Flag a problem" button."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.accounts.catalog import Match, search_accounts
from bot.accounts.status import account_name
from bot.flags.raising import MAX_DESCRIPTION, FlagRequest
from bot.messages import Form, Input, Option, Reply
from bot.values import AccountRef
from bot.vocab import Category, Severity
from commands.account import FLAG_NEW
from commands.context import CommandContext
from commands.flags.filing import CATEGORY_OPTIONS, SEVERITIES, file_or_propose
from commands.routes import Routes

routes = Routes()

SUBMIT = "flag.submit"
NEW = FLAG_NEW
COMPOSE = "flag.compose"
ACCOUNTS = "accounts"
LET_TEND_CHOOSE = "auto"
MAX_CANDIDATES = 25  # accounts offered to choose from when what was typed matched several
CATEGORIES = (
    Option(LET_TEND_CHOOSE, "Let Tend choose from the description"),
    *CATEGORY_OPTIONS,
)


def flag_form(
    account: Option | None = None,
    description: str = "",
    source_link: str = "",
    candidates: Sequence[Match] = (),
) -> Form:
    """The form to raise a flag, prefilled with whatever is already known; `candidates`: the accounts what
    was typed could mean, offered as a choice instead of a search from scratch."""
    if candidates:
        options = tuple(Option(str(m.account_id), m.name) for m in candidates[:MAX_CANDIDATES])
        which = Input("account", "Which account?", kind="choice", options=options)
    else:
        which = Input(
            "account",
            "Account",
            kind="search",
            search=ACCOUNTS,
            initial=account.value if account else "",
            initial_label=account.label if account else "",
        )
    return Form(
        title="Flag a problem",
        action=SUBMIT,
        value=source_link,
        submit="Flag it",
        intro="The owning team and the account's CSM will be told, and you'll hear the outcome.",
        inputs=(
            which,
            Input("category", "Category", kind="choice", options=CATEGORIES, initial=LET_TEND_CHOOSE),
            Input("severity", "Severity", kind="choice", options=SEVERITIES, initial=Severity.NORMAL.value),
            Input(
                "description",
                "What happened?",
                MAX_DESCRIPTION,
                multiline=True,
                initial=description,
                hint="Say what the customer said or what you saw. Everyone on the owning team will read it.",
            ),
        ),
    )


@routes.search(ACCOUNTS)
def find_accounts(ctx: CommandContext, query: str) -> list[Option]:
    result = search_accounts(ctx.session, query)
    return [Option(str(m.account_id), m.name) for m in result.matches]


@routes.action(COMPOSE)
def compose(ctx: CommandContext, value: str) -> Form:
    """A shortcut's form: `value` is JSON with the message's text and link (both optional)."""
    try:
        given = json.loads(value) if value else {}
    except ValueError:
        given = {}
    return flag_form(
        description=str(given.get("text") or "")[:MAX_DESCRIPTION], source_link=str(given.get("link") or "")
    )


@routes.action(NEW)
def new_flag(ctx: CommandContext, value: str) -> Form:
    """The card's "Flag a problem" button: the form with the account already chosen."""
    if not value:  # the Home tab's button: no account chosen yet
        return flag_form(None)
    account_id = AccountRef.decode(value).account_id
    name = account_name(ctx.session, account_id)
    return flag_form(Option(str(account_id), name) if name else None)


def _check(answers: dict[str, str]) -> dict[str, str]:
    problems = {}
    if not (answers.get("account") or "").isdigit():
        problems["account"] = "Choose the account the problem is about."
    description = (answers.get("description") or "").strip()
    if not description:
        problems["description"] = "Say what happened, in a sentence or two."
    elif len(description) > MAX_DESCRIPTION:
        problems["description"] = f"Keep it under {MAX_DESCRIPTION} characters."
    if answers.get("category", LET_TEND_CHOOSE) not in {o.value for o in CATEGORIES}:
        problems["category"] = "Choose a category, or let Tend choose."
    if answers.get("severity", Severity.NORMAL.value) not in {o.value for o in SEVERITIES}:
        problems["severity"] = "Choose a severity."
    return problems


@routes.form(SUBMIT, _check)
def submitted(ctx: CommandContext, value: str, answers: dict[str, str]) -> Reply:
    category = answers.get("category") or LET_TEND_CHOOSE
    request = FlagRequest(
        account_id=int(answers["account"]),
        description=answers["description"].strip(),
        source_platform=ctx.platform,
        source_ref=f"form:{ctx.request_id}",  # the modal's id: a double submit files once
        category=None if category == LET_TEND_CHOOSE else Category(category),
        severity=Severity(answers.get("severity") or Severity.NORMAL.value),
        source_link=value or None,
    )
    return file_or_propose(ctx, request, severity_chosen=True)
