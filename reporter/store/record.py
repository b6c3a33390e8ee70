"""The local record of one report: ``<tempdir>/<app>/usage/{client_id}/{session_id}/usage_stats.json``
(exactly the bytes sent) and ``status.json`` beside it (mode, and each endpoint's outcome and time)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from typing import Any

from usage_consent.clock import now_iso
from usage_consent.files.tempdirs import DIR_FLAGS, UnsafePath, open_dir, read_at, write_at
from usage_consent.locations import locations
from usage_consent.policy import Policy
from usage_consent.reporter.outcomes import SendOutcome

__all__ = [
    "RECORD",
    "STATUS",
    "read_record",
    "record_path",
    "remove_if_empty",
    "remove_session",
    "set_outcome",
    "status_at",
    "status_in",
    "update_status",
    "usage_parts",
    "usage_root",
    "write_record",
]

RECORD, STATUS = "usage_stats.json", "status.json"
UNTRIED: tuple[SendOutcome, ...] = ("pending", "cancelled")  # outcomes that are not an attempt


def usage_parts(policy: Policy, *more: str) -> list[str]:
    return locations(policy).records_parts(*more)


def usage_root(policy: Policy) -> str:
    return locations(policy).records_root


def record_path(policy: Policy, client_id: str, session_id: str) -> str:
    return locations(policy).record_file(client_id, session_id, RECORD)


def write_record(policy: Policy, client_id: str, session_id: str, body: bytes, status: dict[str, Any]) -> str:
    """Write the report and its status; returns the report's path. Raises UnsafePath or OSError."""
    try:
        fd = open_dir(usage_parts(policy, client_id, session_id))
    except FileNotFoundError:  # its client folder was removed, empty, just now: made again
        fd = open_dir(usage_parts(policy, client_id, session_id))
    try:
        write_at(fd, RECORD, body)
        write_at(fd, STATUS, json.dumps(status, indent=2, allow_nan=False).encode())
    finally:
        os.close(fd)
    return record_path(policy, client_id, session_id)


def status_at(session_fd: int) -> dict[str, Any]:
    """A session folder's status, read tolerantly: {} when missing or not a JSON object."""
    try:
        status = json.loads(read_at(session_fd, STATUS))
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


def read_record(policy: Policy, client_id: str, session_id: str) -> tuple[bytes, dict[str, Any]]:
    fd = open_dir(usage_parts(policy, client_id, session_id), create=False)
    try:
        return read_at(fd, RECORD), status_at(fd)
    finally:
        os.close(fd)


def update_status(policy: Policy, client_id: str, session_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    fd = open_dir(usage_parts(policy, client_id, session_id), create=False)
    try:
        status = status_at(fd)
        change(status)
        write_at(fd, STATUS, json.dumps(status, indent=2, allow_nan=False).encode())
    finally:
        os.close(fd)


def set_outcome(status: dict[str, Any], url: str, outcome: SendOutcome, code: int | None, detail: str) -> None:
    """Set one endpoint's outcome; every outcome but pending (not tried yet) and cancelled counts
    an attempt."""
    entry = status.setdefault("endpoints", {}).setdefault(url, {"attempts": 0})
    entry.update(outcome=outcome, code=code, detail=detail, at=now_iso(),
                 attempts=entry.get("attempts", 0) + (outcome not in UNTRIED))


def remove_session(policy: Policy, client_id: str, session_id: str) -> None:
    """Delete one session's record folder (after checking the way to it is safe), and its
    client's folder when that is left empty."""
    fd = open_dir(usage_parts(policy, client_id), create=False)
    try:
        shutil.rmtree(session_id, dir_fd=fd)
    finally:
        os.close(fd)
    remove_if_empty(policy, client_id)


def remove_if_empty(policy: Policy, client_id: str) -> None:
    with contextlib.suppress(OSError, UnsafePath):
        fd = open_dir(usage_parts(policy), create=False)
        try:
            os.rmdir(client_id, dir_fd=fd)  # fails, harmlessly, while it holds anything
        finally:
            os.close(fd)
