"""Pruning's rules (``Store.prune``): keep the newest ``keep_sessions`` records of an app (all
client ids together, so ``per_session`` ids are bounded too), never one whose send is still
pending. It scans the folder, so it runs in the background; one process prunes at a time (others
skip), under a flock on ``usage/.prune.lock``; a record being sent carries its marker, which
pruning leaves alone."""

from __future__ import annotations

import os

from usage_consent._files.atomic import lock_descriptor, try_lock
from usage_consent._files.tempdirs import DIR_FLAGS, UnsafePath
from usage_consent._locations import PENDING_FOLDER as PENDING
from usage_consent._locations import PRUNE_LOCK, marker_name
from usage_consent._suppress import suppress
from usage_consent.reporter._store import OPEN_OUTCOMES, status_in

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Iterator

    from usage_consent.reporter._store import Store

__all__ = ["folder_names", "prune", "sessions_newest_first", "still_open"]


def still_open(client_fd: int, session_id: str) -> bool:
    """Whether a record's status says some endpoint is still to be sent (or has no status yet)."""
    status = status_in(client_fd, session_id)
    if status is None:
        return False
    if not status:
        return True  # being written right now
    endpoints = status.get("endpoints")
    return isinstance(endpoints, dict) and any(
        isinstance(e, dict) and e.get("outcome") in OPEN_OUTCOMES for e in endpoints.values())


def _sessions(root_fd: int) -> Iterator[tuple[int, str, str]]:
    for client_id in os.listdir(root_fd):
        if client_id.startswith("."):
            continue
        with suppress(OSError):
            client_fd = os.open(client_id, DIR_FLAGS, dir_fd=root_fd)
            try:
                for entry in os.scandir(client_fd):
                    yield entry.stat(follow_symlinks=False).st_mtime_ns, client_id, entry.name
            finally:
                os.close(client_fd)


def sessions_newest_first(root_fd: int) -> list[tuple[int, str, str]]:
    """Every (mtime_ns, client_id, session_id) under the records root, newest first."""
    return sorted(_sessions(root_fd), reverse=True)


def folder_names(parent_fd: int, folder: str) -> set[str]:
    try:
        fd = os.open(folder, DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        return set()
    try:
        return set(os.listdir(fd))
    finally:
        os.close(fd)


def prune(store: Store, keep: int) -> int:
    """``Store.prune``: keep the newest ``keep`` records of ``store``, never a pending one nor one whose
    status says a send is still open; returns how many were removed (0 when another process prunes:
    one at a time, under a flock on ``usage/.prune.lock``)."""
    try:
        root = store._open(create=False)
    except (OSError, UnsafePath):
        return 0
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        with lock_descriptor(lambda: os.open(PRUNE_LOCK, flags, 0o600, dir_fd=root)) as lock:
            if not try_lock(lock):
                return 0  # another process is pruning
            return _prune_locked(store, root, keep)
    finally:
        os.close(root)


def _prune_locked(store: Store, root: int, keep: int) -> int:
    removed = 0
    pending = folder_names(root, PENDING)
    sessions = sessions_newest_first(root)
    for _, client_id, session_id in sessions[keep:]:
        if marker_name(client_id, session_id) in pending:
            continue
        with suppress(OSError, UnsafePath):
            client_fd = os.open(client_id, DIR_FLAGS, dir_fd=root)
            try:
                if still_open(client_fd, session_id):
                    continue
            finally:
                os.close(client_fd)
            store.remove(client_id, session_id)
            removed += 1
    for client_id in {c for _, c, _ in sessions}:
        store._remove_if_empty(client_id)
    return removed
