"""The names a command module answers to: its slash commands, `/tend` sub-commands, buttons, forms and search
fields. Each module fills its own `Routes`; `commands.router` merges them in one explicit list, so what Tend
answers to never depends on which modules happened to be imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from bot.instant import Instant
from bot.messages import Form, Option, Reply
from commands.context import CommandContext

CommandHandler = Callable[[CommandContext, str], Reply | Form]
ActionHandler = Callable[[CommandContext, str], Reply | Form]
Subcommand = Callable[[CommandContext, str], Reply | Form]
FormCheck = Callable[[dict[str, str]], dict[str, str]]
DatedFormCheck = Callable[[dict[str, str], date], dict[str, str]]  # also needs the asker's today
FormHandler = Callable[[CommandContext, str, dict[str, str]], Reply]
SearchHandler = Callable[[CommandContext, str], list[Option]]
# The decorators hand back the function as it was (a handler that always answers a Reply stays one).
C = TypeVar("C", bound=CommandHandler)
S = TypeVar("S", bound=Subcommand)
A = TypeVar("A", bound=ActionHandler)
F = TypeVar("F", bound=FormHandler)
Q = TypeVar("Q", bound=SearchHandler)


@dataclass
class FormRoute:
    check: DatedFormCheck
    handler: FormHandler
    dated: bool  # the check reads the asker's date (so a platform looks it up only then)


@dataclass
class Routes:
    commands: dict[str, tuple[CommandHandler, str]] = field(default_factory=dict)  # name → (handler, usage)
    subcommands: dict[str, tuple[Subcommand, str]] = field(default_factory=dict)  # of /tend
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    forms: dict[str, FormRoute] = field(default_factory=dict)
    searches: dict[str, SearchHandler] = field(default_factory=dict)
    instant: dict[str, Instant] = field(default_factory=dict)  # commands that may answer inside the ack

    def command(self, name: str, usage: str, *, instant: Instant | None = None) -> Callable[[C], C]:
        """A slash command. `instant`: its answer is milliseconds of work, so a platform may give it inside
        the acknowledgement (bot.instant); a branch that needs longer calls `needs_time`."""

        def register(handler: C) -> C:
            self._add(self.commands, name, (handler, usage))
            if instant is not None:
                self._add(self.instant, name, instant)
            return handler

        return register

    def subcommand(self, name: str, usage: str) -> Callable[[S], S]:
        """A `/tend <name>` sub-command (those that do not deserve a slash command of their own)."""

        def register(handler: S) -> S:
            self._add(self.subcommands, name, (handler, usage))
            return handler

        return register

    def action(self, name: str) -> Callable[[A], A]:
        def register(handler: A) -> A:
            self._add(self.actions, name, handler)
            return handler

        return register

    def form(self, name: str, check: FormCheck) -> Callable[[F], F]:
        """A form's handler; `check` validates the answers alone (no database), so a platform can return its
        errors inside the form before acknowledging."""

        def register(handler: F) -> F:
            self._add(self.forms, name, FormRoute(lambda answers, _today: check(answers), handler, dated=False))
            return handler

        return register

    def dated_form(self, name: str, check: DatedFormCheck) -> Callable[[F], F]:
        """As `form`, for a check that needs the asker's date (a snooze date must be in the future)."""

        def register(handler: F) -> F:
            self._add(self.forms, name, FormRoute(check, handler, dated=True))
            return handler

        return register

    def search(self, name: str) -> Callable[[Q], Q]:
        """The options a `search` form field offers as the person types."""

        def register(handler: Q) -> Q:
            self._add(self.searches, name, handler)
            return handler

        return register

    @staticmethod
    def merged(*parts: Routes) -> Routes:
        """All of `parts` in one table; two modules claiming one name is a bug caught at start-up."""
        whole = Routes()
        for part in parts:
            for mine, theirs in zip(whole._tables(), part._tables(), strict=True):
                for name, entry in theirs.items():
                    whole._add(mine, name, entry)
        return whole

    def _tables(self) -> tuple[dict[str, Any], ...]:
        return (self.commands, self.subcommands, self.actions, self.forms, self.searches, self.instant)

    @staticmethod
    def _add(table: dict[str, Any], name: str, entry: object) -> None:
        if name in table:
            raise ValueError(f"{name!r} is registered twice")
        table[name] = entry
