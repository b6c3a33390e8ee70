"""Files under a shared temporary folder, safely: every folder below ``<tempdir>`` is opened
without following symlinks and must belong to this user; files are written atomically, 0600."""

from __future__ import annotations

import os
import stat

from usage_consent._files._replace import PRIVATE_DIR, replace_at
from usage_consent._files.jsonfile import read_regular
from usage_consent._run import current
from usage_consent.errors import ReportError

__all__ = ["DIR_FLAGS", "UnsafePath", "open_dir", "read_at", "temp_root", "write_at"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


class UnsafePath(ReportError):
    """A folder on the way to a record is a symlink or belongs to someone else: nothing is written."""


def temp_root() -> str:
    """The run configuration's temporary folder (by default ``tempfile.gettempdir()``: TMPDIR is
    honoured, /tmp by default)."""
    return current().temp()


def _open_child(parent_fd: int, name: str, shown: str, create: bool) -> int:
    try:
        found = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        if not create:
            raise
        try:  # noqa: SIM105 - not suppress(): a report's path loads neither contextlib nor _suppress
            os.mkdir(name, PRIVATE_DIR, dir_fd=parent_fd)
        except FileExistsError:
            pass  # made by another process just now
        found = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    if stat.S_ISLNK(found.st_mode):
        raise UnsafePath(f"{shown}: is a symlink; not followed", path=shown)
    try:
        child = os.open(name, DIR_FLAGS, dir_fd=parent_fd)  # O_NOFOLLOW: a symlink swapped in now fails too
    except OSError as error:
        raise UnsafePath(f"{shown}: cannot be opened safely: {error.strerror}", path=shown) from None
    info = os.fstat(child)
    if info.st_uid != os.geteuid():
        os.close(child)
        raise UnsafePath(f"{shown}: belongs to another user (uid {info.st_uid}); not used", path=shown)
    if info.st_mode & 0o077:
        os.fchmod(child, PRIVATE_DIR)
    return child


def open_dir(parts: list[str], create: bool = True, root: str | None = None) -> int:
    """A descriptor for ``<root>/<parts...>`` (``root``: the run configuration's temporary folder
    unless given); the caller closes it. Raises UnsafePath, or FileNotFoundError when ``create``
    is false and a folder is missing."""
    shown = temp_root() if root is None else root
    fd = os.open(shown, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts:
            shown = os.path.join(shown, part)
            child = _open_child(fd, part, shown, create)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_at(dir_fd: int, name: str, data: bytes) -> None:
    """Replace ``name`` in the folder with ``data`` in one step (0600, never through a symlink).
    There is no fsync: these are records in a temporary folder, and a transfer must not wait
    for the disk."""
    replace_at(dir_fd, name, data, durable=False)


def read_at(dir_fd: int, name: str) -> bytes:
    """A record's file: a regular file, never a symlink, at most MAX_FILE_BYTES (else OSError)."""
    return read_regular(name, dir_fd=dir_fd, follow=False)
