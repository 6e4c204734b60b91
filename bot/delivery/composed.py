"""Messages the outbox holds as what to say rather than as the words: a `Recipe`, written out by the domain
that knows how when the message is sent. For a batch of many messages whose words cost more than their
queueing (the first nudge run after an import: 1,334 DMs about 50k accounts), so that the transaction that
decides who is told stays short, and each message says what is true when it arrives, not when it was queued.
What is recorded before sending is still everything needed to send it: the recipe and the rows it reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.messages import Reply, to_dict

COMPOSE = "compose"  # the payload key that marks a recipe


@dataclass(frozen=True)
class Recipe:
    kind: str  # which domain writes it (`composers`)
    params: dict[str, Any]  # JSON-safe: what it needs to find its rows
    summary: str  # what `/tend admin outbox` shows of it before it is written

    def payload(self) -> dict[str, Any]:
        return {COMPOSE: self.kind, "params": self.params, "text": self.summary}


Composer = Callable[[Session, Sequence[tuple[int, dict[str, Any]]]], dict[int, Reply | None]]
"""(message id, params) of a batch → each message's words, or None when nothing is left to say."""


def is_recipe(payload: dict[str, Any]) -> bool:
    return COMPOSE in payload


def composers() -> dict[str, Composer]:
    """The domains whose messages are written when sent. Imported here, late, because those domains queue
    through the outbox: a module-level import would be a cycle."""
    from bot.nudges import composing

    return {composing.KIND: composing.compose}


def write(session: Session, recipes: Sequence[tuple[int, dict[str, Any]]]) -> dict[int, dict[str, Any] | None]:
    """The payload to send for each recipe (message id, payload), one composer call per kind; None: nothing
    left to say."""
    by_kind: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for message_id, payload in recipes:
        by_kind.setdefault(payload[COMPOSE], []).append((message_id, payload["params"]))
    known = composers()
    written: dict[int, dict[str, Any] | None] = {}
    for kind, batch in by_kind.items():
        replies = known[kind](session, batch)
        written.update((i, to_dict(reply) if reply is not None else None) for i, reply in replies.items())
    return written
