"""Skyplane 0.3.2's usage data -> this library's report fields (schema ``usage_stats`` v2).

Pure functions over what Skyplane hands its ``UsageClient.log_transfer`` / ``log_exception``:
region tags (``"aws:us-east-1"``, ``"local:/home/alice/data"``), its ``args`` dict, its
``transfer_stats`` dict, the error location and the exception. Free-form values never pass:
local paths, error messages and the ``errors`` list are dropped; a value outside the schema's
closed sets becomes ``unknown`` (providers, regions) or is left out (optional fields).
docs/reference/report-schema.md has the field-by-field table (this module is that table as code).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["destinations", "location", "run_transfer_locals", "stage_of_location", "stage_of_traceback",
           "stats_fields", "transfer_fields"]

# Skyplane 0.3.2's error locations (``UsageClient.log_exception(location, ...)`` calls) -> our stages.
SKYPLANE_LOCATIONS = {
    "cli_check_config": "setup",
    "cli_query_objstore": "transfer",
    "cli_cp": "teardown",  # only raised while deprovisioning after Ctrl-C
    "dispatch job": "transfer",
    "monitor transfer": "transfer",
    "finalize job": "transfer",
    "verify job": "transfer",
}
# For an exception Skyplane does not report itself (its excepthook only prints it): the innermost
# frame of one of these Skyplane functions names the stage; a raise in run_transfer itself is
# planning (Skyplane 0.3.2 refuses local->local and cloudflare->cloudflare there).
FUNCTION_STAGES = {
    "parse_path": "setup", "create": "setup", "region_tag": "setup", "SkyplaneCLI.__init__": "setup",
    "check_config": "setup", "make_pipeline": "planning", "queue_copy": "planning", "queue_sync": "planning",
    "confirm_transfer": "planning", "estimate_small_transfer": "planning", "run_transfer": "planning",
    "create_dataplane": "provisioning", "provision": "provisioning", "run": "transfer",
    "transfer_cp_onprem": "transfer", "transfer_sync_onprem": "transfer", "transfer_cp_small": "transfer",
    "transfer_sync_small": "transfer", "deprovision": "teardown", "force_deprovision": "teardown",
}


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from usage_consent.schemas import _registry as registry  # JSON only; no pydantic

    return registry.load("usage_stats")


def _defs(name: str) -> dict[str, Any]:
    return _schema()["$defs"][name]["properties"]


def _allowed(node: Mapping[str, Any]) -> set[Any]:
    for option in node.get("anyOf", [node]):
        if "enum" in option:
            return set(option["enum"])
    return set()


def location(tag: Any) -> dict[str, str]:
    """``"aws:us-east-1"`` -> {"provider": "aws", "region": "us-east-1"}; a local tag's path is dropped."""
    provider, _, region = str(tag).partition(":") if tag else ("unknown", "", "")
    props = _defs("CloudLocation")
    if provider not in _allowed(props["provider"]):
        provider = "unknown"
    if provider in ("local", "unknown"):
        region = provider
    if not re.fullmatch(props["region"]["pattern"].strip("^$"), region) or len(region) > props["region"]["maxLength"]:
        region = "unknown"
    return {"provider": provider, "region": region}


def destinations(tags: Any) -> list[dict[str, str]]:
    """One location per destination, at most the schema's bound. Skyplane 0.3.2 passes a single
    tag (a str) on some failures where it means a list of one."""
    listed = [tags] if tags is None or isinstance(tags, str) else list(tags) or [None]
    return [location(tag) for tag in listed][: _schema()["properties"]["destinations"]["maxItems"]]


def _options(args: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's option fields that Skyplane's args hold (its ``cmd`` is our ``command``); a
    solver Skyplane does not know (the user's typo, which fails the transfer) is left out."""
    props = _defs("TransferOptions")
    options = {name: args[name] for name in props if args.get(name) is not None}
    if options.get("solver") not in _allowed(props["solver"]):
        options.pop("solver", None)
    return options


def transfer_fields(args: Mapping[str, Any] | None, src_tag: Any, dst_tags: Any,
                    session_start_timestamp_ms: int | None = None) -> dict[str, Any]:
    """Command, source, destinations, options (and the start time when Skyplane gave one)."""
    args = args or {}
    fields: dict[str, Any] = {"source": location(src_tag), "destinations": destinations(dst_tags),
                              "options": _options(args)}
    if args.get("cmd") is not None:
        fields["command"] = args["cmd"]
    if session_start_timestamp_ms:
        fields["session_start_timestamp_ms"] = int(session_start_timestamp_ms)
    return fields


def stats_fields(transfer_stats: Mapping[str, Any] | None) -> dict[str, Any]:
    """Skyplane's transfer_stats without its ``errors`` list (free-form text)."""
    given = dict(transfer_stats or {})
    stats: dict[str, Any] = {}
    if given.get("monitor_status") in _allowed(_defs("TransferStats")["monitor_status"]):
        stats["monitor_status"] = given["monitor_status"]
    for ours, theirs in (("runtime_s", "total_runtime_s"), ("throughput_gbits", "throughput_gbits")):
        if isinstance(given.get(theirs), int | float):
            stats[ours] = float(given[theirs])
    return stats


def stage_of_location(loc: str) -> str:
    return SKYPLANE_LOCATIONS.get(loc, "unknown")


def stage_of_traceback(tb: types.TracebackType | None) -> str:
    """The stage of the innermost Skyplane function (see FUNCTION_STAGES) on the traceback."""
    stage = "setup"
    for frame in _frames(tb):
        if not str(frame.f_globals.get("__name__", "")).startswith("skyplane."):
            continue  # only Skyplane's own modules name stages
        name = frame.f_code.co_qualname if hasattr(frame.f_code, "co_qualname") else frame.f_code.co_name
        stage = FUNCTION_STAGES.get(name, FUNCTION_STAGES.get(frame.f_code.co_name, stage))
    return stage


def run_transfer_locals(tb: types.TracebackType | None) -> tuple[dict[str, Any], Any, Any] | None:
    """Skyplane's ``args`` and region tags from its run_transfer frame on the traceback, if there."""
    for frame in _frames(tb):
        found = frame.f_locals
        if frame.f_code.co_name == "run_transfer" and "dst_region_tag" in found:
            args = found.get("args") or {"cmd": found.get("cmd"), "solver": found.get("solver")}
            return dict(args), found.get("src_region_tag"), found["dst_region_tag"]
    return None


def _frames(tb: types.TracebackType | None) -> Iterable[types.FrameType]:
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next

