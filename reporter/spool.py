"""Pending reports: sent later by a session whose own decision is on; deleted unsent when the
user has since opted out or moved to local; given up after a bounded count and age.

The promise: a report is sent, or kept (recorded, with a marker in ``.pending``) and retried
until ``retry_attempts`` or ``retry_max_age_days``. Pruning never removes a pending record; a
marker whose record is gone is removed; retries go oldest first. The records, the markers and
their locks are the records store (reporter/store/); this module is when to send, retry or give up."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

from usage_consent.clock import now_ms
from usage_consent.files.jsonfile import NotRegular
from usage_consent.files.tempdirs import UnsafePath
from usage_consent.locations import display, locations
from usage_consent.policy import Decision, Policy, notice_status
from usage_consent.reporter import deletion, store
from usage_consent.reporter.outcomes import OPEN_OUTCOMES
from usage_consent.reporter.send import resting, send_report
from usage_consent.run import RunConfig, current

__all__ = ["ENDPOINT_FIELDS", "PER_SESSION", "STATUS_FIELDS", "Written", "cancel_all", "clear", "retry_all",
           "retry_soon", "send_locked", "send_pending", "status_problem"]
log = logging.getLogger("usage_consent")
PER_SESSION = 20  # pending reports retried by one session, oldest first
# The fields of status.json send_pending reads, and the type each must have (bool is not an int here).
STATUS_FIELDS: dict[str, type] = {"created_ms": int, "schema_version": int, "notice_shown": bool, "endpoints": dict}
ENDPOINT_FIELDS: dict[str, type] = {"outcome": str, "attempts": int}
_attempted: set[tuple[str, str]] = set()  # each pending report is tried at most once per process


def clear(policy: Policy, client_id: str, session_id: str) -> None:
    """Remove a report's marker: it is sent, given up or gone (and need not be remembered as tried)."""
    _attempted.discard((client_id, session_id))
    store.unmark(policy, client_id, session_id)


def cancel_all(policy: Policy) -> int:
    """The user no longer sends: pending reports are deleted unsent (one being sent right now by
    another process is left to it, and cancelled by a later session)."""
    removed = 0
    for client_id, session_id in store.pending_entries(policy):
        with store.marker_lock(policy, client_id, session_id) as taken:
            if not taken:
                continue
            with contextlib.suppress(OSError, UnsafePath):
                store.remove_session(policy, client_id, session_id)
                removed += 1
            clear(policy, client_id, session_id)
    return removed


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


class Written(NamedTuple):
    """A record the write lane has just written, handed to the send lane as it is (the bytes
    exactly as recorded; the status says the notice was shown)."""

    body: bytes
    status: dict[str, Any]


def _to_send(policy: Policy, client_id: str, session_id: str, written: Written | None) -> Written | bool:
    """The record to send (``written``, or read), or what send_pending returns when there is none:
    False for a record gone or unusable (its marker removed), True for one collected before its
    notice was shown (deleted unsent)."""
    if written is None:
        try:
            written = Written(*store.read_record(policy, client_id, session_id))
        except (FileNotFoundError, NotADirectoryError, NotRegular):
            clear(policy, client_id, session_id)  # nothing (usable) left to send
            return False
        fresh = False
    else:
        fresh = True
    status = written.status
    problem = status_problem(status)
    if problem:
        where = display(locations(policy).record_file(client_id, session_id, store.STATUS))
        log.warning("%s: %s; this pending report is given up (its record is kept)", where, problem)
        clear(policy, client_id, session_id)
        return False
    if not fresh:
        version = status.get("schema_version")
        shown = notice_status(policy).shown_version
        if not status.get("notice_shown") or shown is None or shown < (version or 0):
            clear(policy, client_id, session_id)  # collected before the notice: never sent
            return True
    return written


def send_pending(decision: Decision, client_id: str, session_id: str, written: Written | None = None) -> bool:
    """Send one recorded report to each of its endpoints still pending; keep it pending on failure.
    A marker whose record is gone is removed (and False returned). ``written``: the record the
    write lane has just written (not read back); else it is read, and a report collected before
    the notice version it was made with was shown is deleted unsent. A record whose status has a
    field of the wrong type is given up (its marker removed, the record kept, one warning naming
    the file and field), and False returned: the other pending reports are still retried."""
    policy = decision.policy
    settings = policy.reporter
    found = _to_send(policy, client_id, session_id, written)
    if isinstance(found, bool):
        return found
    body, status = found
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
        elif resting(url):
            rested = True  # it just failed for another report: this one stays pending, untried
        else:
            sent = send_report(decision, url, body)
            results[url] = (sent.outcome, sent.code, sent.detail)

    def apply(current: dict[str, Any]) -> None:
        for url, (outcome, code, detail) in results.items():
            store.set_outcome(current, url, outcome, code, detail)

    if results:
        store.update_status(policy, client_id, session_id, apply)
        _remember_accepted(policy, client_id, results)
    if not rested and all(outcome not in OPEN_OUTCOMES for outcome, _, _ in results.values()):
        clear(policy, client_id, session_id)
    return True


def _remember_accepted(policy: Policy, client_id: str, results: dict[str, Any]) -> None:
    """Where forget will ask for deletion: each endpoint that accepted a report of this id."""
    if accepted := [url for url, (outcome, _, _) in results.items() if outcome == "sent"]:
        deletion.remember_accepted(policy, client_id, accepted)


def send_locked(decision: Decision, client_id: str, session_id: str, written: Written | None = None) -> bool:
    """send_pending under the marker's lock, so two processes never send the same report at once.
    True when this call found a record to try (False: tried before in this process, another holds
    it, or its record is gone)."""
    if (client_id, session_id) in _attempted:
        return False
    _attempted.add((client_id, session_id))
    with store.marker_lock(decision.policy, client_id, session_id, linked=written is not None) as taken:
        return taken and send_pending(decision, client_id, session_id, written)


_retry_queued: set[tuple[str, RunConfig]] = set()  # (app, run configuration): its retry job waits in the send lane


def retry_soon(decision: Decision, submit: Callable[[Callable[[], None]], object]) -> None:
    """Queue one retry of earlier pending reports, unless one is already waiting (a burst of
    sessions queues one retry, not one each)."""
    key = (decision.policy.app, current())  # a job the sandbox drops at its end leaves only its own key
    if key in _retry_queued or all(map(resting, decision.endpoints)) or not store.has_pending(decision.policy):
        return  # one is queued already, every endpoint is resting, or nothing is pending
    _retry_queued.add(key)

    def job() -> None:
        _retry_queued.discard(key)
        retry_all(decision)

    if not submit(job):
        _retry_queued.discard(key)


def retry_all(decision: Decision) -> int:
    """In the background of a session that may send: the oldest pending reports this process has
    not tried yet, PER_SESSION at a time (markers without a record are removed on the way and do
    not count). Returns how many were tried."""
    tried = 0
    for client_id, session_id in store.pending_entries(decision.policy, skip=_attempted):
        if tried >= PER_SESSION:
            break
        with contextlib.suppress(OSError, UnsafePath):
            tried += send_locked(decision, client_id, session_id)
    return tried
