"""What a nudge says, in neutral messages any platform can draw: one entry per account, most urgent first,
ten in full and the rest counted, each with the buttons that deal with it."""

from __future__ import annotations

from bot.messages import Actions, Block, Button, Note, Reply, Section
from bot.nudges.actions import NudgeAction
from bot.nudges.due import DueAccount
from bot.text import plural
from bot.values import AccountRef, NudgeRefs

IN_FULL = 10


def ids_value(entry: DueAccount) -> str:
    return NudgeRefs(tuple(entry.nudge_ids)).encode()


def entry_blocks(entry: DueAccount, *, buttons: bool = True) -> list[Block]:
    blocks: list[Block] = [Section(f"{entry.name}\n{entry.summary}")]
    if buttons:
        account, nudges = AccountRef(entry.account_id).encode(), ids_value(entry)
        blocks.append(
            Actions(
                (
                    Button("Log check-in", NudgeAction.CHECK_IN, account, style="primary"),
                    Button("Draft a message", NudgeAction.DRAFT, account),
                    Button("Snooze", NudgeAction.SNOOZE, nudges),
                    Button("Update criteria", NudgeAction.CRITERIA, account),
                    Button("Dismiss", NudgeAction.DISMISS, nudges),
                )
            )
        )
    return blocks


def _more(due: list[DueAccount], hint: str) -> list[Block]:
    rest = len(due) - IN_FULL
    return [Note(f"…and {plural(rest, 'more account')}. {hint}")] if rest > 0 else []


def for_csm(due: list[DueAccount]) -> Reply:
    """The CSM's DM for one run."""
    headline = f"{plural(len(due), 'account')} could use a touch from you"
    blocks: list[Block] = [Section(headline + ", most urgent first:")]
    for entry in due[:IN_FULL]:
        blocks += entry_blocks(entry)
    blocks += _more(due, "/tend nudges shows them all.")
    first = due[0]
    return Reply(f"{headline}: {first.name} ({first.summary}){'…' if len(due) > 1 else ''}", blocks=tuple(blocks))


def for_team(due: list[DueAccount]) -> Reply:
    """The customer-success channel's weekly list of accounts nobody owns (no sensitive figures: a channel)."""
    headline = f"{plural(len(due), 'account has', 'accounts have')} no CSM"
    blocks: list[Block] = [Section(f"{headline}. Who will take them?")]
    blocks += [Section(entry.name) for entry in due[: IN_FULL * 3]]
    rest = len(due) - IN_FULL * 3
    if rest > 0:
        blocks.append(Note(f"…and {plural(rest, 'more account')}. An admin can assign owners with the accounts CSV."))
    return Reply(f"{headline}.", blocks=tuple(blocks), private=False)
