"""Pending reports: sent later by a session whose own decision is on; deleted unsent when the
user has since opted out or moved to local; given up after a bounded count and age.

The promise: a report is sent, or kept (recorded, with a marker in ``.pending``) and retried
until ``retry_attempts`` or ``retry_max_age_days``. Pruning never removes a pending record; a
marker whose record is gone is removed; retries go oldest first. A marker's flock is held by
whoever sends or deletes its report, so a send, a cancel and a prune never act on one report
at once."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from usage_consent.clock import now_ms
from usage_consent.files.atomic import owned
from usage_consent.files.jsonfile import NotRegular
from usage_consent.files.tempdirs import UnsafePath, open_dir
from usage_consent.locations import PENDING_FOLDER
from usage_consent.policy import Decision, Policy, notice_status
from usage_consent.reporter.outcomes import OPEN_OUTCOMES
from usage_consent.reporter.record import (
    read_record,
    remove_session,
    set_outcome,
    update_status,
    usage_parts,
    usage_root,
)
from usage_consent.reporter.send import resting, send_report

__all__ = ["OPEN_OUTCOMES", "PENDING", "Written", "cancel_all", "clear", "entries", "has_pending", "mark",
           "marker_lock", "marker_name", "retry_all", "retry_soon", "send_locked", "send_pending", "try_flock"]
PENDING = PENDING_FOLDER
PER_SESSION = 20  # pending reports retried by one session, oldest first
_attempted: set[tuple[str, str]] = set()  # each pending report is tried at most once per process
log = logging.getLogger("usage_consent")


def marker_name(client_id: str, session_id: str) -> str:
    return f"{client_id}__{session_id}"


def mark(policy: Policy, client_id: str, session_id: str) -> None:
    """An empty marker file: nothing to write atomically, so it is simply created."""
    fd = open_dir(usage_parts(policy, PENDING))
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        os.close(os.open(marker_name(client_id, session_id), flags, 0o600, dir_fd=fd))
    finally:
        os.close(fd)


def clear(policy: Policy, client_id: str, session_id: str) -> None:
    """Remove a report's marker: it is sent, given up or gone (and need not be remembered as tried)."""
    _attempted.discard((client_id, session_id))
    with contextlib.suppress(OSError, UnsafePath):
        fd = open_dir(usage_parts(policy, PENDING), create=False)
        try:
            os.unlink(marker_name(client_id, session_id), dir_fd=fd)
        finally:
            os.close(fd)


def has_pending(policy: Policy) -> bool:
    """Cheap (one folder opened, one entry read): whether any report is pending."""
    try:
        with os.scandir(os.path.join(usage_root(policy), PENDING)) as found:
            return any(True for _ in found)
    except OSError:
        return False


def entries(policy: Policy, limit: int = PER_SESSION, skip: set[tuple[str, str]] | None = None,
            ) -> list[tuple[str, str]]:
    """Up to ``limit`` pending (client_id, session_id) pairs, oldest marker first, leaving out
    ``skip``; [] when there are none."""
    try:
        fd = open_dir(usage_parts(policy, PENDING), create=False)
    except (OSError, UnsafePath):
        return []
    try:
        dated = []
        for name in os.listdir(fd):
            pair = tuple(name.split("__", 1))
            if len(pair) != 2 or (skip and pair in skip):
                continue
            with contextlib.suppress(OSError):
                dated.append((os.stat(name, dir_fd=fd, follow_symlinks=False).st_mtime_ns, pair))
    finally:
        os.close(fd)
    dated.sort()
    return [pair for _, pair in dated[:limit]]


@contextlib.contextmanager
def marker_lock(policy: Policy, client_id: str, session_id: str, linked: bool = False) -> Iterator[bool]:
    """Try (never wait) to take the marker's flock: yields True when taken, False when another
    thread or process holds it or the marker is gone (with ``linked``, also when it was removed,
    by cancel_all or forget, between its opening and the flock). A forked child never keeps it."""
    lock = None
    with contextlib.suppress(OSError, UnsafePath):
        fd = open_dir(usage_parts(policy, PENDING), create=False)
        try:
            lock = os.open(marker_name(client_id, session_id), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                           | os.O_CLOEXEC, dir_fd=fd)
        finally:
            os.close(fd)
    if lock is None:
        yield False
        return
    with owned(lock):
        yield try_flock(lock) and (not linked or os.fstat(lock).st_nlink > 0)


