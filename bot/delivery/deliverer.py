"""Sending what the outbox holds: claim due rows, send each once, record the outcome (sent, retry, failed).

Used by the deliver job, and right after a request that queued messages."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.db import SessionFactory, engine_of, session_scope
from bot.delivery import composed, outbox
from bot.gateway import ChatGateway, DeliveryError, Target
from bot.messages import from_dict

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0  # written out (`composed`) to nothing left to say: nothing sent
    waited: float = 0.0  # seconds spent waiting out the platform's rate limits within this run
    paused_until: datetime | None = None  # the run stopped at a rate-limit pause that lasts until then

    @property
    def dealt(self) -> int:
        """Messages this run dealt with, whatever became of them."""
        return self.sent + self.retrying + self.failed + self.dropped

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"
        if self.dropped:
            text += f", {self.dropped} with nothing left to say"
        if self.waited:
            text += f" (waited {self.waited:.1f} s for the platform's rate limit)"
        return text


CLAIM = 50  # messages claimed (and recipes written) at once
WAIT_FOR_ORIGINAL = timedelta(seconds=10)
# A Retry-After at most this long is waited out by the deliverer that met it, which then carries on; a longer
# one stops the run and every deliverer waits for it through the pause kept in the database.
SHORT_PAUSE = timedelta(seconds=10)


def deliver_due(
    factory: SessionFactory,
    gateway: ChatGateway,
    now: datetime,
    limit: int = 500,
    budget: float = 0.0,
) -> DeliveryReport:
    """Send what is due, in batches, until `limit` messages were dealt with or nothing is due. When a platform
    rate-limits us, nothing more is sent to it by anyone until its Retry-After has passed (the pause is in the
    database), while the other platforms' messages go on; with a `budget` (seconds), this run waits out a
    short pause itself and carries on, as long as the budget lasts. `now` moves on by the time waited.
    Each conversation's messages go in order, different conversations' side by side (see _send_lanes)."""
    report = DeliveryReport()
    deadline = time.monotonic() + budget
    while report.dealt < limit:
        with session_scope(factory) as session:  # committed at once: other deliverers skip these rows
            paused = outbox.pauses(session, now)
            skip = outbox.skipped(paused, gateway.platform)
            batch = outbox.claim_due(session, now, limit=min(CLAIM, limit), paused=skip)
            originals = outbox.sent_refs(session, [i.target.ref for i in batch if i.target.kind == "message"])
        claimed = len(batch)
        batch = _written(factory, batch, now, report)
        if claimed and not batch:
            continue  # the batch was only recipes with nothing left to say, or that could not be written
        if not batch:
            if not paused:
                break
            # Rate-limited and nothing else is due: wait it out here when short, else leave it to the pause.
            until = min(paused.values())
            wait = (until - now).total_seconds()
            if until - now > SHORT_PAUSE or time.monotonic() + wait > deadline:
                report.paused_until = until
                break
            time.sleep(wait)
            report.waited += wait
            now = until
            continue
        held, untried = _send_lanes(factory, gateway, batch, originals, now, report)
        if untried:
            _hold(factory, held, untried, gateway.platform, report)
    return report


SENDERS = 8  # conversations sent to at once: the caller's thread and the rest from a shared pool
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _senders() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(SENDERS - 1, thread_name_prefix="tend-send")
        return _pool


Lane = list[outbox.Claimed]


def _send_lanes(
    factory: SessionFactory,
    gateway: ChatGateway,
    batch: list[outbox.Claimed],
    originals: dict[str, tuple[str, str | None]],
    now: datetime,
    report: DeliveryReport,
) -> tuple[dict[str, datetime], list[outbox.Claimed]]:
    """Send a batch one lane per conversation: a lane's messages in order (a channel shows them as sent), the
    lanes side by side when the gateway allows, so that a request's team post and DM each wait for one platform
    call, not for each other (a call takes Slack ~0.1-0.3 s, nearly all of it waiting). Once a platform
    rate-limits us no lane starts another call to it. Returns those platforms (until when) and the messages
    left untried for them."""
    lanes: dict[tuple[str, str, str], Lane] = {}
    for item in batch:
        lanes.setdefault((item.target.platform or gateway.platform, item.target.kind, item.target.ref), []).append(item)
    held: dict[str, datetime] = {}
    untried: list[outbox.Claimed] = []
    lock = threading.Lock()

    def send(lane: Lane) -> DeliveryReport:
        own = DeliveryReport()
        for item in lane:
            target = item.target
            platform = target.platform or gateway.platform
            with lock:
                if platform in held:
                    untried.append(item)
                    continue
            if target.kind == "message":  # an in-place update: it needs the original message posted first
                status, ref = originals.get(target.ref, ("missing", None))
                if status != "sent" or ref is None:
                    _wait_or_give_up(factory, item, status, now, own)
                    continue
                target = Target(target.platform, "message", ref)
            pause = _send(factory, gateway, item, target, platform, now, own)
            if pause is not None:
                with lock:
                    held[platform] = pause
        return own

    inline: list[Lane] = []
    futures: list[Future[DeliveryReport]] = []
    for n, lane in enumerate(lanes.values()):
        if n and gateway.side_by_side:
            try:
                futures.append(_senders().submit(send, lane))
                continue
            except RuntimeError:  # the interpreter is shutting down and starts no thread: send it here
                pass
        inline.append(lane)
    for own in [send(lane) for lane in inline] + [future.result() for future in futures]:
        _merge(report, own)
    return held, untried


def _merge(report: DeliveryReport, own: DeliveryReport) -> None:
    report.sent += own.sent
    report.retrying += own.retrying
    report.failed += own.failed
    report.dropped += own.dropped


def _written(
    factory: SessionFactory, batch: list[outbox.Claimed], now: datetime, report: DeliveryReport
) -> list[outbox.Claimed]:
    """The batch with each recipe written out (`bot.delivery.composed`), in a unit of work of its own after
    the claim: its reads hold no write lock. A recipe left with nothing to say is settled as dropped; when
    writing fails, its messages are retried later like a failed send."""
    recipes = [item for item in batch if composed.is_recipe(item.payload)]
    if not recipes:
        return batch
    try:
        with session_scope(factory) as session:
            written = composed.write(session, [(item.id, item.payload) for item in recipes])
            empty = [item.id for item in recipes if written.get(item.id) is None]
            if empty:
                outbox.mark_dropped(session, empty, "nothing left to say when it was written", now)
                report.dropped += len(empty)
    except Exception:
        log.exception("could not write %d composed messages: they are retried later", len(recipes))
        with session_scope(factory) as session:
            for item in recipes:
                outbox.mark_failed(session, item, "could not be written (see the log)", now, permanent=False)
        report.retrying += len(recipes)
        return [item for item in batch if not composed.is_recipe(item.payload)]
    ready: list[outbox.Claimed] = []
    for item in batch:
        if not composed.is_recipe(item.payload):
            ready.append(item)
        elif (payload := written.get(item.id)) is not None:
            ready.append(replace(item, payload=payload))
    return ready


def _hold(
    factory: SessionFactory,
    held: dict[str, datetime],
    untried: list[outbox.Claimed],
    default: str,
    report: DeliveryReport,
) -> None:
    """Put the untried messages for the rate-limited platforms back until their pause ends (_send recorded
    the pause itself)."""
    with session_scope(factory) as session:
        for item in untried:
            outbox.postpone(session, item.id, held[item.target.platform or default])
    report.retrying += len(untried)


def _send(
    factory: SessionFactory,
    gateway: ChatGateway,
    item: outbox.Claimed,
    target: Target,
    platform: str,
    now: datetime,
    report: DeliveryReport,
) -> datetime | None:
    """Send one message and record the outcome; returns until when to stop sending if rate-limited. The pause
    is recorded with the message put back, in one unit of work: no deliverer, in any process, sees the one
    without the other and calls the platform again before the pause ends."""
    try:
        ref = gateway.send(target, from_dict(item.payload))
    except DeliveryError as error:
        until = now + timedelta(seconds=error.retry_after) if error.retry_after is not None else None
        with session_scope(factory) as session:
            status = outbox.mark_failed(
                session, item, error.reason, now, permanent=error.permanent, retry_after=error.retry_after
            )
            if until is not None:
                outbox.pause(session, platform, until)
        if status == "failed":
            report.failed += 1
            log.warning("message %s to a %s failed for good: %s", item.id, target.kind, error.reason)
        else:
            report.retrying += 1
        return until
    with engine_of(factory).begin() as connection:
        outbox.mark_sent(connection, item.id, ref, now)
    report.sent += 1
    return None


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
