"""Durable outgoing messages: enqueued in the transaction that causes them, claimed by one deliverer at a
time (a conditional UPDATE, so concurrent deliverers never share a row), retried with backoff."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from bot.db import claim, insert_ignore, insert_ignore_many
from bot.delivery import wakeup
from bot.delivery.composed import Recipe
from bot.gateway import ANY_PLATFORM, Target
from bot.messages import Reply, to_dict
from bot.models import AppState, Notification

QUEUED = "outbox_queued"  # set in session.info when a unit of work queued messages: deliver soon after
LEASE = timedelta(minutes=2)  # a claim older than this belongs to a dead deliverer and is taken over
MAX_ATTEMPTS = 8
BACKOFF = (5, 30, 120, 600, 1800, 3600, 7200)  # seconds before attempt 2, 3, …


@dataclass(frozen=True)
class Claimed:
    id: int
    target: Target
    payload: dict
    attempts: int


def enqueue(session: Session, dedupe_key: str, target: Target, reply: Reply, now: datetime) -> bool:
    """Record a message to send; False when one with this key was already recorded (nothing is added)."""
    session.info[QUEUED] = True
    wakeup.note_queued(session)
    return insert_ignore(session, Notification.__table__, _row(dedupe_key, target, reply, now)) is not None


def enqueue_many(session: Session, messages: Sequence[tuple[str, Target, Reply | Recipe]], now: datetime) -> None:
    """Record many messages (dedupe key, target, reply or recipe) at once, skipping keys already recorded."""
    if not messages:
        return
    session.info[QUEUED] = True
    wakeup.note_queued(session)
    rows = [_row(key, target, reply, now) for key, target, reply in messages]
    insert_ignore_many(session, Notification.__table__, rows)


def _row(dedupe_key: str, target: Target, reply: Reply | Recipe, now: datetime) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key[:200],
        "platform": target.platform,
        "target_kind": target.kind,
        "target_ref": target.ref,
        "payload": reply.payload() if isinstance(reply, Recipe) else to_dict(reply),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }


def update_post(session: Session, dedupe_key: str, post_key: str, reply: Reply, now: datetime) -> int:
    """Redraw a post in place wherever it went (a team's post on each of its platforms: `post_key@slack`…);
    returns how many updates were queued. A post never queued has nothing to update."""
    posts = session.execute(
        select(Notification.dedupe_key, Notification.platform).where(
            or_(
                Notification.dedupe_key == post_key,
                Notification.dedupe_key.startswith(f"{post_key}@", autoescape=True),
            )
        )
    ).all()
    for key, platform in posts:
        enqueue(session, dedupe_key + key[len(post_key) :], Target(platform, "message", key), reply, now)
    return len(posts)


def post(session: Session, dedupe_key: str, targets: Sequence[Target], reply: Reply, now: datetime) -> None:
    """One post in several places (a team's channel on each of its platforms), each redrawn by `update_post`
    with this `dedupe_key`."""
    for target in targets:
        enqueue(session, f"{dedupe_key}@{target.platform}", target, reply, now)


def claim_due(session: Session, now: datetime, limit: int = 50, paused: Iterable[str] = ()) -> list[Claimed]:
    """Take up to `limit` due messages for this deliverer, none for a `paused` platform. Commit right after,
    so others see the claim."""
    due = or_(
        (Notification.status == "pending") & (Notification.next_attempt_at <= now),
        (Notification.status == "sending") & (Notification.claimed_until < now),
    )
    if paused := list(paused):
        due = due & Notification.platform.not_in(paused)
    claimed = claim(
        session,
        Notification,
        due,
        Notification.next_attempt_at,
        limit,
        {"status": "sending", "claimed_until": now + LEASE, "attempts": Notification.attempts + 1},
        (
            Notification.id,
            Notification.platform,
            Notification.target_kind,
            Notification.target_ref,
            Notification.payload,
            Notification.attempts,
        ),
    )
    return [Claimed(i, Target(*target), payload, attempts) for i, *target, payload, attempts in claimed]


def next_due(session: Session, now: datetime, default_platform: str) -> datetime | None:
    """When a deliverer next has something to do: the earliest retry of a platform not paused, lease running
    out or pause ending (None: the outbox holds nothing to send). Reads the (status, next_attempt_at) index."""
    paused = pauses(session, now)
    skip = skipped(paused, default_platform)
    pending = select(func.min(Notification.next_attempt_at)).where(Notification.status == "pending")
    if skip:
        pending = pending.where(Notification.platform.not_in(skip))
    leased = select(func.min(Notification.claimed_until)).where(Notification.status == "sending")
    found = [session.scalar(pending), session.scalar(leased), *paused.values()]
    return min((when for when in found if when is not None), default=None)  # UTCDateTime: all aware


def mark_sent(connection: Connection, notification_id: int, ref: str, now: datetime) -> None:
    connection.execute(_SENT, {"notification_id": notification_id, "ref": ref[:100], "at": now})


# Built once, run on a Connection (no ORM session): one per message sent, part of every flag's and nudge's cost.
_SENT = (
    update(Notification)
    .where(Notification.id == bindparam("notification_id"))
    .values(status="sent", sent_ref=bindparam("ref"), sent_at=bindparam("at"), claimed_until=None, last_error=None)
)


def mark_dropped(session: Session, notification_ids: list[int], why: str, now: datetime) -> None:
    """Settle claimed messages that turned out to have nothing left to say when written (`composed`)."""
    session.execute(
        update(Notification)
        .where(Notification.id.in_(notification_ids))
        .values(status="dropped", sent_at=now, claimed_until=None, last_error=why[:1000])
    )


def mark_failed(
    session: Session,
    notification: Claimed,
    reason: str,
    now: datetime,
    *,
    permanent: bool,
    retry_after: float | None = None,
) -> str:
    """Reschedule a failed send, or give up on it; returns the new status. A rate limit (`retry_after`) is
    not a failure: the message waits as long as asked and the attempt does not count, however long the
    platform keeps limiting."""
    attempts: SQLCoreOperations[int] = Notification.attempts
    if retry_after is not None and not permanent:
        status, when, attempts = "pending", now + timedelta(seconds=retry_after), Notification.attempts - 1
    elif permanent or notification.attempts >= MAX_ATTEMPTS:
        status, when = "failed", now
    else:
        status, when = "pending", now + timedelta(seconds=BACKOFF[min(notification.attempts, len(BACKOFF)) - 1])
    session.execute(
        update(Notification)
        .where(Notification.id == notification.id)
        .values(status=status, next_attempt_at=when, claimed_until=None, last_error=reason[:1000], attempts=attempts)
    )
    return status


PAUSE_KEY = "delivery_paused_until_ms:"  # + the platform


def pauses(session: Session, now: datetime) -> dict[str, datetime]:
    """The platforms that asked every deliverer to wait (their Retry-After), with until when, still ahead."""
    rows = session.execute(
        select(AppState.key, AppState.value).where(
            AppState.key.startswith(PAUSE_KEY), AppState.value > int(now.timestamp() * 1000)
        )
    )
    return {key[len(PAUSE_KEY) :]: datetime.fromtimestamp(value / 1000, UTC) for key, value in rows}


def skipped(paused: dict[str, datetime], default_platform: str) -> set[str]:
    """The platforms whose messages wait out a pause: the paused ones, and messages for whichever platform
    a person uses (ANY_PLATFORM) when the deliverer's default platform is paused."""
    return {*paused, ANY_PLATFORM} if default_platform in paused else set(paused)


def pause(session: Session, platform: str, until: datetime) -> None:
    """Make every deliverer, in every process, wait until `until` before calling `platform` again; the
    other platforms' messages go on."""
    key, value = PAUSE_KEY + platform, int(until.timestamp() * 1000)
    current = session.get(AppState, key, with_for_update=True)
    if current is None:
        insert_ignore(session, AppState.__table__, {"key": key, "value": value})
    elif current.value < value:
        current.value = value


def postpone(session: Session, notification_id: int, until: datetime) -> None:
    """Put a claimed message back, unchanged and without counting a failed attempt (it waits on another)."""
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(status="pending", next_attempt_at=until, claimed_until=None, attempts=Notification.attempts - 1)
    )


def sent_refs(session: Session, dedupe_keys: list[str]) -> dict[str, tuple[str, str | None]]:
    """Status and platform reference of the messages with these keys (what an update needs to find)."""
    if not dedupe_keys:
        return {}
    rows = session.execute(
        select(Notification.dedupe_key, Notification.status, Notification.sent_ref).where(
            Notification.dedupe_key.in_(dedupe_keys)
        )
    )
    return {key: (status, ref) for key, status, ref in rows}


@dataclass(frozen=True)
class Problem:
    id: int
    target: Target
    summary: str
    error: str | None
    attempts: int
    status: str


@dataclass(frozen=True)
class Health:
    pending: int
    failed: int
    sent: int
    problems: tuple[Problem, ...]


def health(session: Session, limit: int = 20) -> Health:
    """Counts by status, and the messages that failed for good or keep failing (newest first)."""
    counts = dict(session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all())
    rows = session.execute(
        select(
            Notification.id,
            Notification.platform,
            Notification.target_kind,
            Notification.target_ref,
            Notification.payload,
            Notification.last_error,
            Notification.attempts,
            Notification.status,
        )
        .where((Notification.status == "failed") | ((Notification.status == "pending") & (Notification.attempts >= 3)))
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    problems = tuple(
        Problem(i, Target(platform, kind, ref), payload.get("text", ""), error, attempts, status)
        for i, platform, kind, ref, payload, error, attempts, status in rows
    )
    return Health(
        counts.get("pending", 0) + counts.get("sending", 0), counts.get("failed", 0), counts.get("sent", 0), problems
    )


def retry(session: Session, now: datetime, notification_id: int | None = None) -> int:
    """Send failed messages again (one, or all): after an admin fixed the channel or invited the bot."""
    query = update(Notification).where(Notification.status == "failed")
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(status="pending", attempts=0, next_attempt_at=now, last_error=None))
    session.info[QUEUED] = True
    return result.rowcount or 0  # type: ignore[attr-defined]