def try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def cancel_all(policy: Policy) -> int:
    """The user no longer sends: pending reports are deleted unsent (one being sent right now by
    another process is left to it, and cancelled by a later session)."""
    removed = 0
    for client_id, session_id in entries(policy, limit=1 << 30):
        with marker_lock(policy, client_id, session_id) as taken:
            if not taken:
                continue
            with contextlib.suppress(OSError, UnsafePath):
                remove_session(policy, client_id, session_id)
                removed += 1
            clear(policy, client_id, session_id)
    return removed


class Written(NamedTuple):
    """A record the write lane has just written, handed to the send lane as it is (the bytes
    exactly as recorded; the status says the notice was shown)."""

    body: bytes
    status: dict[str, Any]


def send_pending(decision: Decision, client_id: str, session_id: str, written: Written | None = None) -> bool:
    """Send one recorded report to each of its endpoints still pending; keep it pending on failure.
    A marker whose record is gone is removed (and False returned). ``written``: the record the
    write lane has just written (not read back); else it is read, and a report collected before
    the notice version it was made with was shown is deleted unsent."""
    policy = decision.policy
    settings = policy.reporter
    if written is not None:
        body, status = written
    else:
        try:
            body, status = read_record(policy, client_id, session_id)
        except (FileNotFoundError, NotADirectoryError, NotRegular):
            clear(policy, client_id, session_id)  # nothing (usable) left to send
            return False
        version = status.get("schema_version")
        shown = notice_status(policy).shown_version
        if not status.get("notice_shown") or shown is None or shown < (version or 0):
            clear(policy, client_id, session_id)  # collected before the notice: never sent
            return True
    age_days = (now_ms() - status.get("created_ms", 0)) / 86_400_000
    results: dict[str, Any] = {}
    rested = False
    endpoints = status.get("endpoints")
    for url, entry in (endpoints if isinstance(endpoints, dict) else {}).items():
        if not isinstance(entry, dict) or entry.get("outcome") not in OPEN_OUTCOMES:
            continue
        if age_days > settings.retry_max_age_days or entry.get("attempts", 0) > settings.retry_attempts:
            results[url] = ("expired", None, "gave up: too old or too many attempts")
        elif url not in decision.endpoints:
            results[url] = ("dropped", None, "endpoint no longer configured")
        elif resting(url):
            rested = True  # it just failed for another report: this one stays pending, untried
        else:
            sent = send_report(decision, url, body)
            results[url] = (sent.outcome, sent.code, sent.detail)

    def apply(current: dict[str, Any]) -> None:
        for url, (outcome, code, detail) in results.items():
            set_outcome(current, url, outcome, code, detail)

    if results:
        update_status(policy, client_id, session_id, apply)
    if not rested and all(outcome not in OPEN_OUTCOMES for outcome, _, _ in results.values()):
        clear(policy, client_id, session_id)
    return True


def send_locked(decision: Decision, client_id: str, session_id: str, written: Written | None = None) -> bool:
    """send_pending under the marker's lock, so two processes never send the same report at once.
    True when this call found a record to try (False: tried before in this process, another holds
    it, or its record is gone)."""
    if (client_id, session_id) in _attempted:
        return False
    _attempted.add((client_id, session_id))
    with marker_lock(decision.policy, client_id, session_id, linked=written is not None) as taken:
        return taken and send_pending(decision, client_id, session_id, written)


_retry_queued: set[str] = set()  # apps whose retry job is waiting in the send lane


def retry_soon(decision: Decision, submit: Callable[[Callable[[], None]], object]) -> None:
    """Queue one retry of earlier pending reports, unless one is already waiting (a burst of
    sessions queues one retry, not one each)."""
    app = decision.policy.app
    if app in _retry_queued or all(map(resting, decision.endpoints)) or not has_pending(decision.policy):
        return  # one is queued already, every endpoint is resting, or nothing is pending
    _retry_queued.add(app)

    def job() -> None:
        _retry_queued.discard(app)
        retry_all(decision)

    if not submit(job):
        _retry_queued.discard(app)


def retry_all(decision: Decision) -> int:
    """In the background of a session that may send: the oldest pending reports this process has
    not tried yet, PER_SESSION at a time (markers without a record are removed on the way and do
    not count). Returns how many were tried."""
    tried = 0
    for client_id, session_id in entries(decision.policy, limit=1 << 30, skip=_attempted):
        if tried >= PER_SESSION:
            break
        with contextlib.suppress(OSError, UnsafePath):
            tried += send_locked(decision, client_id, session_id)
    return tried
