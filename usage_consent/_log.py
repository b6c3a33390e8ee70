"""The library's logger, ``usage_consent``, with ``logging`` imported only when something is
logged: a session that records its report without a warning never loads it (a fresh process pays
~7 ms for ``import logging``; see benchmarks/cold.py)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from logging import Logger

__all__ = ["NAME", "log"]
NAME = "usage_consent"


class _Logger:
    """Stands for ``logging.getLogger(NAME)``: each attribute is the real logger's, looked up when used."""

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        import logging

        return getattr(logging.getLogger(NAME), name)


log: Logger = _Logger()  # type: ignore[assignment]
