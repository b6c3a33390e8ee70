"""A privacy review's own scanner (no-phone-home, with the rules file we ship) finds our one send guarded."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import usage_consent.reporter

pytestmark = pytest.mark.slow  # a scanner in a subprocess over the reporter's source

REPORTER = Path(usage_consent.reporter.__file__).resolve().parent
RULES = REPORTER / ".nph-rules.yml"
SCANNER = shutil.which("no-phone-home") or str(Path(sys.executable).parent / "no-phone-home")
GATE = re.compile(r"\n    if not decision\.send_allowed:\n        raise [^\n]*\n")


def scan(folder: Path) -> tuple[int, list[dict]]:
    """Run the scanner as a reviewer would; its exit code (1: a HIGH finding) and its findings."""
    result = subprocess.run([SCANNER, str(folder), "--rules", str(RULES), "-f", "json", "--fail-on", "HIGH"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def copy_of_the_reporter(tmp_path: Path, without_gate: bool) -> Path:
    copy = tmp_path / "reporter"
    shutil.copytree(REPORTER, copy, ignore=shutil.ignore_patterns("__pycache__"))
    send = copy / "_send.py"
    text = send.read_text()
    if without_gate:
        text, removed = GATE.subn("\n", text)
        assert removed == 1, "the gate in send_report() was not found"
    send.write_text(text)
    return copy


@pytest.mark.parametrize(("without_gate", "expected", "exit_code"), [
    pytest.param(False, "GUARDED", 0, id="as-shipped"),
    pytest.param(True, "UNGUARDED", 1, id="gate-removed"),
])
def test_the_send_is_reported_guarded_and_only_while_the_gate_is_there(tmp_path, without_gate, expected, exit_code):
    """The scanner sees one send of the report, in _send.py, guarded by decision.send_allowed; without the gate it
    reports it unguarded and fails."""
    code, findings = scan(copy_of_the_reporter(tmp_path, without_gate))
    assert [(f["rule_id"], f["file"], f["guard_status"]) for f in findings] == [("UC-001", "_send.py", expected)]
    assert code == exit_code
    if not without_gate:
        assert "decision.send_allowed" in findings[0]["guard_detail"]
