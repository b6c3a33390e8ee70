"""The process's reporter: the one object that holds the reporter's state in a process.

It holds the background ``Lanes``, the ``Sender``, the new client ids being stored, the count of
reports since the last prune, the retry jobs waiting and the state files whose pending deletion
requests were retried. A forked child replaces it (one ``os.register_at_fork``): the parent's
queued jobs, HTTP connections and memories are the parent's. The records themselves are on disk
(``store.Store``), so nothing else needs resetting.
"""

from __future__ import annotations

import _thread
import atexit
import os

from usage_consent.reporter._worker import Lanes

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from usage_consent.reporter._send import Sender

__all__ = ["Reporter", "at_exit", "process"]


class Reporter:
    """One process's reporter state (see the module's docstring)."""

    __slots__ = ("_made", "_sender", "deletions_retried", "lanes", "proposed", "retry_queued", "since_prune",
                 "state_reads")

    def __init__(self) -> None:
        self.lanes = Lanes()
        self._sender: Sender | None = None  # made when first asked for: a process that only records never sends
        self._made = _thread.allocate_lock()  # one Sender, whichever threads ask first
        self.proposed: dict[str, str] = {}  # state file -> the new client id this process is storing
        self.since_prune: dict[str, int] = {}  # records root -> reports made since its last prune
        self.retry_queued: set[tuple[str, object]] = set()  # (records root, run config): its retry job waits
        self.deletions_retried: set[str] = set()  # state files whose pending deletions this process retried
        # state file -> (its stat, its contents): a session re-parses it only when it changed
        self.state_reads: dict[str, tuple[object, dict[str, Any]]] = {}

    @property
    def sender(self) -> Sender:
        """The process's ``Sender`` (reporter/_send.py, imported then)."""
        with self._made:
            if self._sender is None:
                from usage_consent.reporter._send import Sender

                self._sender = Sender()
            return self._sender

    def prune_due(self, root: str, keep_sessions: int, over: Callable[[int], bool]) -> bool:
        """Whether this report should trigger a prune of ``root``: every keep_sessions/10 reports
        of a process, and at its first report when the folder, with it, may hold more than
        keep_sessions (``over``: a few stats, not a scan; asked before the report is written, so of
        keep_sessions - 1), so the folder stays within 10% of the bound without being scanned for
        every report. Asked by the thread that makes the report, which imports the prune's code
        only when it is due (a lane's thread imports nothing)."""
        count = self.since_prune.get(root, 0) + 1
        due = count > max(1, keep_sessions // 10) or (count == 1 and over(keep_sessions - 1))
        self.since_prune[root] = 1 if due and count > 1 else count
        return due


# The reporter's only module-level mutable state: the process-wide Reporter. It is made when the
# reporter is first imported (cheap: lane threads start with the first job) and replaced in a
# forked child; every job, send and exit wait reaches it through process(), so there is exactly
# one per process and a child never acts on its parent's queues or connections.
_process = Reporter()


def process() -> Reporter:
    """This process's reporter."""
    return _process


def _replace_in_child() -> None:
    global _process
    _process = Reporter()


def at_exit() -> None:
    """Wait for this process's lanes within the bound and count what is left (once per process:
    atexit and a multiprocessing finalizer may both call it)."""
    _process.lanes.at_exit()


atexit.register(at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_replace_in_child)
