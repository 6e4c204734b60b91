"""Checks every outgoing Slack payload against Block Kit's limits and Tend's no-ping rule.

slack_sdk's models catch most per-element limits when parsed and re-serialised; the rest (block counts,
field lengths, mention safety) are checked here, as slack-platform-facts.md §4–§6 advise.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS, VIEW_BLOCKS = 50, 100
# Control sequences Slack turns into pings or links: Tend never emits them from data.
CONTROL = re.compile(r"<[!@#]|<https?:|<mailto:")


def problems_in_message(payload: dict[str, Any], max_blocks: int = MESSAGE_BLOCKS) -> list[str]:
    found: list[str] = []
    text = payload.get("text")
    if isinstance(text, str):
        if len(text) > 4000:
            found.append(f"top-level text is {len(text)} characters")
        if CONTROL.search(text):
            found.append(f"top-level text holds a Slack control sequence: {text[:80]!r}")
    if payload.get("link_names"):
        found.append("link_names is set: user text could ping people")
    blocks = payload.get("blocks") or []
    if isinstance(blocks, str):
        import json

        blocks = json.loads(blocks)
    if len(blocks) > max_blocks:
        found.append(f"{len(blocks)} blocks (limit {max_blocks})")
    for block in blocks:
        found += problems_in_block(block)
    return found


def problems_in_view(view: dict[str, Any]) -> list[str]:
    found = problems_in_message({"blocks": view.get("blocks", [])}, VIEW_BLOCKS)
    title = (view.get("title") or {}).get("text", "")
    if view.get("type") == "modal" and not 1 <= len(title) <= 24:
        found.append(f"modal title {title!r} is not 1–24 characters")
    return found


def problems_in_block(block: dict[str, Any]) -> list[str]:
    found: list[str] = []
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"unknown block {block.get('type')!r}"]
        read_back = parsed.to_dict()  # validates nested elements too
        if read_back != block:  # a key the models do not know, or a value they would change
            found.append(f"{block.get('type')} block reads back differently through slack_sdk's models: {block}")
    except SlackObjectFormationError as error:
        found.append(f"{block.get('type')} block invalid: {error}")
    if block.get("type") == "section":
        fields = block.get("fields") or []
        if len(fields) > 10:
            found.append(f"section has {len(fields)} fields")
        found += [f"field of {len(f['text'])} characters" for f in fields if len(f["text"]) > 2000]
        if block.get("text") and len(block["text"]["text"]) > 3000:
            found.append("section text over 3000 characters")
    if block.get("type") == "header" and len(block["text"]["text"]) > 150:
        found.append("header over 150 characters")
    for text_object in _text_objects(block):
        if text_object.get("type") == "mrkdwn":
            if not text_object.get("verbatim"):
                found.append(f"mrkdwn without verbatim: {text_object['text'][:60]!r}")
            if CONTROL.search(text_object["text"]):
                found.append(f"mrkdwn holds a Slack control sequence: {text_object['text'][:80]!r}")
    return found


def _text_objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            found.append(node)
        for value in node.values():
            found += _text_objects(value)
    elif isinstance(node, list):
        for value in node:
            found += _text_objects(value)
    return found
