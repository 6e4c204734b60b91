"""The local console: the same command layer Slack uses, with replies drawn as readable text.

Buttons are numbered; typing a number presses one. Numbers keep counting up through the conversation, so a
number never changes meaning, and a button of an earlier reply still works (as it does in Slack while the
message is on screen). No Slack workspace needed.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from sqlalchemy.orm import Session

from bot.ai.client import Model
from bot.clock import Clock
from bot.config import Settings
from bot.db import SessionFactory, session_scope
from bot.gateway import Target
from bot.messages import Actions, Button, Divider, Form, Input, Note, Option, Reply, Section
from bot.people.actors import Access, Actor, actor_for_email
from bot.runtime.requests import Call, Runtime, deliver_queued, local_today, run_for, search
from commands.router import check_form, dispatch, dispatch_action, dispatch_form

WIDTH = 78
LABEL_WIDTH = 16
PRESSABLE = 1000  # the most recent buttons that still work (older ones have scrolled far out of sight)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Lines of at most `width`, broken between words only ("Take-it" stays whole)."""
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False)


def render_text(reply: Reply, first_button: int = 1) -> str:
    """A reply as plain text, buttons numbered from `first_button`."""
    lines: list[str] = []
    if reply.title:
        lines += [f"┌─ {reply.title}", ""]
    number = first_button - 1
    for block in reply.blocks or (Section(reply.text),):
        if isinstance(block, Section):
            for paragraph in block.text.splitlines() if block.text else ():
                lines += _wrap(paragraph, WIDTH, "  ") or [""]
            for item in block.fields:
                label = f"{item.label}:".ljust(LABEL_WIDTH)
                wrapped = _wrap(item.value, WIDTH - LABEL_WIDTH) or [""]
                lines.append(label + wrapped[0])
                lines += [" " * LABEL_WIDTH + rest for rest in wrapped[1:]]
        elif isinstance(block, Note):
            lines += _wrap(f"({block.text})", WIDTH)
        elif isinstance(block, Divider):
            lines.append("─" * WIDTH)
        elif isinstance(block, Actions):
            labels = []
            for button in block.buttons:
                number += 1
                labels.append(f"[{number}] {button.label}")
            row = "   ".join(labels)
            lines += [row] if len(row) <= WIDTH else labels
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class PrintingGateway:
    """Stands in for Slack at the console: shows each outgoing message as text instead of posting it."""

    platform = "console"
    side_by_side = False  # what it prints reads in the order it was queued

    def __init__(self, out: TextIO | None = None, first_button: int = 1) -> None:
        self.out = out
        self.sent: list[str] = []
        self.buttons: list[Button] = []  # pressable at the console, numbered after the reply's own
        self.first_button = first_button

    def send(self, target: Target, reply: Reply) -> str:
        where = f"#{target.ref.lstrip('#')}" if target.kind == "channel" else target.ref
        verb = "update its message" if target.kind == "message" else f"send to {where}"
        shown = render_text(reply, self.first_button + len(self.buttons))
        self.buttons += reply.buttons()
        text = f"  ↳ Tend would {verb}:\n" + textwrap.indent(shown, "    ")
        self.sent.append(text)
        if self.out is not None:
            self.out.write(text + "\n")
        return f"console:{len(self.sent)}"


@dataclass
class _Filling:
    index: int = 0
    answers: dict[str, str] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)  # shown for the current field, picked by number
    fixing: bool = False  # answering a field the check refused: the others keep their answers


def _ask(item: Input, state: _Filling) -> str:
    """The prompt for one form field."""
    keep = f" (Enter keeps “{item.initial_label or item.initial}”)" if item.initial else ""
    if item.kind == "choice":
        state.options = list(item.options)
        chosen = next((o.label for o in item.options if o.value == item.initial), "")
        listing = "\n".join(f"  {n}) {o.label}" for n, o in enumerate(item.options, start=1))
        label = item.label if item.label.endswith(("?", ":", ".")) else f"{item.label}:"
        return f"{label}\n{listing}\nWhich one?" + (f" (Enter keeps “{chosen}”)" if chosen else "") + "\n"
    if item.kind == "search":
        return f"{item.label}: type part of a name{keep}\n"
    optional = item.optional and item.asked_when is None  # asked for a choice that needs it: required
    return f"{item.label}{keep}{' (optional)' if optional else ''}\n"


def console_runtime(settings: Settings, factory: SessionFactory, clock: Clock, model: Model | None = None) -> Runtime:
    """The runtime the console runs commands in: the one every platform uses, delivering to the screen."""
    return Runtime(
        platform="console",
        settings=settings,
        session_factory=factory,
        clock=clock,
        gateway=PrintingGateway(),
        model=model,
    )


