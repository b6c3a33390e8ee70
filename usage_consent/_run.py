"""The run configuration: the home folder, the temporary folder, the clock and the HTTP session
the library uses, with the process's own by default. A caller that wants others passes one in
(``decide(policy, run=RunConfig(...))``); ``decide()`` puts it in the decision's context, and a
background job runs under the configuration it was made under (``bound``). Nothing switches it
for the whole process.

The time the library writes (records, the state file, the collector) is read here too, from the
configuration in use (``now_ms``, ``now_iso``), and written as UTC, ISO 8601, to the second.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from contextvars import ContextVar

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextvars import Token
    from typing import Any

__all__ = ["PROCESS", "RunConfig", "bound", "current", "default_temp_dir", "iso_from_ms", "now_iso", "now_ms"]


class RunConfig(Frozen):
    """``home``: the user's home (None: $HOME when used). ``temp_dir``: where records are kept
    (None: ``tempfile.gettempdir()``, which honours TMPDIR; see ``default_temp_dir``). ``clock``:
    seconds since the epoch. ``http_session``: makes the HTTP session reports are sent with (None:
    a requests session whose connections ``bounded`` can cut; one per sending thread either way).
    Frozen; equal (and the same key of the decision cache) when its four fields are."""

    __slots__ = ("clock", "home", "http_session", "temp_dir")
    home: str | None
    temp_dir: str | None
    clock: Callable[[], float]
    http_session: Callable[[], Any] | None

    def __init__(self, home: str | None = None, temp_dir: str | None = None, clock: Callable[[], float] = time.time,
                 http_session: Callable[[], Any] | None = None) -> None:
        self._set(home=home, temp_dir=temp_dir, clock=clock, http_session=http_session)

    def __hash__(self) -> int:  # on every decide() (the cache's key): spelt out, not Frozen's loop
        return hash((self.home, self.temp_dir, self.clock, self.http_session))

    def __eq__(self, other: object) -> bool:
        if type(other) is not RunConfig:
            return NotImplemented
        return (self.home == other.home and self.temp_dir == other.temp_dir and self.clock == other.clock
                and self.http_session == other.http_session)

    def home_dir(self) -> str | None:
        return self.home if self.home is not None else os.environ.get("HOME")

    def temp(self) -> str:
        return self.temp_dir if self.temp_dir is not None else default_temp_dir()


_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # tempfile's _RandomNameSequence's


def default_temp_dir() -> str:
    """``tempfile.gettempdir()``: tempfile's own answer once it is imported (a host or a test may have
    set ``tempfile.tempdir``); before that, the same search tempfile makes, without importing it
    (with shutil and random, the largest import of a process that records a report): the first of
    TMPDIR, TEMP, TMP, the platform's folders and the current folder where a file can be created
    (and is, then removed). Not remembered: each ``Locations`` asks once."""
    gettempdir = getattr(sys.modules.get("tempfile"), "gettempdir", None)  # None while another thread imports it
    if gettempdir is not None:
        return str(gettempdir())
    candidates = [value for value in (os.getenv(name) for name in ("TMPDIR", "TEMP", "TMP")) if value]
    if os.name == "nt":
        candidates += [os.path.expanduser(r"~\AppData\Local\Temp"), os.path.expandvars(r"%SYSTEMROOT%\Temp"),
                       r"c:\temp", r"c:\tmp", r"\temp", r"\tmp"]
    else:
        candidates += ["/tmp", "/var/tmp", "/usr/tmp"]  # tempfile's own list
    try:
        candidates.append(os.getcwd())
    except (AttributeError, OSError):
        candidates.append(os.curdir)
    for folder in candidates:
        if _usable(folder if folder == os.curdir else os.path.abspath(folder)):
            return folder if folder == os.curdir else os.path.abspath(folder)
    raise FileNotFoundError(errno.ENOENT, f"No usable temporary directory found in {candidates}")


def _usable(folder: str) -> bool:
    """Whether a file can be created and written in ``folder`` (tempfile's test, 100 names at most)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = os.path.join(folder, "".join(_NAME_CHARACTERS[byte % 37] for byte in os.urandom(8)))
        try:
            fd = os.open(name, flags, 0o600)
            try:
                try:
                    os.write(fd, b"blat")
                finally:
                    os.close(fd)
            finally:
                os.unlink(name)
            return True
        except FileExistsError:
            continue
        except PermissionError:
            if os.name == "nt" and os.path.isdir(folder) and os.access(folder, os.W_OK):
                continue  # a folder of that name on Windows
            return False
        except OSError:
            return False
    return False


PROCESS = RunConfig()
# The configuration of the code running in this thread (a background job's, or a block's that
# ``bound`` one); a ContextVar, so it never leaks into another thread or task.
_bound: ContextVar[RunConfig | None] = ContextVar("usage_consent_run_config", default=None)


def current() -> RunConfig:
    """The configuration in use here: the one ``bound`` in this thread, else the process's own."""
    return _bound.get() or PROCESS


class _Bound:
    """``bound``'s block (a class, not contextlib's decorator: contextlib costs a cold start)."""

    __slots__ = ("config", "token")

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.token: Token[RunConfig | None] | None = None

    def __enter__(self) -> RunConfig:
        self.token = _bound.set(self.config)
        return self.config

    def __exit__(self, *exc: object) -> None:
        assert self.token is not None
        _bound.reset(self.token)


def bound(config: RunConfig) -> _Bound:
    """Use ``config`` in this thread (this context) only, for the block: a background job runs under
    the configuration it was made under; a test binds its own for the calls it makes."""
    return _Bound(config)


def now_ms() -> int:
    """Milliseconds since the epoch, by the clock of the run configuration in use."""
    return int(current().clock() * 1000)


def now_iso() -> str:
    """Now, as ``2026-01-31T12:00:00Z``."""
    return iso_from_ms(now_ms())


def iso_from_ms(milliseconds: int) -> str:
    """``milliseconds`` since the epoch as ``2026-01-31T12:00:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(milliseconds // 1000))
