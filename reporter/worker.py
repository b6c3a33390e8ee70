"""Background threads, so a transfer never waits on the disk or the network: one lane writes
local records, one sends (a send that hangs never holds up the records behind it). At exit the
process waits for both at most the policy's bound, then gives up; what was not sent stays
pending on disk for a later session."""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger("usage_consent")
LANES = ("write", "send")  # waited for in this order at exit

_queues: dict[str, queue.Queue[Callable[[], None]]] = {lane: queue.Queue() for lane in LANES}
_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()
_exit_wait = 0.0
_registered = False


def _run(jobs: queue.Queue[Callable[[], None]]) -> None:
    while True:
        job = jobs.get()
        try:
            job()
        except Exception as error:  # a failed report must never end the lane
            log.warning("usage report: %s: %s", type(error).__name__, error)
        finally:
            jobs.task_done()


def submit(job: Callable[[], None], exit_wait: float, lane: str = "send") -> None:
    """Run ``job`` in the background lane ``lane``; at exit wait at most ``exit_wait`` seconds."""
    global _exit_wait, _registered
    with _lock:
        _exit_wait = max(_exit_wait, exit_wait)
        thread = _threads.get(lane)
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_run, args=(_queues[lane],), name=f"usage-consent-{lane}",
                                      daemon=True)
            _threads[lane] = thread
            thread.start()
        if not _registered:
            atexit.register(wait)
            _registered = True
    _queues[lane].put(job)


def _forget_parents_work() -> None:
    """In a forked child: the parent's queued jobs are the parent's to do, not ours."""
    global _lock
    _lock = threading.Lock()
    _threads.clear()
    for lane in LANES:
        _queues[lane] = queue.Queue()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parents_work)


def wait(timeout: float | None = None) -> bool:
    """Wait until every submitted job is done, at most ``timeout`` in all (default: the policy's
    bound). True when everything finished."""
    deadline = time.monotonic() + (_exit_wait if timeout is None else timeout)
    for lane in LANES:
        jobs = _queues[lane]
        with jobs.all_tasks_done:
            while jobs.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                jobs.all_tasks_done.wait(left)
    return True
