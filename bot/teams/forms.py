"""A submitted card's answers, whether the card was a form in the chat or a dialog: what was typed by
input id, and what keeps it from being filed (a name typed for a search that names no one thing, then the
form's own checks)."""

from __future__ import annotations

from typing import Any

from commands import router
from commands.context import CommandContext

MAX_CHOICES = 8  # names listed when what was typed could be several


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def answers_of(data: Any) -> dict[str, str]:
    """A submitted card's answers by input id (Tend's own data left out)."""
    if not isinstance(data, dict):
        return {}
    return {k: str(v) for k, v in data.items() if k != "tend" and isinstance(v, str | int | float)}


def form_problems(ctx: CommandContext, button: dict[str, Any], answers: dict[str, str]) -> dict[str, str]:
    """What keeps a submitted form from being filed, by field: a name typed for a search that names no one
    thing, then the form's own checks. A name that names one thing is replaced by its value in `answers`."""
    searches = button.get("search")
    for field, search in (searches if isinstance(searches, dict) else {}).items():
        unclear = _choose(ctx, answers, str(field), str(search))
        if unclear is not None:
            return {str(field): unclear}
    return router.check_form(str(button["form"]), answers, ctx.today)


def _choose(ctx: CommandContext, answers: dict[str, str], field: str, search: str) -> str | None:
    """A name typed where a live search would have offered choices: the one it names, else what to type."""
    typed = answers.get(field, "").strip()
    if not typed or typed.isdigit():
        return None
    options = router.run_search(ctx, search, typed)
    exact = [o for o in options if o.label.casefold() == typed.casefold()]
    chosen = exact[:1] or (options if len(options) == 1 else [])
    if chosen:
        answers[field] = chosen[0].value
        return None
    if not options:
        return f"Nothing matches “{typed}”: nothing was saved yet. Type another part of the name."
    names = ", ".join(o.label for o in options[:MAX_CHOICES])
    return f"“{typed}” could be several: {names}. Type more of the name."
