"""Neutral `Reply` → a Teams message with one Adaptive Card (version 1.5).

User text and customer data go into TextBlocks and FactSets with markdown and `<at>` neutralised (`escape`),
so no account name can format text, fake a link or mention anyone; Tend adds no mention entities at all. A
card stays under Teams' size limit: long texts are cut, and past the budget the rest of the blocks give way
to a note saying so. Buttons are Action.Submit carrying the neutral action and value."""

from __future__ import annotations

import json
import re
from typing import Any

from bot import messages
from bot.messages import typed_hints
from bot.text import shorten

CARD = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
CARD_BUDGET = 28_000  # bytes of JSON: Teams refuses messages near 100 KB; cards well under stay safe
TEXT_LIMIT = 6_000  # characters of one TextBlock
FACT_LIMIT = 1_000
BUTTON_LABEL = 60
SUMMARY_LIMIT = 1_000
_MARKUP = re.compile(r"([\\*_`~\[\]])")
_LINE_START = re.compile(r"^(\s*)([-+#]|\d+\.)", re.MULTILINE)  # what would start a list or a heading


def escape(text: str) -> str:
    """Text as shown, never as markdown or markup: `<`/`>`/`&` as entities (so `<at>…</at>` is no mention),
    markdown characters backslashed, and Tend's own hints as typed on Teams ("tend flags")."""
    text = typed_hints(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKUP.sub(r"\\\1", text)
    return _LINE_START.sub(_quiet_line_start, text)


def _quiet_line_start(found: re.Match[str]) -> str:
    mark = found.group(2)
    return found.group(1) + (mark[:-1] + "\\." if mark.endswith(".") else "\\" + mark)


def _plain(text: str) -> str:
    """Plain text where Teams shows no markdown (a summary): only what could read as markup or a mention."""
    return typed_hints(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape(shorten(text, TEXT_LIMIT)), "wrap": True, **style}


def _section(block: messages.Section) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [_text(block.text)] if block.text else []
    if block.fields:
        facts = [
            {"title": escape(shorten(f.label, 100)), "value": escape(shorten(f.value, FACT_LIMIT))}
            for f in block.fields
        ]
        parts.append({"type": "FactSet", "facts": facts})
    return parts


def _button(button: messages.Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": shorten(button.label, BUTTON_LABEL),
        # task/fetch: Teams sends the press as an invoke, so that a form opens as a dialog (bot.teams.requests)
        "data": {"msteams": {"type": "task/fetch"}, "tend": {"action": str(button.action), "value": button.value}},
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def _elements(block: messages.Block) -> list[dict[str, Any]]:
    if isinstance(block, messages.Section):
        return _section(block)
    if isinstance(block, messages.Actions):
        return [{"type": "ActionSet", "actions": [_button(b) for b in block.buttons]}]
    if isinstance(block, messages.Note):
        return [_text(block.text, size="Small", isSubtle=True)]
    return [{"type": "Container", "separator": True, "items": []}]


def card(reply: messages.Reply) -> dict[str, Any]:
    """The reply as one Adaptive Card, never over CARD_BUDGET."""
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_text(reply.title, size="Medium", weight="Bolder"))
    blocks = reply.blocks or (messages.Section(reply.text),)
    size = len(json.dumps(body))
    for index, block in enumerate(blocks):
        elements = _elements(block)
        grown = len(json.dumps(elements))
        if size + grown > CARD_BUDGET:
            left = len(blocks) - index
            body.append(_text(f"…and {left} more part{'s' if left != 1 else ''} too long to show here.", isSubtle=True))
            break
        body.extend(elements)
        size += grown
    return {"type": "AdaptiveCard", "version": VERSION, "body": body}


def activity(reply: messages.Reply) -> dict[str, Any]:
    """A message activity carrying the card. The one-line summary goes in `summary` (notifications, clients
    that draw no cards), not in `text`, which Teams would show above the card as a second copy."""
    return {
        "type": "message",
        "summary": _plain(shorten(reply.text, SUMMARY_LIMIT)),
        "attachments": [{"contentType": CARD, "content": card(reply)}],
    }


def _input(field: messages.Input, answers: dict[str, str], problem: str | None) -> list[dict[str, Any]]:
    label = shorten(field.label, 100) + ("" if not field.optional else " (optional)")
    initial = answers.get(field.name, field.initial_label if field.kind == "search" else field.initial)
    element: dict[str, Any]
    if field.kind == "choice":
        element = {
            "type": "Input.ChoiceSet",
            "choices": [{"title": shorten(o.label, 75), "value": o.value} for o in field.options[:100]],
            "style": "compact",
        }
    else:  # free text; a search field takes the name typed (the command matches it as /account does)
        element = {"type": "Input.Text", "maxLength": field.max_length, "isMultiline": field.multiline}
        if field.hint or field.kind == "search":
            element["placeholder"] = shorten(field.hint or "Type a name", 100)
    element.update({"id": field.name, "label": label, "isRequired": not field.optional})
    if initial:
        element["value"] = initial
    if problem:
        element["errorMessage"] = shorten(problem, 300)
    parts = [element]
    if problem:  # shown as text too: not every Teams client shows errorMessage before a submit
        parts.append(_text(f"⚠ {problem}", color="Attention", size="Small"))
    return parts


def form_activity(form: messages.Form) -> dict[str, Any]:
    """A form as a card in a chat."""
    content = form_card(form, {}, {})
    return {
        "type": "message",
        "summary": _plain(form.title),
        "attachments": [{"contentType": CARD, "content": content}],
    }


def dialog(
    form: messages.Form, problems: dict[str, str], answers: dict[str, str], opened_by: tuple[str, str]
) -> dict[str, Any]:
    """A form as a dialog (task module), with what was wrong with the last answers beside their fields;
    `opened_by`: the action and value that open it, to show it again after a problem."""
    card = {"contentType": CARD, "content": form_card(form, problems, answers, opened_by)}
    return {"task": {"type": "continue", "value": {"title": shorten(form.title, 60), "card": card}}}


def dialog_message(text: str) -> dict[str, Any]:
    """A dialog's short answer instead of a form (a refusal, a problem)."""
    return {"task": {"type": "message", "value": shorten(text, 500)}}


def form_card(
    form: messages.Form,
    problems: dict[str, str],
    answers: dict[str, str],
    opened_by: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A form's inputs and a submit button (whose data names the form and its value)."""
    body: list[dict[str, Any]] = [_text(form.title, size="Medium", weight="Bolder")]
    if form.intro:
        body.append(_text(form.intro))
    for field in form.inputs:
        body.extend(_input(field, answers, problems.get(field.name)))
    # A card has no live search: a search field takes a name, matched on submit (bot.teams.requests).
    searches = {field.name: field.search for field in form.inputs if field.kind == "search"}
    submit = {
        "type": "Action.Submit",
        "title": shorten(form.submit, BUTTON_LABEL),
        "style": "positive",
        "data": {"tend": {"form": form.action, "value": form.value, "search": searches, "opened_by": opened_by}},
    }
    return {"type": "AdaptiveCard", "version": VERSION, "body": body, "actions": [submit]}
