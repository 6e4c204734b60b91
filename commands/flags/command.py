"""`/flag <account> <what happened>`: file a customer problem at once when the account is clear.

The account is the shortest leading run of words that names one account clearly (an exact name or domain
wins at any length), extended while more words keep naming the same account as well or better; the rest is
the description. The keyword rules (or, when configured, the model within them) choose the category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.accounts.catalog import Match, SearchResult, search_accounts
from bot.flags.raising import MAX_DESCRIPTION, FlagRequest
from bot.instant import Instant
from bot.messages import Form, Option, Reply
from commands.context import CommandContext
from commands.flags.filing import file_or_propose
from commands.flags.form import flag_form
from commands.routes import Routes

routes = Routes()

USAGE = "/flag <account> <what happened>: tell the owning team and the CSM about a customer problem"
MAX_ACCOUNT_WORDS = 6
TOO_LONG = (
    "Nothing was filed: that description is {length:,} characters and a flag holds {limit:,}. "
    "Please send a shorter summary."
)


@routes.command("/flag", USAGE, instant=Instant.WRITES)
def flag(ctx: CommandContext, text: str) -> Reply | Form:
    """Files at once when the account is clear; otherwise opens the flag form, prefilled with what was typed:
    several accounts match → pick one of them, the description without the account's words."""
    words = text.split()
    if not words:
        return flag_form()
    named = split_account(ctx, words)
    description = after_words(text, len(words) - len(named.rest.split()))
    if len(description) > MAX_DESCRIPTION:
        return Reply(TOO_LONG.format(length=len(description), limit=MAX_DESCRIPTION))
    if named.match is not None and description:
        request = FlagRequest(named.match.account_id, description, ctx.platform, f"command:{ctx.request_id}")
        return file_or_propose(ctx, request, severity_chosen=False)
    if named.match is not None:  # an account and nothing about the problem yet
        return flag_form(Option(str(named.match.account_id), named.match.name))
    if named.result.kind == "ambiguous":
        return flag_form(description=description, candidates=named.result.matches)
    return flag_form(description=text)


@dataclass(frozen=True)
class Named:
    """What a command's first words name: one account (`match`), or the search that found several or none;
    `rest` is what follows the account's words (all of the text when no words named any)."""

    result: SearchResult
    rest: str

    @property
    def match(self) -> Match | None:
        return self.result.matches[0] if self.result.kind == "found" else None


def after_words(text: str, count: int) -> str:
    """`text` without its first `count` words, its own line breaks kept (a pasted description keeps its shape)."""
    return re.split(r"\s+", text.strip(), maxsplit=count)[count] if len(text.split()) > count else ""


def split_account(ctx: CommandContext, words: list[str]) -> Named:
    """The account named by the first words and the rest of the text; or, when no leading words name one
    account clearly, the search result that says why (several candidates after the rest, or none)."""
    limit = min(MAX_ACCOUNT_WORDS, max(len(words) - 1, 1))
    results = [search_accounts(ctx.session, " ".join(words[:k])) for k in range(1, limit + 1)]
    exact = [k for k, r in enumerate(results, start=1) if r.kind == "found" and r.matches[0].score >= 100]
    if exact:
        k = exact[-1]
        return Named(results[k - 1], " ".join(words[k:]))
    first = next((k for k, r in enumerate(results, start=1) if r.kind != "none"), None)
    if first is None:
        return Named(results[0], " ".join(words))
    if results[first - 1].kind == "ambiguous":  # more words would only guess between the candidates
        return Named(results[first - 1], " ".join(words[first:]))
    k = first
    while k < limit:
        longer, best = results[k], results[k - 1]
        if longer.kind != "found" or longer.account_id != best.account_id:
            break
        if longer.matches[0].score < best.matches[0].score:
            break
        k += 1
    return Named(results[k - 1], " ".join(words[k:]))
