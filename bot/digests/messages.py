"""How a digest reads: one short line only on a day when nothing needs the manager and nothing changed;
otherwise what needs them now (a worklist, most money at stake first), then each kind of change in order of
importance, the top items in full and the rest counted, then one line of activity per CSM. `/tend digest
all` lists everything, a page at a time. Bounded for any team size (a few items in full per section, the rest
counted); each platform's renderer fits what it draws to its own limits."""

from __future__ import annotations

from bot.digests.digest import Digest
from bot.digests.summary import SummaryLine
from bot.messages import Block, Note, Reply, Section
from bot.text import plural, shorten

IN_FULL = 8  # items per section in the daily message
PAGE_LINES = 60  # lines per page of `/tend digest all`
MAX_ACTIVITY = 30
NEEDS = "What needs you now"
ALL = "/tend digest all"


def for_manager(digest: Digest, *, page: int | None = None, summary: tuple[SummaryLine, ...] = ()) -> Reply:
    """The daily message; with `page`, that page of `/tend digest all`, which lists every item."""
    today = f"{digest.local_date:%a %d %b}"
    if digest.quiet:
        line = f"All quiet: nothing needs you, and nothing changed on your team's accounts {_since(digest)}."
        return Reply(line, blocks=(Section(line),))
    if page is not None:
        return _everything(digest, page, today)
    changed = [s for s in digest.sections if s.lines]
    counts = ([f"{len(digest.needs)} needing you now"] if digest.needs else []) + [
        f"{len(s.lines)} {s.title.lower()}" for s in changed[: 3 - bool(digest.needs)]
    ]
    blocks: list[Block] = [Section(f"Your team's accounts, {today}")]
    if summary:
        opening = " ".join(f"{line.text} [{' · '.join(line.sections)}]" for line in summary)
        blocks += [Section(opening), Note("Summary written by AI from the items below.")]
    needs = [f"• {shorten(item.text(), 300)}" for item in digest.needs[:IN_FULL]]
    if len(digest.needs) > IN_FULL:
        needs.append(f"…and {len(digest.needs) - IN_FULL} more: {ALL}")
    blocks += _sections(f"{NEEDS} ({len(digest.needs)})", needs) if needs else [Section(f"{NEEDS}: nothing.")]
    blocks.append(Section(f"What changed {_since(digest)}" + ("" if changed else ": nothing.")))
    for section in changed:
        lines = [f"• {shorten(line, 200)}" for line in section.lines[:IN_FULL]]
        if len(section.lines) > IN_FULL:
            lines.append(f"…and {len(section.lines) - IN_FULL} more: {ALL}")
        if section.note:
            lines.append(f"({section.note}: {ALL})" if section.standing is not None else f"({section.note})")
        blocks += _sections(f"{section.title} ({len(section.lines)})", lines)
    standing = [f"{s.title}: none new ({s.note}: {ALL})" for s in digest.sections if s.note and not s.lines]
    if standing:
        blocks += _sections("Still standing", [f"• {line}" for line in standing])
    if digest.activity:
        activity = [f"• {shorten(a, 200)}" for a in digest.activity[:MAX_ACTIVITY]]
        if len(digest.activity) > MAX_ACTIVITY:
            activity.append(f"…and {len(digest.activity) - MAX_ACTIVITY} more people: {ALL}")
        blocks += _sections("Your team", activity)
    blocks.append(Note("Preview it any time with /tend digest; change its time with /tend settings digest 08:30."))
    return Reply(f"Your team's accounts, {today}: " + ", ".join(counts), blocks=tuple(blocks))


def _since(digest: Digest) -> str:
    if digest.previous is None:
        return "in the past week (your first digest)"
    return f"since your last digest ({digest.previous:%a %d %b})"


def _everything(digest: Digest, page: int, today: str) -> Reply:
    """Every item of every list, `PAGE_LINES` to a page, each list under its title."""
    groups: list[tuple[str, list[str]]] = [(NEEDS, [item.text() for item in digest.needs])]
    for section in digest.sections:
        groups.append((f"{section.title}, {_since(digest)}", section.lines))
        if section.standing is not None:
            groups.append((f"{section.title}: {section.note}", section.standing()))
    groups.append(("Your team", digest.activity))
    lines = [(title, line) for title, group in groups for line in group]
    pages = max(1, -(-len(lines) // PAGE_LINES))
    if page < 1 or page > pages:
        text = f"There {'is' if pages == 1 else 'are'} {plural(pages, 'page')}: try {ALL} 1 to {pages}."
        return Reply(text, blocks=(Section(text),))
    shown = lines[(page - 1) * PAGE_LINES : page * PAGE_LINES]
    blocks: list[Block] = [Section(f"Your team's accounts, {today}: everything (page {page} of {pages})")]
    previous_title = lines[(page - 1) * PAGE_LINES - 1][0] if page > 1 else None
    for title in dict.fromkeys(t for t, _line in shown):
        body = [f"• {shorten(line, 300)}" for t, line in shown if t == title]
        blocks += _sections(f"{title}{' (continued)' if title == previous_title else ''}", body)
    if page < pages:
        blocks.append(Note(f"Page {page} of {pages}: {ALL} {page + 1} for the next."))
    return Reply(f"Your team's accounts, {today}: everything, page {page} of {pages}", blocks=tuple(blocks))


def _sections(title: str, lines: list[str]) -> list[Block]:
    """`title` and its lines (a platform's renderer splits a section too long for it)."""
    return [Section("\n".join((title, *lines)))]
