"""Pending reports: sent later by a session whose own decision is on; deleted unsent when the
user has since opted out or moved to local; given up after a bounded count and age.

The promise: a report is sent, or kept (recorded, with a marker in ``.pending``) and retried
until ``retry_attempts`` or ``retry_max_age_days``. Pruning never removes a pending record; a
marker whose record is gone is removed; retries go oldest first. The records, the markers and
their locks are the records store (reporter/_store/); this module is when to send, retry or give up:
a ``Spool`` is one store's pending reports under one decision, sent with the process's ``Sender``."""

from __future__ import annotations

from usage_consent._files import atomic  # noqa: F401 - the markers' locks (Store.marker_lock): a lane imports nothing
from usage_consent._files.jsonfile import NotRegular
from usage_consent._files.tempdirs import UnsafePath
from usage_consent._locations import display
from usage_consent._log import log
from usage_consent._report_settings import settings_of
from usage_consent._run import now_ms
from usage_consent._suppress import suppress
from usage_consent.policy._notice_state import shown_version_at
from usage_consent.reporter._store import OPEN_OUTCOMES, set_outcome

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from typing import Any

    from usage_consent.policy import Decision
    from usage_consent.reporter._send import Sender
    from usage_consent.reporter._store import Store

__all__ = ["ENDPOINT_FIELDS", "PER_SESSION", "STATUS_FIELDS", "Spool", "Written", "status_problem"]
PER_SESSION = 20  # pending reports retried by one session, oldest first
# The fields of status.json send_pending reads, and the type each must have (bool is not an int here).
STATUS_FIELDS: dict[str, type] = {"created_ms": int, "schema_version": int, "notice_shown": bool, "endpoints": dict}
ENDPOINT_FIELDS: dict[str, type] = {"outcome": str, "attempts": int}


def _wrong_type(value: object, wanted: type) -> bool:
    return not isinstance(value, wanted) or (wanted is int and isinstance(value, bool))


def status_problem(status: dict[str, Any]) -> str | None:
    """What makes a pending record's status unusable for sending (a field send_pending reads has
    the wrong type), or None; a missing field is read as its default."""
    for field, wanted in STATUS_FIELDS.items():
        if field in status and _wrong_type(status[field], wanted):
            return f"{field!r} must be {wanted.__name__}; got {type(status[field]).__name__}"
    for url, entry in status.get("endpoints", {}).items():
        if not isinstance(entry, dict):
            return f"endpoints[{url!r}] must be an object; got {type(entry).__name__}"
        for field, wanted in ENDPOINT_FIELDS.items():
            if field in entry and _wrong_type(entry[field], wanted):
                return f"endpoints[{url!r}].{field} must be {wanted.__name__}; got {type(entry[field]).__name__}"
    return None


class Written:
    """A record the write lane has just written, handed to the send lane as it is (the bytes
    exactly as recorded; the status says the notice was shown)."""

    __slots__ = ("body", "status")

    def __init__(self, body: bytes, status: dict[str, Any]) -> None:
        self.body: bytes = body
        self.status: dict[str, Any] = status


