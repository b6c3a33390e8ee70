"""What a session reads of its policy, as plain values: the one place they are taken from the policy
model (``ReportSettings.of``), so that the decision memo (policy/_cache.py) can hold them and a
session after a memo hit records (or sends) its report without loading pydantic or the policy.

A decision resolved in full derives them from its policy on first use; one answered from the memo
gets them from the memo entry (``plain_values``), or, from a memo written before they were kept
there, derives them from its policy, loaded then. Paths are as the policy holds them (a relative
one already made relative to the policy file's folder); ``Locations`` expands them.
"""

from __future__ import annotations

from usage_consent._frozen import Frozen

TYPE_CHECKING = False  # not typing's: a cold decide() answered from the memo must not pay for it
if TYPE_CHECKING:
    from typing import Any

    from usage_consent.policy._decision import Decision
    from usage_consent.policy._model import Policy

__all__ = ["ReportSettings", "settings_of"]

# The fields, each with the type a memo's value must have (bool is neither an int nor a float here).
_FIELDS: dict[str, tuple[type, ...]] = {
    "app": (str,), "schema_name": (str,), "state_file": (str,), "schemas_dir": (str, type(None)),
    "notice_enabled": (bool,), "per_session": (bool,), "exit_wait_s": (int, float), "keep_sessions": (int,),
    "connect_timeout_s": (int, float), "read_timeout_s": (int, float), "max_response_bytes": (int,),
    "retry_attempts": (int,), "retry_max_age_days": (int, float),
}


class ReportSettings(Frozen):
    """The policy's values a session, its background jobs and its sends read: the app (its records
    folder), the schema and its folder, the state file, whether a notice is shown, a new client id
    per session or not, and the reporter's bounds (``[reporter]`` of the policy)."""

    __slots__ = tuple(_FIELDS)
    app: str
    schema_name: str
    state_file: str
    schemas_dir: str | None
    notice_enabled: bool
    per_session: bool
    exit_wait_s: float
    keep_sessions: int
    connect_timeout_s: float
    read_timeout_s: float
    max_response_bytes: int
    retry_attempts: int
    retry_max_age_days: float

    def __init__(self, app: str, schema_name: str, state_file: str, schemas_dir: str | None, notice_enabled: bool,
                 per_session: bool, exit_wait_s: float, keep_sessions: int, connect_timeout_s: float,
                 read_timeout_s: float, max_response_bytes: int, retry_attempts: int,
                 retry_max_age_days: float) -> None:
        self._set(app=app, schema_name=schema_name, state_file=state_file, schemas_dir=schemas_dir,
                  notice_enabled=notice_enabled, per_session=per_session, exit_wait_s=exit_wait_s,
                  keep_sessions=keep_sessions, connect_timeout_s=connect_timeout_s, read_timeout_s=read_timeout_s,
                  max_response_bytes=max_response_bytes, retry_attempts=retry_attempts,
                  retry_max_age_days=retry_max_age_days)

    @classmethod
    def of(cls, policy: Policy) -> ReportSettings:
        """The settings of ``policy``: the one place they are read from the policy model."""
        reporter = policy.reporter
        return cls(policy.app, policy.schema_name, policy.state_file, policy.schemas_dir or None,
                   policy.notice.enabled, reporter.client_id == "per_session", reporter.exit_wait_s,
                   reporter.keep_sessions, reporter.connect_timeout_s, reporter.read_timeout_s,
                   reporter.max_response_bytes, reporter.retry_attempts, reporter.retry_max_age_days)

    def to_dict(self) -> dict[str, Any]:
        """As the memo holds them (JSON)."""
        return self.__getstate__()

    @classmethod
    def from_dict(cls, data: object) -> ReportSettings:
        """Read back from a memo entry; raises ValueError unless every field is there with its type
        (the memo entry is then not used: the decision is resolved afresh)."""
        if not isinstance(data, dict) or set(data) != set(_FIELDS):
            raise ValueError("not the report settings")
        for name, types in _FIELDS.items():
            value = data[name]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise ValueError(f"report settings: {name} is {value!r}")
        return cls(**data)


def settings_of(decision: Decision) -> ReportSettings:
    """The report settings of ``decision``: its context's (from the memo when it came from there),
    else its policy's (a decision that failed closed early)."""
    if decision.context is not None:
        return decision.context.settings
    return ReportSettings.of(decision.policy)
