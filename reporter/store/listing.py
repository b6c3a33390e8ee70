"""What a user can see and erase: every local record, and ``forget``."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from dataclasses import dataclass
from typing import Any

from usage_consent.errors import ReportError
from usage_consent.files.tempdirs import UnsafePath, open_dir
from usage_consent.locations import RECORDS_FOLDER, locations
from usage_consent.policy import Policy
from usage_consent.reporter import deletion, identity
from usage_consent.reporter.deletion import Deletion
from usage_consent.reporter.store.record import read_record, status_in, usage_parts, usage_root

__all__ = ["Forgotten", "RecordInfo", "forget", "list_records", "show_record"]


@dataclass(frozen=True)
class RecordInfo:
    client_id: str
    session_id: str
    created_at: str
    mode: str
    send_status: str
    created_ms: int = 0
    may_hold: tuple[str, ...] = ()  # endpoints it was sent (or being sent) to: forget asks them to delete

    def to_dict(self) -> dict[str, Any]:
        shown = dict(self.__dict__)
        del shown["may_hold"]
        return shown


def _send_status(status: dict[str, Any]) -> str:
    endpoints = status.get("endpoints") or {}
    if not isinstance(endpoints, dict) or not endpoints:
        return "not sent (local)" if status.get("mode") == "local" else "not sent"
    return ", ".join(f"{entry.get('outcome', '?')}" + (f" {entry['code']}" if entry.get("code") else "")
                     for entry in endpoints.values() if isinstance(entry, dict))


def _may_hold(status: dict[str, Any]) -> tuple[str, ...]:
    """The endpoints that accepted the report, or may have (a send cut before its answer was recorded
    leaves it pending or failed): not the ones that refused it or never had it (dropped, cancelled)."""
    endpoints = status.get("endpoints")
    return tuple(url for url, entry in (endpoints.items() if isinstance(endpoints, dict) else ())
                 if isinstance(entry, dict) and entry.get("outcome") in ("sent", "pending", "failed", "expired"))


def list_records(policy: Policy) -> list[RecordInfo]:
    """Every record under the usage folder, oldest first (reads one small status file each)."""
    try:
        root = open_dir(usage_parts(policy), create=False)
    except (FileNotFoundError, NotADirectoryError):
        return []
    try:
        clients = sorted(n for n in os.listdir(root) if not n.startswith("."))
    finally:
        os.close(root)
    found = []
    for client_id in clients:
        try:
            client_fd = open_dir(usage_parts(policy, client_id), create=False)
        except (OSError, UnsafePath):
            continue
        try:
            for session_id in os.listdir(client_fd):
                status = status_in(client_fd, session_id) or {}
                created_ms = status.get("created_ms")
                found.append(RecordInfo(client_id, session_id, str(status.get("created_at", "?")),
                                        str(status.get("mode", "?")), _send_status(status),
                                        created_ms if isinstance(created_ms, int) else 0, _may_hold(status)))
        finally:
            os.close(client_fd)
    return sorted(found, key=lambda r: (r.created_ms, r.created_at, r.session_id))


def show_record(policy: Policy, session_id: str | None = None) -> tuple[RecordInfo, bytes]:
    """The exact bytes of one report: the newest when no session id is given."""
    records = list_records(policy)
    matching = [r for r in records if session_id in (None, r.session_id)]
    if not matching:
        what = f"no record of session {session_id!r}" if session_id else "no records yet"
        raise ReportError(f"{what} under {usage_root(policy)}", layer="records", value=session_id)
    chosen = matching[-1]
    body, _ = read_record(policy, chosen.client_id, chosen.session_id)
    return chosen, body


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` did: the old client id (None if there was none), how many local records
    went, and what became of each deletion request to a collector."""

    old_id: str | None
    records: int
    deletions: tuple[Deletion, ...]


def forget(policy: Policy) -> Forgotten:
    """Ask every collector that accepted a report of the current id (and any earlier request still
    pending) to delete it, then delete every local record and pending report; the id is rotated
    first, in the same state-file write that queues the deletion requests."""
    records = list_records(policy)
    sent = {(r.client_id, url) for r in records for url in r.may_hold}  # the state file's list may miss some
    old = identity.rotate_client_id(policy, also=lambda data: deletion.queue_all(data, sent))  # sets aside an
    # unusable state file
    deletions = tuple(deletion.send_all(policy))
    try:
        parent = open_dir(usage_parts(policy)[:1], create=False)
    except (FileNotFoundError, NotADirectoryError):
        parent = None
    if parent is not None:
        try:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(RECORDS_FOLDER, dir_fd=parent)
        finally:
            os.close(parent)
    for aside in glob.glob(glob.escape(locations(policy).state_file) + ".corrupt-*"):
        with contextlib.suppress(OSError):
            os.unlink(aside)  # an old state file set aside may hold the old id
    return Forgotten(old, len(records), deletions)
