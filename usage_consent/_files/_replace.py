"""One file replaced in one step: a temporary file of our own naming, 0600 until complete, renamed
over it inside an open folder (never written through a symlink), and the removal of such
temporaries a crash left behind. Its own module, so that a process that records a report (its
files under the temporary folder, ``tempdirs``) loads neither the locks of ``atomic`` nor
``contextlib`` or ``usage_consent._suppress``."""

from __future__ import annotations

import os

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "remove_temporaries", "replace_at"]
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def remove_temporaries(dir_fd: int, name: str) -> int:
    """Delete every temporary copy of ``name`` of our own naming, whatever its age; returns how
    many. Called under the file's write lock, where no writer can be holding one: any found is
    left over from a crash."""
    import re

    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")
    removed = 0
    for entry in os.listdir(dir_fd):
        if pattern.fullmatch(entry):
            try:
                os.unlink(entry, dir_fd=dir_fd)
            except OSError:
                continue
            removed += 1
    return removed


def replace_at(dir_fd: int, name: str, data: bytes, *, mode: int = PRIVATE_FILE, durable: bool = True) -> None:
    """Replace ``name`` in the folder ``dir_fd`` with ``data`` in one step (a temporary file renamed
    over it, never written through a symlink): readers see the old file or the new one, never
    half of one. The temporary file is 0600 until it is complete; ``mode`` is set just before the
    rename. ``durable`` also flushes both to disk before returning."""
    temporary = f".{name}.{os.urandom(6).hex()}.tmp"  # secrets.token_hex(6), without hashlib and hmac
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
        try:  # noqa: SIM105 - not suppress(): a report's path loads neither contextlib nor _suppress
            os.unlink(temporary, dir_fd=dir_fd)
        except OSError:
            pass
        raise
    if durable:
        try:  # noqa: SIM105 - as above
            os.fsync(dir_fd)
        except OSError:
            pass
