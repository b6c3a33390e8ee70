"""Pending reports: sent later by a session whose own decision is on; deleted unsent when the
user has since opted out or moved to local; given up after a bounded count and age."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from typing import Any

from usage_consent.policy import notice
from usage_consent.policy.decision import Decision
from usage_consent.policy.model import Policy
from usage_consent.reporter.record import (
    read_record,
    remove_session,
    set_outcome,
    update_status,
    usage_parts,
    usage_root,
)
from usage_consent.reporter.safe_files import UnsafePath, open_dir
from usage_consent.reporter.send import send_report

PENDING = ".pending"
PER_SESSION = 20
_attempted: set[tuple[str, str]] = set()  # each pending report is tried at most once per process
log = logging.getLogger("usage_consent")


def mark(policy: Policy, client_id: str, session_id: str) -> None:
    """An empty marker file: nothing to write atomically, so it is simply created."""
    fd = open_dir(usage_parts(policy, PENDING))
    try:
        os.close(os.open(f"{client_id}__{session_id}", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600, dir_fd=fd))
    finally:
        os.close(fd)


def clear(policy: Policy, client_id: str, session_id: str) -> None:
    with contextlib.suppress(OSError, UnsafePath):
        fd = open_dir(usage_parts(policy, PENDING), create=False)
        try:
            os.unlink(f"{client_id}__{session_id}", dir_fd=fd)
        finally:
            os.close(fd)


def entries(policy: Policy, limit: int = PER_SESSION) -> list[tuple[str, str]]:
    """Up to ``limit`` pending (client_id, session_id) pairs; [] when there are none."""
    try:
        fd = open_dir(usage_parts(policy, PENDING), create=False)
    except (OSError, UnsafePath):
        return []
    try:
        names = sorted(os.listdir(fd))[:limit]
    finally:
        os.close(fd)
    return [tuple(n.split("__", 1)) for n in names if "__" in n]  # type: ignore[misc]


def cancel_all(policy: Policy) -> int:
    """The user no longer sends: pending reports are deleted unsent."""
    if not os.path.isdir(os.path.join(usage_root(policy), PENDING)):
        return 0
    removed = 0
    for client_id, session_id in entries(policy, limit=1000):
        with contextlib.suppress(OSError, UnsafePath):
            remove_session(policy, client_id, session_id)
            removed += 1
        clear(policy, client_id, session_id)
    return removed


def send_pending(decision: Decision, client_id: str, session_id: str) -> None:
    """Send one recorded report to each of its endpoints still pending; keep it pending on failure."""
    policy = decision.policy
    settings = policy.reporter
    body, status = read_record(policy, client_id, session_id)
    age_days = (time.time() * 1000 - status.get("created_ms", 0)) / 86_400_000
    version = status.get("schema_version")
    shown = notice.status(policy)
    if not status.get("notice_shown") or shown["shown_version"] is None or shown["shown_version"] < (version or 0):
        clear(policy, client_id, session_id)  # collected before the notice: never sent
        return
    results: dict[str, Any] = {}
    for url, entry in status.get("endpoints", {}).items():
        if entry.get("outcome") not in ("pending", "failed"):
            continue
        if age_days > settings.retry_max_age_days or entry.get("attempts", 0) > settings.retry_attempts:
            results[url] = ("expired", None, "gave up: too old or too many attempts")
        elif url not in decision.endpoints:
            results[url] = ("dropped", None, "endpoint no longer configured")
        else:
            sent = send_report(decision, url, body)
            results[url] = (sent.outcome, sent.code, sent.detail)

    def apply(current: dict[str, Any]) -> None:
        for url, (outcome, code, detail) in results.items():
            set_outcome(current, url, outcome, code, detail)

    update_status(policy, client_id, session_id, apply)
    if all(outcome != "failed" for outcome, _, _ in results.values()):
        clear(policy, client_id, session_id)


def send_locked(decision: Decision, client_id: str, session_id: str) -> None:
    """send_pending under the marker's lock, so two processes never send the same report at once."""
    if (client_id, session_id) in _attempted:
        return
    _attempted.add((client_id, session_id))
    with contextlib.suppress(FileNotFoundError):
        fd = open_dir(usage_parts(decision.policy, PENDING), create=False)
        try:
            lock = os.open(f"{client_id}__{session_id}", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
        finally:
            os.close(fd)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            return
        try:
            send_pending(decision, client_id, session_id)
        finally:
            os.close(lock)


def retry_all(decision: Decision, skip_session: str) -> None:
    """In the background of a session that may send: earlier pending reports, a few at a time."""
    for client_id, session_id in entries(decision.policy):
        if session_id != skip_session:
            with contextlib.suppress(OSError, UnsafePath):
                send_locked(decision, client_id, session_id)
