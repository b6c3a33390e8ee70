"""Schema v2 (Skyplane 0.3.2's report): users shown v1 are shown the notice again with the change
before any v2 report is collected; v1 records stay readable; Skyplane's values map into v2 (the
adapter's mapping, examples/skyplane/skyplane_map.py) with free-form values left out."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from usage_consent.schemas import _registry as registry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES / "skyplane"))
import skyplane_map  # noqa: E402


def transfer(home) -> subprocess.CompletedProcess[str]:
    source = home.root / "data.bin"
    source.write_bytes(b"payload")
    return subprocess.run([sys.executable, str(EXAMPLES / "transfer.py"), "cp", str(source), str(home.root / "c.bin")],
                          env=home.env(), capture_output=True, text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize(("config", "first_sends"), [({"usage_stats": True}, True), ({}, False)],
                         ids=["opted-in", "on-by-default"])
def test_v1_user_sees_the_change_before_any_v2_report(home, server, config, first_sends):
    """A user last shown v1 gets the notice with the v1->v2 change on the first transfer, before
    its report; opted in explicitly, that report is sent (marked as told); by default, the next one is."""
    home.write_config({"usage_stats_endpoint": server.url, **config})
    home.mark_notice_shown(version=1)
    first = transfer(home)
    assert first.returncode == 0, first.stderr
    assert "Changed since v1, the version you were last shown:" in first.stderr
    assert "+ destinations: Providers and regions the data went to" in first.stderr
    assert "- destination:" in first.stderr
    server.wait_for(1, 5)
    assert len(server.received) == (1 if first_sends else 0)
    second = transfer(home)
    assert "Changed since" not in second.stderr
    server.wait_for(2 if first_sends else 1, 5)
    reports = [json.loads(body) for _, _, body in server.received]
    assert len(reports) == (2 if first_sends else 1)
    assert all(r["schema_version"] == 2 and registry.problems(r, "usage_stats") == [] for r in reports)
    [record, *_] = sorted((home.tmp / "skyplane" / "usage").glob("*/*/status.json"))
    assert json.loads(record.read_text())["notice_shown"] is True


V1_REPORT = {
    "schema_version": 1, "client_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "tool_version": "0.3.2",
    "python_version": "3.11.7", "os": "linux", "command": "cp", "source": {"provider": "aws", "region": "us-east-1"},
    "destination": {"provider": "gcp", "region": "us-west1"}, "session_start_timestamp_ms": 1_795_000_000_000,
    "options": {"recursive": False, "multipart": True, "max_instances": 1, "solver": "ilp"},
    "stats": {"runtime_s": 1.0, "throughput_gbits": 1.0, "bytes_transferred": 1, "objects_transferred": 1},
}


@pytest.mark.slow
def test_v1_records_stay_readable(home):
    """A record written under v1 (as an earlier release wrote it) is listed and shown byte for byte."""
    assert registry.problems(V1_REPORT, "usage_stats", 1) == []
    folder = home.tmp / "skyplane" / "usage" / V1_REPORT["client_id"] / V1_REPORT["session_id"]
    folder.mkdir(parents=True)
    body = json.dumps(V1_REPORT, sort_keys=True, separators=(",", ":"))
    (folder / "usage_stats.json").write_text(body)
    (folder / "status.json").write_text(json.dumps({
        "client_id": V1_REPORT["client_id"], "session_id": V1_REPORT["session_id"], "mode": "local",
        "created_at": "2026-11-01T00:00:00Z", "created_ms": 1_795_000_000_000, "schema": "usage_stats",
        "schema_version": 1, "notice_shown": True, "endpoints": {}}))
    [entry] = json.loads(home.run("records", "list", "--json").stdout)
    assert entry["session_id"] == V1_REPORT["session_id"]
    shown = home.run("records", "show", V1_REPORT["session_id"])
    assert shown.returncode == 0 and shown.stdout.strip() == body


LOCATIONS = [
    ("cloud", "aws:us-east-1", {"provider": "aws", "region": "us-east-1"}),
    ("azure", "azure:eastus", {"provider": "azure", "region": "eastus"}),
    ("hdfs", "hdfs:us-central1-a", {"provider": "hdfs", "region": "us-central1-a"}),
    ("cloudflare-infer", "cloudflare:infer", {"provider": "cloudflare", "region": "infer"}),
    ("local-path-dropped", "local:/home/alice/secret.txt", {"provider": "local", "region": "local"}),
    ("bare-local", "local", {"provider": "local", "region": "local"}),
    ("none", None, {"provider": "unknown", "region": "unknown"}),
    ("unknown-provider", "oracle:phoenix", {"provider": "unknown", "region": "unknown"}),
    ("region-not-a-code", "aws:s3://bucket/key", {"provider": "aws", "region": "unknown"}),
]


@pytest.mark.parametrize(("tag", "expected"), [c[1:] for c in LOCATIONS], ids=[c[0] for c in LOCATIONS])
def test_region_tags_map_to_closed_locations(tag, expected):
    """A Skyplane region tag becomes a provider code and a region code; a path never passes."""
    assert skyplane_map.location(tag) == expected


def test_destinations_are_a_bounded_list():
    """Skyplane's list (or the single tag it passes on some failures) becomes at most maxItems locations."""
    assert skyplane_map.destinations("gcp:us-west1") == [{"provider": "gcp", "region": "us-west1"}]
    many = skyplane_map.destinations([f"aws:us-east-{i}" for i in range(40)])
    assert len(many) == registry.load("usage_stats")["properties"]["destinations"]["maxItems"]


