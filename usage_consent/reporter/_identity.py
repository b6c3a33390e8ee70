"""The client id: a random UUID4 kept in the state file (never derived from hardware, host or
user name), or a new one per session when the policy asks for it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from usage_consent._files.atomic import TRANSFER_LOCK_WAIT_S
from usage_consent.schemas._patterns import UUID4_PATTERN

__all__ = ["UUID4", "known_client_id", "needs_storing", "new_id", "rotate_client_id", "store_client_id"]
UUID4 = re.compile(UUID4_PATTERN)


def new_id() -> str:
    return str(uuid.uuid4())


def known_client_id(state_data: dict[str, Any]) -> str | None:
    """The client id the state file's contents hold, if it is a valid one."""
    known = state_data.get("client_id")
    return known if isinstance(known, str) and UUID4.match(known) else None


def needs_storing(state_file: str, state_data: dict[str, Any], proposed: dict[str, str],
                  per_session: bool = False) -> tuple[str, bool]:
    """The id for a new session, and whether it is a new persistent id still to be stored
    (by :func:`store_client_id`, in the background: the transfer's thread never waits for it).
    ``proposed`` (the process's reporter's: state file -> the new id being stored) makes every
    session of this process use the same new id until it is stored, stored once."""
    if per_session:
        return new_id(), False
    known = known_client_id(state_data)
    if known:
        return known, False
    if state_file in proposed:
        return proposed[state_file], False
    proposed[state_file] = chosen = new_id()
    return chosen, True


def store_client_id(state_file: str, chosen: str, proposed: dict[str, str],
                    wait: float = TRANSFER_LOCK_WAIT_S) -> str:
    """Store ``chosen`` as this installation's id unless another run stored one first; returns
    the id that is kept. Raises LockBusy when the state file's lock is busy beyond ``wait``."""
    from usage_consent.policy._state import StateFile

    def create(data: dict[str, Any]) -> str:
        kept = known_client_id(data)
        if kept is None:
            data["client_id"] = kept = chosen
        return kept

    try:
        return StateFile(state_file).update(create, wait)
    finally:
        proposed.pop(state_file, None)  # stored, or to be tried again by the next session


def rotate_client_id(state_file: str, also: Callable[[dict[str, Any]], None] | None = None) -> str | None:
    """Replace the client id with a new one; returns the old one (None if there was none).
    ``also`` changes the state in the same write (forget queues its deletion requests)."""
    from usage_consent.policy._state import StateFile

    old: list[Any] = []

    def rotate(data: dict[str, Any]) -> None:
        old.append(data.get("client_id"))
        if also is not None:
            also(data)
        data["client_id"] = new_id()
        StateFile.add_history(data, "forget")  # the old id is not written anywhere

    StateFile(state_file).update(rotate)
    return old[0] if isinstance(old[0], str) else None
