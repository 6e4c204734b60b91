"""`/flag <account> <what happened>`: file a customer problem at once when the account is clear.

The account is the shortest leading run of words that names one account clearly (an exact name or domain
wins at any length), extended while more words keep naming the same account as well or better; the rest is
the description. The keyword rules (or, when configured, the model within them) choose the category.
"""

from __future__ import annotations

import re

from bot.messages import Form, Option, Reply
from bot.services.catalog import Match, SearchResult, search_accounts
from bot.services.flags import MAX_DESCRIPTION, FlagRequest
from commands import command
from commands.context import CommandContext
from commands.flag_filing import file_or_propose
from commands.flag_form import flag_form

USAGE = "/flag <account> <what happened>: tell the owning team and the CSM about a customer problem"
MAX_ACCOUNT_WORDS = 6
TOO_LONG = (
    "Nothing was filed: that description is {length:,} characters and a flag holds {limit:,}. "
    "Please send a shorter summary."
)


@command("/flag", USAGE)
def flag(ctx: CommandContext, text: str) -> Reply | Form:
    """Files at once when the account is clear; otherwise opens the flag form, prefilled."""
    words = text.split()
    if not words:
        return flag_form()
    found = split_account(ctx, words)
    if isinstance(found, tuple) and len(words) > 1:
        match, rest = found
        description = after_words(text, len(words) - len(rest.split()))
        if len(description) > MAX_DESCRIPTION:
            return Reply(TOO_LONG.format(length=len(description), limit=MAX_DESCRIPTION))
        request = FlagRequest(match.account_id, description, ctx.platform, f"command:{ctx.request_id}")
        return file_or_propose(ctx, request, severity_chosen=False)
    if isinstance(found, tuple):  # an account and nothing about the problem yet
        match, _ = found
        return flag_form(Option(str(match.account_id), match.name))
    return flag_form(description=text)


def after_words(text: str, count: int) -> str:
    """`text` without its first `count` words, its own line breaks kept (a pasted description keeps its shape)."""
    return re.split(r"\s+", text.strip(), maxsplit=count)[count] if len(text.split()) > count else ""


def split_account(ctx: CommandContext, words: list[str]) -> tuple[Match, str] | SearchResult:
    """The account named by the first words and the rest of the text; or, when no leading words name one
    account clearly, the search result that says why (several candidates, or none)."""
    limit = min(MAX_ACCOUNT_WORDS, max(len(words) - 1, 1))
    results = [search_accounts(ctx.session, " ".join(words[:k])) for k in range(1, limit + 1)]
    exact = [k for k, r in enumerate(results, start=1) if r.kind == "found" and r.matches[0].score >= 100]
    if exact:
        k = exact[-1]
        return results[k - 1].matches[0], " ".join(words[k:])
    first = next((k for k, r in enumerate(results, start=1) if r.kind != "none"), None)
    if first is None:
        return results[0]
    if results[first - 1].kind == "ambiguous":  # more words would only guess between the candidates
        return results[first - 1]
    k = first
    while k < limit:
        longer, best = results[k], results[k - 1]
        if longer.kind != "found" or longer.account_id != best.account_id:
            break
        if longer.matches[0].score < best.matches[0].score:
            break
        k += 1
    return results[k - 1].matches[0], " ".join(words[k:])
