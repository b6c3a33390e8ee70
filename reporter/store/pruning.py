"""Pruning: keep the newest ``keep_sessions`` records of an app (all client ids together, so
``per_session`` ids are bounded too), never one whose send is still pending. It scans the folder,
so it runs in the background; one process prunes at a time (others skip), under a flock on
``usage/.prune.lock``; a record being sent carries its marker, which pruning leaves alone."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from usage_consent.files.atomic import lock_descriptor, try_lock
from usage_consent.files.tempdirs import DIR_FLAGS, UnsafePath, open_dir
from usage_consent.locations import PRUNE_LOCK
from usage_consent.policy import Policy
from usage_consent.reporter.outcomes import OPEN_OUTCOMES
from usage_consent.reporter.store.markers import PENDING, marker_name
from usage_consent.reporter.store.record import remove_if_empty, remove_session, status_in, usage_parts

__all__ = ["prune", "prune_due"]

_since_prune: dict[str, int] = {}


def prune_due(policy: Policy) -> bool:
    """Whether this report should trigger a prune: every keep_sessions/10 reports of a process,
    so the folder stays within 10% of the bound without being scanned for every report."""
    count = _since_prune.get(policy.app, 0) + 1
    due = count == 1 or count > max(1, policy.reporter.keep_sessions // 10)
    _since_prune[policy.app] = 1 if due and count > 1 else count
    return due


def _still_open(client_fd: int, session_id: str) -> bool:
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
        with contextlib.suppress(OSError):
            client_fd = os.open(client_id, DIR_FLAGS, dir_fd=root_fd)
            try:
                for entry in os.scandir(client_fd):
                    yield entry.stat(follow_symlinks=False).st_mtime_ns, client_id, entry.name
            finally:
                os.close(client_fd)


def _names(parent_fd: int, folder: str) -> set[str]:
    try:
        fd = os.open(folder, DIR_FLAGS, dir_fd=parent_fd)
    except OSError:
        return set()
    try:
        return set(os.listdir(fd))
    finally:
        os.close(fd)


def prune(policy: Policy) -> int:
    """Prune the app's records; returns how many were removed (0 when another process prunes)."""
    try:
        root = open_dir(usage_parts(policy), create=False)
    except (OSError, UnsafePath):
        return 0
    with contextlib.ExitStack() as stack:
        stack.callback(os.close, root)
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        lock = stack.enter_context(lock_descriptor(lambda: os.open(PRUNE_LOCK, flags, 0o600, dir_fd=root)))
        if not try_lock(lock):
            return 0  # another process is pruning
        return _prune_locked(policy, root)


def _prune_locked(policy: Policy, root: int) -> int:
    removed = 0
    pending = _names(root, PENDING)
    sessions = sorted(_sessions(root), reverse=True)
    for _, client_id, session_id in sessions[policy.reporter.keep_sessions:]:
        if marker_name(client_id, session_id) in pending:
            continue
        with contextlib.suppress(OSError, UnsafePath):
            client_fd = os.open(client_id, DIR_FLAGS, dir_fd=root)
            try:
                if _still_open(client_fd, session_id):
                    continue
            finally:
                os.close(client_fd)
            remove_session(policy, client_id, session_id)
            removed += 1
    for client_id in {c for _, c, _ in sessions}:
        remove_if_empty(policy, client_id)
    return removed
