"""The library's logger, ``usage_consent``, with ``logging`` imported only when something is
logged: a session that records its report without a warning never loads it (a fresh process pays
~7 ms for ``import logging``; see benchmarks/cold.py).

A background lane's thread (reporter/_worker.py) may not be the first to import ``logging``
(which imports ``threading``, which would take that thread for the main one): while ``logging``
is not loaded, what such a thread logs is held in its ``held`` list and logged by the next
thread that may import it (the one that submits, waits for or ends the lanes)."""

from __future__ import annotations

import sys
from contextvars import ContextVar

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from logging import Logger
    from typing import Any

__all__ = ["NAME", "held", "log"]
NAME = "usage_consent"
# Set in a lane's thread only (its context): the (method, args, kwargs) it logged, to be logged
# by a thread that may import logging.
held: ContextVar[list[tuple[str, tuple[Any, ...], dict[str, Any]]] | None] = ContextVar("usage_consent_held",
                                                                                     default=None)


class _Logger:
    """Stands for ``logging.getLogger(NAME)``: each attribute is the real logger's, looked up when used."""

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        if "logging" not in sys.modules:
            waiting = held.get()
            if waiting is not None:  # a lane's thread: kept, not logged from here
                return lambda *args, **kwargs: waiting.append((name, args, kwargs))
        import logging

        return getattr(logging.getLogger(NAME), name)


log: Logger = _Logger()  # type: ignore[assignment]
