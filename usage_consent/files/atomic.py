"""Safe writes: a bounded exclusive lock beside the file, then a temporary file renamed over it,
so concurrent writers lose nothing, readers never see half a file, and nobody waits forever."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator

from usage_consent.errors import ConfigFileError
from usage_consent.locations import display, lock_file

__all__ = ["COMMAND_LOCK_WAIT_S", "PRIVATE_DIR", "PRIVATE_FILE", "TRANSFER_LOCK_WAIT_S", "LockBusy",
           "ensure_private_dir", "exclusive_lock", "owned", "real_target", "remove_stale_temporaries",
           "replace_at", "write_atomic"]
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
TRANSFER_LOCK_WAIT_S = 0.2  # decide(), start_session(), report(): then fail closed
COMMAND_LOCK_WAIT_S = 5.0  # usage-consent commands and write_consent(): then exit 1
STALE_TEMP_S = 60.0  # a temporary file of ours older than this is left over from a crash
_held: dict[int, int] = {}  # lock descriptor -> the pid that took it
_held_guard = threading.Lock()


class LockBusy(ConfigFileError):
    """Another process held a lock file for longer than the caller may wait."""


def real_target(path: str) -> str:
    """Where a write to ``path`` should land: through a symlink (a dotfiles manager's) to its target."""
    return os.path.realpath(path)


def ensure_private_dir(folder: str) -> None:
    """Create ``folder`` (and parents) as 0700 when missing; an existing folder keeps its mode."""
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=PRIVATE_DIR, exist_ok=True)


def _open_lock(lock: str) -> int:
    """The lock file, created 0600; a symlink at its name is refused, never followed."""
    try:
        return os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE)
    except OSError as error:
        reason = "is a symlink; not followed" if error.errno == errno.ELOOP else f"cannot be opened: {error.strerror}"
        raise ConfigFileError(f"{display(lock)}: {reason}", layer="lock", path=lock) from None


@contextlib.contextmanager
def owned(fd: int) -> Iterator[int]:
    """Close ``fd`` (a lock file's descriptor) at the end of the block; a child forked meanwhile
    closes its copy at once (see _drop_inherited_locks), so it never holds the lock."""
    with _held_guard:
        _held[fd] = os.getpid()
    try:
        yield fd
    finally:
        with _held_guard:
            mine = _held.pop(fd, None) == os.getpid()
        if mine:
            os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: str, wait: float = COMMAND_LOCK_WAIT_S) -> Iterator[None]:
    """Hold an exclusive lock on a hidden lock file beside ``path`` (the file itself is replaced
    by every write, so it cannot carry the lock). Raises LockBusy, naming the lock file, when
    another process holds it for more than ``wait`` seconds."""
    folder = os.path.dirname(path)
    ensure_private_dir(folder)
    lock = lock_file(path)
    with owned(_open_lock(lock)) as fd:
        deadline = time.monotonic() + wait
        pause = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockBusy(f"{display(lock)}: held by another process for more than {wait:g} s",
                                   layer="lock", path=lock) from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.05)
        yield


def _drop_inherited_locks() -> None:
    """In a forked child: the parent's lock descriptors are closed, so the child never holds
    (nor, after the parent lets go, keeps) the parent's locks."""
    global _held_guard
    _held_guard = threading.Lock()
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


def remove_stale_temporaries(dir_fd: int, name: str, older_than: float = STALE_TEMP_S) -> int:
    """Delete temporary copies of ``name`` of our own naming left by a crash; returns how many."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")
    removed = 0
    cutoff = time.time() - older_than
    for entry in os.listdir(dir_fd):
        if pattern.fullmatch(entry):
            with contextlib.suppress(OSError):
                if os.stat(entry, dir_fd=dir_fd, follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry, dir_fd=dir_fd)
                    removed += 1
    return removed


def replace_at(dir_fd: int, name: str, data: bytes, *, mode: int = PRIVATE_FILE, durable: bool = True) -> None:
    """Replace ``name`` in the folder ``dir_fd`` with ``data`` in one step (a temporary file renamed
    over it, never written through a symlink): readers see the old file or the new one, never
    half of one. The temporary file is 0600 until it is complete; ``mode`` is set just before the
    rename. ``durable`` also flushes both to disk before returning."""
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE,
                 dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)  # os.open's mode passes through the umask
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        raise
    if durable:
        with contextlib.suppress(OSError):
            os.fsync(dir_fd)


def write_atomic(path: str, text: str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``text`` in one step, durably; an existing file keeps its permission
    bits. Temporary copies of it left by an earlier crash are removed."""
    folder, name = os.path.split(path)
    ensure_private_dir(folder)
    with contextlib.suppress(FileNotFoundError):
        mode = os.stat(path).st_mode & 0o777
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_stale_temporaries(dir_fd, name)
        replace_at(dir_fd, name, text.encode("utf-8"), mode=mode)
    finally:
        os.close(dir_fd)
