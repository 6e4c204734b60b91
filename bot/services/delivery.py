"""Sending what the outbox holds: claim due rows, send each once, record the outcome (sent, retry, failed).

Used by the deliver job, and right after a request that queued messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.db import SessionFactory, session_scope
from bot.gateway import ChatGateway, DeliveryError, Target
from bot.messages import from_dict
from bot.services import outbox

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


WAIT_FOR_ORIGINAL = timedelta(seconds=10)


def deliver_due(factory: SessionFactory, gateway: ChatGateway, now: datetime, limit: int = 500) -> DeliveryReport:
    report = DeliveryReport()
    while report.sent + report.retrying + report.failed < limit:
        with session_scope(factory) as session:  # committed at once: other deliverers skip these rows
            batch = outbox.claim_due(session, now, limit=min(50, limit))
            originals = outbox.sent_refs(session, [i.target.ref for i in batch if i.target.kind == "message"])
        if not batch:
            break
        for item in batch:
            target = item.target
            if target.kind == "message":  # an in-place update: it needs the original message posted first
                status, ref = originals.get(target.ref, ("missing", None))
                if status != "sent" or ref is None:
                    _wait_or_give_up(factory, item, status, now, report)
                    continue
                target = Target("message", ref)
            _send(factory, gateway, item, target, now, report)
    return report


def _send(
    factory: SessionFactory,
    gateway: ChatGateway,
    item: outbox.Claimed,
    target: Target,
    now: datetime,
    report: DeliveryReport,
) -> None:
    try:
        ref = gateway.send(target, from_dict(item.payload))
    except DeliveryError as error:
        with session_scope(factory) as session:
            status = outbox.mark_failed(
                session, item, error.reason, now, permanent=error.permanent, retry_after=error.retry_after
            )
        if status == "failed":
            report.failed += 1
            log.warning("message %s to a %s failed for good: %s", item.id, target.kind, error.reason)
        else:
            report.retrying += 1
        return
    with session_scope(factory) as session:
        outbox.mark_sent(session, item.id, ref, now)
    report.sent += 1


def _wait_or_give_up(
    factory: SessionFactory, item: outbox.Claimed, original: str, now: datetime, report: DeliveryReport
) -> None:
    with session_scope(factory) as session:
        if original in ("failed", "missing"):
            outbox.mark_failed(
                session, item, f"the message to update was never posted ({original})", now, permanent=True
            )
            report.failed += 1
        else:
            outbox.postpone(session, item.id, now + WAIT_FOR_ORIGINAL)
            report.retrying += 1
