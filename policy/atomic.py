"""Safe writes: an exclusive lock beside the file, then a temporary file renamed over it, so
concurrent writers lose nothing and readers never see half a file."""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def real_target(path: str) -> str:
    """Where a write to ``path`` should land: through a symlink (a dotfiles manager's) to its target."""
    return os.path.realpath(path)


def ensure_private_dir(folder: str) -> None:
    """Create ``folder`` (and parents) as 0700 when missing; an existing folder keeps its mode."""
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=PRIVATE_DIR, exist_ok=True)


@contextlib.contextmanager
def exclusive_lock(path: str) -> Iterator[None]:
    """Hold an exclusive lock on a hidden lock file beside ``path`` (the file itself is replaced
    by every write, so it cannot carry the lock)."""
    folder, name = os.path.split(path)
    ensure_private_dir(folder)
    fd = os.open(os.path.join(folder, f".{name}.lock"), os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def replace_at(dir_fd: int, name: str, data: bytes, *, mode: int = PRIVATE_FILE, durable: bool = True) -> None:
    """Replace ``name`` in the folder ``dir_fd`` with ``data`` in one step (a temporary file renamed
    over it, never written through a symlink): readers see the old file or the new one, never
    half of one. ``durable`` also flushes both to disk before returning."""
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=dir_fd)
    try:
        os.fchmod(fd, mode)  # os.open's mode passes through the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
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
    """Replace ``path`` with ``text`` in one step, durably; an existing file keeps its permission bits."""
    folder, name = os.path.split(path)
    ensure_private_dir(folder)
    with contextlib.suppress(FileNotFoundError):
        mode = os.stat(path).st_mode & 0o777
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        replace_at(dir_fd, name, text.encode("utf-8"), mode=mode)
    finally:
        os.close(dir_fd)
