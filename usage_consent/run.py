"""The run configuration: the home folder, the temporary folder, the clock and the HTTP session
the library uses, with the process's own by default. Tests, benchmarks and the testing helper
pass one in (``using``) instead of changing module globals such as ``tempfile.tempdir``; caches
that depend on them (the map of locations, the resolved decisions) are keyed by them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

__all__ = ["RunConfig", "bound", "current", "using"]


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
_current = PROCESS
_job: ContextVar[RunConfig | None] = ContextVar("usage_consent_job_run_config", default=None)


def current() -> RunConfig:
    """The configuration in use: the running background job's (``bound``), else the one ``using``
    set, else the process's own."""
    return _job.get() or _current


@contextlib.contextmanager
def bound(config: RunConfig) -> Iterator[RunConfig]:
    """Use ``config`` in this thread only, for the block: a background job runs under the
    configuration it was made under, whatever ``using`` says by the time it runs."""
    token = _job.set(config)
    try:
        yield config
    finally:
        _job.reset(token)


@contextlib.contextmanager
def using(config: RunConfig) -> Iterator[RunConfig]:
    """Use ``config`` for the duration of the block, in every thread; the previous one afterwards.
    A background job made inside the block keeps it (see ``bound``)."""
    global _current
    before, _current = _current, config
    try:
        yield config
    finally:
        _current = before
