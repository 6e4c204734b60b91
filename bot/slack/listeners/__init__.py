"""One `register(app, deps)` per Slack surface (the Bolt starter-template convention), and the work each kind
of request asks for after its ack."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, fallbacks, shortcuts, views
from bot.slack.requests import Deps, Handler

# The work after the ack, by kind of request: run when the request is recorded, and again by the `requests` job
# for a request whose process died before answering.
HANDLERS: dict[str, Handler] = {
    "command": commands.answer_command,
    "action": actions.answer_button,
    "shortcut": shortcuts.compose_flag,
    "view": views.handle_submission,
    "event": events.publish_home,
}


def register_listeners(app: App, deps: Deps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    shortcuts.register(app, deps)
    events.register(app, deps)
    views.register(app, deps)
    views.register_searches(app, deps)
    views.register_changes(app, deps)
    fallbacks.register(app, deps)  # last: what no listener above claims
