"""Background threads, so a transfer never waits on the disk or the network: one lane writes
local records, one sends (a send that hangs never holds up the records behind it).

Each lane holds at most LANE_BOUND jobs: a job beyond it is dropped. A job is a report's (its
record written, or its first send) or housekeeping (pruning, storing a new client id, deleting
pending reports after an opt-out, retrying earlier reports): a dropped report is counted (a
dropped send loses nothing: its report is already recorded as pending and a later session sends
it; a dropped write is a lost report, and says so), a dropped housekeeping job is not (the next
session does it again). At exit the process waits for both lanes at most the policy's bound,
then gives up with one warning that counts the reports left undone: at interpreter exit, and in
a multiprocessing child (fork, forkserver, spawn, a Pool's workers) before it leaves through
``os._exit`` (a ``multiprocessing.util.Finalize``).

Each job runs under the run configuration (home, temporary folder, clock, HTTP session) it was
made under, whatever the process uses by the time it runs; ``discard`` drops the jobs of one
configuration (the test sandbox's, at its end).

The lanes are one ``Lanes`` object, held by the process's reporter (``reporter/_process.py``);
the functions below are the spellings hosts' tests and the sandbox use."""

from __future__ import annotations

import queue
import sys
import threading
import time

from usage_consent import _run as run
from usage_consent._log import log

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LANES", "LANE_BOUND", "Lanes", "discard", "dropped", "submit", "wait"]
LANES = ("write", "send")  # waited for in this order at exit
LANE_BOUND = 1000  # jobs waiting per lane; a burst of a few hundred transfers loses nothing
DROPPED = {"write": "usage report not recorded or sent", "send": "usage report kept pending for a later session"}


class _Job:
    """One job: the run configuration it was made under, its work, and whether it is a report's own
    (counted when lost) or housekeeping."""

    __slots__ = ("config", "report", "work")

    def __init__(self, config: run.RunConfig, work: Callable[[], object], report: bool) -> None:
        self.config, self.work, self.report = config, work, report


