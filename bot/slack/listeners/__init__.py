"""One `register(app, deps)` per Slack surface (the Bolt starter-template convention)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, fallbacks, shortcuts, views
from bot.slack.runtime import Deps


def register_listeners(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    shortcuts.register(app, deps)
    events.register(app, deps)
    views.register(app, deps)
    views.register_searches(app, deps)
    views.register_changes(app, deps)
    fallbacks.register(app, deps)  # last: what no listener above claims
