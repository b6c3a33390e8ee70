"""The run configuration: the home folder, the temporary folder, the clock and the HTTP session
the library uses, with the process's own by default. A caller that wants others passes one in
(``decide(policy, run=RunConfig(...))``); ``decide()`` puts it in the decision's context, and a
background job runs under the configuration it was made under (``bound``). Nothing switches it
for the whole process.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = ["PROCESS", "RunConfig", "bound", "current"]


@dataclass(frozen=True, slots=True)
class RunConfig:
    """``home``: the user's home (None: $HOME when used). ``temp_dir``: where records are kept
    (None: ``tempfile.gettempdir()``, which honours TMPDIR). ``clock``: seconds since the epoch.
    ``http_session``: makes the HTTP session reports are sent with (None: a requests session
    whose connections ``bounded`` can cut; one per sending thread either way)."""

    home: str | None = None
    temp_dir: str | None = None
    clock: Callable[[], float] = time.time
    http_session: Callable[[], Any] | None = None

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


@contextlib.contextmanager
def bound(config: RunConfig) -> Iterator[RunConfig]:
    """Use ``config`` in this thread (this context) only, for the block: a background job runs under
    the configuration it was made under; a test binds its own for the calls it makes."""
    token = _bound.set(config)
    try:
        yield config
    finally:
        _bound.reset(token)
