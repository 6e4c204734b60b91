"""What a person sees, whatever the platform: a message as the words on their screen and the buttons under
it, or a form with its fields, their values and the problems shown beside them. Each driver turns its
platform's payloads (Block Kit, Adaptive Cards) into these, so that one story asserts for both."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    """One message as shown: `text` is every word on it with the platform's escaping undone (what a person
    reads), `buttons` its buttons by label (each driver's own handle), `raw` the payload as sent."""

    text: str
    buttons: dict[str, Any]
    raw: Any
    where: str = ""  # the conversation or channel it is in (a driver's own id)

    def __contains__(self, words: str) -> bool:
        return words in self.text


@dataclass
class Form:
    """A form (a Slack modal, a Teams dialog or form card) as shown: its title, each field's current value
    by id, and what was wrong beside each field after a submit."""

    title: str
    fields: dict[str, str | None]
    errors: dict[str, str] = field(default_factory=dict)
    raw: Any = None
    handle: Any = None  # what the driver needs to submit it


def strings(value: Any, keys: tuple[str, ...], skip: tuple[str, ...] = ()) -> Iterator[str]:
    """Every string found under one of `keys`, at any depth, in document order (not inside `skip`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            elif key not in skip:
                yield from strings(item, keys, skip)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, keys, skip)


_BACKSLASHED = re.compile(r"\\([\\*_`~\[\]\-+#.])")


def shown_slack(text: str) -> str:
    """mrkdwn as read: Slack shows &lt; &gt; &amp; as the characters."""
    return html.unescape(text)


def shown_teams(text: str) -> str:
    """Adaptive Card markdown as read: a backslashed character shows as itself, entities as the characters."""
    return html.unescape(_BACKSLASHED.sub(r"\1", text))
