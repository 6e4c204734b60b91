"""/tend admin outbox: admins see undelivered messages with the reason, and can send them again."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.db import session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import deliver_due
from bot.gateway import DeliveryError, Target
from bot.messages import Actions, Reply
from bot.people.actors import Access, Actor
from commands.context import CommandContext
from commands.router import dispatch, dispatch_action
from tests.fakes.gateway import RecordingGateway

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ADMIN = Actor(Access.MEMBER, "Alex Admin", "alex@example.com", None, "admin", "UTC")
CSM = Actor(Access.MEMBER, "Maya", "maya@example.com", None, "csm", "UTC")


def test_admins_see_failed_messages_and_can_retry_them(factory):
    with session_scope(factory) as session:
        outbox.enqueue(session, "k1", Target("slack", "channel", "#billng"), Reply("Flag #1: Acme"), NOW)
    deliver_due(factory, RecordingGateway(failures=[DeliveryError("channel_not_found", permanent=True)]), NOW)
    with session_scope(factory) as session:
        reply = dispatch(CommandContext(session, ADMIN, FixedClock(NOW)), "/tend", "admin outbox")
        assert "0 waiting, 1 failed, 0 sent" in reply.text
        assert "to #billng — channel_not_found (1 tries, failed): Flag #1: Acme" in reply.blocks[0].text
        retry_all = next(b for b in reply.blocks if isinstance(b, Actions)).buttons[-1]
        again = dispatch_action(CommandContext(session, ADMIN, FixedClock(NOW)), retry_all.action, retry_all.value)
        assert again.text.startswith("1 message will be sent again.")
    gateway = RecordingGateway()
    assert deliver_due(factory, gateway, NOW).sent == 1


def test_only_admins_may_look(factory):
    with session_scope(factory) as session:
        ctx = CommandContext(session, CSM, FixedClock(NOW))
        assert "Only Tend admins" in dispatch(ctx, "/tend", "admin outbox").text
        assert "Only Tend admins" in dispatch_action(ctx, "admin.retry", "all").text
