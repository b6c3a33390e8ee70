"""Time as records and state files write it: UTC, ISO 8601, to the second."""

from __future__ import annotations

import time

from usage_consent._run import current

__all__ = ["iso_from_ms", "now_iso", "now_ms"]


def now_ms() -> int:
    """Milliseconds since the epoch, by the run configuration's clock."""
    return int(current().clock() * 1000)


def now_iso() -> str:
    """Now, as ``2026-01-31T12:00:00Z``."""
    return iso_from_ms(now_ms())


def iso_from_ms(milliseconds: int) -> str:
    """``milliseconds`` since the epoch as ``2026-01-31T12:00:00Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(milliseconds // 1000))
