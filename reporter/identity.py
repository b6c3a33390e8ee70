"""The client id: a random UUID4 kept in the state file (never derived from hardware, host or
user name), or a new one per session when the policy asks for it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from usage_consent.files.atomic import TRANSFER_LOCK_WAIT_S
from usage_consent.locations import locations
from usage_consent.policy import Policy, StateFile
from usage_consent.schemas.patterns import UUID4_PATTERN

__all__ = ["UUID4", "client_id", "known_client_id", "needs_storing", "new_id", "rotate_client_id",
           "store_client_id"]
UUID4 = re.compile(UUID4_PATTERN)


def new_id() -> str:
    return str(uuid.uuid4())


def known_client_id(state_data: dict[str, Any]) -> str | None:
    """The client id the state file's contents hold, if it is a valid one."""
    known = state_data.get("client_id")
    return known if isinstance(known, str) and UUID4.match(known) else None


_proposed: dict[str, str] = {}  # state file -> the new id this process is storing


def needs_storing(policy: Policy, state_data: dict[str, Any]) -> tuple[str, bool]:
    """The id for a new session, and whether it is a new persistent id still to be stored
    (by :func:`store_client_id`, in the background: the transfer's thread never waits for it).
    Until it is stored, every session of this process uses the same new id, stored once."""
    if policy.reporter.client_id == "per_session":
        return new_id(), False
    known = known_client_id(state_data)
    if known:
        return known, False
    path = locations(policy).state_file
    if path in _proposed:
        return _proposed[path], False
    _proposed[path] = proposed = new_id()
    return proposed, True


def store_client_id(policy: Policy, proposed: str, wait: float = TRANSFER_LOCK_WAIT_S) -> str:
    """Store ``proposed`` as this installation's id unless another run stored one first; returns
    the id that is kept. Raises LockBusy when the state file's lock is busy beyond ``wait``."""

    def create(data: dict[str, Any]) -> str:
        kept = known_client_id(data)
        if kept is None:
            data["client_id"] = kept = proposed
        return kept

    path = locations(policy).state_file
    try:
        return StateFile(path).update(create, wait)
    finally:
        _proposed.pop(path, None)  # stored, or to be tried again by the next session


def client_id(policy: Policy, state_data: dict[str, Any] | None = None) -> str:
    """This installation's client id, created (and stored, waiting for the lock) on first use."""
    if state_data is None:
        state_data = StateFile(locations(policy).state_file).read()
    chosen, new = needs_storing(policy, state_data)
    return store_client_id(policy, chosen) if new else chosen


def rotate_client_id(policy: Policy, also: Callable[[dict[str, Any]], None] | None = None) -> str | None:
    """Replace the client id with a new one; returns the old one (None if there was none).
    ``also`` changes the state in the same write (forget queues its deletion requests)."""
    old: list[Any] = []

    def rotate(data: dict[str, Any]) -> None:
        old.append(data.get("client_id"))
        if also is not None:
            also(data)
        data["client_id"] = new_id()
        StateFile.add_history(data, "forget")  # the old id is not written anywhere

    StateFile(locations(policy).state_file).update(rotate)
    return old[0] if isinstance(old[0], str) else None
