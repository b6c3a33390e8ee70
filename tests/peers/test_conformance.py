"""The peers' conformance tables (tests/peers/cases/<tool>.toml) run through each tool's shipped
draft policy (examples/policies/<tool>.toml) with the real ``usage-consent`` command, one
subprocess per case, each in its own HOME, TMPDIR and working folder.

A case the current engine cannot pass names the engine features it needs (``needs``, see
docs/peers-engine-spec.md) and is a strict xfail: when a feature lands and the case passes, the
xfail fails, and the case's ``needs`` (and the policy's proposed keys) must be updated.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peer_cases import REPO, Case, lay_out, load_tables, skip_reason

BIN = Path(sys.executable).parent / "usage-consent"
TABLES = load_tables()
TOOLS = ("go-telemetry", "nextjs", "angular-cli", "astro", "huggingface-hub", "streamlit", "homebrew", "dotnet",
         "dart")


def _params() -> list[object]:
    params = []
    for table in TABLES:
        for case in table.cases:
            marks = []
            if case.needs:
                marks.append(pytest.mark.xfail(strict=True, reason="needs " + ", ".join(case.needs)))
            params.append(pytest.param(case, id=f"{case.tool}:{case.id}", marks=marks))
    return params


def test_every_tool_has_a_table_of_at_least_12_cases():
    """Each of the nine peers has a table with at least 12 cases, each naming the source line it follows."""
    tables = {table.tool: table for table in TABLES}
    assert set(TOOLS) <= set(tables)
    for tool in TOOLS:
        assert len(tables[tool].cases) >= 12, tool
        assert all(case.follows.strip() for case in tables[tool].cases), tool
        assert (REPO / "examples" / "policies" / f"{tool}.toml").is_file(), tool


@pytest.mark.slow  # a subprocess per tool
@pytest.mark.parametrize("tool", TOOLS)
def test_draft_policy_passes_policy_check(tool):
    """`usage-consent policy check` accepts every shipped peer policy."""
    result = subprocess.run([str(BIN), "policy", "check", str(REPO / "examples" / "policies" / f"{tool}.toml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # a subprocess per case
@pytest.mark.parametrize("case", _params())
def test_case(case: Case, tmp_path: Path):
    """The tool's policy decides the case as the tool's own code does (an error exits non-zero)."""
    reason = skip_reason(case)
    if reason:
        pytest.skip(reason)
    layout, env = lay_out(case, tmp_path)
    policy = REPO / "examples" / "policies" / f"{case.tool}.toml"
    try:
        result = subprocess.run([str(BIN), "--policy", str(policy), "decide", "--json"], cwd=layout.cwd, env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        layout.home.chmod(0o755)
    if case.expect == "error":
        assert result.returncode != 0 and result.stdout == "", (result.returncode, result.stdout)
        assert result.stderr.startswith("usage-consent: "), result.stderr
        return
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["mode"] == case.expect, (decision["decided_by"], [
        (layer["name"], layer["status"], layer["raw"]) for layer in decision["layers"]])
