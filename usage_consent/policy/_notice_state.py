"""The notice rule, in one place: from one read of the state file, whether the notice for the
current schema version is still to be shown, and why.

``decide()``, ``explain()``, a session and the send lane all ask ``notice_state``; a Decision
carries the result (``Decision.notice``) in this one shape.
"""

from __future__ import annotations

from usage_consent._frozen import Frozen
from usage_consent._locations import Locations
from usage_consent._run import current
from usage_consent.errors import UsageConsentError

TYPE_CHECKING = False  # not typing's: a decision answered from the memo is built without it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from usage_consent.policy._model import Policy

__all__ = ["NoticeState", "notice_state", "notice_state_at", "read_notice_state", "schemas_root", "schemas_root_at"]
_NAMES = {"would_show": "due"}  # the JSON name of a field (Decision.to_dict, explain --json)


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
    from usage_consent.policy._state import shown_in, shown_version_in

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


def notice_state(policy: Policy, data: dict[str, Any], where: Locations | None = None) -> NoticeState:
    """``notice_state_at`` for ``policy``, from ``data`` (the state file's contents)."""
    return notice_state_at(where or Locations(policy, current()), data)


def _state_data(where: Locations) -> dict[str, Any]:
    from usage_consent.policy._state import StateFile

    try:
        return StateFile(where.state_file, where).read()
    except UsageConsentError:
        return {}


def read_notice_state(policy: Policy, where: Locations | None = None) -> NoticeState:
    """``notice_state`` from the state file as it is now; a state file that cannot be used counts
    as never shown."""
    return notice_state_at(where or Locations(policy, current()))
