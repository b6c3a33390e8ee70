"""The client id: a random UUID4 kept in the state file (never derived from hardware, host or
user name), or a new one per session when the policy asks for it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from usage_consent.policy.model import Policy
from usage_consent.policy.paths import expand
from usage_consent.policy.state import StateFile

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def new_id() -> str:
    return str(uuid.uuid4())


def client_id(policy: Policy, state_data: dict[str, Any] | None = None) -> str:
    """This installation's client id, created on first use (``state_data``: the state file's
    contents, when the caller has already read them)."""
    if policy.reporter.client_id == "per_session":
        return new_id()
    state = StateFile(expand(policy.state_file))
    known = (state.read() if state_data is None else state_data).get("client_id")
    if isinstance(known, str) and UUID4.match(known):
        return known

    def create(data: dict[str, Any]) -> str:
        current = data.get("client_id")
        if not (isinstance(current, str) and UUID4.match(current)):
            data["client_id"] = new_id()
        return data["client_id"]

    return state.update(create)


def rotate_client_id(policy: Policy) -> str | None:
    """Replace the client id with a new one; returns the old one (None if there was none)."""
    old: list[Any] = []

    def rotate(data: dict[str, Any]) -> None:
        old.append(data.get("client_id"))
        data["client_id"] = new_id()
        StateFile.add_history(data, "forget")  # the old id is not written anywhere

    StateFile(expand(policy.state_file)).update(rotate)
    return old[0] if isinstance(old[0], str) else None
