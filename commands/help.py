"""`/tend [help]`: what Tend can do, built from each command's usage line."""

from __future__ import annotations

from bot.messages import Reply, Section
from commands import USAGE, command
from commands.context import CommandContext


@command("/tend", "/tend help: this list")
def tend(ctx: CommandContext, text: str) -> Reply:
    lines = "\n".join(f"• {usage}" for _name, usage in sorted(USAGE.items()))
    prefix = "" if text.lower() in ("", "help") else f"I don't know “/tend {text}” yet.\n"
    body = f"{prefix}What Tend can do:\n{lines}"
    return Reply(body, blocks=(Section(body),))
