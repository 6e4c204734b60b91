"""`/flag <account> <what happened>`: file a customer problem at once when the account is clear.

The account is the shortest leading run of words that names one account clearly (an exact name or domain
wins at any length), extended while more words keep naming the same account as well or better; the rest is
the description. The keyword rules choose the category.
"""

from __future__ import annotations

from bot.messages import Note, Reply, Section
from bot.services.catalog import Match, SearchResult, search_accounts
from bot.services.flag_messages import when
from bot.services.flags import FlagRequest, raise_flag
from commands import command
from commands.context import CommandContext

USAGE = "/flag <account> <what happened>: tell the owning team and the CSM about a customer problem"
MAX_ACCOUNT_WORDS = 6


@command("/flag", USAGE)
def flag(ctx: CommandContext, text: str) -> Reply:
    words = text.split()
    if len(words) < 2:
        return Reply(f"Usage: {USAGE}.\nFor example: /flag acme invoice charged twice")
    found = split_account(ctx, words)
    if isinstance(found, SearchResult):
        return unclear_account(found)
    match, description = found
    raised = raise_flag(
        ctx.session,
        FlagRequest(match.account_id, description, ctx.platform, f"command:{ctx.request_id}"),
        ctx.actor,
        ctx.clock.now(),
        ctx.default_timezone,
    )
    chosen = "from your words" if raised.category_source == "rules" else "as you chose"
    where = f"{raised.team_name} (#{raised.team_channel.lstrip('#')})" if raised.team_name else "no team yet"
    told = f"{raised.owner_name}, the CSM," if raised.owner_name else "the customer-success team (unowned account)"
    summary = f"Flag #{raised.flag_id} filed for {raised.account_name}: {raised.category.value} ({chosen})."
    details = f"Routed to {where}; {told} will hear too. Take-it deadline: {when(raised.sla_due_at)}."
    return Reply(
        f"{summary} {details}",
        blocks=(Section(summary), Section(details), Note(f"What you wrote: {description}")),
    )


def unclear_account(result: SearchResult) -> Reply:
    names = " or ".join(f"“{m.name}”" for m in result.matches[:3])
    lead = f"Did you mean {names}?" if result.kind == "ambiguous" else "I couldn't tell which account you mean."
    if result.kind == "none" and names:
        lead += f" The nearest names are {names.replace(' or ', ', ')}."
    text = (
        f"{lead} Nothing was filed. Start with the account's full name or domain, for example "
        "/flag northwind.example users can't log in."
    )
    return Reply(text, blocks=(Section(text),))


def split_account(ctx: CommandContext, words: list[str]) -> tuple[Match, str] | SearchResult:
    """The account named by the first words and the rest of the text; or, when no leading words name one
    account clearly, the search result that says why (several candidates, or none)."""
    limit = min(MAX_ACCOUNT_WORDS, len(words) - 1)
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
