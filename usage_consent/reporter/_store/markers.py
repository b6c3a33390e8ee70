"""Pending markers: an empty file ``<records root>/.pending/{client_id}__{session_id}`` for each
report still to be sent. Its flock is held by whoever sends or deletes that report, so a send, a
cancel and a prune never act on one report at once (``Store.mark``, ``Store.marker_lock``, ...)."""

from __future__ import annotations

from usage_consent._locations import PENDING_FOLDER

__all__ = ["PENDING", "marker_name"]
PENDING = PENDING_FOLDER


def marker_name(client_id: str, session_id: str) -> str:
    return f"{client_id}__{session_id}"
