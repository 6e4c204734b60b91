"""Platform-neutral reply documents: what to say, never how a platform draws it.

Every string here is plain text exactly as a person typed or stored it; each adapter escapes it for its own
markup (Slack mrkdwn, Teams cards, the console) and enforces its own size limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A paragraph and/or a grid of labelled values."""

    text: str = ""
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # a name registered in commands.actions
    value: str = ""
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Note:
    """Small print under a card."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


Block = Section | Actions | Note | Divider


@dataclass(frozen=True)
class Reply:
    """One answer to a person. `text` is the one-line summary for notifications and screen readers.

    `private` replies carry data only the asker may see (ARR, health, renewal terms): adapters must show them
    to the asker alone, never in a channel.
    """

    text: str
    title: str | None = None
    blocks: tuple[Block, ...] = ()
    private: bool = True

    def buttons(self) -> tuple[Button, ...]:
        return tuple(button for block in self.blocks if isinstance(block, Actions) for button in block.buttons)
