"""`/tend <subcommand>`: help, and the sub-commands that do not deserve a slash command of their own."""

from __future__ import annotations

from collections.abc import Callable

from bot.messages import Note, Reply, Section
from bot.text import closest, shorten
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
    """Everything Tend can do; for a mistyped sub-command, the one it most likely meant instead."""
    name = text.split()[0].lower() if text.split() else ""
    if name not in ("", "help"):
        guess = closest(name, SUBCOMMANDS)
        if guess:
            rest = text.split(maxsplit=1)[1:]
            meant = " ".join([f"/tend {guess}", *rest])
            body = f"I don't know “/tend {shorten(text, 60)}”. Did you mean {meant}? (/tend help lists everything.)"
            return Reply(body, blocks=(Section(body), Note(SUBCOMMANDS[guess][1])))
    usages = [usage for _name, usage in sorted(USAGE.items())] + [usage for _h, usage in SUBCOMMANDS.values()]
    lines = "\n".join(f"• {usage}" for usage in usages)
    prefix = "" if name in ("", "help") else f"I don't know “/tend {shorten(text, 60)}” yet.\n"
    body = f"{prefix}What Tend can do:\n{lines}"
    return Reply(body, blocks=(Section(body),))
