"""Pending markers: an empty file ``<records root>/.pending/{client_id}__{session_id}`` for each
report still to be sent. Its flock is held by whoever sends or deletes that report, so a send, a
cancel and a prune never act on one report at once."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from usage_consent.files.atomic import lock_descriptor, try_lock
from usage_consent.files.tempdirs import UnsafePath, open_dir
from usage_consent.locations import PENDING_FOLDER
from usage_consent.policy import Policy
from usage_consent.reporter.store.record import usage_parts, usage_root

__all__ = ["PENDING", "has_pending", "mark", "marker_lock", "marker_name", "pending_entries", "unmark"]
PENDING = PENDING_FOLDER


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


def unmark(policy: Policy, client_id: str, session_id: str) -> None:
    """Remove a report's marker, if it is there."""
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


def pending_entries(policy: Policy, skip: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Every pending (client_id, session_id) pair, oldest marker first, leaving out ``skip``; []
    when there are none."""
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
    return [pair for _, pair in dated]


@contextlib.contextmanager
def marker_lock(policy: Policy, client_id: str, session_id: str, linked: bool = False) -> Iterator[bool]:
    """Try (never wait) to take the marker's flock: yields True when taken, False when another
    thread or process holds it or the marker is gone (with ``linked``, also when it was removed,
    by cancel_all or forget, between its opening and the flock). A forked child never keeps it."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    with contextlib.ExitStack() as stack:
        try:
            folder = open_dir(usage_parts(policy, PENDING), create=False)
            try:
                lock = stack.enter_context(lock_descriptor(
                    lambda: os.open(marker_name(client_id, session_id), flags, dir_fd=folder)))
            finally:
                os.close(folder)
        except (OSError, UnsafePath):
            yield False
            return
        yield try_lock(lock) and (not linked or os.fstat(lock).st_nlink > 0)
