"""The records store: everything under the records folder
(``<tempdir>/<app>/usage/``), in one place.

- ``record``: one report's record (``{client_id}/{session_id}/usage_stats.json``, exactly the
  bytes sent, and ``status.json`` beside it): write, read, status updates, removal.
- ``markers``: ``.pending/{client_id}__{session_id}``, one per report still to be sent, and its flock.
- ``listing``: what a user sees and erases (``records list|show``, ``forget``).
- ``pruning``: keep the newest ``keep_sessions`` records, never a pending one.

Safe access to the folders is ``usage_consent.files.tempdirs``; when to send and retry is
``reporter/spool.py``.
"""

from __future__ import annotations

from usage_consent.reporter.store.listing import Forgotten, RecordInfo, forget, list_records, show_record
from usage_consent.reporter.store.markers import (
    PENDING,
    has_pending,
    mark,
    marker_lock,
    marker_name,
    pending_entries,
    unmark,
)
from usage_consent.reporter.store.pruning import prune, prune_due
from usage_consent.reporter.store.record import (
    RECORD,
    STATUS,
    read_record,
    record_path,
    remove_if_empty,
    remove_session,
    set_outcome,
    status_at,
    status_in,
    update_status,
    usage_parts,
    usage_root,
    write_record,
)

__all__ = [
    "PENDING",
    "RECORD",
    "STATUS",
    "Forgotten",
    "RecordInfo",
    "forget",
    "has_pending",
    "list_records",
    "mark",
    "marker_lock",
    "marker_name",
    "pending_entries",
    "prune",
    "prune_due",
    "read_record",
    "record_path",
    "remove_if_empty",
    "remove_session",
    "set_outcome",
    "show_record",
    "status_at",
    "status_in",
    "unmark",
    "update_status",
    "usage_parts",
    "usage_root",
    "write_record",
]
