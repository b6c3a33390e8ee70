"""The state file: which schema version's notice the user was shown, and a bounded history.

It belongs to usage-consent (never the user's config file). Reads are tolerant; a state
file that does not parse is moved aside (never silently lost) before a fresh one is written.
Keys this version does not know, written by a newer one, are kept. How the file is read (its
usable shape, what it says of notices) is ``policy/_notice_state.py``'s ``read_state``: a session
reads it without this module, which the code that writes imports.
"""

from __future__ import annotations

import os

from usage_consent._files.jsonfile import dump_json_object
from usage_consent._locations import Locations, display
from usage_consent._log import log
from usage_consent._run import now_iso
from usage_consent.errors import ConfigContentError
from usage_consent.policy._notice_state import read_state, shown_in, shown_version_in

TYPE_CHECKING = False  # not typing's: a process that stores a new client id must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["HISTORY_LIMIT", "UNCHANGED", "StateFile", "aside_name"]

HISTORY_LIMIT = 200
UNCHANGED = object()  # returned by an update's change: nothing to write


def aside_name(path: str) -> str:
    """Where an unusable state file is moved (the name is the Locations'): beside itself, named with
    the time (never reused)."""
    return Locations.aside(path)


class StateFile:
    """The state file at ``path``; ``where``: the decision's locations (how paths are shown, and
    where an unusable file is set aside), by default those of the run configuration in use."""

    def __init__(self, path: str, where: Locations | None = None) -> None:
        self.path = path
        self.where = where

    def _display(self, path: str) -> str:
        return self.where.display(path) if self.where is not None else display(path)

    def read(self) -> dict[str, Any]:
        """The state; {} when there is none. Raises ConfigContentError when it cannot be used (not
        JSON, a field of the wrong type) and ConfigFileError when it cannot be read or is a link."""
        return read_state(self.path, self.where)

    def usable(self, wait: float | None = None) -> dict[str, Any]:
        """The state, after setting aside a file whose contents cannot be used (and starting afresh;
        the lock is waited for as ``update`` does)."""
        try:
            return self.read()
        except ConfigContentError:
            return self.update(dict, wait)

    def read_cached(self) -> dict[str, Any]:
        """``read()``, under the name the reporter's session calls. There is no cache of the state
        file any more: the one cache is the decision's (policy/_cache.py), whose key holds this
        file's stat."""
        return self.read()

    def shown(self, schema_name: str) -> dict[str, Any]:
        """What was last shown for ``schema_name``: version, fingerprint, shown_at ({} if never)."""
        return shown_in(self.read(), schema_name)

    def shown_version(self, schema_name: str) -> int | None:
        return shown_version_in(self.read(), schema_name)

    def history(self) -> list[dict[str, Any]]:
        entries = self.usable().get("history")
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    def update(self, change: Callable[[dict[str, Any]], Any], wait: float | None = None) -> Any:
        """Apply ``change`` to the state under the lock and write it back atomically (not written
        when ``change`` returns ``UNCHANGED``). The lock is waited for at most ``wait`` seconds
        (a command's bound by default); then LockBusy names the lock file."""
        from usage_consent._files.atomic import COMMAND_LOCK_WAIT_S, exclusive_lock, write_atomic

        with exclusive_lock(self.path, COMMAND_LOCK_WAIT_S if wait is None else wait):
            try:
                data = self.read()
            except ConfigContentError as error:
                self._set_aside(error)
                data = {}
            result = change(data)
            if result is UNCHANGED:
                return result
            if not isinstance(data.get("format"), int) or data["format"] < 1:
                data["format"] = 1  # a newer version's higher format number is kept
            write_atomic(self.path, dump_json_object(data, path=self.path, layer="state"))
        return result

    def _set_aside(self, error: ConfigContentError) -> None:
        """Move the unusable file beside itself (kept 0600, never lost); one warning names both."""
        aside = Locations.aside(self.path)
        os.replace(self.path, aside)
        os.chmod(aside, 0o600)
        log.warning("%s; set aside as %s and started afresh at %s", error.message, self._display(aside),
                    self._display(self.path))

    @staticmethod
    def add_history(data: dict[str, Any], event: str, **detail: Any) -> None:
        history: list[Any] = data["history"] if isinstance(data.get("history"), list) else []
        history.append({"at": now_iso(), "event": event, **detail})
        data["history"] = history[-HISTORY_LIMIT:]

    def record_notice(self, schema_name: str, version: int, fingerprint: str, how: str,
                      show: Callable[[dict[str, Any]], None] | None = None, wait: float | None = None) -> bool:
        """Remember that the notice for ``schema_name`` v``version`` was shown (``how``: decide, init).

        With ``show``, the notice is shown (``show(state)``) and recorded under the lock, only when
        the state does not already record this version: concurrent first runs show it once.
        Returns whether it was recorded now."""

        def change(data: dict[str, Any]) -> Any:
            if show is not None:
                already = shown_version_in(data, schema_name)
                if already is not None and already >= version:
                    return UNCHANGED
                show(data)
            notices: dict[str, Any] = data["notices"] if isinstance(data.get("notices"), dict) else {}
            notices[schema_name] = {"version": version, "fingerprint": fingerprint, "shown_at": now_iso()}
            data["notices"] = notices
            self.add_history(data, "notice", schema=schema_name, version=version, via=how)
            return True

        return self.update(change, wait) is True

    def record_choice(self, event: str, **detail: Any) -> None:
        """Remember a choice made through the command (config set, init, forget)."""
        self.update(lambda data: self.add_history(data, event, **detail))
