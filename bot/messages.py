"""Platform-neutral reply documents: what to say, never how a platform draws it.

Every string here is plain text exactly as a person typed or stored it; each adapter escapes it for its own
markup (Slack mrkdwn, Teams cards, the console) and enforces its own size limits. Tend's command hints are
written as slash commands ("/tend flags"); a platform without slash commands rewrites them (`typed_hints`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

COMMANDS = ("account", "flag", "tend")
_HINT = re.compile(rf"(?<![\w/])/({'|'.join(COMMANDS)})\b")


def typed_hints(text: str) -> str:
    """Command hints as typed where there are no slash commands: "try /tend flags" → "try tend flags"."""
    return _HINT.sub(r"\1", text)


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
    action: str  # the name a command module registers its handler under (commands/routes.py)
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
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    """One field of a form. `kind`: free `text`; a `choice` among `options`; or a `search`, whose options
    come from the search registered under `search` as the person types (accounts, for instance)."""

    name: str
    label: str
    max_length: int = 300
    multiline: bool = False
    hint: str = ""
    kind: Literal["text", "choice", "search"] = "text"
    options: tuple[Option, ...] = ()
    initial: str = ""  # a text value, or the value of the initially chosen option
    initial_label: str = ""  # the label of `initial` for a search field
    optional: bool = False
    search: str = ""
    # Asked only when another field has a given answer, e.g. ("for", "date"): the console skips it otherwise;
    # a Slack modal, which cannot hide a field, shows it as optional and its form check requires it then.
    asked_when: tuple[str, str] | None = None

    def asked(self, answers: dict[str, str]) -> bool:
        return self.asked_when is None or answers.get(self.asked_when[0]) == self.asked_when[1]


@dataclass(frozen=True)
class Form:
    """A small form to fill in (a Slack modal, a console prompt). Submitting it runs the form handler
    registered as `action`, with `value` and the answers by input name."""

    title: str
    action: str
    value: str
    inputs: tuple[Input, ...]
    submit: str = "Submit"
    intro: str = ""


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


_BLOCKS: dict[str, type] = {"Section": Section, "Actions": Actions, "Note": Note, "Divider": Divider}


def to_dict(reply: Reply) -> dict[str, Any]:
    """A JSON-ready form of a reply, for the outbox (messages are stored before they are sent)."""
    return {
        "text": reply.text,
        "title": reply.title,
        "private": reply.private,
        "blocks": [{"type": type(block).__name__, **_plain(vars(block))} for block in reply.blocks],
    }


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    """A block's fields as JSON-ready values, nested buttons and fields included. Not `dataclasses.asdict`,
    which deep-copies every value: six times slower, and a nudge run stores a thousand messages at once."""
    return {name: _value(value) for name, value in fields.items()}


def _value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_value(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return _plain(vars(value))
    return value


def from_dict(data: dict[str, Any]) -> Reply:
    blocks: list[Block] = []
    for item in data.get("blocks", []):
        fields = {k: v for k, v in item.items() if k != "type"}
        if item["type"] == "Section":
            blocks.append(Section(fields.get("text", ""), tuple(Field(**f) for f in fields.get("fields", ()))))
        elif item["type"] == "Actions":
            blocks.append(Actions(tuple(Button(**b) for b in fields["buttons"])))
        else:
            blocks.append(_BLOCKS[item["type"]](**fields))
    return Reply(data["text"], data.get("title"), tuple(blocks), data.get("private", True))