def test_transfer_stats_lose_the_errors_list():
    """runtime, throughput and monitor status pass; the free-form `errors` list and unknown statuses do not."""
    stats = {"monitor_status": "completed", "total_runtime_s": 2, "throughput_gbits": 0,
             "errors": ["/home/alice: Permission denied"]}
    assert skyplane_map.stats_fields(stats) == {"monitor_status": "completed", "runtime_s": 2.0,
                                                "throughput_gbits": 0.0}
    assert skyplane_map.stats_fields({"monitor_status": "weird"}) == {}


def test_a_full_skyplane_transfer_maps_to_a_valid_v2_report():
    """Skyplane 0.3.2's args and tags for a two-destination sync give fields that validate."""
    args = {"cmd": "sync", "recursive": True, "debug": False, "multipart": True, "confirm": True,
            "max_instances": 2, "max_connections": 64, "solver": "src_one_sided"}
    fields = skyplane_map.transfer_fields(args, "aws:us-east-1", ["gcp:us-west1-a", "azure:westeurope"],
                                          1_795_000_000_000)
    report = {"schema_version": 2, "client_id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()),
              "tool_version": "0.3.2", "python_version": "3.11.7", "os": "linux", **fields,
              "stats": skyplane_map.stats_fields({"total_runtime_s": 10.5, "throughput_gbits": 3.5})}
    assert registry.problems(report, "usage_stats") == []
    assert report["options"] == {k: v for k, v in args.items() if k != "cmd"} and report["command"] == "sync"


@pytest.mark.parametrize(("loc", "stage"), [("cli_check_config", "setup"), ("dispatch job", "transfer"),
                                            ("verify job", "transfer"), ("cli_cp", "teardown"), ("other", "unknown")])
def test_skyplane_error_locations_map_to_stages(loc, stage):
    """Each `loc` Skyplane 0.3.2 reports has its stage; anything else is unknown."""
    assert skyplane_map.stage_of_location(loc) == stage


def _raise_in(module: str, name: str, error: Exception):
    """A traceback through a function called ``name`` in a module called ``module``."""
    scope = {"__name__": module}
    exec(compile(f"def {name}(error):\n    raise error\n", f"/site/{module.replace('.', '/')}.py", "exec"), scope)
    try:
        scope[name](error)
    except Exception as caught:
        return caught.__traceback__


@pytest.mark.parametrize(("module", "name", "stage"), [
    ("skyplane.cli.cli_transfer", "run_transfer", "planning"),
    ("skyplane.utils.path", "parse_path", "setup"),
    ("skyplane.api.dataplane", "provision", "provisioning"),
    ("skyplane.api.dataplane", "deprovision", "teardown"),
    ("examples.skyplane.wrapper", "run", "setup"),  # not Skyplane's module, though its path says skyplane
], ids=["run_transfer", "parse_path", "provision", "deprovision", "outside-skyplane"])
def test_stage_of_an_uncaught_error_comes_from_skyplanes_frames(module, name, stage):
    """The innermost Skyplane function on the traceback names the stage; other code never does."""
    assert skyplane_map.stage_of_traceback(_raise_in(module, name, RuntimeError("x"))) == stage


def test_an_unknown_solver_is_left_out_not_sent():
    """A solver Skyplane does not know (it then fails) is left out, so the failure's report stays valid."""
    fields = skyplane_map.transfer_fields({"cmd": "cp", "recursive": True, "multipart": True, "max_instances": 1,
                                           "solver": "ilp"}, "local:/x", ["local:/y"])
    assert "solver" not in fields["options"] and fields["options"]["max_instances"] == 1
