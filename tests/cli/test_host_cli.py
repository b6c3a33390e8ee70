"""A host's own command line, mounting the usage commands, behaves as ``usage-consent`` does on the same HOME."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, STATS, TRANSFER

from usage_consent.policy import decide, write_consent
from usage_consent.reporter import start_session, wait
from usage_consent.reporter._store import list_records

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTS = {"argparse": EXAMPLES / "host_argparse.py", "click": EXAMPLES / "host_click.py",
         "typer": EXAMPLES / "host_typer.py"}

# (mounted words, usage-consent's words): the same command spelled both ways
SAME = [
    pytest.param(["set", "false"], ["config", "set", "usage_stats", "false"], id="set-false"),
    pytest.param(["set", "LOCAL"], ["config", "set", "usage_stats", "LOCAL"], id="set-local"),
    pytest.param(["set", "maybe"], ["config", "set", "usage_stats", "maybe"], id="set-bad-value"),
    pytest.param(["get"], ["config", "get", "usage_stats"], id="get"),
    pytest.param(["unset"], ["config", "unset", "usage_stats"], id="unset"),
    pytest.param(["explain", "--json"], ["explain", "--json"], id="explain-json"),
    pytest.param(["explain"], ["explain"], id="explain"),
    pytest.param(["records", "list"], ["records", "list"], id="records-list"),
    pytest.param(["records", "list", "--json"], ["records", "list", "--json"], id="records-list-json"),
    pytest.param(["records", "show"], ["records", "show"], id="records-show"),
    pytest.param(["records", "path"], ["records", "path"], id="records-path"),
    pytest.param(["notice"], ["notice"], id="notice"),
    pytest.param(["init"], ["init"], id="init"),
]


def host(home, kind: str, *words: str) -> subprocess.CompletedProcess[str]:
    """Run the small host program (``mytool usage ...``) with this HOME."""
    return subprocess.run([sys.executable, str(HOSTS[kind]), "usage", *words], env=home.env(), capture_output=True,
                          text=True, timeout=60, cwd=str(home.root))


def a_local_record(home) -> None:
    """One report recorded locally (local mode: nothing is sent)."""
    write_consent("local")
    home.mark_notice_shown()
    decision = decide()
    assert start_session(decision, **TRANSFER).report(stats=STATS) == "recorded"
    assert wait(5)
    assert len(list_records(decision.policy)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(HOSTS))
@pytest.mark.parametrize(("mounted", "ours"), SAME)
def test_mounted_command_matches_usage_consent(home, kind, mounted, ours):
    """Same stdout, exit code and config file from the host's command as from usage-consent's."""
    a_local_record(home)
    before = home.config.read_bytes()
    theirs = host(home, kind, *mounted)
    after_theirs = home.config.read_bytes() if home.config.exists() else None
    home.config.write_bytes(before)
    reference = home.run(*ours)
    after_ours = home.config.read_bytes() if home.config.exists() else None
    assert (theirs.returncode, theirs.stdout) == (reference.returncode, reference.stdout), theirs.stderr
    assert after_theirs == after_ours
    assert theirs.stderr.replace("mytool usage", "usage-consent") == reference.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(HOSTS))
def test_forget_and_history_match(home, kind):
    """forget deletes the same records and history lists the same choices from either program."""
    a_local_record(home)
    assert host(home, kind, "set", "true").returncode == 0
    theirs = host(home, kind, "history", "--json")
    assert json.loads(theirs.stdout) == json.loads(home.run("history", "--json").stdout)
    assert json.loads(theirs.stdout)[-1]["event"] == "config set"
    forgot = host(home, kind, "forget")
    assert forgot.returncode == 0 and "deleted 1 local record(s)" in forgot.stdout
    assert json.loads(home.run("records", "list", "--json").stdout) == []


@pytest.mark.slow
@pytest.mark.parametrize("program", [*sorted(HOSTS), "usage-consent"])
def test_opting_out_says_what_stays_and_how_to_delete_it(home, program):
    """set false also says, on stderr, where the records and the client id still are and that forget deletes them."""
    result = home.run("config", "set", "usage_stats", "false") if program == "usage-consent" \
        else host(home, program, "set", "false")
    assert result.returncode == 0
    forget = "usage-consent forget" if program == "usage-consent" else "mytool usage forget"
    assert f"`{forget}` deletes them" in result.stderr
    assert str(home.tmp / "skyplane" / "usage") in result.stderr
    assert "~/.skyplane/usage_stats_state.json" in result.stderr
    assert "forget" not in home.run("config", "set", "usage_stats", "true").stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(HOSTS))
@pytest.mark.parametrize("words", [["records"], ["set"], ["nonsense"]], ids=["no-action", "no-value", "unknown"])
def test_bad_usage_exits_2(home, kind, words):
    """A mounted command used wrongly exits 2, as usage-consent does."""
    assert host(home, kind, *words).returncode == 2


@pytest.mark.slow
def test_mounting_loads_nothing_heavy():
    """Building a host's parser with the group mounted loads neither pydantic, jsonschema nor requests."""
    code = ("import argparse, sys, json; from usage_consent.cli.host import add_argparse; "
            "p = argparse.ArgumentParser(); add_argparse(p.add_subparsers()); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pydantic', 'jsonschema', 'requests'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


# --- finding T8: mounted commands print warnings as usage-consent does ---------------------------

HOST_WITH_LOGGING = """
import argparse, logging, sys
from usage_consent.cli.host import add_argparse
logging.basicConfig(format="HOST LOG %(levelname)s %(message)s")
parser = argparse.ArgumentParser(prog="mytool")
add_argparse(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args()
sys.exit(args.func(args))
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["argparse", "click", "typer", "host-with-logging"])
@pytest.mark.parametrize("words", [("explain",), ("explain", "--json")], ids=["explain", "explain-json"])
def test_mounted_command_warnings_read_as_usage_consents(home, tmp_path, kind, words):
    """Finding T8: A mounted command's warnings read `mytool usage: warning: ...` like `usage-consent: warning: ...`
    when the host set up no logging, and go only to the host's own handler when it did."""
    import subprocess
    import sys

    home.write_config({"usage_stats": "maybe"})
    program = REPO / "examples" / f"host_{kind}.py"
    if kind == "host-with-logging":
        program = tmp_path / "host.py"
        program.write_text(HOST_WITH_LOGGING)
    theirs = subprocess.run([sys.executable, str(program), "usage", *words], env=home.env(), capture_output=True,
                            text=True, timeout=60, cwd=str(home.root))
    ours = home.run(*words)
    warning = next(line for line in ours.stderr.splitlines() if line.startswith("usage-consent: warning: "))
    said = warning.removeprefix("usage-consent: warning: ")
    if kind == "host-with-logging":
        assert f"HOST LOG WARNING {said}" in theirs.stderr.splitlines()
        assert "warning:" not in theirs.stderr
    else:
        assert f"mytool usage: warning: {said}" in theirs.stderr.splitlines()
        assert not any(line.startswith("usage stats") for line in theirs.stderr.splitlines())
