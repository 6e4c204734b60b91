"""`/tend <subcommand>`: help, and the sub-commands that do not deserve a slash command of their own."""

from __future__ import annotations

from bot.messages import Form, Note, Reply, Section
from bot.text import closest, shorten
from commands.context import CommandContext
from commands.routes import Routes

USAGE = "/tend help: this list"


def run(routes: Routes, ctx: CommandContext, text: str) -> Reply | Form:
    """`/tend <sub-command> …` among those in `routes`; anything else is help."""
    name, _, rest = text.strip().partition(" ")
    if name.lower() in routes.subcommands:
        handler, _usage = routes.subcommands[name.lower()]
        return handler(ctx, rest.strip())
    return help_reply(routes, text)


def help_reply(routes: Routes, text: str = "") -> Reply:
    """Everything Tend can do; for a mistyped sub-command, the one it most likely meant instead."""
    name = text.split()[0].lower() if text.split() else ""
    if name not in ("", "help"):
        guess = closest(name, routes.subcommands)
        if guess:
            rest = text.split(maxsplit=1)[1:]
            meant = " ".join([f"/tend {guess}", *rest])
            body = f"I don't know “/tend {shorten(text, 60)}”. Did you mean {meant}? (/tend help lists everything.)"
            return Reply(body, blocks=(Section(body), Note(routes.subcommands[guess][1])))
    usages = [usage for _name, usage in sorted((name, usage) for name, (_h, usage) in routes.commands.items())] + [
        usage for _h, usage in routes.subcommands.values()
    ]
    lines = "\n".join(f"• {usage}" for usage in usages)
    prefix = "" if name in ("", "help") else f"I don't know “/tend {shorten(text, 60)}” yet.\n"
    body = f"{prefix}What Tend can do:\n{lines}"
    return Reply(body, blocks=(Section(body),))
