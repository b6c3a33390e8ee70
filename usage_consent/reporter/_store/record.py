"""The local record of one report: ``<tempdir>/<app>/usage/{client_id}/{session_id}/usage_stats.json``
(exactly the bytes sent) and ``status.json`` beside it (mode, and each endpoint's outcome and time).
The ``Store`` (``_store.py``) writes and reads them; here are the file names and the status rules."""

from __future__ import annotations

import os

from usage_consent._files.plainjson import loads
from usage_consent._files.tempdirs import DIR_FLAGS, read_at
from usage_consent._run import now_iso

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from typing import Any

    from usage_consent.reporter._outcomes import SendOutcome

__all__ = ["OPEN_OUTCOMES", "RECORD", "STATUS", "UNTRIED", "set_outcome", "status_at", "status_in"]

RECORD, STATUS = "usage_stats.json", "status.json"
UNTRIED: tuple[SendOutcome, ...] = ("pending", "cancelled")  # outcomes that are not an attempt
OPEN_OUTCOMES: tuple[SendOutcome, ...] = ("pending", "failed")  # still to be sent


def status_at(session_fd: int) -> dict[str, Any]:
    """A session folder's status, read tolerantly: {} when missing or not a JSON object."""
    try:
        status = loads(read_at(session_fd, STATUS).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return status if isinstance(status, dict) else {}


def status_in(client_fd: int, session_id: str) -> dict[str, Any] | None:
    """The status of a session folder inside an open client folder: None when the session folder
    cannot be opened, else as status_at reads it."""
    try:
        fd = os.open(session_id, DIR_FLAGS, dir_fd=client_fd)
    except OSError:
        return None
    try:
        return status_at(fd)
    finally:
        os.close(fd)


def set_outcome(status: dict[str, Any], url: str, outcome: SendOutcome, code: int | None, detail: str) -> None:
    """Set one endpoint's outcome; every outcome but pending (not tried yet) and cancelled counts
    an attempt."""
    entry = status.setdefault("endpoints", {}).setdefault(url, {"attempts": 0})
    entry.update(outcome=outcome, code=code, detail=detail, at=now_iso(),
                 attempts=entry.get("attempts", 0) + (outcome not in UNTRIED))
