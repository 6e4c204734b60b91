"""Making any text safe for Slack mrkdwn: escaped control characters, and cut to a limit without
splitting an escape sequence."""

from __future__ import annotations

from bot.text import shorten


def escape(text: str) -> str:
    """Slack's three control characters, and only those ("&" first, so nothing is escaped twice)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` escaped and at most `limit` characters long once escaped, ending in "…" when cut."""
    escaped = escape(text)
    cut = limit
    while len(escaped) > limit:
        cut -= len(escaped) - limit
        escaped = escape(shorten(text, max(cut, 1)))
    return escaped
