"""`/flag`: raising customer problems. The flagging issue builds it; until then it says so politely."""

from __future__ import annotations

from bot.messages import Reply
from commands import command
from commands.context import CommandContext


@command("/flag", "/flag <account> <what happened>: flag a customer problem (coming soon)")
def flag(ctx: CommandContext, text: str) -> Reply:
    return Reply("Flagging customer problems is coming soon. For now, tell the account's CSM directly.")
