"""Flags as people see them wherever they are listed (`/tend flags`, the Home tab, the account card) and on
their own (`/tend flag 4`): each with the buttons its viewer may press, so that a flag can be acted on from
wherever it is seen, not only from its team's post."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.flags.lists import FlagDetail, FlagLine, Step
from bot.flags.messages import buttons, status_line, when
from bot.messages import Actions, Block, Button, Field, Note, Reply, Section
from bot.text import shorten
from bot.values import FlagRef
from commands.formatting import flag_line

SHOW = "flag.show"  # handled in commands.flags.lists

_DONE = {
    "raised": "raised by",
    "taken": "taken by",
    "resolved": "resolved by",
    "rerouted": "moved by",
    "reassigned": "reassigned by",
    "escalated": "escalated by",
}


def listed(lines: Sequence[FlagLine], note: Callable[[FlagLine], str] | None = None) -> list[Block]:
    """One section per flag, then its buttons: what the viewer may do, and Details (its history)."""
    blocks: list[Block] = []
    for line in lines:
        blocks.append(Section(f"• {flag_line(line)}" + (note(line) if note else "")))
        blocks.append(
            Actions((*buttons(line.flag_id, line.actions), Button("Details", SHOW, FlagRef(line.flag_id).encode())))
        )
    return blocks


def detail(shown: FlagDetail, timezone: str) -> Reply:
    """One flag: the team post's facts, the reporter's words, where it stands, how it was routed, every step
    of its life in the viewer's time zone, and the viewer's buttons."""
    flag, account = shown.flag, shown.account
    title = f"Flag #{flag.id}: {account.name}"
    facts = (
        Field("Category", flag.category.capitalize()),
        Field("Severity", flag.severity.capitalize()),
        Field("Team", shown.line.team_name or "none: no team owns this category yet"),
        Field("Raised by", flag.reporter_name),
        Field("CSM", shown.csm.name if shown.csm else "Unowned account"),
        Field("Take it by", when(flag.sla_due_at)),
    )
    blocks: list[Block] = [
        Section(fields=facts),
        Section(flag.description),
        Section(status_line(flag)),
    ]
    if flag.routed_because:
        blocks.append(Note(f"Routed: {flag.routed_because}"))
    zone = ZoneInfo(timezone)
    history = "\n".join(_step(step, zone) for step in shown.steps[-40:]) or "No steps recorded."
    blocks.append(Section(f"History\n{history}"))
    if shown.line.actions:
        blocks.append(Actions(buttons(flag.id, shown.line.actions)))
    else:
        blocks.append(Note("Only the team that owns it, its manager and Tend admins can act on it."))
    return Reply(f"{title} — {flag_line(shown.line)}", title=title, blocks=tuple(blocks))


def _step(step: Step, zone: ZoneInfo) -> str:
    at = step.at.astimezone(zone).strftime("%a %d %b, %H:%M")
    what = f"{_DONE.get(step.kind, step.kind + ' by')} {step.actor_name}"
    return f"• {at}: {what}" + (f": {shorten(step.detail, 300)}" if step.detail else "")
