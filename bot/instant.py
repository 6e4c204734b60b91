"""Answers given inside the platform's acknowledgement: a command whose answer is a few milliseconds of work
(an account's card, a flag filed by the rules) is answered in the ack itself, with no queue and no second
round trip. Such a unit of work is marked instant; code that would take longer (loading the account
catalogue, asking the model) calls `needs_time` first, which stops the instant run, and the request is then
recorded and answered after the ack as any other."""

from __future__ import annotations

from enum import Enum

from sqlalchemy.orm import Session

INSTANT = "tend.instant"  # session.info key: this unit of work answers inside an ack


class Instant(Enum):
    """How a command may be answered inside the ack."""

    READS = "reads"  # reads only: its unit of work is never committed (a write sends it after the ack)
    WRITES = "writes"  # writes too: committed with the request's inbox record, in one transaction, before the ack


class NeedsTime(Exception):
    """Raised inside an instant unit of work by code about to take longer than an ack allows."""


def needs_time(session: Session) -> None:
    if session.info.get(INSTANT):
        raise NeedsTime