class Spool:
    """One store's pending reports, under one decision, sent with the process's sender."""

    __slots__ = ("decision", "sender", "store")

    def __init__(self, decision: Decision, store: Store, sender: Sender) -> None:
        self.decision = decision
        self.store = store
        self.sender = sender

    def clear(self, client_id: str, session_id: str) -> None:
        """Remove a report's marker: it is sent, given up or gone (and need not be remembered as tried)."""
        self.sender.attempted.discard((client_id, session_id))
        self.store.unmark(client_id, session_id)

    def cancel_all(self) -> int:
        """The user no longer sends: pending reports are deleted unsent (one being sent right now by
        another process is left to it, and cancelled by a later session)."""
        removed = 0
        for client_id, session_id in self.store.pending():
            with self.store.marker_lock(client_id, session_id) as taken:
                if not taken:
                    continue
                with suppress(OSError, UnsafePath):
                    self.store.remove(client_id, session_id)
                    removed += 1
                self.clear(client_id, session_id)
        return removed

    def _to_send(self, client_id: str, session_id: str, written: Written | None) -> Written | bool:
        """The record to send (``written``, or read), or what send_pending returns when there is none:
        False for a record gone or unusable (its marker removed), True for one collected before its
        notice was shown (deleted unsent)."""
        if written is None:
            try:
                written = Written(*self.store.read(client_id, session_id))
            except (FileNotFoundError, NotADirectoryError, NotRegular):
                self.clear(client_id, session_id)  # nothing (usable) left to send
                return False
            fresh = False
        else:
            fresh = True
        status = written.status
        problem = status_problem(status)
        if problem:
            where = display(self.store.status_path(client_id, session_id))
            log.warning("%s: %s; this pending report is given up (its record is kept)", where, problem)
            self.clear(client_id, session_id)
            return False
        if not fresh:
            version = status.get("schema_version")
            shown = shown_version_at(self.store.where)  # the version last shown: no current version looked up
            if not status.get("notice_shown") or shown is None or shown < (version or 0):
                self.clear(client_id, session_id)  # collected before the notice: never sent
                return True
        return written

    def send_pending(self, client_id: str, session_id: str, written: Written | None = None) -> bool:
        """Send one recorded report to each of its endpoints still pending; keep it pending on failure.
        A marker whose record is gone is removed (and False returned). ``written``: the record the
        write lane has just written (not read back); else it is read, and a report collected before
        the notice version it was made with was shown is deleted unsent. A record whose status has a
        field of the wrong type is given up (its marker removed, the record kept, one warning naming
        the file and field), and False returned: the other pending reports are still retried."""
        decision = self.decision
        settings = settings_of(decision)
        found = self._to_send(client_id, session_id, written)
        if isinstance(found, bool):
            return found
        body, status = found.body, found.status
        age_days = (now_ms() - status.get("created_ms", 0)) / 86_400_000
        results: dict[str, Any] = {}
        rested = False
        endpoints = status.get("endpoints")
        for url, entry in (endpoints or {}).items():
            if entry.get("outcome") not in OPEN_OUTCOMES:
                continue
            if age_days > settings.retry_max_age_days or entry.get("attempts", 0) > settings.retry_attempts:
                results[url] = ("expired", None, "gave up: too old or too many attempts")
            elif url not in decision.endpoints:
                results[url] = ("dropped", None, "endpoint no longer configured")
            elif self.sender.resting(url):
                rested = True  # it just failed for another report: this one stays pending, untried
            else:
                sent = self.sender.send(decision, url, body)
                results[url] = (sent.outcome, sent.code, sent.detail)

        def apply(current: dict[str, Any]) -> None:
            for url, (outcome, code, detail) in results.items():
                set_outcome(current, url, outcome, code, detail)

        if results:
            self.store.update_status(client_id, session_id, apply)
            self._remember_accepted(client_id, results)
        if not rested and all(outcome not in OPEN_OUTCOMES for outcome, _, _ in results.values()):
            self.clear(client_id, session_id)
        return True

    def _remember_accepted(self, client_id: str, results: dict[str, Any]) -> None:
        """Where forget will ask for deletion: each endpoint that accepted a report of this id."""
        if accepted := [url for url, (outcome, _, _) in results.items() if outcome == "sent"]:
            from usage_consent.reporter import _deletion as deletion

            deletion.remember_accepted(self.store.where.state_file, client_id, accepted)

    def send_locked(self, client_id: str, session_id: str, written: Written | None = None) -> bool:
        """send_pending under the marker's lock, so two processes never send the same report at once.
        True when this call found a record to try (False: tried before in this process, another holds
        it, or its record is gone)."""
        if not self.sender.first_try(client_id, session_id):
            return False
        with self.store.marker_lock(client_id, session_id, linked=written is not None) as taken:
            return taken and self.send_pending(client_id, session_id, written)

    def retry_due(self) -> bool:
        """Whether a retry could send anything now: some endpoint is not resting and a report is pending."""
        return not all(map(self.sender.resting, self.decision.endpoints)) and self.store.has_pending()

    def retry_all(self) -> int:
        """In the background of a session that may send: the oldest pending reports this process has
        not tried yet, PER_SESSION at a time (markers without a record are removed on the way and do
        not count). Returns how many were tried."""
        tried = 0
        for client_id, session_id in self.store.pending(skip=self.sender.attempted):
            if tried >= PER_SESSION:
                break
            with suppress(OSError, UnsafePath):
                tried += self.send_locked(client_id, session_id)
        return tried
