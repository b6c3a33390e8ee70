"""The one exception hierarchy of usage-consent.

Every error carries structured fields beside its message, as jsonschema's errors carry
their path: ``layer`` (which source or part), ``path`` (file or variable), ``key``,
``value`` (the bad value) and ``accepted`` (what would have been accepted).
"""

from __future__ import annotations

TYPE_CHECKING = False  # ``import usage_consent`` loads this module: typing would cost it 7 ms
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ConfigContentError",
    "ConfigFileError",
    "ConsentValueError",
    "PolicyError",
    "ReportError",
    "ReportInvalid",
    "RequestRefused",
    "SchemaError",
    "UsageConsentError",
]


class UsageConsentError(Exception):
    """Base class: an error that names where, which key, the bad value and what is accepted."""

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        path: str | None = None,
        key: str | None = None,
        value: Any = None,
        accepted: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.layer = layer
        self.path = path
        self.key = key
        self.value = value
        self.accepted = accepted

    def __str__(self) -> str:
        return self.message


class PolicyError(UsageConsentError):
    """A policy document (TOML) is unreadable or breaks the policy model.

    ``problems`` holds every problem as ``(toml_path, message)``.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        lines = [f"{path}: {where}: {what}" if where else f"{path}: {what}" for where, what in problems]
        super().__init__("\n".join(lines), layer="policy", path=path)
        self.problems = problems


class ConsentValueError(UsageConsentError):
    """A value given to write (command argument, function argument) is not an accepted spelling."""


class ConfigFileError(UsageConsentError):
    """A config or state file cannot be read or written safely; it was left unchanged."""


class SchemaError(UsageConsentError):
    """A usage-stats schema is missing, malformed, or differs from the model it should match."""


class ReportError(UsageConsentError):
    """A report failed validation or could not be recorded; it was neither written nor sent."""


class ReportInvalid(ReportError):
    """A report breaks its schema (or gives a field only usage-consent fills in).

    ``problems`` holds every problem as ``"<json path>: <what is wrong>"``, as
    ``validate_report`` returns them.
    """

    def __init__(self, problems: list[str], schema: str | None = None) -> None:
        where = f" schema {schema!r}" if schema else " its schema"
        super().__init__(f"usage report breaks{where}: " + "; ".join(problems), layer="reporter",
                         value=list(problems))
        self.problems = list(problems)


class RequestRefused(UsageConsentError):
    """The collector refuses a request: ``status`` (its HTTP code), ``reason`` (the label counted in
    /metrics: content_type, too_large, not_json, invalid, ...) and ``problems`` (each one
    ``"<json path>: <what is wrong>"``); nothing of the request was stored."""

    def __init__(self, status: int, reason: str, detail: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(detail, layer="collector", key=reason, value=list(problems) or None)
        self.status = status
        self.reason = reason
        self.problems = problems

    def answer(self) -> dict[str, Any]:
        """The JSON body of the refusal."""
        found: dict[str, Any] = {"error": self.reason, "detail": self.message}
        if self.problems:
            found["problems"] = list(self.problems)
        return found


class ConfigContentError(ConfigFileError):
    """A config or state file's contents cannot be used (not UTF-8, not JSON, not an object,
    ambiguous, or a field of the wrong type); the file itself could be read."""


class ConfigAmbiguousError(ConfigContentError):
    """A file that parses but cannot be read one way only: a key or section more than once, NaN
    or Infinity, a number too long to hold. Always invalid, never counted as a missing file."""
