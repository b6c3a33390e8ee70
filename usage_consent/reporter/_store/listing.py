"""What a user sees of the records (``records list|show``: each one's ids, time, mode and send
status) and erases (``forget``, and what it did: ``Forgotten``). Loaded by the commands that list,
show or forget only: a session never lists."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from usage_consent._files.tempdirs import UnsafePath, open_dir
from usage_consent._locations import RECORDS_FOLDER
from usage_consent._suppress import suppress
from usage_consent.errors import ReportError
from usage_consent.reporter._store import status_in

if TYPE_CHECKING:
    from usage_consent.policy import Policy
    from usage_consent.reporter._deletion import Deletion
    from usage_consent.reporter._store import Store

__all__ = ["Forgotten", "RecordInfo", "forget_all", "forget_records", "record_info", "records", "show"]


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


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` did: the old client id (None if there was none), how many local records
    went, and what became of each deletion request to a collector."""

    old_id: str | None
    records: int
    deletions: tuple[Deletion, ...]


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


def record_info(client_id: str, session_id: str, status: dict[str, Any]) -> RecordInfo:
    """One line of ``records list`` from a record's status (read tolerantly)."""
    created_ms = status.get("created_ms")
    return RecordInfo(client_id, session_id, str(status.get("created_at", "?")), str(status.get("mode", "?")),
                      _send_status(status), created_ms if isinstance(created_ms, int) else 0, _may_hold(status))


def records(store: Store) -> list[RecordInfo]:
    """``Store.records``: every record, oldest first (reads one small status file each)."""
    try:
        root = store._open(create=False)
    except (FileNotFoundError, NotADirectoryError):
        return []
    try:
        clients = sorted(n for n in os.listdir(root) if not n.startswith("."))
    finally:
        os.close(root)
    found = []
    for client_id in clients:
        try:
            client_fd = store._open(client_id, create=False)
        except (OSError, UnsafePath):
            continue
        try:
            found += [record_info(client_id, session_id, status_in(client_fd, session_id) or {})
                      for session_id in os.listdir(client_fd)]
        finally:
            os.close(client_fd)
    return sorted(found, key=lambda r: (r.created_ms, r.created_at, r.session_id))


def show(store: Store, session_id: str | None = None) -> tuple[RecordInfo, bytes]:
    """``Store.show``: the exact bytes of one report: the newest when no session id is given."""
    matching = [r for r in records(store) if session_id in (None, r.session_id)]
    if not matching:
        what = f"no record of session {session_id!r}" if session_id else "no records yet"
        raise ReportError(f"{what} under {store.root}", layer="records", value=session_id)
    chosen = matching[-1]
    body, _ = store.read(chosen.client_id, chosen.session_id)
    return chosen, body


def forget_records(store: Store) -> int:
    """``Store.forget``: delete every record and pending marker; returns how many records went."""
    count = len(records(store))
    try:
        parent = open_dir(store.where.records_parts()[:1], create=False, root=store.where.temp)
    except (FileNotFoundError, NotADirectoryError):
        return count
    import shutil

    try:
        with suppress(FileNotFoundError):
            shutil.rmtree(RECORDS_FOLDER, dir_fd=parent)
    finally:
        os.close(parent)
    return count


def forget_all(policy: Policy, store: Store) -> Forgotten:
    """``forget``: ask every collector that accepted a report of the current id (and any earlier request
    still pending) to delete it, then delete every local record and pending report of ``store``
    (``policy``'s); the id is rotated first, in the same state-file write that queues the deletion
    requests."""
    from usage_consent.reporter import _deletion as deletion
    from usage_consent.reporter import _identity as identity

    found = records(store)
    sent = {(r.client_id, url) for r in found for url in r.may_hold}  # the state file's list may miss some
    state_file = store.where.state_file
    # first: an unusable state file is set aside here
    old = identity.rotate_client_id(state_file, also=lambda data: deletion.queue_all(data, sent))
    deletions = tuple(deletion.send_all(policy))
    forget_records(store)
    import glob  # here: a session never forgets

    for aside in glob.glob(glob.escape(state_file) + ".corrupt-*"):
        with suppress(OSError):
            os.unlink(aside)  # an old state file set aside may hold the old id
    return Forgotten(old, len(found), deletions)
