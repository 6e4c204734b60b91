"""Text helpers shared by every platform: accent folding for matching, and safe shortening for display."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Letters NFKD does not decompose into base + accent.
_EXTRA_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used to compare names ("Café Zürich" → "cafe zurich")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold().translate(_EXTRA_FOLDS)).strip()


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(ellipsis), 0)].rstrip() + ellipsis


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def countdown(day: date | None, days: int | None) -> str:
    """A renewal date with how far away it is."""
    if day is None or days is None:
        return "no renewal date"
    if days == 0:
        return f"{day.isoformat()} (today)"
    if days > 0:
        return f"{day.isoformat()} (in {_days(days)})"
    return f"{day.isoformat()} (overdue by {_days(-days)})"


def since(day: date | None, days: int | None) -> str:
    """A past date with how long ago it was."""
    if day is None or days is None:
        return "never logged"
    if days == 0:
        return f"{day.isoformat()} (today)"
    if days < 0:
        return f"{day.isoformat()} (in the future?)"
    return f"{day.isoformat()} ({_days(days)} ago)"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
