"""What a user sees of one record (``records list|show``): its ids, time, mode and send status;
and what ``forget`` did (``Forgotten``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usage_consent.reporter._deletion import Deletion

__all__ = ["Forgotten", "RecordInfo", "record_info"]


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
