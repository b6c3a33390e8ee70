"""``usage_consent.BaseReport``: the fields of every report that usage-consent owns and fills in.

A host's report model subclasses it and adds its own fields::

    from typing import Annotated, Literal
    from pydantic import Field
    from usage_consent import BaseReport

    class CopyReport(BaseReport):
        command: Literal["cp"] = Field(description="The command that ran.")
        bytes_copied: int = Field(description="Bytes copied.", ge=0, le=2**63 - 1)

Filled in by the library on every report: ``schema_version``, ``client_id``, ``session_id`` (a
host may not give them), and, unless the host gives them, ``tool_version`` (``"unknown"``),
``python_version``, ``os`` and ``session_start_timestamp_ms``. ``error`` is filled in when the
transfer raises inside ``with session:`` (the exception's class and the stage, never its message).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from usage_consent.schemas._patterns import UUID4_PATTERN

__all__ = ["LIBRARY_FIELDS", "BaseReport", "ClientId", "Closed", "ErrorField", "ErrorLocation", "OperatingSystem",
           "OperatingSystemField", "PythonVersion", "SchemaVersion", "SessionId", "SessionStart", "ToolVersion",
           "TransferError", "missing_library_fields"]

OperatingSystem = Literal["linux", "darwin", "windows", "other"]
ErrorLocation = Literal["setup", "planning", "provisioning", "transfer", "teardown", "unknown"]


class Closed(BaseModel):
    """A report's object: no key beyond its fields."""

    model_config = ConfigDict(extra="forbid")


class TransferError(Closed):
    """On failure: what kind of error and where; never the message, which can hold paths or bucket names."""

    error_class: str = Field(
        description="The exception's class name (for example TimeoutError).",
        max_length=64,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
    )
    location: ErrorLocation = Field(description="The stage of the transfer that failed.")


# The library's fields, written once: BaseReport and the Skyplane schema's model
# (schemas/_model.py UsageStatsToReport) both declare them with these types.
SchemaVersion = Annotated[int, Field(description="Version of this schema the report follows.", ge=1)]
ClientId = Annotated[str, Field(
    description="Random identifier of this installation (UUID4); quote it to have your data deleted.",
    max_length=36,
    pattern=UUID4_PATTERN,
)]
SessionId = Annotated[str, Field(
    description="Random identifier of this transfer session (UUID4).", max_length=36, pattern=UUID4_PATTERN
)]
ToolVersion = Annotated[str, Field(
    description="Version of the host tool.", max_length=32, pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$"
)]
PythonVersion = Annotated[str, Field(
    description="Python version (major.minor.micro).",
    max_length=16,
    pattern=r"^[0-9]{1,2}\.[0-9]{1,3}\.[0-9]{1,3}$",
)]
OperatingSystemField = Annotated[OperatingSystem, Field(description="Operating system family.")]
SessionStart = Annotated[int, Field(
    description="When the transfer session started, in milliseconds since 1970 (UTC).", ge=0, le=2**53
)]
ErrorField = Annotated[TransferError | None, Field(description="The error class and stage, on failure.")]


class BaseReport(Closed):
    """One report about one transfer: the fields usage-consent fills in; a host's model adds its own."""

    schema_version: SchemaVersion
    client_id: ClientId
    session_id: SessionId
    tool_version: ToolVersion
    python_version: PythonVersion
    os: OperatingSystemField
    session_start_timestamp_ms: SessionStart
    error: ErrorField = None


# Each library field, and when the library fills it in (docs/reference/base-report.md says the same).
LIBRARY_FIELDS = {
    "schema_version": "always (the released version the report follows)",
    "client_id": "always",
    "session_id": "always",
    "tool_version": 'unless the host gives it ("unknown")',
    "python_version": "unless the host gives it",
    "os": "unless the host gives it",
    "session_start_timestamp_ms": "unless the host gives it (when the session started)",
    "error": "when the transfer raises inside `with session:`",
}


def missing_library_fields(model: type[BaseModel]) -> list[str]:
    """The library's fields that ``model`` lacks (a report from it would break its own schema)."""
    return [name for name in LIBRARY_FIELDS if name not in model.model_fields]
