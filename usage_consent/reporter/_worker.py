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

The lanes' threads are started with ``_thread``, not ``threading`` (whose import, with functools
and collections, costs a process that records one report about as much as the rest of its
reporting). A thread started so must never be the first to import ``threading``: threading would
take it for the main thread, and the interpreter would wait for it at exit (for ever: a lane's
thread never ends). So:

- a job is ``plain`` only if it never needs ``threading`` (a local record, a prune, storing a
  client id); any other job (a send, a retry, a cancel: requests imports threading) makes the
  thread that submits it import ``threading`` first, so that a lane's thread finds it loaded;
- while ``threading`` is not loaded, a lane's thread cannot import it (``_ThreadingGuard``, first
  on ``sys.meta_path``, refuses with ``NeedsThreading``): a plain job that turns out to need it
  is parked, and run again from its start once a thread that may import threading (the next to
  submit, wait, or end the lanes at exit) has imported it. A plain job changes nothing before
  the code that could need threading (the record job validates first, then writes);
- while ``logging`` is not loaded, what a lane's thread logs is held and logged by that same next
  thread (``usage_consent/_log.py``).

Each job runs under the run configuration (home, temporary folder, clock, HTTP session) it was
made under, whatever the process uses by the time it runs; ``discard`` drops the jobs of one
configuration (the test sandbox's, at its end).

The lanes are one ``Lanes`` object, held by the process's reporter (``reporter/_process.py``);
the functions below are the spellings hosts' tests and the sandbox use."""

from __future__ import annotations

import _thread
import sys
import time

from usage_consent import _run as run
from usage_consent._log import held, log

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["LANES", "LANE_BOUND", "Lanes", "NeedsThreading", "discard", "dropped", "submit", "wait"]
LANES = ("write", "send")  # waited for in this order at exit
LANE_BOUND = 1000  # jobs waiting per lane; a burst of a few hundred transfers loses nothing
DROPPED = {"write": "usage report not recorded or sent", "send": "usage report kept pending for a later session"}


class NeedsThreading(ImportError):
    """A lane's thread asked for ``threading`` before any other thread had imported it."""


class _ThreadingGuard:
    """First on ``sys.meta_path`` once a lane's thread runs while ``threading`` is not loaded: a
    lane's thread may not be the one that imports it (any other thread may)."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> None:
        if name == "threading" and held.get() is not None:
            raise NeedsThreading("threading is imported by the thread that submits the job, not a lane's", name=name)


class _Job:
    """One job: the run configuration it was made under, its work, whether it is a report's own
    (counted when lost) or housekeeping, and whether it is plain (never needs threading)."""

    __slots__ = ("config", "plain", "report", "work")

    def __init__(self, config: run.RunConfig, work: Callable[[], object], report: bool, plain: bool) -> None:
        self.config, self.work, self.report, self.plain = config, work, report, plain


class _Lane:
    """One lane: its jobs waiting (oldest first), the one running, the plain jobs parked until
    threading is loaded, the threads waiting for it to be idle, and its thread (started on the
    first job, with ``_thread``; it never ends)."""

    __slots__ = ("jobs", "mutex", "parked", "running", "sleeping", "started", "waiters", "wakeup")

    def __init__(self) -> None:
        self.jobs: list[_Job] = []
        self.running: _Job | None = None
        self.parked: list[_Job] = []
        self.mutex = _thread.allocate_lock()
        self.wakeup = _thread.allocate_lock()  # released to wake the lane's thread when it sleeps
        self.wakeup.acquire()
        self.sleeping = False
        self.started = False
        self.waiters: list[_thread.LockType] = []  # each released when the lane may have become idle

    def idle(self) -> bool:
        return not self.jobs and self.running is None and not self.parked

    def add(self, job: _Job) -> None:
        """Queue ``job`` (the caller holds ``mutex``) and wake the lane's thread if it sleeps."""
        self.jobs.append(job)
        if self.sleeping:
            self.sleeping = False
            self.wakeup.release()

    def notify(self) -> None:
        """Wake every thread waiting for this lane (the caller holds ``mutex``): each looks again."""
        for waiter in self.waiters:
            waiter.release()
        self.waiters.clear()

    def next_job(self) -> _Job:
        """In the lane's thread: the oldest job, sleeping until there is one."""
        while True:
            with self.mutex:
                if self.jobs:
                    self.running = self.jobs.pop(0)
                    return self.running
                self.sleeping = True
            self.wakeup.acquire()


class Lanes:
    """The background lanes of one process: their jobs and threads (started on the first job),
    the reports dropped from a full lane, the exit wait (the largest any job asked for), and what
    their threads logged or parked for a thread that may import logging and threading."""

    def __init__(self) -> None:
        self._lanes = {lane: _Lane() for lane in LANES}
        self._dropped = dict.fromkeys(LANES, 0)  # reports dropped from a full lane
        self._held: list[tuple[str, tuple[object, ...], dict[str, object]]] = []  # the lanes' threads' log calls
        self._exit_wait = 0.0
        self._finalizer = False  # a multiprocessing finalizer waits for this process's lanes
        self._waited = False  # atexit and a multiprocessing finalizer may both run: wait once

    def _serve(self, lane: _Lane) -> None:
        """A lane's thread: run its jobs, oldest first, for ever."""
        held.set(self._held)  # what this thread logs while logging is not loaded is kept for another
        while True:
            job = lane.next_job()
            try:
                with run.bound(job.config):
                    job.work()
            except NeedsThreading:  # a plain job that needs threading after all: run again once it is loaded
                with lane.mutex:
                    lane.parked.append(job)
            except Exception as error:  # a failed report must never end the lane
                log.warning("usage report: %s: %s", type(error).__name__, error)
            finally:
                with lane.mutex:
                    lane.running = None
                    lane.notify()
                del job  # a finished job's report is not kept alive while the lane waits

    def submit(self, work: Callable[[], object], exit_wait: float, lane: str = "send", *, report: bool = False,
               config: run.RunConfig | None = None, plain: bool = False) -> bool:
        """Run ``work`` in the background lane ``lane`` (its result is not used) under ``config``
        (the run configuration current now by default); at exit wait at most ``exit_wait``
        seconds. ``plain``: the job never needs threading (else this thread imports it first).
        False when the lane is full and the job was dropped (a ``report`` job is counted, with one
        warning per lane)."""
        job = _Job(run.current() if config is None else config, work, report, plain)
        background = held.get() is not None  # submitted by a lane's thread (a record job's prune or send)
        if not background:
            if not plain:
                import threading  # noqa: F401 - here, before any lane's thread may need it
            self._settle()
        queue = self._lanes[lane]
        with queue.mutex:
            self._exit_wait = max(self._exit_wait, exit_wait)
            dropped = len(queue.jobs) >= LANE_BOUND
            if not dropped and not plain and "threading" not in sys.modules:
                queue.parked.append(job)  # a lane's thread may not import threading: the next caller does
            elif not dropped:
                queue.add(job)
        if dropped:
            if report:
                self._dropped[lane] += 1
                if self._dropped[lane] == 1:
                    log.warning("%s: the background queue is full (%d waiting); the count is given at exit",
                                DROPPED[lane], LANE_BOUND)
            return False
        self._start(queue)
        self._wait_before_multiprocessing_exit()
        return True

    def _start(self, lane: _Lane) -> None:
        with lane.mutex:
            if lane.started:
                return
            lane.started = True
        if "threading" not in sys.modules and _ThreadingGuard not in sys.meta_path:
            sys.meta_path.insert(0, _ThreadingGuard)  # a finder needs only find_spec; it stays (harmless)
        try:
            _thread.start_new_thread(self._serve, (lane,))
        except BaseException:
            lane.started = False  # the next job tries again (its own job waits, and is counted at exit)
            raise

    def _settle(self) -> None:
        """On a thread that may import threading and logging (not a lane's): queue again the plain jobs
        parked because they needed threading (imported here first), and log what the lanes' threads
        held."""
        if any(lane.parked for lane in self._lanes.values()):
            import threading  # noqa: F401 - from here on a lane's thread finds it loaded

            for lane in self._lanes.values():
                with lane.mutex:
                    parked, lane.parked = lane.parked, []
                    for job in parked:
                        lane.add(job)
        while self._held:
            method, args, kwargs = self._held.pop(0)
            getattr(log, method)(*args, **kwargs)

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
        for lane in self._lanes.values():
            with lane.mutex:
                for name in ("jobs", "parked"):
                    jobs = getattr(lane, name)
                    kept = [job for job in jobs if job.config is not config]
                    removed += len(jobs) - len(kept)
                    setattr(lane, name, kept)
                lane.notify()
        return removed

    def dropped(self) -> dict[str, int]:
        """Reports dropped from a full lane so far in this process, per lane."""
        return dict(self._dropped)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job is done, at most ``timeout`` in all (default: the policy's
        bound). True when everything finished."""
        deadline = time.monotonic() + (self._exit_wait if timeout is None else timeout)
        try:
            return all(self._wait_for(lane, deadline) for lane in self._lanes.values())
        finally:
            if held.get() is None:
                self._settle()  # what the jobs logged, logged now

    def _wait_for(self, lane: _Lane, deadline: float) -> bool:
        """Wait until ``lane`` is idle (no job waiting, running or parked), at most until ``deadline``."""
        while True:
            if held.get() is None:
                self._settle()  # parked jobs queued again: threading is loaded from here on
            waiter = _thread.allocate_lock()
            waiter.acquire()
            with lane.mutex:
                if lane.idle():
                    return True
                lane.waiters.append(waiter)
            left = deadline - time.monotonic()
            if left > 0 and waiter.acquire(True, left):
                continue  # the lane finished or parked a job: look again
            with lane.mutex:
                if waiter in lane.waiters:
                    lane.waiters.remove(waiter)
            if time.monotonic() >= deadline:
                return False

    def unfinished_reports(self, lane: str) -> int:
        """The reports' jobs of ``lane`` waiting, parked or in progress (housekeeping jobs are not counted)."""
        queue = self._lanes[lane]
        with queue.mutex:
            waiting = sum(job.report for job in queue.jobs) + sum(job.report for job in queue.parked)
            running = queue.running
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


def submit(job: Callable[[], object], exit_wait: float, lane: str = "send", *, report: bool = False,
           plain: bool = False) -> bool:
    """``Lanes.submit`` on the process's lanes."""
    return _lanes().submit(job, exit_wait, lane, report=report, plain=plain)


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
