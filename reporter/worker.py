"""One background thread per process that sends reports, so a transfer never waits on the
network. At exit the process waits for it at most the policy's bound, then gives up (what was
not sent stays pending on disk for a later session)."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger("usage_consent")

_jobs: queue.Queue[Callable[[], None]] = queue.Queue()
_lock = threading.Lock()
_thread: threading.Thread | None = None
_exit_wait = 0.0


def _run() -> None:
    while True:
        job = _jobs.get()
        try:
            job()
        except Exception as error:  # a failed report must never end the worker
            log.warning("usage report: %s: %s", type(error).__name__, error)
        finally:
            _jobs.task_done()


def submit(job: Callable[[], None], exit_wait: float) -> None:
    """Run ``job`` in the background; at exit, wait for the queue at most ``exit_wait`` seconds."""
    global _thread, _exit_wait
    with _lock:
        _exit_wait = max(_exit_wait, exit_wait)
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="usage-consent-sender", daemon=True)
            _thread.start()
            atexit.register(wait)
    _jobs.put(job)


def wait(timeout: float | None = None) -> bool:
    """Wait until every submitted job is done, at most ``timeout`` (default: the policy's bound).
    True when everything finished."""
    deadline = time.monotonic() + (_exit_wait if timeout is None else timeout)
    with _jobs.all_tasks_done:
        while _jobs.unfinished_tasks:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _jobs.all_tasks_done.wait(left)
    return True
