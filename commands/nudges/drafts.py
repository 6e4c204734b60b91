""" "Draft a message" on a nudge: a check-in email for the CSM to copy and send themselves (Tend never
writes to customers; bot/nudges/drafts.py)."""

from __future__ import annotations

from bot.messages import Actions, Button, Note, Reply, Section
from bot.nudges.actions import NudgeAction
from bot.nudges.drafts import draft_check_in
from bot.values import AccountRef
from commands.context import CommandContext
from commands.routes import Routes

routes = Routes()


@routes.action(NudgeAction.DRAFT)
def draft_button(ctx: CommandContext, value: str) -> Reply:
    draft = draft_check_in(ctx.session, ctx.model, AccountRef.decode(value).account_id, ctx.today, ctx.clock.now())
    intro = (
        f"A check-in for {draft.account_name} to copy into your email. Tend never sends anything to customers: "
        "read it, change it, send it yourself."
    )
    how = (
        "Written by AI from the account's records: check every line before you send it."
        if draft.by_model
        else "A template filled from the account's records."
    )
    return Reply(
        f"{intro}\n\nSubject: {draft.subject}\n\n{draft.body}",
        title=f"Draft: {draft.account_name}",
        blocks=(
            Section(intro),
            Section(f"Subject: {draft.subject}"),
            Section(draft.body),
            Note(how),
            Actions((Button("Log check-in once sent", NudgeAction.CHECK_IN, value, style="primary"),)),
        ),
    )
