"""The inbox: each chat request is recorded right after its ack, then worked on by the process that took it.

Nothing is lost when that process dies mid-way (its claim lapses and the `requests` job finishes the work),
and a platform's retry of a request already recorded is dropped at the door (its key is unique)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.db import claim, insert_ignore_many
from bot.models import InboundRequest

LEASE = timedelta(minutes=2)  # a request still claimed after this was being handled by a process that died
FRESH = LEASE / 2  # started this soon after its recording, a request needs no fresh claim
MAX_ATTEMPTS = 3  # a request that broke its handler this often is set aside (failed), not retried forever
KEEP = timedelta(days=3)  # finished requests are kept this long: retries arrive within minutes


@dataclass(frozen=True)
class Recorded:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def record_many(
    db: Session | Connection,
    platform: str,
    requests: list[tuple[str, str, dict[str, Any]]],
    now: datetime,
    answered: bool = False,
) -> dict[str, int]:
    """Record (key, kind, payload) requests at once, claimed by the caller (or, `answered`, done already: in
    the transaction that did their work inside the ack): the new rows' ids by key. A key recorded before (a
    retry), or twice among `requests`, is added once."""
    rows = [
        {
            "platform": platform,
            "request_key": key[:200],
            "kind": kind,
            "payload": payload,
            "status": "done" if answered else "working",
            "attempts": 1,
            "received_at": now,
            "claimed_until": None if answered else now + LEASE,
            "finished_at": now if answered else None,
        }
        for key, kind, payload in requests
    ]
    added = insert_ignore_many(db, InboundRequest.__table__, rows, "id", "request_key")
    return {key: request_id for request_id, key in added}


def take(session: Session, request_id: int, now: datetime, waited: timedelta = timedelta(0)) -> Recorded | None:
    """Start on a request this process recorded and queued `waited` ago. Soon after its recording it still
    holds the claim it was recorded with, so it is only read (no write for the next ack's insert to wait
    behind). Later, its claim is renewed, unless the `requests` job took it over while it waited in the queue
    (it counts an attempt when it does). Then None: that process answers it, so the person never hears twice."""
    mine = (InboundRequest.id == request_id, InboundRequest.status == "working", InboundRequest.attempts == 1)
    columns = (InboundRequest.id, InboundRequest.kind, InboundRequest.payload, InboundRequest.attempts)
    if waited < FRESH:
        row = session.execute(select(*columns).where(*mine)).first()
    else:
        row = session.execute(
            update(InboundRequest)
            .where(*mine)
            .values(claimed_until=now + LEASE)
            .returning(*columns)
            .execution_options(synchronize_session=False)
        ).first()
    return Recorded(*row) if row else None


def finish(db: Session | Connection, request_id: int, now: datetime) -> None:
    db.execute(
        update(InboundRequest)
        .where(InboundRequest.id == request_id)
        .values(status="done", finished_at=now, claimed_until=None)
    )


def claim_stranded(session: Session, platform: str, now: datetime, limit: int = 50) -> list[Recorded]:
    """Take over requests whose process died while handling them (claim lapsed). Those that already broke
    their handler MAX_ATTEMPTS times are marked failed instead. Commit right after, so others see the claim."""
    stranded = (
        (InboundRequest.platform == platform)
        & (InboundRequest.status == "working")
        & (InboundRequest.claimed_until < now)
    )
    session.execute(
        update(InboundRequest)
        .where(stranded, InboundRequest.attempts >= MAX_ATTEMPTS)
        .values(status="failed", claimed_until=None, finished_at=now, last_error="gave up after repeated failures")
    )
    rows = claim(
        session,
        InboundRequest,
        stranded,
        InboundRequest.received_at,
        limit,
        {"claimed_until": now + LEASE, "attempts": InboundRequest.attempts + 1},
        (InboundRequest.id, InboundRequest.kind, InboundRequest.payload, InboundRequest.attempts),
    )
    return [Recorded(*row) for row in rows]


def prune(session: Session, now: datetime) -> int:
    """Forget finished requests older than KEEP."""
    result = session.execute(
        delete(InboundRequest).where(
            or_(InboundRequest.status == "done", InboundRequest.status == "failed"),
            InboundRequest.received_at < now - KEEP,
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def set_aside(db: Session | Connection, request_ids: list[int], now: datetime, why: str) -> None:
    """Mark requests nobody should work on (the person was told they could not be taken): never finished
    by the `requests` job, forgotten with the finished ones."""
    db.execute(
        update(InboundRequest)
        .where(InboundRequest.id.in_(request_ids))
        .values(status="failed", claimed_until=None, finished_at=now, last_error=why[:1000])
    )
