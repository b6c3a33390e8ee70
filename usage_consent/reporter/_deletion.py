"""Deletion requests to the collectors that hold a client's reports.

The state file remembers, per client id, each endpoint that accepted a report of it
(``accepted_endpoints``: records are pruned, this is not). ``forget`` turns those into
``pending_deletions`` (in the same write that rotates the id) and sends each one
``DELETE <endpoint with its last segment report -> clients/{client_id}>``. One that cannot be sent
now is retried like a report: by ``forget`` again and by later sessions that may send, until it is
answered or ``retry_attempts`` / ``retry_max_age_days`` give up. A pending deletion request is the
only place an old id stays on disk. An endpoint answering 404, 405 or 501 offers no deletion:
the user is told to ask by email (the policy's ``deletion_contact``)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S
from usage_consent._locations import locations
from usage_consent._log import log
from usage_consent._run import now_ms
from usage_consent.errors import UsageConsentError
from usage_consent.policy._state import UNCHANGED, StateFile

TYPE_CHECKING = False  # the policy model (pydantic) is not loaded to import the reporter
if TYPE_CHECKING:
    from usage_consent.policy._model import Policy

__all__ = ["ACCEPTED", "MAX_CLIENTS", "PENDING", "Deletion", "deletion_url", "queue_all", "remember_accepted",
           "retry_once", "send_all"]

ACCEPTED = "accepted_endpoints"  # {client_id: [report endpoint, ...]}
PENDING = "pending_deletions"  # [{"client_id", "endpoint", "attempts", "since_ms"}]
MAX_CLIENTS = 64  # ids remembered (a policy with a new id per session): the oldest are let go
NO_DELETION = (404, 405, 501)
REMEMBER_WAIT_S = TRANSFER_LOCK_WAIT_S  # a busy lock: the next accepted send of this id tries again
DeletionOutcome = Literal["confirmed", "ask_by_email", "pending", "gave_up"]


@dataclass(frozen=True)
class Deletion:
    """What became of one deletion request: ``deleted`` reports (when confirmed)."""

    endpoint: str
    url: str | None
    outcome: DeletionOutcome
    detail: str
    deleted: int | None = None


def deletion_url(endpoint: str, client_id: str) -> str | None:
    """``https://h/v1/report`` -> ``https://h/v1/clients/<id>``; None when the path's last segment is
    not ``report`` (that endpoint names no deletion address)."""
    parts = urlsplit(endpoint)
    head, _, last = parts.path.rpartition("/")
    if last != "report":
        return None
    return urlunsplit(parts._replace(path=f"{head}/clients/{client_id}", query="", fragment=""))


def _state(policy: Policy) -> StateFile:
    return StateFile(locations(policy).state_file)


def remember_accepted(state_file: str, client_id: str, endpoints: list[str]) -> None:
    """After a send was accepted (in the background): remember the endpoints, once."""
    state = StateFile(state_file)
    with contextlib.suppress(UsageConsentError, OSError):
        known = state.read_cached().get(ACCEPTED)
        if isinstance(known, dict) and set(endpoints) <= set(known.get(client_id) or ()):
            return

    def add(data: dict[str, Any]) -> Any:
        accepted: dict[str, Any] = data[ACCEPTED] if isinstance(data.get(ACCEPTED), dict) else {}
        listed = [url for url in accepted.pop(client_id, []) if isinstance(url, str)]
        new = [url for url in endpoints if url not in listed]
        if not new and listed:
            accepted[client_id] = listed
            return UNCHANGED
        accepted[client_id] = listed + new  # re-inserted last: the most recent client is kept longest
        data[ACCEPTED] = dict(list(accepted.items())[-MAX_CLIENTS:])
        return None

    try:
        state.update(add, REMEMBER_WAIT_S)
    except (UsageConsentError, OSError) as error:  # the next accepted send tries again; forget also
        log.debug("endpoint that accepted a report not remembered yet: %s", error)  # reads the records' status


def queue_all(data: dict[str, Any], also: Iterable[tuple[str, str]] = ()) -> None:
    """Inside the state update that rotates the id: every accepted endpoint of every id (and
    ``also``: (client id, endpoint) pairs the local records say accepted a report) becomes a
    pending deletion request; the ``accepted_endpoints`` key goes."""
    accepted = data.pop(ACCEPTED, None)
    pending = [p for p in data.get(PENDING) or [] if isinstance(p, dict)]
    seen = {(p.get("client_id"), p.get("endpoint")) for p in pending}
    wanted = set(also)
    for client_id, endpoints in (accepted if isinstance(accepted, dict) else {}).items():
        wanted.update((client_id, url) for url in (endpoints if isinstance(endpoints, list) else ()))
    for client_id, endpoint in sorted(wanted):
        if isinstance(client_id, str) and isinstance(endpoint, str) and (client_id, endpoint) not in seen:
            pending.append({"client_id": client_id, "endpoint": endpoint, "attempts": 0, "since_ms": now_ms()})
    if pending:
        data[PENDING] = pending
    else:
        data.pop(PENDING, None)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _send_one(policy: Policy, entry: dict[str, Any]) -> Deletion:
    from usage_consent.reporter._send import send_deletion

    endpoint, client_id = str(entry.get("endpoint")), str(entry.get("client_id"))
    url = deletion_url(endpoint, client_id)
    if url is None:
        return Deletion(endpoint, None, "ask_by_email", "it names no deletion address")
    settings = policy.reporter
    age_days = (now_ms() - _int(entry.get("since_ms"))) / 86_400_000
    if _int(entry.get("attempts")) > settings.retry_attempts or age_days > settings.retry_max_age_days:
        return Deletion(endpoint, url, "gave_up", "no answer after every retry")
    sent, answer = send_deletion(policy, url)
    if sent.outcome == "sent":
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            count = json.loads(answer).get("deleted")
            return Deletion(endpoint, url, "confirmed", "ok", count if isinstance(count, int) else None)
        return Deletion(endpoint, url, "confirmed", "ok")
    if sent.outcome == "failed":
        return Deletion(endpoint, url, "pending", sent.detail)
    why = f"it answered {sent.code}" if sent.code else sent.detail
    return Deletion(endpoint, url, "ask_by_email", why if sent.code not in NO_DELETION else
                    f"it offers no deletion (it answered {sent.code})")


def send_all(policy: Policy, wait: float | None = None) -> list[Deletion]:
    """Send every pending deletion request; answered ones leave the state file, the others count an
    attempt. Returns what became of each."""
    state = _state(policy)
    pending = [p for p in state.usable(wait).get(PENDING) or [] if isinstance(p, dict)]
    results = [(entry, _send_one(policy, entry)) for entry in pending]

    def settle(data: dict[str, Any]) -> Any:
        if not results:
            return UNCHANGED
        done = {(e.get("client_id"), e.get("endpoint")): r.outcome for e, r in results}
        kept = []
        for entry in data.get(PENDING) or []:
            if not isinstance(entry, dict):
                continue
            outcome = done.get((entry.get("client_id"), entry.get("endpoint")))
            if outcome == "pending":
                entry["attempts"] = _int(entry.get("attempts")) + 1
            if outcome in (None, "pending"):
                kept.append(entry)
        if kept:
            data[PENDING] = kept
        else:
            data.pop(PENDING, None)
        return None

    state.update(settle, wait)
    return [result for _, result in results]


def retry_once(policy: Callable[[], Policy], state_file: str, state_data: dict[str, Any], retried: set[str],
               submit: Callable[[Callable[[], None]], object]) -> None:
    """From a session that may send: queue one retry of the pending deletion requests, once per
    process. ``retried``: the process's reporter's state files whose deletions were retried;
    ``policy``: gives the policy (loaded, in the background, only when a request is pending)."""
    if state_file in retried or not state_data.get(PENDING):
        return
    retried.add(state_file)

    def job() -> None:
        with contextlib.suppress(UsageConsentError, OSError):
            send_all(policy(), TRANSFER_LOCK_WAIT_S)

    submit(job)
