"""Neutral `Reply` → Block Kit, as the JSON Slack takes.

Every piece of text from users or customer data goes out as plain_text, or as escaped mrkdwn marked
`verbatim` (so "@here" or "<!channel>" in an account name pings no one), and is cut to Slack's limits here.
Blocks are built as plain dicts: building them through slack_sdk's models cost a fifth of an `/account`
answer (they validate as they build, on every request). The models check what this module builds in the
tests instead: the fake Web API parses every payload with them, and they must read each block back unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from bot import messages
from bot.slack.blocks.text import escape, fit
from bot.text import shorten

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTONS_PER_BLOCK = 25
CONTEXT_TEXT = 3000
FALLBACK_TEXT = 3000
MODAL_TITLE = 24


def action_id(action: str, index: int) -> str:
    """Unique within a message (Slack requires it); the listener strips the index again."""
    return f"{action}:{index}"


def parse_action_id(value: str) -> str:
    return value.rsplit(":", 1)[0]


Json = dict[str, Any]


def _plain(text: str) -> Json:
    return {"type": "plain_text", "text": text, "emoji": False}


def _mrkdwn(text: str, limit: int) -> Json:
    return {"type": "mrkdwn", "text": fit(text, limit) or " ", "verbatim": True}


def _field(item: messages.Field) -> Json:
    label = f"*{escape(item.label)}*\n"
    return {"type": "mrkdwn", "text": label + fit(item.value, FIELD_TEXT - len(label)), "verbatim": True}


def _button(button: messages.Button, index: int) -> Json:
    element: Json = {
        "type": "button",
        "text": _plain(shorten(button.label, BUTTON_TEXT) or "…"),
        "action_id": action_id(button.action, index),
    }
    if button.value:
        element["value"] = button.value[:BUTTON_VALUE]
    if button.style:
        element["style"] = button.style
    return element


def _parts(text: str) -> list[str]:
    """A section's text in pieces of whole lines that each fit a Slack section once escaped (a long list
    becomes several sections rather than losing its end); a single line longer than that is cut."""
    if len(escape(text)) <= SECTION_TEXT:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        grown = len(escape(line)) + (1 if current else 0)
        if current and size + grown > SECTION_TEXT:
            parts.append("\n".join(current))
            current, size, grown = [], 0, len(escape(line))
        current.append(line)
        size += grown
    parts.append("\n".join(current))
    return parts


def blocks_for(reply: messages.Reply, max_blocks: int = MESSAGE_BLOCKS) -> list[Json]:
    """The reply's blocks as JSON-ready dicts, never more than `max_blocks`."""
    built: list[Json] = []
    if reply.title:
        built.append({"type": "header", "text": _plain(shorten(reply.title, HEADER_TEXT))})
    buttons = 0
    for block in reply.blocks:
        if isinstance(block, messages.Section):
            if block.text:
                built += [{"type": "section", "text": _mrkdwn(part, SECTION_TEXT)} for part in _parts(block.text)]
            for start in range(0, len(block.fields), FIELDS_PER_SECTION):
                chunk = block.fields[start : start + FIELDS_PER_SECTION]
                built.append({"type": "section", "fields": [_field(item) for item in chunk]})
        elif isinstance(block, messages.Note):
            built.append({"type": "context", "elements": [_mrkdwn(block.text, CONTEXT_TEXT)]})
        elif isinstance(block, messages.Divider):
            built.append({"type": "divider"})
        elif isinstance(block, messages.Actions):
            for start in range(0, len(block.buttons), BUTTONS_PER_BLOCK):
                elements = [
                    _button(b, buttons + n) for n, b in enumerate(block.buttons[start : start + BUTTONS_PER_BLOCK])
                ]
                buttons += len(elements)
                built.append({"type": "actions", "elements": elements})
    if len(built) > max_blocks:
        hidden = len(built) - (max_blocks - 1)
        built = built[: max_blocks - 1]
        built.append({"type": "context", "elements": [_mrkdwn(f"…{hidden} more parts not shown here.", CONTEXT_TEXT)]})
    return built


def message(reply: messages.Reply) -> dict[str, Any]:
    """Arguments for respond() / chat.postMessage: fallback text plus blocks."""
    return {"text": fit(reply.text, FALLBACK_TEXT), "blocks": blocks_for(reply)}


