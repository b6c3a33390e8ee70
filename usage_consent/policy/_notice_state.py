"""The state file as it is read, and the notice rule, in one place: from one read of the state
file, whether the notice for the current schema version is still to be shown, and why.

``read_state`` is the one read of the state file (``StateFile.read`` is it too): its usable shape
(the known keys' types) is checked here, so that a session reads the client id and the notice's
state with what every decision has loaded; writing the file (under its lock, setting an unusable
one aside) is ``policy/_state.py``'s, imported by the code that writes.

``decide()``, ``explain()``, a session and the send lane all ask ``notice_state``; a Decision
carries the result (``Decision.notice``) in this one shape.
"""

from __future__ import annotations

from usage_consent._files.jsonfile import read_json_object
from usage_consent._frozen import Frozen
from usage_consent._locations import Locations, display
from usage_consent._run import current
from usage_consent.errors import ConfigContentError, UsageConsentError

TYPE_CHECKING = False  # not typing's: a decision answered from the memo is built without it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from usage_consent.policy._model import Policy

__all__ = ["NoticeState", "notice_state", "notice_state_at", "read_notice_state", "read_state", "schemas_root",
           "schemas_root_at", "shown_in", "shown_version_at", "shown_version_in"]
_NAMES = {"would_show": "due"}  # the JSON name of a field (Decision.to_dict, explain --json)


def _problem(data: dict[str, Any]) -> str | None:
    """Why the known keys of a state file cannot be used (a wrong type), or None."""
    def text_or_absent(entry: dict[str, Any], *keys: str) -> str | None:
        return next((key for key in keys if key in entry and not isinstance(entry[key], str)), None)

    checks: list[tuple[str, bool, str]] = [
        ("format", isinstance(data.get("format", 1), int) and not isinstance(data.get("format"), bool),
         "must be an integer"),
        ("client_id", isinstance(data.get("client_id", ""), str), "must be a string"),
        ("notices", isinstance(data.get("notices", {}), dict), "must be an object"),
        ("history", isinstance(data.get("history", []), list), "must be a list"),
    ]
    for key, ok, what in checks:
        if not ok:
            return f"key {key!r} {what}"
    for name, entry in data.get("notices", {}).items():
        version = entry.get("version") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or (version is not None and (
                not isinstance(version, int) or isinstance(version, bool))) or text_or_absent(
                entry, "fingerprint", "shown_at"):
            return f"key 'notices': entry {name!r} must be an object with an integer version and text fields"
    for index, entry in enumerate(data.get("history", [])):
        if not isinstance(entry, dict) or text_or_absent(entry, "at", "event"):
            return f"key 'history': entry {index} must be an object whose at and event are strings"
    return None


def read_state(path: str, where: Locations | None = None) -> dict[str, Any]:
    """The state file's contents; {} when there is none. Raises ConfigContentError when it cannot be
    used (not JSON, a field of the wrong type) and ConfigFileError when it cannot be read or is a link.
    ``where``: how the path is shown (by default, as the run configuration in use shows it)."""
    data = read_json_object(path, layer="state", follow=False) or {}
    problem = _problem(data)
    if problem:
        shown = where.display(path) if where is not None else display(path)
        raise ConfigContentError(f"{shown}: {problem}", layer="state", path=path, key=problem)
    return data


def shown_in(data: dict[str, Any], schema_name: str) -> dict[str, Any]:
    """What the state's contents say was last shown for ``schema_name`` ({} if never)."""
    notices = data.get("notices")
    entry = notices.get(schema_name) if isinstance(notices, dict) else None
    return entry if isinstance(entry, dict) else {}


def shown_version_in(data: dict[str, Any], schema_name: str) -> int | None:
    version = shown_in(data, schema_name).get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


class NoticeState(Frozen):
    """The notice for one policy: the current schema version, the version last shown (None:
    never) and when, whether it is due and why; ``shown`` when this decide() showed it."""

    __slots__ = ("current_version", "due", "shown", "shown_at", "shown_version", "why")
    current_version: int
    shown_version: int | None
    shown_at: str | None
    due: bool
    why: str
    shown: bool

    def __init__(self, current_version: int, shown_version: int | None, shown_at: str | None, due: bool, why: str,
                 shown: bool = False) -> None:
        self._set(current_version=current_version, shown_version=shown_version, shown_at=shown_at, due=due, why=why,
                  shown=shown)

    def __bool__(self) -> bool:
        """True when there is a notice to speak of now: due, or shown by this call."""
        return self.due or self.shown

    def __getitem__(self, name: str) -> Any:
        """A field by name, also by its JSON name (``would_show``), as a mapping would give it."""
        name = _NAMES.get(name, name)
        if name not in self.field_names():
            raise KeyError(name)
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """What ``explain --json`` prints: would_show, shown_version, current_version."""
        return {"would_show": self.due, "shown_version": self.shown_version, "current_version": self.current_version}


def schemas_root(policy: Policy, where: Locations | None = None) -> Path | None:
    """The host's own schemas folder, when the policy names one (else the packaged schemas)."""
    if not policy.schemas_dir:
        return None
    return schemas_root_at(where or Locations(policy, current()))


def schemas_root_at(where: Locations) -> Path | None:
    """``schemas_root`` from the plain settings of ``where`` (no policy model is loaded for it)."""
    folder = where.schemas_dir
    if folder is None:
        return None
    from pathlib import Path

    return Path(folder)


def notice_state_at(where: Locations, data: dict[str, Any] | None = None, version: int | None = None) -> NoticeState:
    """The rule: the notice is due when the policy shows one and the version of its schema last
    shown (in ``data``, the state file's contents; by default the file as it is now, one that
    cannot be used counting as never shown) is older than the current one, or none was shown.
    Read from the plain settings of ``where`` (a session's: no policy model is loaded). ``version``:
    the current version as the decision found it (a session's: its reports carry the version its
    decision's notice spoke of); None: the schemas folder's latest."""
    settings = where.settings
    if data is None:
        data = _state_data(where)
    name = settings.schema_name
    if version is None:
        from usage_consent.schemas._versions import current_version

        version = current_version(name, where.schemas_dir)  # a str: no pathlib for a session
    shown = shown_version_in(data, name)
    at = shown_in(data, name).get("shown_at")
    if not settings.notice_enabled:
        due, why = False, "the policy shows no notice"
    elif shown is None:
        due, why = True, f"v{version} never shown"
    elif shown < version:
        due, why = True, f"v{shown} shown; v{version} is current"
    else:
        due, why = False, f"v{shown} shown"
    return NoticeState(version, shown, at if isinstance(at, str) else None, due, why)


def shown_version_at(where: Locations) -> int | None:
    """The version of the notice last shown for the policy of ``where``, from the state file as it is
    now (one that cannot be used: never shown). Needs no current version, so the schemas folder is not
    read: the send lane asks it of a pending report (and imports nothing for it)."""
    return shown_version_in(_state_data(where), where.settings.schema_name)


def notice_state(policy: Policy, data: dict[str, Any], where: Locations | None = None) -> NoticeState:
    """``notice_state_at`` for ``policy``, from ``data`` (the state file's contents)."""
    return notice_state_at(where or Locations(policy, current()), data)


def _state_data(where: Locations) -> dict[str, Any]:
    try:
        return read_state(where.state_file, where)
    except UsageConsentError:
        return {}


def read_notice_state(policy: Policy, where: Locations | None = None) -> NoticeState:
    """``notice_state`` from the state file as it is now; a state file that cannot be used counts
    as never shown."""
    return notice_state_at(where or Locations(policy, current()))
