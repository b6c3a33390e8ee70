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
from dataclasses import dataclass
from typing import Any

__all__ = ["RunConfig", "current", "using"]


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


def current() -> RunConfig:
    """The configuration in use (the process's own unless ``using`` set one)."""
    return _current


@contextlib.contextmanager
def using(config: RunConfig) -> Iterator[RunConfig]:
    """Use ``config`` for the duration of the block, in every thread (the background lanes too);
    the previous one afterwards."""
    global _current
    before, _current = _current, config
    try:
        yield config
    finally:
        _current = before
