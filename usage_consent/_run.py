"""The run configuration: the home folder, the temporary folder, the clock and the HTTP session
the library uses, with the process's own by default. A caller that wants others passes one in
(``decide(policy, run=RunConfig(...))``); ``decide()`` puts it in the decision's context, and a
background job runs under the configuration it was made under (``bound``). Nothing switches it
for the whole process.
"""

from __future__ import annotations

import os
import time
from contextvars import ContextVar

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextvars import Token
    from typing import Any

__all__ = ["PROCESS", "RunConfig", "bound", "current"]


class RunConfig(Frozen):
    """``home``: the user's home (None: $HOME when used). ``temp_dir``: where records are kept
    (None: ``tempfile.gettempdir()``, which honours TMPDIR). ``clock``: seconds since the epoch.
    ``http_session``: makes the HTTP session reports are sent with (None: a requests session
    whose connections ``bounded`` can cut; one per sending thread either way). Frozen; equal (and
    the same key of the decision cache) when its four fields are."""

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
        if self.temp_dir is not None:
            return self.temp_dir
        import tempfile  # only where records are written: decide() does not pay for it

        return tempfile.gettempdir()


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
