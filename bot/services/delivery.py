"""Sending what the outbox holds: claim due rows, send each once, record the outcome (sent, retry, failed).

Used by the deliver job, and right after a request that queued messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.db import SessionFactory, session_scope
from bot.gateway import ChatGateway, DeliveryError
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


def deliver_due(factory: SessionFactory, gateway: ChatGateway, now: datetime, limit: int = 500) -> DeliveryReport:
    report = DeliveryReport()
    while report.sent + report.retrying + report.failed < limit:
        with session_scope(factory) as session:  # committed at once: other deliverers skip these rows
            batch = outbox.claim_due(session, now, limit=min(50, limit))
        if not batch:
            break
        for item in batch:
            try:
                ref = gateway.send(item.target, from_dict(item.payload))
            except DeliveryError as error:
                with session_scope(factory) as session:
                    status = outbox.mark_failed(
                        session, item, error.reason, now, permanent=error.permanent, retry_after=error.retry_after
                    )
                if status == "failed":
                    report.failed += 1
                    log.warning("message %s to a %s failed for good: %s", item.id, item.target.kind, error.reason)
                else:
                    report.retrying += 1
                continue
            with session_scope(factory) as session:
                outbox.mark_sent(session, item.id, ref, now)
            report.sent += 1
    return report
