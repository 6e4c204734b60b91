"""Typed values carried by buttons and forms: what a button is about (an account, a flag, some nudges…),
encoded into the short string a chat platform keeps with the button, and decoded back, in one place. A value
that no longer decodes (a button from an older Tend, a hand-edited payload) is refused politely, never a
stack trace.

A value is a frozen dataclass of ints, strs, enums and tuples of ints, written `field:field:…` (ints in
tuples joined by commas); a str may only be the last field, and may hold anything, colons included."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Self, get_origin, get_type_hints

from bot.errors import BadInput

SEP = ":"
STALE = "That button is out of date. Run the command again to get a fresh one."


class StaleValue(BadInput):
    def __init__(self) -> None:
        super().__init__(STALE)


@dataclass(frozen=True)
class Value:
    def encode(self) -> str:
        # vars() holds the fields in their declared order (the dataclass __init__ sets them so): ~3× faster
        # than dataclasses.fields(), and a nudge run encodes tens of thousands of buttons.
        return SEP.join(_encode(item) for item in vars(self).values())

    @classmethod
    def decode(cls, text: str) -> Self:
        kinds = _kinds(cls)
        pieces = text.split(SEP, len(kinds) - 1)
        if len(pieces) != len(kinds):
            raise StaleValue()
        return cls(*(_decode(kind, piece) for kind, piece in zip(kinds, pieces, strict=True)))


@dataclass(frozen=True)
class AccountRef(Value):
    account_id: int


@dataclass(frozen=True)
class FlagRef(Value):
    flag_id: int


@dataclass(frozen=True)
class NudgeRefs(Value):
    """The open nudges one button deals with together (an account's reasons)."""

    nudge_ids: tuple[int, ...]


_KINDS: dict[type[Value], tuple[Any, ...]] = {}


def _kinds(cls: type[Value]) -> tuple[Any, ...]:
    """The field types of a value class, read once (values are decoded on every button press)."""
    if cls not in _KINDS:
        hints = get_type_hints(cls)
        _KINDS[cls] = tuple(hints[f.name] for f in fields(cls))
    return _KINDS[cls]


def _encode(item: object) -> str:
    if isinstance(item, Enum):
        return str(item.value)
    if isinstance(item, tuple):
        return ",".join(str(int(part)) for part in item)
    return str(item)


def _decode(kind: Any, piece: str) -> Any:
    if kind is int:
        return _int(piece)
    if kind is str:
        return piece
    if get_origin(kind) is tuple:
        return tuple(_int(part) for part in piece.split(",") if part)
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind(piece)
        except ValueError:
            raise StaleValue() from None
    raise TypeError(f"a button value cannot hold {kind} (see bot.values)")


def _int(piece: str) -> int:
    if not piece.isdigit():
        raise StaleValue()
    return int(piece)
