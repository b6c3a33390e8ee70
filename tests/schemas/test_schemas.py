"""Released usage-stats schemas: valid JSON Schema, closed and bounded, offline, and the validator
rejects anything that is not exactly allowed."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from usage_consent.schemas import _registry as registry
from usage_consent.schemas._build import fingerprint
from usage_consent.schemas._diff import diff
from usage_consent.schemas._versions import list_versions

SHIPPED = sorted((Path(registry.__file__).parent / "usage_stats").glob("v*.json"))


def good_payload() -> dict:
    return {
        "schema_version": list_versions("usage_stats")[-1],
        "client_id": str(uuid.uuid4()),
        "session_id": str(uuid.uuid4()),
        "tool_version": "0.3.2",
        "python_version": "3.11.7",
        "os": "linux",
        "command": "cp",
        "source": {"provider": "aws", "region": "us-east-1"},
        "destinations": [{"provider": "gcp", "region": "us-central1"}],
        "session_start_timestamp_ms": 1_795_000_000_000,
        "options": {"recursive": True, "multipart": False, "max_instances": 1, "solver": "direct",
                "max_connections": 32, "debug": False, "confirm": True},
        "stats": {"runtime_s": 12.5, "throughput_gbits": 3.2, "bytes_transferred": 5_000_000_000,
                  "objects_transferred": 120},
    }


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


@pytest.fixture(params=SHIPPED, ids=lambda p: p.name)
def shipped(request) -> dict:
    return json.loads(request.param.read_text())


def test_shipped_schema_is_valid_draft_2020_12(shipped):
    """Each released file is a valid draft 2020-12 schema with an $id naming schema and version."""
    Draft202012Validator.check_schema(shipped)
    version = shipped["properties"]["schema_version"]["const"]
    assert shipped["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert shipped["$id"] == f"urn:usage-consent:usage_stats:v{version}"


def test_every_ref_resolves_offline(shipped):
    """Every $ref resolves through the explicit registry, which has no way to fetch anything."""
    resolver = registry.validator("usage_stats", shipped["properties"]["schema_version"]["const"])._resolver
    refs = [node["$ref"] for _, node in _walk(shipped) if "$ref" in node]
    assert refs
    for ref in refs:
        assert resolver.lookup(ref).contents["type"] == "object"


def test_schema_is_closed_described_and_bounded(shipped):
    """Every object forbids extra keys, every property has a description, every string a maxLength."""
    for path, node in _walk(shipped):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, path
            for name, prop in node["properties"].items():
                assert prop.get("description"), (*path, name)
        if node.get("type") == "string":
            assert "maxLength" in node, path
            assert "enum" in node or "pattern" in node or "const" in node, path


def test_good_payload_is_valid():
    """A complete, honest report passes."""
    assert registry.problems(good_payload(), "usage_stats") == []


def _set(payload: dict, dotted: str, value) -> dict:
    payload = copy.deepcopy(payload)
    *parents, last = dotted.split(".")
    node = payload
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return payload


BAD_PAYLOADS = [
    ("extra-top-field", "hostname", "laptop.example.org", "Additional properties are not allowed"),
    ("extra-nested-field", "source.bucket", "my-private-bucket", "source: Additional properties"),
    ("error-message", "error", {"error_class": "OSError", "location": "transfer",
                                "message": "/home/alice/secret.txt"}, "error: Additional properties"),
    ("unbounded-region", "source.region", "a" * 200, "source.region: "),
    ("region-as-path", "destinations.0.region", "s3://bucket/key", "destinations.0.region: "),
    ("too-many-destinations", "destinations", [{"provider": "aws", "region": "us-east-1"}] * 17, "destinations: "),
    ("no-destination", "destinations", [], "destinations: "),
    ("unknown-solver", "options.solver", "ilp", "options.solver: 'ilp' is not one of"),
    ("unknown-monitor-status", "stats.monitor_status", "done", "stats.monitor_status: "),
    ("errors-list", "stats.errors", ["/home/alice: denied"], "stats: Additional properties"),
    ("unknown-provider", "source.provider", "oracle", "source.provider: 'oracle' is not one of"),
    ("unknown-os", "os", "plan9", "os: 'plan9' is not one of"),
    ("unknown-command", "command", "rm", "command: 'rm' is not one of"),
    ("not-a-uuid", "client_id", "alice@example.org", "client_id: "),
    ("wrong-version", "schema_version", 999, "schema_version: "),
    ("error-class-sentence", "error", {"error_class": "No such file: /home/alice", "location": "setup"},
     "error.error_class: "),
    ("negative-bytes", "stats.bytes_transferred", -1, "stats.bytes_transferred: "),
    ("free-form-options", "options", {"argv": "cp s3://a gs://b"}, "options: "),
]


@pytest.mark.parametrize(("field", "value", "problem"), [b[1:] for b in BAD_PAYLOADS], ids=[b[0] for b in BAD_PAYLOADS])
def test_validator_rejects_what_is_not_allowed(field, value, problem):
    """An extra field, an unbounded string or an unknown code is rejected, naming the field."""
    found = registry.problems(_set(good_payload(), field, value), "usage_stats")
    assert any(p.startswith(problem) or problem in p for p in found), found


def test_validator_is_compiled_once_per_version():
    """The compiled validator is cached: the same object each time."""
    assert registry.validator("usage_stats") is registry.validator("usage_stats")


def test_fingerprint_is_stable_and_content_sensitive(shipped):
    """Equal documents hash equal whatever their key order; any change changes the hash."""
    reordered = json.loads(json.dumps(shipped, sort_keys=False), object_pairs_hook=lambda p: dict(reversed(p)))
    assert fingerprint(reordered) == fingerprint(shipped)
    assert fingerprint(_set(shipped, "title", "x")) != fingerprint(shipped)


def test_diff_names_added_removed_and_changed_fields(shipped):
    """diff() lists fields added, removed and changed, each with its description."""
    new = copy.deepcopy(shipped)
    new["properties"]["gpu_count"] = {"type": "integer", "description": "GPUs used."}
    del new["properties"]["os"]
    new["$defs"]["CloudLocation"]["properties"]["region"]["maxLength"] = 64
    changes = diff(shipped, new)
    assert [(f.path, f.description) for f in changes.added] == [("gpu_count", "GPUs used.")]
    assert [f.path for f in changes.removed] == ["os"]
    destination = "destinations" if "destinations" in shipped["properties"] else "destination"
    assert sorted(f.path for f in changes.changed) == [f"{destination}.region", "source.region"]
    assert not diff(shipped, shipped)


@pytest.mark.slow
def test_schema_commands_list_show_diff_check(home):
    """`schema list`, `show`, `diff` and `check` work on the shipped schemas."""
    listed = home.run("schema", "list")
    assert listed.returncode == 0 and "usage_stats v1  sha256:" in listed.stdout
    shown = home.run("schema", "show", "1")
    assert json.loads(shown.stdout) == json.loads(SHIPPED[0].read_text())
    assert home.run("schema", "diff", "1", "1").stdout.startswith("usage_stats v1 -> v1: no field changed")
    assert home.run("schema", "check").returncode == 0
    missing = home.run("schema", "show", "99")
    assert missing.returncode == 1 and "has no version 99" in missing.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("args", "problem"), [
    (("schema", "check", "--model", "nonsense"), "expected MODULE:CLASS or FILE.py:CLASS"),
    (("schema", "check", "--model", "json:JSONDecoder"), "not a pydantic model"),
    (("schema", "check", "--model", "/nonexistent/model.py:M"), "--model '/nonexistent/model.py:M'"),
    (("schema", "list", "--schemas-dir", "/nonexistent"), "no released versions of schema 'usage_stats'"),
], ids=["no-colon", "not-pydantic", "missing-file", "empty-dir"])
def test_schema_commands_reject_bad_arguments(home, args, problem):
    """A bad --model or --schemas-dir exits 1 with a message naming it."""
    result = home.run(*args)
    assert result.returncode == 1 and problem in result.stderr


@pytest.mark.slow
def test_broken_schema_file_is_reported(home, tmp_path):
    """A version file that is not JSON is an error naming the file, not a crash."""
    folder = tmp_path / "schemas" / "usage_stats"
    folder.mkdir(parents=True)
    (folder / "v1.json").write_text("{not json")
    result = home.run("schema", "show", "--schemas-dir", str(tmp_path / "schemas"))
    assert result.returncode == 1 and "v1.json: cannot be loaded" in result.stderr