class Lanes:
    """The background lanes of one process: their queues and threads (started on the first job),
    the reports dropped from a full lane, the exit wait (the largest any job asked for)."""

    def __init__(self) -> None:
        self._queues: dict[str, queue.Queue[_Job]] = {lane: queue.Queue(maxsize=LANE_BOUND) for lane in LANES}
        self._threads: dict[str, threading.Thread] = {}
        self._running: dict[str, _Job | None] = dict.fromkeys(LANES)  # each lane's job in progress
        self._dropped = dict.fromkeys(LANES, 0)  # reports dropped from a full lane
        self._lock = threading.Lock()
        self._exit_wait = 0.0
        self._finalizer = False  # a multiprocessing finalizer waits for this process's lanes
        self._waited = False  # atexit and a multiprocessing finalizer may both run: wait once

    def _run(self, lane: str) -> None:
        jobs = self._queues[lane]
        while True:
            job = jobs.get()
            self._running[lane] = job
            try:
                with run.bound(job.config):
                    job.work()
            except Exception as error:  # a failed report must never end the lane
                log.warning("usage report: %s: %s", type(error).__name__, error)
            finally:
                self._running[lane] = None
                del job  # a finished job's report is not kept alive while the lane waits
                jobs.task_done()

    def submit(self, work: Callable[[], object], exit_wait: float, lane: str = "send", *, report: bool = False,
               config: run.RunConfig | None = None) -> bool:
        """Run ``work`` in the background lane ``lane`` (its result is not used) under ``config``
        (the run configuration current now by default); at exit wait at most ``exit_wait``
        seconds. False when the lane is full and the job was dropped (a ``report`` job is counted,
        with one warning per lane)."""
        job = _Job(run.current() if config is None else config, work, report)
        with self._lock:
            self._exit_wait = max(self._exit_wait, exit_wait)
            thread = self._threads.get(lane)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=self._run, args=(lane,), name=f"usage-consent-{lane}", daemon=True)
                self._threads[lane] = thread
                thread.start()
            self._wait_before_multiprocessing_exit()
            try:
                self._queues[lane].put_nowait(job)
                return True
            except queue.Full:
                if report:
                    self._dropped[lane] += 1
                    if self._dropped[lane] == 1:
                        log.warning("%s: the background queue is full (%d waiting); the count is given at exit",
                                    DROPPED[lane], LANE_BOUND)
                return False

    def _wait_before_multiprocessing_exit(self) -> None:
        """A multiprocessing child (fork, forkserver, a Pool's worker) leaves through ``os._exit``,
        past atexit, but runs multiprocessing's finalizers first: wait there too (once per
        process: a forked child has new lanes, and its finalizer registry starts empty)."""
        if not self._finalizer and "multiprocessing" in sys.modules:
            from multiprocessing import util

            from usage_consent.reporter._process import at_exit

            util.Finalize(None, at_exit, exitpriority=100)
            self._finalizer = True

    def discard(self, config: run.RunConfig) -> int:
        """Drop every waiting job made under ``config`` (not the one running now); returns how many."""
        removed = 0
        for jobs in self._queues.values():
            with jobs.mutex:
                kept = [job for job in jobs.queue if job.config is not config]
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

    def dropped(self) -> dict[str, int]:
        """Reports dropped from a full lane so far in this process, per lane."""
        return dict(self._dropped)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job is done, at most ``timeout`` in all (default: the policy's
        bound). True when everything finished."""
        deadline = time.monotonic() + (self._exit_wait if timeout is None else timeout)
        for lane in LANES:
            jobs = self._queues[lane]
            with jobs.all_tasks_done:
                while jobs.unfinished_tasks:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    jobs.all_tasks_done.wait(left)
        return True

    def unfinished_reports(self, lane: str) -> int:
        """The reports' jobs of ``lane`` waiting or in progress (housekeeping jobs are not counted)."""
        jobs = self._queues[lane]
        with jobs.mutex:
            waiting = sum(job.report for job in jobs.queue)
        running = self._running[lane]
        return waiting + (running is not None and running.report)

    def at_exit(self) -> None:
        """Wait within the bound, then count in one warning the reports lost or left for later
        (once)."""
        if self._waited:
            return
        self._waited = True
        finished = self.wait()
        if not finished:  # a job still running may warn while the interpreter shuts down: no import then
            import logging  # noqa: F401
        dropped_writes, dropped_sends = self._dropped["write"], self._dropped["send"]
        unwritten = self.unfinished_reports("write") + dropped_writes
        unsent = self.unfinished_reports("send") + dropped_sends
        if unwritten:
            log.warning("%d usage report(s) not recorded or sent: %d dropped from a full queue, %d unfinished "
                        "at exit (waited %.1f s)", unwritten, dropped_writes, unwritten - dropped_writes,
                        self._exit_wait)
        if unsent and (not finished or dropped_sends):
            log.warning("%d usage report send(s) not done in this process; recorded reports stay pending and a "
                        "later session sends them", unsent)


def _lanes() -> Lanes:
    from usage_consent.reporter._process import process

    return process().lanes


def submit(job: Callable[[], object], exit_wait: float, lane: str = "send", *, report: bool = False) -> bool:
    """``Lanes.submit`` on the process's lanes."""
    return _lanes().submit(job, exit_wait, lane, report=report)


def wait(timeout: float | None = None) -> bool:
    """Wait until every job submitted in this process is done, at most ``timeout`` in all
    (default: the policy's bound). True when everything finished."""
    return _lanes().wait(timeout)


def discard(config: run.RunConfig) -> int:
    """Drop every waiting job made under ``config`` (not the one running now); returns how many."""
    return _lanes().discard(config)


def dropped() -> dict[str, int]:
    """Reports dropped from a full lane so far in this process, per lane."""
    return _lanes().dropped()
