"""The long-lived deliverer (`python -m jobs deliverer`, the Procfile's `deliverer`): sends what the outbox
holds as soon as it is due, woken by the outbox itself (`bot.delivery.wakeup`) rather than by the clock's
minute, and by itself when a retry falls due. Any number may run, in any processes: every claim is a
conditional UPDATE (`bot.delivery.outbox`), so no two send the same message."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from bot.clock import Clock, SystemClock
from bot.db import SessionFactory, session_scope
from bot.delivery import outbox
from bot.delivery.deliverer import SHORT_PAUSE, DeliveryReport, deliver_due
from bot.delivery.wakeup import Waiter, waiter_for
from bot.gateway import ChatGateway

log = logging.getLogger(__name__)

IDLE = 30.0  # with nothing due, look again after this long anyway: a lost wake-up costs at most this
BATCH = 200  # messages per delivery run before looking at the outbox and the stop signal again
RECOVER = 5.0  # after an error (the database away), wait this long before trying again


class Deliverer:
    def __init__(
        self,
        factory: SessionFactory,
        engine: Engine,
        gateway: ChatGateway,
        clock: Clock | None = None,
        waiter: Waiter | None = None,
    ) -> None:
        self.factory, self.engine, self.gateway = factory, engine, gateway
        self.clock = clock or SystemClock()
        self._waiter = waiter
        self._stopped = threading.Event()
        self.looks = 0  # times it has looked at the outbox for what is due

    def run(self) -> None:
        """Deliver until `stop()`; a message being sent when it is called is finished and recorded first.
        Between deliveries it only reads (when the next message is due): a poll takes no write lock."""
        while not self._stopped.is_set():
            try:
                if self._waiter is None:
                    self._waiter = waiter_for(self.engine)
                wait = self._until_next()
                if wait > 0:
                    self._waiter.wait(wait)
                    continue
                self._deliver()
            except Exception:
                log.exception("the deliverer met an error; trying again in %.0f s", RECOVER)
                self._forget_waiter()
                self._stopped.wait(RECOVER)
        self._forget_waiter()

    def stop(self) -> None:
        self._stopped.set()
        if self._waiter is not None:
            try:
                self._waiter.wake()
            except Exception:  # the database is away: the wait ends by itself within IDLE
                log.warning("could not wake the deliverer to stop it", exc_info=True)

    def _deliver(self) -> DeliveryReport:
        started = time.monotonic()
        report = deliver_due(self.factory, self.gateway, self.clock.now(), limit=BATCH, budget=SHORT_PAUSE.seconds)
        if report.sent or report.retrying or report.failed:
            log.info("delivered: %s in %.0f ms", report, (time.monotonic() - started) * 1000)
        return report

    def _until_next(self) -> float:
        """Seconds until the next message falls due (a retry, a lease running out, a pause ending), IDLE at most."""
        now = self.clock.now()
        with session_scope(self.factory) as session:
            due = outbox.next_due(session, now, self.gateway.platform)
        self.looks += 1
        return IDLE if due is None else min(max((due - now).total_seconds(), 0.0), IDLE)

    def _forget_waiter(self) -> None:
        if self._waiter is not None:
            try:
                self._waiter.close()
            except Exception:
                log.debug("closing the deliverer's wake-up connection failed", exc_info=True)
            self._waiter = None
