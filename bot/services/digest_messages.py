"""How a digest reads: one short line on a quiet day; otherwise each kind of change in order of importance,
the top items in full and the rest counted, then one line of activity per CSM. Within Block Kit's limits
for any team size (sections are split well under 3,000 characters, at most ~40 blocks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.messages import Block, Note, Reply, Section
from bot.text import shorten

if TYPE_CHECKING:
    from bot.services.digest_summary import SummaryLine
    from bot.services.digests import Digest

IN_FULL, IN_FULL_ALL = 8, 40  # items per section in the daily message; in `/tend digest all`
MAX_ACTIVITY = 30
SECTION_CHARS = 2800


def for_manager(digest: Digest, *, everything: bool = False, summary: tuple[SummaryLine, ...] = ()) -> Reply:
    day = f"{digest.local_date:%a %d %b}"
    if digest.quiet:
        line = f"All quiet on your team's accounts since your last digest ({day})."
        return Reply(line, blocks=(Section(line),))
    limit = IN_FULL_ALL if everything else IN_FULL
    shown = [s for s in digest.sections if s.lines]
    head = f"Your team's accounts, {day}: " + ", ".join(f"{len(s.lines)} {s.title.lower()}" for s in shown[:3])
    blocks: list[Block] = [Section(f"Your team's accounts — what changed since your last digest ({day})")]
    if summary:
        lines = " ".join(f"{line.text} [{' · '.join(line.sections)}]" for line in summary)
        blocks += [Section(shorten(lines, SECTION_CHARS)), Note("Summary written by AI from the items below.")]
    for section in shown:
        lines = [f"• {shorten(line, 200)}" for line in section.lines[:limit]]
        if len(section.lines) > limit:
            lines.append(f"…and {len(section.lines) - limit} more" + ("" if everything else ": /tend digest all"))
        if section.note:
            lines.append(f"({section.note})")
        blocks += _sections(f"{section.title} ({len(section.lines)})", lines)
    if digest.activity:
        activity = [f"• {shorten(a, 200)}" for a in digest.activity[:MAX_ACTIVITY]]
        if len(digest.activity) > MAX_ACTIVITY:
            activity.append(f"…and {len(digest.activity) - MAX_ACTIVITY} more people")
        blocks += _sections("Your team", activity)
    blocks.append(Note("Preview it any time with /tend digest; change its time with /tend settings digest 08:30."))
    return Reply(head, blocks=tuple(blocks))


def _sections(title: str, lines: list[str]) -> list[Block]:
    """`title` and its lines as one or more sections, each under Slack's 3,000 characters."""
    blocks: list[Block] = []
    current = title
    for line in lines:
        if len(current) + 1 + len(line) > SECTION_CHARS:
            blocks.append(Section(current))
            current = line
        else:
            current += "\n" + line
    blocks.append(Section(current))
    return blocks
