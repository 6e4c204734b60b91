"""Checks every activity Tend sends to Teams: each card valid against the official Adaptive Card 1.5 schema
(where the shared folder holds it; the project does not copy it), within the card budget, and nothing that
could mention someone (no `<at>` left in any text, no mention entities: Tend resolves no one into a ping)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "adaptive-card-1.5.json"
SCHEMA_ABSENT = f"the official Adaptive Card 1.5 schema is not at {SCHEMA} (the shared folder is absent)"
CARD_BUDGET = 28_000


@functools.cache
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def problems_in_card(card: dict[str, Any]) -> list[str]:
    found = []
    size = len(json.dumps(card))
    if size > CARD_BUDGET:
        found.append(f"a card of {size} bytes (budget {CARD_BUDGET})")
    if SCHEMA.exists():
        found += [f"schema: {e.message[:200]} at {list(e.absolute_path)}" for e in _validator().iter_errors(card)]
    return found


def problems_in_activity(activity: Any) -> list[str]:
    if not isinstance(activity, dict):
        return []
    found = []
    if "<at>" in json.dumps(activity, ensure_ascii=False).lower():
        found.append("an <at> tag reached Teams: user text could mention someone")
    if any(e.get("type") == "mention" for e in activity.get("entities") or [] if isinstance(e, dict)):
        found.append("a mention entity: Tend mentions no one")
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            found += problems_in_card(attachment["content"])
    return found