def modal(reply: messages.Reply, title: str) -> dict[str, Any]:
    """A read-only modal showing the reply (for buttons pressed where there is no message to answer in)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": shorten(title, MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": _view_blocks(reply),
    }


def home(reply: messages.Reply) -> dict[str, Any]:
    return {"type": "home", "blocks": _view_blocks(reply)}


def _view_blocks(reply: messages.Reply) -> list[dict[str, Any]]:
    """A view has no notification text: a one-line reply (a refusal, "try again") is shown as its body."""
    if not reply.blocks and not reply.title:
        reply = messages.Reply(reply.text, blocks=(messages.Section(reply.text),))
    return blocks_for(reply, VIEW_BLOCKS)


FORM_PREFIX = "form:"
INPUT_ACTION = "answer"
SEARCH_PREFIX = "search:"


def _option(option: messages.Option) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": shorten(option.label, 75) or "…"}, "value": option.value[:150]}


def _element(field: messages.Input) -> dict[str, Any]:
    if field.kind == "choice":
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "options": [_option(o) for o in field.options[:100]],
        }
        chosen = next((o for o in field.options if o.value == field.initial), None)
        if chosen:
            element["initial_option"] = _option(chosen)
        return element
    if field.kind == "search":
        element = {
            "type": "external_select",
            "action_id": f"{SEARCH_PREFIX}{field.search}"[:255],
            "min_query_length": 1,
        }
        if field.initial:
            element["initial_option"] = _option(messages.Option(field.initial, field.initial_label or field.initial))
        return element
    element = {
        "type": "plain_text_input",
        "action_id": INPUT_ACTION,
        "max_length": min(field.max_length, 3000),
        "multiline": field.multiline,
    }
    if field.initial:
        element["initial_value"] = field.initial[: min(field.max_length, 3000)]
    return element


CONDITIONAL = "when:"  # private_metadata of a modal with fields asked only for some answers


def _input_block(field: messages.Input, controls: bool) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name[:255],
        "element": _element(field),
        "label": {"type": "plain_text", "text": shorten(field.label, 2000)},
        # A field asked only for one answer is required when it is shown.
        "optional": field.optional and field.asked_when is None,
    }
    if controls:  # changing it shows or hides another field: Slack tells Tend at once (`redrawn`)
        block["dispatch_action"] = True
    if field.hint:
        block["hint"] = {"type": "plain_text", "text": shorten(field.hint, 2000)}
    return block


def form_view(form: messages.Form) -> dict[str, Any]:
    """A modal for a neutral form: one input block per field (block_id = the field's name). A field asked
    only for some answer of another (`Input.asked_when`) is left out until that answer is chosen; its block
    travels in the modal's private_metadata, beside the form's value, to be put in by `redrawn`."""
    controllers = {f.asked_when[0] for f in form.inputs if f.asked_when}
    initial = {f.name: f.initial for f in form.inputs}
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.append({"type": "section", "text": _mrkdwn(form.intro, SECTION_TEXT)})
    hidden: dict[str, Any] = {}
    previous = ""
    for field in form.inputs:
        block = _input_block(field, field.name in controllers)
        if field.asked_when:
            hidden[field.name] = {"when": list(field.asked_when), "after": previous, "block": block}
        if field.asked(initial):
            blocks.append(block)
        previous = field.name
    metadata = CONDITIONAL + json.dumps({"value": form.value, "fields": hidden}) if hidden else form.value
    return {
        "type": "modal",
        "callback_id": f"{FORM_PREFIX}{form.action}"[:255],
        "private_metadata": metadata[:3000],
        "title": {"type": "plain_text", "text": shorten(form.title, MODAL_TITLE)},
        "submit": {"type": "plain_text", "text": shorten(form.submit, MODAL_TITLE)},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks[:VIEW_BLOCKS],
    }


def form_value(view: dict[str, Any]) -> str:
    """The form's own value, from a form_view modal's private_metadata."""
    metadata = view.get("private_metadata") or ""
    if metadata.startswith(CONDITIONAL):
        return str(json.loads(metadata.removeprefix(CONDITIONAL)).get("value") or "")
    return metadata


def redrawn(view: dict[str, Any]) -> dict[str, Any] | None:
    """The modal again, its conditional fields shown or hidden for the answers chosen so far (Slack keeps
    what was typed in the others); None when nothing changes."""
    metadata = view.get("private_metadata") or ""
    if not metadata.startswith(CONDITIONAL):
        return None
    fields: dict[str, Any] = json.loads(metadata.removeprefix(CONDITIONAL)).get("fields") or {}
    answers = form_answers(view)
    blocks = [b for b in view.get("blocks") or () if b.get("block_id") not in fields]
    for spec in fields.values():
        controller, wanted = spec["when"]
        if answers.get(controller) != wanted:
            continue
        at = next((i + 1 for i, b in enumerate(blocks) if b.get("block_id") == spec["after"]), len(blocks))
        blocks.insert(at, spec["block"])
    if [b.get("block_id") for b in blocks] == [b.get("block_id") for b in view.get("blocks") or ()]:
        return None
    keep = ("type", "callback_id", "private_metadata", "title", "submit", "close")
    return {**{k: view[k] for k in keep if k in view}, "blocks": blocks}


def form_answers(view: dict[str, Any]) -> dict[str, str]:
    """The submitted values of a form_view modal, by field name (a select gives its option's value)."""
    answers: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for state in actions.values():
            chosen = state.get("selected_option") or {}
            answers[block_id] = chosen.get("value") or state.get("value") or ""
    return answers


def options(found: list[messages.Option]) -> dict[str, Any]:
    """The answer to an external_select's options request."""
    return {"options": [_option(o) for o in found[:100]]}
