"""`/tend digest [all]`: a manager's digest as it would read now, without marking it sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import Note, Reply
from bot.models import Person
from bot.services.digest_facts import gather
from bot.services.digest_messages import for_manager
from bot.services.digest_summary import summarize
from bot.services.digests import build, last_sent, managers
from commands.context import CommandContext
from commands.tend import subcommand

USAGE = "/tend digest [all]: your daily digest as it would read now (managers; `all` lists every item)"


@subcommand("digest", USAGE)
def digest_preview(ctx: CommandContext, text: str) -> Reply:
    me = next((m for m in managers(ctx.session, ctx.default_timezone) if m.id == ctx.actor.person_id), None)
    if me is None:
        return Reply(
            "Nobody reports to you in Tend's people list, so there is no digest for you. "
            "Digests go to people named as someone's manager_email in the people CSV."
        )
    now = ctx.clock.now()
    since = last_sent(ctx.session, [me.id]).get(me.id, now - timedelta(days=1))
    local_since = since.astimezone(ctx.local_now.tzinfo)
    facts = gather(ctx.session, since, local_since.date(), now, ctx.today)
    people = dict(ctx.session.execute(select(Person.id, Person.name)).all())
    digest = build(facts, me, ctx.today, people)
    reply = for_manager(digest, everything=text.strip().lower() == "all", summary=summarize(ctx.model, digest))
    note = Note("Preview, not sent: your next digest still covers everything since your last one.")
    return Reply(f"Preview (not sent): {reply.text}", blocks=(note, *reply.blocks))
