"""The work a request asks for, done after its ack on a few threads of this process, giving way to acks.

The post-ack work is CPU-bound Python sharing one interpreter lock with the acks: few threads, and each job
waits for a lull in arriving requests (QUIET), but never past YIELD_TO_ACKS after its ack."""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

log = logging.getLogger(__name__)

WORK_THREADS = 2
YIELD_TO_ACKS = 1.0
QUIET = 0.02
SATURATED = 2  # this many requests waiting for their ack at once: acks are queueing, the process is saturated
REST = 4.0  # ... and then a work thread rests this many times as long as its last job took


class AckGate:
    """Counts the requests of this process still waiting for their ack. Acks have a hard deadline (Slack's 3
    seconds), the work after them a soft one, so work gives way: each job waits for a quiet moment (at most
    YIELD_TO_ACKS after its ack), and while acks are queueing a work thread rests after each job. Work
    keeps moving however long a rush lasts, and the rush is acknowledged at nearly the bare framework's pace."""

    def __init__(self) -> None:
        self._waiting = 0
        self._last_arrival = 0.0
        self._changed = threading.Condition()

    @contextmanager
    def acking(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
            self._last_arrival = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                self._waiting -= 1
                if not self._waiting:
                    self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """Requests of this process waiting for their ack right now."""
        return self._waiting

    def wait_for_quiet(self, deadline: float) -> None:
        """Wait for a lull in arriving requests, but not past `deadline` (a `time.monotonic()` value)."""
        with self._changed:
            while (now := time.monotonic()) < deadline:
                quiet_for = now - self._last_arrival
                if not self._waiting and quiet_for >= QUIET:
                    return
                self._changed.wait(min(deadline - now, QUIET if self._waiting else QUIET - quiet_for))

    def pace(self, spent: float) -> None:
        """After a job that took `spent` seconds: while acks are queueing, rest REST times as long, so the
        work keeps moving but leaves most of the interpreter to the acks however long the rush lasts."""
        if self._waiting >= SATURATED:
            time.sleep(spent * REST)


ACKS = AckGate()  # one per process: the GIL that acks and work share is per process


class Turns:
    """At most `at_once` holders, the others served first come, first served, each waiting at most its
    `timeout` (then it leaves the queue). A plain semaphore wakes waiters in no set order and lets a newcomer
    take a freed turn first: 32 threads asking for ~2 ms cards left some waiting past half a second, while
    this never did (benchmarks.dispatch --threads 32); over HTTP at c=32 the answer p99 went from ~300 ms to
    140–220 ms."""

    def __init__(self, at_once: int) -> None:
        self._free = at_once
        self._waiting: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def waiting(self) -> int:
        """How many wait for a turn now."""
        with self._lock:
            return len(self._waiting)

    def release(self) -> None:
        """Hand the turn to the longest waiter, or free it."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1


class WorkQueue:
    """Post-ack jobs, first come first served, on WORK_THREADS threads started on first use.

    Not a ThreadPoolExecutor: a rush is acknowledged faster than it is worked through, and a waiting job here
    costs a tuple in a deque instead of a future with its own lock (~2 KB), so memory stays flat however
    long the rush. Jobs still waiting when the process exits are worked through first (at exit, after the
    HTTP server has finished its requests)."""

    def __init__(self, threads: int = WORK_THREADS, gate: AckGate = ACKS, name: str = "work") -> None:
        self._size = threads
        self._name = name
        self._gate = gate
        self._jobs: deque[tuple[float, Callable[[], object]]] = deque()
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, job: Callable[[], object]) -> None:
        """Queue `job`. Its deadline for giving way to acks counts from now, not from when a thread gets to
        it: under sustained load, work that has already waited runs at once instead of yielding again."""
        with self._changed:
            if self._closed:
                raise RuntimeError("the work queue is shut down")
            self._jobs.append((time.monotonic() + YIELD_TO_ACKS, job))
            if len(self._threads) < self._size:
                self._start_thread()
            self._changed.notify()

    def run_soon(self, job: Callable[[], object]) -> None:
        """Queue `job`; once shut down (the process is exiting, finishing what it acknowledged), run it here."""
        try:
            self.submit(job)
        except RuntimeError:
            job()

    def pending(self) -> int:
        return len(self._jobs)

    def shutdown(self, wait: bool = True) -> None:
        """Take no more jobs; with `wait`, return once every queued job has run."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _start_thread(self) -> None:
        if not self._threads:
            atexit.register(self.shutdown)
        # Daemon threads, drained by the atexit hook: a thread waiting for jobs never holds the process open.
        thread = threading.Thread(target=self._run, name=f"tend-{self._name}-{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._jobs and not self._closed:
                    self._changed.wait()
                if not self._jobs:
                    return
                deadline, job = self._jobs.popleft()
            self._gate.wait_for_quiet(deadline)
            started = time.monotonic()
            try:
                job()
            except Exception:
                log.exception("work after the ack failed")
            self._gate.pace(time.monotonic() - started)


def follow_on(threads: int, name: str) -> WorkQueue:
    """A queue for what work hands on (the answer, the deliveries): not gated by the acks, as those jobs are
    mostly waiting for the platform, and they are what people wait for. Drained at exit after the work
    queues, in the order made (a thread started while the exit hooks run registers no hook of its own)."""
    queue = WorkQueue(threads=threads, gate=AckGate(), name=name)
    _FOLLOW_ONS[:] = [ref for ref in _FOLLOW_ONS if ref() is not None]
    _FOLLOW_ONS.append(weakref.ref(queue))
    return queue


_FOLLOW_ONS: list[weakref.ref[WorkQueue]] = []


@atexit.register  # at import, so before any queue's: exit hooks run last first, so this one runs after them all
def _drain_follow_ons() -> None:
    for ref in list(_FOLLOW_ONS):
        if (queue := ref()) is not None:
            queue.shutdown()


class Coalescing:
    """One job asked for again and again (deliver what is due), run on a follow-on thread of its own so that
    whoever asks goes straight on: asked for while a run is waiting to start, that run does for both; asked
    for while one runs, one more run follows. Each job must stand for any other (each delivers whatever is
    due when it starts)."""

    def __init__(self, name: str = "deliver") -> None:
        self._queue = follow_on(1, name)
        self._lock = threading.Lock()
        self._waiting = False

    def kick(self, job: Callable[[], object]) -> None:
        with self._lock:
            if self._waiting:
                return
            self._waiting = True
        self._queue.run_soon(partial(self._run, job))

    def shutdown(self) -> None:
        """Take no more runs (asking runs the job there and then); return once the run under way is done."""
        self._queue.shutdown()

    def _run(self, job: Callable[[], object]) -> None:
        with self._lock:
            self._waiting = False
        job()
