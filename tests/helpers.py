"""Plain data and functions the test modules share (fixtures are in tests/conftest.py): one transfer's
host fields, its stats, the repository's paths, and the few steps many reporter tests take."""

from __future__ import annotations

from pathlib import Path

from usage_consent.policy import embedded_policy, parse_policy

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
RAY = str(EXAMPLES / "policies" / "ray.toml")

# One transfer's host fields (a session's start), its stats (the report's end), and both together.
TRANSFER = {
    "command": "cp", "tool_version": "0.3.2",
    "source": {"provider": "aws", "region": "us-east-1"}, "destinations": [{"provider": "gcp", "region": "us-west1"}],
    "options": {"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"},
}
STATS = {"runtime_s": 1.5, "throughput_gbits": 2.0, "bytes_transferred": 10, "objects_transferred": 1}
TRANSFER_WITH_STATS = {**TRANSFER, "stats": STATS}


def opt_in(home, url, **extra):
    """Opt ``home`` in to sending to ``url`` (more config keys in ``extra``), the notice already shown."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": url, **extra})
    home.mark_notice_shown()


def usage(home):
    """The folder the embedded policy keeps its records in, under ``home``'s TMPDIR."""
    return home.tmp / "skyplane" / "usage"


def policy_with(**reporter):
    """The embedded policy with its ``[reporter]`` keys replaced by ``reporter``."""
    import tomli_w

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["reporter"].update(reporter)
    return parse_policy(tomli_w.dumps(data), "test.toml")
