"""`/tend <subcommand>`: help, and the sub-commands that do not deserve a slash command of their own."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import Reply, Section
from commands import USAGE, command
from commands.context import CommandContext

Subcommand = Callable[[CommandContext, str], Reply]
SUBCOMMANDS: dict[str, tuple[Subcommand, str]] = {}


def subcommand(name: str, usage: str) -> Callable[[Subcommand], Subcommand]:
    def register(handler: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = (handler, usage)
        return handler

    return register


@command("/tend", "/tend help: this list")
def tend(ctx: CommandContext, text: str) -> Reply:
    name, _, rest = text.strip().partition(" ")
    if name.lower() in SUBCOMMANDS:
        handler, _usage = SUBCOMMANDS[name.lower()]
        return handler(ctx, rest.strip())
    return help_reply(text)


def help_reply(text: str = "") -> Reply:
    usages = [usage for _name, usage in sorted(USAGE.items())] + [usage for _h, usage in SUBCOMMANDS.values()]
    lines = "\n".join(f"• {usage}" for usage in usages)
    prefix = "" if text.lower() in ("", "help") else f"I don't know “/tend {text}” yet.\n"
    body = f"{prefix}What Tend can do:\n{lines}"
    return Reply(body, blocks=(Section(body),))
