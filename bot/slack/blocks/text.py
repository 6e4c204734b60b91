"""Making any text safe for Slack mrkdwn: escaped control characters, and cut to a limit without
splitting an escape sequence."""

from __future__ import annotations

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Slack's three control characters, and only those ("&" first, so nothing is escaped twice)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a person typed, from text Slack sends escaped once (slash commands, message text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def fit(text: str, limit: int) -> str:
    """`text` escaped and at most `limit` characters long once escaped, ending in "…" when cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces: list[str] = []
    size = 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if size + len(piece) > limit - 1:
            break
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces).rstrip() + "…"
