"""The records store: everything under the records folder (``<tempdir>/<app>/usage/``), as one
object, ``Store`` (``_store.py``), built from a ``Locations``.

- ``record``: the record's file names and the status rules (``set_outcome``, tolerant reads).
- ``listing``: what a user sees of one record (loaded by the commands that list or forget only).
- ``pruning``: which records pruning may remove.

The functions below are the spellings the ``usage-consent`` command and hosts' tests use: each
builds the store of ``policy`` under the run configuration in use and asks it. Safe access to the
folders is ``usage_consent._files.tempdirs``; when to send and retry is ``reporter/_spool.py``.
"""

from __future__ import annotations

import os

from usage_consent._locations import PENDING_FOLDER as PENDING  # the pending markers' folder (and marker_name)
from usage_consent._suppress import suppress
from usage_consent.reporter._store._store import Store
from usage_consent.reporter._store.record import RECORD, STATUS, set_outcome

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from typing import Any

    from usage_consent.policy import Policy
    from usage_consent.reporter._store.listing import Forgotten, RecordInfo

__all__ = [
    "PENDING",
    "RECORD",
    "STATUS",
    "Store",
    "forget",
    "list_records",
    "prune",
    "read_record",
    "record_path",
    "set_outcome",
    "show_record",
    "store_of",
    "usage_root",
]


def store_of(policy: Policy) -> Store:
    """The store of ``policy`` under the run configuration in use (a command has no decision)."""
    from usage_consent._locations import locations

    return Store(locations(policy))


def usage_root(policy: Policy) -> str:
    return store_of(policy).root


def record_path(policy: Policy, client_id: str, session_id: str) -> str:
    return store_of(policy).record_path(client_id, session_id)


def read_record(policy: Policy, client_id: str, session_id: str) -> tuple[bytes, dict[str, Any]]:
    return store_of(policy).read(client_id, session_id)


def list_records(policy: Policy) -> list[RecordInfo]:
    """Every record under the usage folder, oldest first (reads one small status file each)."""
    return store_of(policy).records()


def show_record(policy: Policy, session_id: str | None = None) -> tuple[RecordInfo, bytes]:
    """The exact bytes of one report: the newest when no session id is given."""
    return store_of(policy).show(session_id)


def prune(policy: Policy) -> int:
    """Prune the app's records to its ``keep_sessions``; returns how many were removed."""
    return store_of(policy).prune(policy.reporter.keep_sessions)


def forget(policy: Policy) -> Forgotten:
    """Ask every collector that accepted a report of the current id (and any earlier request still
    pending) to delete it, then delete every local record and pending report; the id is rotated
    first, in the same state-file write that queues the deletion requests."""
    from usage_consent.reporter import _deletion as deletion
    from usage_consent.reporter import _identity as identity
    from usage_consent.reporter._store.listing import Forgotten

    store = store_of(policy)
    records = store.records()
    sent = {(r.client_id, url) for r in records for url in r.may_hold}  # the state file's list may miss some
    state_file = store.where.state_file
    # first: an unusable state file is set aside here
    old = identity.rotate_client_id(state_file, also=lambda data: deletion.queue_all(data, sent))
    deletions = tuple(deletion.send_all(policy))
    store.forget()
    import glob  # here: a session never forgets

    for aside in glob.glob(glob.escape(state_file) + ".corrupt-*"):
        with suppress(OSError):
            os.unlink(aside)  # an old state file set aside may hold the old id
    return Forgotten(old, len(records), deletions)
