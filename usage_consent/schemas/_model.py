"""UsageStatsToReport: the readable definition of what a host reports about one transfer.

The released versions are the JSON files ``usage_stats/v<N>.json``; ``usage-consent schema
check`` fails whenever this model and the newest file differ, and ``schema bump`` releases a
new version. Nothing here may hold personal data: every string is a closed code, an
identifier with a pattern, or bounded; no free-form arguments, paths, bucket names or
error messages.

Version 2 follows what Skyplane 0.3.2's own ``UsageStatsToReport`` (``skyplane/api/usage.py``)
reports, field by field, with the value sets of its code; the mapping table in
docs/reference/report-schema.md gives the one place of each of its fields here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from usage_consent.schemas._base_report import (
    ClientId,
    Closed,
    ErrorField,
    ErrorLocation,
    OperatingSystem,
    OperatingSystemField,
    PythonVersion,
    SchemaVersion,
    SessionId,
    SessionStart,
    ToolVersion,
    TransferError,
)

__all__ = [
    "MAX_DESTINATIONS",
    "CloudLocation",
    "Command",
    "ErrorLocation",
    "MonitorStatus",
    "OperatingSystem",
    "Provider",
    "Solver",
    "TransferError",
    "TransferOptions",
    "TransferStats",
    "UsageStatsToReport",
]

# Skyplane 0.3.2's providers (skyplane/utils/path.py parse_path, obj_store/*.region_tag); unknown: none given.
Provider = Literal["aws", "azure", "gcp", "ibmcloud", "cloudflare", "hdfs", "local", "unknown"]
Command = Literal["cp", "sync"]
# Skyplane 0.3.2's planning algorithms (skyplane/api/pipeline.py).
Solver = Literal["direct", "src_one_sided", "dst_one_sided"]
# The monitor statuses Skyplane 0.3.2 produces (skyplane/cli/cli_transfer.py TransferStats).
MonitorStatus = Literal["completed", "empty"]
MAX_DESTINATIONS = 16



class CloudLocation(Closed):
    """Where data came from or went to: a cloud provider and one of its region codes."""

    provider: Provider = Field(description="Cloud provider code.")
    region: str = Field(
        description="Region code as the provider names it (for example us-east-1; local for a local path, "
        "infer where the provider has none); never a bucket or path.",
        max_length=32,
        pattern=r"^[a-z0-9][a-z0-9-]{0,31}$",
    )


class TransferOptions(Closed):
    """The transfer's options as an explicit set of typed flags (never the command line itself)."""

    recursive: bool = Field(description="Whether the transfer copied a folder recursively.")
    multipart: bool = Field(description="Whether large objects were split into parts.")
    max_instances: int = Field(description="Maximum number of gateway VMs per region.", ge=0, le=1000)
    solver: Solver | None = Field(
        default=None, description="The planner that chose the transfer route (absent: one the host does not know)."
    )
    max_connections: int | None = Field(
        default=None, description="Maximum number of connections per gateway VM.", ge=0, le=100000
    )
    debug: bool | None = Field(default=None, description="Whether the transfer ran with debug output.")
    confirm: bool | None = Field(default=None, description="Whether the transfer prompts were confirmed in advance.")


class TransferStats(Closed):
    """How the transfer went."""

    monitor_status: MonitorStatus | None = Field(default=None, description="How the transfer monitor saw it end.")
    runtime_s: float | None = Field(default=None, description="Wall time of the transfer in seconds.", ge=0, le=1e7)
    throughput_gbits: float | None = Field(
        default=None, description="Average throughput in gigabits per second.", ge=0, le=1e5
    )
    bytes_transferred: int | None = Field(default=None, description="Number of bytes copied.", ge=0, le=2**63 - 1)
    objects_transferred: int | None = Field(
        default=None, description="Number of objects (files) copied.", ge=0, le=2**63 - 1
    )


class UsageStatsToReport(Closed):
    """One report about one transfer."""

    schema_version: SchemaVersion
    client_id: ClientId
    session_id: SessionId
    tool_version: ToolVersion
    python_version: PythonVersion
    os: OperatingSystemField
    command: Command = Field(description="The host command that ran the transfer.")
    source: CloudLocation = Field(description="Provider and region the data came from.")
    destinations: list[CloudLocation] = Field(
        description="Providers and regions the data went to, one per destination.",
        min_length=1, max_length=MAX_DESTINATIONS,
    )
    session_start_timestamp_ms: SessionStart
    options: TransferOptions = Field(description="The transfer's options.")
    stats: TransferStats | None = Field(default=None, description="Transfer statistics; absent when it failed early.")
    error: ErrorField = None
