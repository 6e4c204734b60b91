"""Text helpers shared by every platform: accent folding for matching, and safe shortening for display."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from rapidfuzz import fuzz, process

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
# Characters that change how text looks without being seen: C0/C1 controls (NUL among them), bidirectional
# overrides and isolates (which reverse what follows), and zero-width characters.
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff\u180e"
_UNTYPABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")
_INVISIBLE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}{_ZERO_WIDTH}]")


def clean_typed(text: str) -> str:
    """What a person typed, as Tend keeps it: NFC-normalised (so `Café` typed either way is one word), without
    control characters (a NUL no database accepts) or direction overrides; line breaks and tabs stay, and so
    do zero-width joiners (emoji and some scripts need them)."""
    return _UNTYPABLE.sub("", unicodedata.normalize("NFC", text))


def invisible_characters(text: str) -> list[str]:
    """The characters in `text` that a name must not hold, by Unicode name ("U+202E RIGHT-TO-LEFT OVERRIDE"):
    with them, two names that look the same on screen are different."""
    found = dict.fromkeys(_INVISIBLE.findall(text))
    return [f"U+{ord(c):04X} {unicodedata.name(c, 'CONTROL CHARACTER')}" for c in found]


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


def a_or_an(word: str) -> str:
    """The word with its indefinite article: "an executive", "a billing", "a user" (a vowel sound)."""
    vowel = word[:1].lower() in "aeiou" and not word.lower().startswith(("use", "uni", "eu", "one"))
    return f"{'an' if vowel else 'a'} {word}"


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


def closest(typed: str, choices: Iterable[str], cutoff: float = 70) -> str | None:
    """The choice `typed` most likely meant ("setings" → "settings"), or None when none is close: for a
    "did you mean" instead of a list of everything."""
    found = process.extractOne(typed.lower(), list(choices), scorer=fuzz.ratio, processor=str.lower)
    return found[0] if found and found[1] >= cutoff else None
