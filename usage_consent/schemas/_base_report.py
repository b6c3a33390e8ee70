"""``usage_consent.BaseReport``: the fields of every report that usage-consent owns and fills in.

A host's report model subclasses it and adds its own fields::

    from typing import Literal
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

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from usage_consent.schemas._patterns import UUID4_PATTERN

__all__ = ["LIBRARY_FIELDS", "BaseReport", "ErrorLocation", "OperatingSystem", "TransferError",
           "missing_library_fields"]

OperatingSystem = Literal["linux", "darwin", "windows", "other"]
ErrorLocation = Literal["setup", "planning", "provisioning", "transfer", "teardown", "unknown"]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransferError(_Closed):
    """On failure: what kind of error and where; never the message, which can hold paths or bucket names."""

    error_class: str = Field(
        description="The exception's class name (for example TimeoutError).",
        max_length=64,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
    )
    location: ErrorLocation = Field(description="The stage of the transfer that failed.")


class BaseReport(_Closed):
    """One report about one transfer: the fields usage-consent fills in; a host's model adds its own."""

    schema_version: int = Field(description="Version of this schema the report follows.", ge=1)
    client_id: str = Field(
        description="Random identifier of this installation (UUID4); quote it to have your data deleted.",
        max_length=36,
        pattern=UUID4_PATTERN,
    )
    session_id: str = Field(
        description="Random identifier of this transfer session (UUID4).", max_length=36, pattern=UUID4_PATTERN
    )
    tool_version: str = Field(
        description="Version of the host tool.", max_length=32, pattern=r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$"
    )
    python_version: str = Field(
        description="Python version (major.minor.micro).",
        max_length=16,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,3}\.[0-9]{1,3}$",
    )
    os: OperatingSystem = Field(description="Operating system family.")
    session_start_timestamp_ms: int = Field(
        description="When the transfer session started, in milliseconds since 1970 (UTC).", ge=0, le=2**53
    )
    error: TransferError | None = Field(default=None, description="The error class and stage, on failure.")


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
