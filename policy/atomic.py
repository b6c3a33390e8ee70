"""Safe writes: an exclusive lock beside the file, then a temporary file renamed over it, so
concurrent writers lose nothing and readers never see half a file."""

from __future__ import annotations

import contextlib
import fcntl
import os
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


def write_atomic(path: str, text: str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``text`` in one step; an existing file keeps its permission bits."""
    folder, name = os.path.split(path)
    ensure_private_dir(folder)
    with contextlib.suppress(FileNotFoundError):
        mode = os.stat(path).st_mode & 0o777
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
