"""Whether this platform can run usage-consent at all: it needs ``fcntl`` file locks (Linux,
macOS). Its own module, so that ``decide()``'s first check loads nothing else (a cold decision
answered from the memo never loads the write helpers of atomic.py)."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: decide() imports this module on every cold start
if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["file_locks", "platform_problem"]


def _file_locks() -> ModuleType | None:
    """``fcntl``, or None where it is missing (Windows): then nothing is locked and decide() is off."""
    try:
        import fcntl
    except ImportError:
        return None
    return fcntl


file_locks = _file_locks()


def platform_problem() -> str | None:
    """Why this platform cannot run usage-consent (no ``fcntl`` file locks), or None on Linux and macOS."""
    if file_locks is None:
        return (f"platform {sys.platform!r} is not supported: it has no fcntl file locks (usage-consent supports "
                "Linux and macOS)")
    return None
