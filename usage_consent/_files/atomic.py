"""Safe writes: a bounded exclusive lock beside the file, then a temporary file renamed over it
(``_replace.py``), so concurrent writers lose nothing, readers never see half a file, and nobody
waits forever."""

from __future__ import annotations

import _thread
import errno
import os
import time

from usage_consent._files._platform import file_locks, platform_problem
from usage_consent._files._replace import PRIVATE_DIR, PRIVATE_FILE, remove_temporaries, replace_at
from usage_consent._locations import display, lock_file
from usage_consent._suppress import suppress
from usage_consent.errors import ConfigFileError

# Neither typing, contextlib nor threading: a decision resolved in full imports this module, and a
# process that stores a client id or writes a config file writes with it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["COMMAND_LOCK_WAIT_S", "TRANSFER_LOCK_WAIT_S", "LockBusy", "ensure_private_dir", "exclusive_lock",
           "lock_descriptor", "platform_problem", "real_target", "try_lock", "write_atomic"]
TRANSFER_LOCK_WAIT_S = 0.2  # decide(), start_session(), report(): then fail closed
COMMAND_LOCK_WAIT_S = 5.0  # usage-consent commands and write_consent(): then exit 1
_held: dict[object, int] = {}  # every lock descriptor open in this process, by the token of its block
_held_guard = _thread.allocate_lock()  # held while one is opened or closed, and across fork (threading.Lock)


_fcntl = file_locks  # None where the platform has none (then platform_problem() says so)


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


class lock_descriptor:  # noqa: N801 - a block, named as the function it was
    """The one way a lock file is opened (config, state, pending markers, prune): ``with
    lock_descriptor(opener) as fd``: ``opener()``'s descriptor, closed at the end of the block.
    Opening and registering, unregistering and closing, each happen under a guard that fork waits
    for, so every lock descriptor a forked child inherits is registered, and the child closes them
    all at once (``_after_fork_in_child``): a child never holds, nor keeps after the parent lets go,
    a lock of its parent."""

    __slots__ = ("_opener", "_token")

    def __init__(self, opener: Callable[[], int]) -> None:
        self._opener = opener
        self._token = object()

    def __enter__(self) -> int:
        with _held_guard:
            fd = self._opener()
            _held[self._token] = fd
        return fd

    def __exit__(self, *exc: object) -> None:
        with _held_guard:
            mine = _held.pop(self._token, None)  # None in a forked child: closed there already
            if mine is not None:
                os.close(mine)


def try_lock(fd: int) -> bool:
    """Take the exclusive flock on ``fd`` without waiting: False when someone else holds it (or
    this platform has no file locks)."""
    if _fcntl is None:
        return False
    try:
        _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class exclusive_lock:  # noqa: N801 - a block, named as the function it was
    """``with exclusive_lock(path, wait)``: hold an exclusive lock on a hidden lock file beside
    ``path`` (the file itself is replaced by every write, so it cannot carry the lock). Raises
    LockBusy, naming the lock file, when another process holds it for more than ``wait`` seconds."""

    __slots__ = ("_held", "path", "wait")

    def __init__(self, path: str, wait: float = COMMAND_LOCK_WAIT_S) -> None:
        self.path, self.wait = path, wait
        self._held: lock_descriptor | None = None

    def __enter__(self) -> None:
        path, wait = self.path, self.wait
        unsupported = platform_problem()
        if unsupported:
            raise ConfigFileError(f"{display(path)}: not written: {unsupported}", layer="platform", path=path)
        ensure_private_dir(os.path.dirname(path))
        lock = lock_file(path)
        held = lock_descriptor(lambda: _open_lock(lock))
        fd = held.__enter__()
        try:
            deadline = time.monotonic() + wait
            pause = 0.002
            while not try_lock(fd):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockBusy(f"{display(lock)}: held by another process for more than {wait:g} s",
                                   layer="lock", path=lock) from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.05)
        except BaseException:
            held.__exit__()
            raise
        self._held = held

    def __exit__(self, *exc: object) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__()


def _before_fork() -> None:
    _held_guard.acquire()  # no lock descriptor is half opened or half closed while the process is copied


def _after_fork_in_parent() -> None:
    _held_guard.release()


def _after_fork_in_child() -> None:
    """In a forked child: every lock descriptor copied from the parent is closed (all are
    registered: see lock_descriptor), so the child never holds the parent's locks."""
    for fd in _held.values():
        with suppress(OSError):
            os.close(fd)
    _held.clear()
    _held_guard.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                        after_in_child=_after_fork_in_child)


def write_atomic(path: str, text: str, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``text`` in one step, durably; an existing file keeps its permission
    bits. Called under ``exclusive_lock(path)``: every temporary copy of it (left by a crash) is
    removed."""
    folder, name = os.path.split(path)
    ensure_private_dir(folder)
    with suppress(FileNotFoundError):
        mode = os.stat(path).st_mode & 0o777
    dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        remove_temporaries(dir_fd, name)
        replace_at(dir_fd, name, text.encode("utf-8"), mode=mode)
    finally:
        os.close(dir_fd)
