"""Post-ack work: in order, every job run once, a failing job never stops the rest, and shutdown drains; deliveries
asked for by many requests share runs on a thread of their own."""

import threading
import time

from bot.runtime.work_pool import AckGate, Coalescing, Turns, WorkQueue


def test_jobs_run_in_order_and_shutdown_waits_for_the_queue():
    done: list[int] = []
    queue = WorkQueue(threads=1, gate=AckGate())
    release = threading.Event()
    queue.submit(release.wait)
    for n in range(200):
        queue.submit(lambda n=n: done.append(n))
    assert queue.pending() >= 199
    release.set()
    queue.shutdown()
    assert done == list(range(200))


def test_a_failing_job_is_logged_and_the_next_one_runs(caplog):
    done: list[str] = []
    queue = WorkQueue(threads=1, gate=AckGate())
    queue.submit(lambda: 1 / 0)
    queue.submit(lambda: done.append("next"))
    queue.shutdown()
    assert done == ["next"]
    assert "work after the ack failed" in caplog.text


def test_work_waits_for_a_lull_in_acks_but_not_past_its_deadline():
    gate = AckGate()
    queue = WorkQueue(threads=1, gate=gate)
    ran_at: list[float] = []
    with gate.acking():  # a request is waiting for its ack the whole time
        started = time.monotonic()
        queue.submit(lambda: ran_at.append(time.monotonic()))
        time.sleep(0.3)
        assert not ran_at  # gave way to the ack
        deadline = started + 2.0
        while not ran_at and time.monotonic() < deadline:
            time.sleep(0.05)
    assert ran_at and 0.9 <= ran_at[0] - started < 1.5  # ran once YIELD_TO_ACKS (1 s) had passed
    queue.shutdown()


def test_deliveries_asked_for_during_a_run_share_one_more_run_and_the_asker_never_waits():
    runs: list[float] = []
    release = threading.Event()
    deliveries = Coalescing()

    def deliver() -> None:
        release.wait()
        runs.append(time.monotonic())

    deliveries.kick(deliver)  # the first run starts and waits to be released
    time.sleep(0.1)
    started = time.monotonic()
    for _ in range(50):  # fifty requests queue messages while it runs
        deliveries.kick(deliver)
    assert time.monotonic() - started < 0.1  # none of them waited for a delivery
    release.set()
    deliveries.shutdown()
    assert len(runs) == 2  # the run under way, then one for all fifty


def test_once_shut_down_whoever_asks_for_a_delivery_makes_it_there_and_then():
    deliveries = Coalescing()
    deliveries.shutdown()
    ran_on: list[str] = []
    deliveries.kick(lambda: ran_on.append(threading.current_thread().name))
    assert ran_on == [threading.current_thread().name]


def test_turns_are_handed_on_first_come_first_served_and_one_who_gave_up_is_skipped():
    """Under a rush no answer waits several times as long as the rest: the longest waiter goes next."""
    turns = Turns(1)
    assert turns.acquire(timeout=0)
    served: list[str] = []

    def waiter(name: str, timeout: float) -> None:
        if turns.acquire(timeout=timeout):
            served.append(name)
            turns.release()

    def until(condition) -> None:
        deadline = time.monotonic() + 5
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)

    queued = []
    for name, timeout in [("first", 5.0), ("gave up", 0.2), ("second", 5.0), ("third", 5.0)]:
        queued.append(threading.Thread(target=waiter, args=(name, timeout)))
        queued[-1].start()
        until(lambda: turns.waiting() == len(queued))  # each in the queue before the next
    until(lambda: turns.waiting() == 3)  # "gave up" has left the queue
    turns.release()
    for thread in queued:
        thread.join(5)
    assert served == ["first", "second", "third"]
    assert turns.acquire(timeout=0)  # every turn came back
    assert not turns.acquire(timeout=0.01)
