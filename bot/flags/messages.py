"""What Tend says about a flag, in neutral messages any platform can draw.

The team-channel post carries no ARR or health (it is seen by the whole channel); tier and the renewal
countdown are there because they tell the team how much is at stake.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bot.flags.permissions import FlagAction
from bot.messages import Actions, Block, Button, Field, Note, Reply, Section
from bot.models import Account, Flag, Person, Team
from bot.text import a_or_an, countdown, shorten
from bot.values import FlagRef
from bot.vocab import Tier

_LABELS = {
    FlagAction.TAKE: "Take it",
    FlagAction.RESOLVE: "Resolve",
    FlagAction.REASSIGN: "Reassign",
    FlagAction.REROUTE: "Not ours",
    FlagAction.RECATEGORIZE: "Change category",
}
_TEAM_POST = (FlagAction.RESOLVE, FlagAction.REASSIGN, FlagAction.REROUTE)  # on the team post, checked on press


def buttons(flag_id: int, actions: Iterable[FlagAction]) -> tuple[Button, ...]:
    """The buttons for `actions` on one flag (Take it is the primary one)."""
    return tuple(
        Button(_LABELS[a], a, FlagRef(flag_id).encode(), "primary" if a is FlagAction.TAKE else None) for a in actions
    )


def when(instant: datetime | None) -> str:
    if instant is None:
        return "no SLA (no team owns this category yet)"
    return instant.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


def renewal(account: Account, today: datetime) -> str:
    days = (account.renewal_date - today.date()).days if account.renewal_date else None
    return countdown(account.renewal_date, days)


def status_line(flag: Flag, manager: Person | None = None) -> str:
    if flag.status == "resolved":
        return f"✅ Resolved by {flag.credited_to or 'someone'}: {flag.outcome or 'no outcome given'}"
    if flag.status == "taken":
        return f"🙋 Taken by {flag.assignee_name}"
    if flag.escalated_at is not None:
        who = f"escalated to {manager.name}" if manager else "escalated (the team has no manager set)"
        return f"⏰ Past its SLA and nobody has taken it: {who}"
    return "🆕 Open: nobody has taken it yet"


def _facts(flag: Flag, account: Account, owner: Person | None) -> tuple[Field, ...]:
    created = flag.created_at or datetime.now(UTC)
    return (
        Field("Account", account.name),
        Field("Category", flag.category.capitalize()),
        Field("Severity", flag.severity.capitalize()),
        Field("Raised by", flag.reporter_name),
        Field("Tier", Tier(account.tier).label),
        Field("Renewal", renewal(account, created)),
        Field("CSM", owner.name if owner else "Unowned account"),
        Field("Take it by", when(flag.sla_due_at)),
    )


def for_team(
    flag: Flag,
    account: Account,
    owner: Person | None,
    team: Team | None,
    manager: Person | None = None,
    moved: str | None = None,
) -> Reply:
    """The team channel's post; redrawn in place as the flag is taken, resolved, escalated or moved away
    (`moved` says where, and the post loses its buttons)."""
    title = f"Flag #{flag.id}: {account.name}"
    blocks: list[Block] = [Section(fields=_facts(flag, account, owner)), *_described(flag)]
    if flag.source_link:
        blocks.append(Note(f"From this message: {flag.source_link}"))
    blocks.append(Section(moved or status_line(flag, manager)))
    shown: list[FlagAction] = []  # the whole channel sees them: who may press which is checked on press
    if flag.status == "open" and not moved:
        shown.append(FlagAction.TAKE)
    if flag.status != "resolved" and not moved:
        shown += _TEAM_POST
    if shown:
        blocks.append(Actions(buttons(flag.id, shown)))
    text = f"{title} — {flag.category} problem raised by {flag.reporter_name}"
    return Reply(text, title=title, blocks=tuple(blocks), private=False)


def for_csm(flag: Flag, account: Account, team: Team | None) -> Reply:
    routed = f"routed to {team.name}" if team else "not routed: no team owns this category yet"
    kind = "a problem" if flag.category == "other" else f"{a_or_an(flag.category)} problem"
    text = f"{flag.reporter_name} flagged {kind} on {account.name} (flag #{flag.id}, {routed})."
    return Reply(text, blocks=(Section(text), *_described(flag)), private=False)


def _described(flag: Flag) -> tuple[Block, ...]:
    """The reporter's words, after the model's one-line summary when there is one (marked as such)."""
    summary = (Note(f"Summary (written by AI): {flag.summary}"),) if flag.summary else ()
    return (*summary, Section(flag.description))


def update(flag: Flag, account: Account, text: str) -> Reply:
    """What the reporter and the CSM are told when the flag they care about moves."""
    about = f"Flag #{flag.id} on {account.name}: {shorten(flag.description, 200)}"
    return Reply(text, blocks=(Section(text), Note(about)), private=False)


def escalation(flag: Flag, account: Account, team: Team, channel: str | None) -> Reply:
    """The team manager's DM when a flag waited past its SLA; `channel`: the team's channel as the manager's
    platform names it."""
    text = (
        f"Flag #{flag.id} on {account.name} ({flag.category}, {flag.severity}) has waited past {team.name}'s "
        f"SLA ({when(flag.sla_due_at)}) and nobody has taken it. Please find it an owner."
    )
    return Reply(
        text,
        blocks=(
            Section(text),
            Section(flag.description),
            Note(f"Raised by {flag.reporter_name}." + (f" Post in {channel}." if channel else "")),
        ),
        private=False,
    )
