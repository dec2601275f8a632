"""Parallel connections for `Sender`: the plan is read, decided and composed in the calling thread, and
`sender.connections` worker threads, each with its own SMTP connection and store connection
(`sender.open_channel()`), run the transactions and settle the ledger.

The claims keep each member to one delivery; a `TransportError` on any
connection stops them all (the others finish the transaction they are in);
deferrals from any worker go through the sender's one retry queue.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable


def run_parallel(sender, items: Iterable) -> None:
    """Send `items` with `sender.connections` worker threads; re-raises the first error of any of them."""
    work: queue.Queue = queue.Queue(maxsize=2 * sender.connections)
    stop = threading.Event()
    errors: list[BaseException] = []
    idle = threading.Condition(sender.lock)
    inflight = [0]

    def done_one():
        with idle:
            inflight[0] -= 1
            idle.notify_all()

    def worker():
        try:
            with sender.open_channel() as channel:
                while (job := work.get()) is not None:
                    try:
                        if not stop.is_set():
                            sender.deliver(job, channel)
                    except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                        errors.append(exc)
                        stop.set()
                    finally:
                        done_one()
        except BaseException as exc:  # noqa: BLE001 - could not open its connection
            errors.append(exc)
            stop.set()
            while work.get() is not None:  # keep the queue flowing so the main thread never blocks
                done_one()

    def dispatch(job):
        with idle:
            inflight[0] += 1
        while not stop.is_set():
            try:
                work.put(job, timeout=0.2)
                return
            except queue.Full:
                continue
        done_one()

    threads = [threading.Thread(target=worker, name=f"smtp-{n}", daemon=True) for n in range(sender.connections)]
    for thread in threads:
        thread.start()
    try:
        for item in items:
            if stop.is_set():
                break
            job = sender.prepare(item)
            if job is not None:
                dispatch(job)
            while not stop.is_set() and (job := sender.next_retry(wait=False)) is not None:
                sender.retry_job(job, dispatch)
        while not stop.is_set():  # the plan is read: wait for the workers and the queued retries
            with idle:
                due = sender.retry_due_at()
                if due is None and inflight[0] == 0:
                    break
                if due is None or due > time.monotonic():
                    idle.wait(None if due is None else due - time.monotonic())
                    continue
            if (job := sender.next_retry(wait=False)) is not None:
                sender.retry_job(job, dispatch)
    finally:
        stop.set()  # an interruption: the jobs still queued are not started
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