@dataclass
class ConsoleSession:
    """One person at the console: runs commands and remembers the buttons shown, by number."""

    runtime: Runtime  # from console_runtime
    actor: Actor
    pressable: dict[int, Button] = field(default_factory=dict)
    next_number: int = 1
    form: Form | None = None  # a form being filled in, one field per line
    filling: _Filling = field(default_factory=lambda: _Filling())

    def run(self, line: str) -> str:
        line = line.strip()
        if self.form is not None and line.startswith("/"):  # a command, not an answer: drop the form
            self.form = None
            return "(The form was cancelled: nothing was changed.)\n" + self.run(line)
        if self.form is not None:
            return self._answer(self.form, line)
        if line.isdigit():
            button = self.pressable.get(int(line))
            if button is None:
                return "There is no button with that number.\n"
            return self._show(lambda ctx: dispatch_action(ctx, button.action, button.value))
        if not line.startswith("/"):
            return "Type a command such as /account acme, a button number, /tend help, or quit.\n"
        name, _, text = line.partition(" ")
        return self._show(lambda ctx: dispatch(ctx, name, text))

    def reply(self, line: str) -> Reply | Form:
        """The reply to one command line as it is, before any rendering (`try --render`)."""
        name, _, text = line.strip().partition(" ")
        name = name if name.startswith("/") else f"/{name}"
        return run_for(self.runtime, self._who, lambda ctx: dispatch(ctx, name, text)).reply

    def _answer(self, form: Form, line: str) -> str:
        """Forms are filled one field at a time; `cancel` abandons the form."""
        state = self.filling
        if line.lower() == "cancel":
            self.form = None
            return "Cancelled: nothing was changed.\n"
        field = form.inputs[state.index]
        if state.options:  # a number picks one of the options shown; Enter keeps a preset choice
            if not line and field.initial and field.kind == "choice":
                state.answers[field.name] = field.initial
            elif line.isdigit() and 1 <= int(line) <= len(state.options):
                state.answers[field.name] = state.options[int(line) - 1].value
            else:
                return f"Type a number from 1 to {len(state.options)}, or cancel.\n"
            state.options = []
        elif field.kind == "search" and line:
            state.options = self._search(field.search, line)
            if not state.options:
                return "Nothing matches that. Try another part of the name, or cancel.\n"
            return "\n".join(f"  {n}) {o.label}" for n, o in enumerate(state.options, start=1)) + "\nWhich one?\n"
        else:
            state.answers[field.name] = line or field.initial
        state.index = len(form.inputs) if state.fixing else state.index + 1  # a fixed answer: check again
        while state.index < len(form.inputs) and not form.inputs[state.index].asked(state.answers):
            state.index += 1  # a field for another choice ("Until" when snoozing for a week)
        if state.index < len(form.inputs):
            return _ask(form.inputs[state.index], state)
        problems = check_form(form.action, state.answers, local_today(self.runtime, self.actor))
        if problems:
            state.index, state.fixing = next(i for i, f in enumerate(form.inputs) if f.name in problems), True
            return "\n".join(problems.values()) + "\n" + _ask(form.inputs[state.index], state)
        self.form = None
        return self._show(lambda ctx: dispatch_form(ctx, form.action, form.value, state.answers))

    def _search(self, name: str, query: str) -> list[Option]:
        return search(self.runtime, self._who, name, query)

    def _who(self, _session: Session) -> Actor:
        return self.actor

    def _show(self, call: Call) -> str:
        answer = run_for(self.runtime, self._who, call)
        reply = answer.reply
        if isinstance(reply, Form):
            self.form, self.filling = reply, _Filling()
            intro = f"{reply.title}. {reply.intro}".strip()
            return f"{intro}\n(one field at a time; type cancel to stop)\n" + _ask(reply.inputs[0], self.filling)
        shown = render_text(reply, self._number(reply.buttons()))
        if answer.queued:  # show at once what Slack would receive
            printer = self.runtime.gateway
            assert isinstance(printer, PrintingGateway)
            printer.first_button, printer.buttons, seen = self.next_number, [], len(printer.sent)
            deliver_queued(self.runtime, answer)
            shown += "\n" + "\n".join(printer.sent[seen:])
            self._number(printer.buttons)
        return shown

    def _number(self, buttons: Sequence[Button]) -> int:
        """Make `buttons` pressable under the next numbers; the first one's number."""
        first = self.next_number
        for button in buttons:
            self.pressable[self.next_number] = button
            self.next_number += 1
        for old in [n for n in self.pressable if n <= self.next_number - 1 - PRESSABLE]:
            del self.pressable[old]
        return first


def console_actor(session_factory: SessionFactory, email: str | None) -> Actor:
    """The person the console acts as: someone from the people list, or a full member who is not in it."""
    if not email:
        return Actor(Access.MEMBER, "console user")
    with session_scope(session_factory) as session:
        actor = actor_for_email(session, email)
    return actor or Actor(Access.MEMBER, email, email.lower())


def repl(console: ConsoleSession, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Read commands until `quit` or end of input."""
    interactive = stdin.isatty()
    stdout.write(
        f"Tend console — you are {console.actor.display_name}. Try /account acme, /account, /tend help; "
        "a number presses a button; quit to leave.\n"
    )
    try:
        while True:
            if interactive:
                stdout.write("tend> ")
                stdout.flush()
            line = stdin.readline()
            if not line or line.strip().lower() in ("quit", "exit", ":q"):
                break
            if not line.strip() and console.form is None:
                continue
            if not interactive:
                stdout.write(f"tend> {line.strip()}\n")
            stdout.write(console.run(line) + "\n")
            stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C leaves as quietly as quit does
        stdout.write("\n")
