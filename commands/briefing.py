"""An account briefing, from `/account <name> brief` or the card's "Briefing" button: each sentence with the
records it rests on in brackets, and what is not on file said plainly (bot/accounts/briefing.py)."""

from __future__ import annotations

from bot.accounts.briefing import Briefing, brief
from bot.instant import needs_time
from bot.messages import Actions, Button, Note, Reply, Section
from bot.values import AccountRef
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()

BRIEF = "account.brief"
SHOW_ACCOUNT = "account.show"  # handled in commands.account
WORDS = ("brief", "briefing")


def briefing(ctx: CommandContext, account_id: int) -> Reply:
    if ctx.model is not None:
        needs_time(ctx.session)  # a model's answer takes seconds: after the ack
    return briefing_reply(brief(ctx.session, ctx.model, account_id, ctx.today, ctx.clock.now()))


@routes.action(BRIEF)
def brief_button(ctx: CommandContext, value: str) -> Reply:
    return briefing(ctx, AccountRef.decode(value).account_id)


def briefing_reply(b: Briefing) -> Reply:
    title = f"Briefing: {b.account_name}"
    sections = []
    for heading, sentences in b.sections:
        lines = "\n".join(f"• {s.text} [{' · '.join(s.sources)}]" for s in sentences) or "Nothing on record."
        sections.append(Section(f"{heading}\n{lines}"))
    how = (
        "Written by AI from the records in brackets: check them before you act on it."
        if b.by_model
        else "Built by Tend's rules from the records in brackets."
    )
    notes = [Note(f"Not on file: {'; '.join(b.missing)}.")] if b.missing else []
    text = "\n\n".join(s.text for s in sections)
    return Reply(
        f"{title}\n{text}",
        title=title,
        blocks=(
            *sections,
            *notes,
            Note(f"{how} Only you can see this."),
            Actions((Button("Status card", SHOW_ACCOUNT, AccountRef(b.account_id).encode()),)),
        ),
    )
