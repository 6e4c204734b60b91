"""`/tend digest [all]`: a manager's digest as it would read now, without marking it sent."""

from __future__ import annotations

from bot.digests.build import build_for, managers, previous_digests, since_of
from bot.digests.facts import gather
from bot.digests.messages import for_manager
from bot.digests.summary import summarize
from bot.messages import Note, Reply
from bot.people.actors import names
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

USAGE = (
    "/tend digest [all [page]]: your daily digest as it would read now (managers; `all` lists every item, "
    "a page at a time)"
)


@routes.subcommand("digest", USAGE)
def digest_preview(ctx: CommandContext, text: str) -> Reply:
    me = next((m for m in managers(ctx.session, ctx.default_timezone) if m.id == ctx.actor.person_id), None)
    if me is None:
        return Reply(
            "Nobody reports to you in Tend's people list, so there is no digest for you. "
            "Digests go to people named as someone's manager_email in the people CSV."
        )
    words = text.lower().split()
    everything = bool(words) and words[0] == "all"
    page = int(words[1]) if everything and len(words) > 1 and words[1].isdigit() else 1
    if words and (not everything or len(words) > 2 or (len(words) == 2 and not words[1].isdigit())):
        return Reply(f"Usage: {USAGE}.")
    now = ctx.clock.now()
    previous = previous_digests(ctx.session, [me.id]).get(me.id)
    since = since_of(previous, now)
    facts = gather(ctx.session, since, since.astimezone(ctx.local_now.tzinfo).date(), now, ctx.today)
    people = names(ctx.session)
    digest = build_for(facts, me, ctx.today, people, previous)
    summary = () if everything else summarize(ctx.model, digest)
    reply = for_manager(digest, page=page if everything else None, summary=summary)
    note = Note("Preview, not sent: your next digest still covers everything since your last one.")
    return Reply(f"Preview (not sent): {reply.text}", blocks=(note, *reply.blocks))
