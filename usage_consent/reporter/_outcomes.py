"""The closed sets of the reporter, written once: what ``Session.report`` returns, and what
happened to a report at one endpoint (kept in its ``status.json``)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from typing import Literal

    # Session.report(): off (nothing collected), duplicate (one report per session), failed, invalid,
    # recorded (local mode), queued (to be sent), dropped (the background queue was full); the
    # background work may then set invalid or unsafe.
    ReportOutcome = Literal["off", "duplicate", "failed", "invalid", "recorded", "queued", "dropped", "unsafe"]

    # One endpoint's outcome in status.json: sent (2xx), dropped (4xx, a redirect elsewhere, endpoint
    # gone), failed (network error or 5xx: retried), pending (not tried yet), expired (too old or too
    # many attempts), cancelled (the user opted out or forgot).
    SendOutcome = Literal["sent", "dropped", "failed", "pending", "expired", "cancelled"]

__all__: list[str] = []  # for type checkers: ReportOutcome and SendOutcome (the status rules: _store/__init__.py)
