"""Background threads, so a transfer never waits on the disk or the network: one lane writes
local records, one sends (a send that hangs never holds up the records behind it).

Each lane holds at most LANE_BOUND jobs: a job beyond it is dropped and counted (a dropped send
loses nothing: its report is already recorded as pending and a later session sends it; a dropped
write is a lost report, and says so). At exit the process waits for both lanes at most the
policy's bound, then gives up with one warning that counts what was left undone: at interpreter
exit, and in a multiprocessing child (fork, forkserver, spawn, a Pool's workers) before it leaves
through ``os._exit`` (a ``multiprocessing.util.Finalize``).

Each job runs under the run configuration (home, temporary folder, clock, HTTP session) it was
made under, whatever the process uses by the time it runs; ``discard`` drops the jobs of one
configuration (the test sandbox's, at its end)."""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable

from usage_consent import run

__all__ = ["LANES", "LANE_BOUND", "discard", "dropped", "submit", "wait"]
log = logging.getLogger("usage_consent")
LANES = ("write", "send")  # waited for in this order at exit
LANE_BOUND = 1000  # jobs waiting per lane; a burst of a few hundred transfers loses nothing
DROPPED = {"write": "usage report not recorded or sent", "send": "usage report kept pending for a later session"}

Job = tuple[run.RunConfig, Callable[[], object]]  # a job and the run configuration it was made under
_queues: dict[str, queue.Queue[Job]] = {}
_threads: dict[str, threading.Thread] = {}
_dropped: dict[str, int] = {}
_lock = threading.Lock()
_exit_wait = 0.0
_registered = False
_exit_pid = 0  # the process whose exit waits: a forked child registers its own multiprocessing finalizer
_waited_pid = 0  # the process that has already waited at exit (atexit and a finalizer may both run)


def _fresh() -> None:
    for lane in LANES:
        _queues[lane] = queue.Queue(maxsize=LANE_BOUND)
        _dropped[lane] = 0


_fresh()


def _run(jobs: queue.Queue[Job]) -> None:
    while True:
        config, job = jobs.get()
        try:
            with run.bound(config):
                job()
        except Exception as error:  # a failed report must never end the lane
            log.warning("usage report: %s: %s", type(error).__name__, error)
        finally:
            del job  # a finished job's report is not kept alive while the lane waits
            jobs.task_done()


def submit(job: Callable[[], object], exit_wait: float, lane: str = "send") -> bool:
    """Run ``job`` in the background lane ``lane`` (its result is not used); at exit wait at most ``exit_wait`` seconds.
    False when the lane is full and the job was dropped (counted, one warning per lane). The job
    runs under the run configuration current now."""
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
            atexit.register(_at_exit)
            _registered = True
        _wait_before_multiprocessing_exit()
        try:
            _queues[lane].put_nowait((run.current(), job))
            return True
        except queue.Full:
            _dropped[lane] += 1
            if _dropped[lane] == 1:
                log.warning("%s: the background queue is full (%d waiting); the count is given at exit",
                            DROPPED[lane], LANE_BOUND)
            return False


def _wait_before_multiprocessing_exit() -> None:
    """A multiprocessing child (fork, forkserver, a Pool's worker) leaves through ``os._exit``,
    past atexit, but runs multiprocessing's finalizers first: wait there too (once per process;
    a forked child's registry starts empty)."""
    global _exit_pid
    if "multiprocessing" in sys.modules and _exit_pid != os.getpid():
        from multiprocessing import util

        util.Finalize(None, _at_exit, exitpriority=100)
        _exit_pid = os.getpid()


def discard(config: run.RunConfig) -> int:
    """Drop every waiting job made under ``config`` (not the one running now); returns how many."""
    removed = 0
    for jobs in _queues.values():
        with jobs.mutex:
            kept = [item for item in jobs.queue if item[0] is not config]
            gone = len(jobs.queue) - len(kept)
            if gone:
                jobs.queue.clear()
                jobs.queue.extend(kept)
                jobs.unfinished_tasks -= gone
                if not jobs.unfinished_tasks:
                    jobs.all_tasks_done.notify_all()
                jobs.not_full.notify_all()
            removed += gone
    return removed


def dropped() -> dict[str, int]:
    """Jobs dropped so far in this process, per lane."""
    return dict(_dropped)


def _forget_parents_work() -> None:
    """In a forked child: the parent's queued jobs are the parent's to do, not ours."""
    global _lock
    _lock = threading.Lock()
    _threads.clear()
    _fresh()


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


def _at_exit() -> None:
    """Wait within the bound, then count in one warning what is lost or left for later (once per
    process)."""
    global _waited_pid
    if _waited_pid == os.getpid():
        return
    _waited_pid = os.getpid()
    finished = wait()
    unwritten = _queues["write"].unfinished_tasks + _dropped["write"]
    unsent = _queues["send"].unfinished_tasks + _dropped["send"]
    if unwritten:
        log.warning("%d usage report(s) not recorded or sent: %d dropped from a full queue, %d unfinished "
                    "at exit (waited %.1f s)", unwritten, _dropped["write"], unwritten - _dropped["write"],
                    _exit_wait)
    if unsent and (not finished or _dropped["send"]):
        log.warning("%d usage report send(s) not done in this process; recorded reports stay pending and a "
                    "later session sends them", unsent)
