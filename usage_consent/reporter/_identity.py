"""The client id: a random UUID4 kept in the state file (never derived from hardware, host or
user name), or a new one per session when the policy asks for it."""

from __future__ import annotations

import os

from usage_consent.schemas._packaged_checks import UUID4  # UUID4_PATTERN as generated code (no re)

TYPE_CHECKING = False  # not typing's: a process that records a report must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from usage_consent.policy._state import StateFile

__all__ = ["is_uuid4", "known_client_id", "needs_storing", "new_id", "rotate_client_id", "store_client_id"]


def new_id() -> str:
    """A random UUID4, as ``str(uuid.uuid4())`` writes it (16 random bytes, the version and variant
    bits set), without importing uuid."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant: RFC 4122
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def is_uuid4(value: object) -> bool:
    """Whether ``value`` is a string the schemas accept as a client or session id."""
    return isinstance(value, str) and UUID4(value)


def known_client_id(state_data: dict[str, Any]) -> str | None:
    """The client id the state file's contents hold, if it is a valid one."""
    known = state_data.get("client_id")
    return known if is_uuid4(known) else None


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


def store_client_id(state: StateFile, chosen: str, proposed: dict[str, str], wait: float) -> str:
    """Store ``chosen`` as this installation's id in ``state`` unless another run stored one first;
    returns the id that is kept. Raises LockBusy when the state file's lock is busy beyond ``wait``
    (a transfer's bound, ``atomic.TRANSFER_LOCK_WAIT_S``). (``state`` and ``wait`` are given: this
    runs in a lane, whose thread imports nothing.)"""

    def create(data: dict[str, Any]) -> str:
        kept = known_client_id(data)
        if kept is None:
            data["client_id"] = kept = chosen
        return kept

    try:
        return state.update(create, wait)
    finally:
        proposed.pop(state.path, None)  # stored, or to be tried again by the next session


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
