"""`usage-consent decide`, `explain` and `config get` answered from the decision memo print exactly
what the full command prints, and load no pydantic doing it."""

from __future__ import annotations

import subprocess
import sys

import pytest

COMMANDS = [
    pytest.param(("decide",), id="decide"),
    pytest.param(("decide", "--json"), id="decide-json"),
    pytest.param(("explain",), id="explain"),
    pytest.param(("explain", "--json"), id="explain-json"),
    pytest.param(("config", "get", "usage_stats"), id="config-get"),
    pytest.param(("config", "get", "other"), id="config-get-another-key"),
    pytest.param(("--policy", "skyplane-0.3", "explain"), id="shipped-policy-explain"),
    pytest.param(("--policy=skyplane-0.3", "config", "get", "usage_stats"), id="shipped-policy-config-get"),
]


def full(home, *args: str) -> subprocess.CompletedProcess[str]:
    """The full command (its parser and command table), never the memo's fast path."""
    return subprocess.run([sys.executable, "-m", "usage_consent.cli._main", *args], env=home.env(),
                          capture_output=True, text=True, timeout=60, cwd=str(home.root))


@pytest.mark.slow
@pytest.mark.parametrize("args", COMMANDS)
def test_a_command_answered_from_the_memo_prints_what_the_full_command_prints(home, args):
    """After a clean decision is memoized, the command prints, on stdout and stderr, and exits as the
    full command does; on a hit it imports neither pydantic nor pydantic_settings."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    policy = args[:2] if args[0] == "--policy" else args[:1] if args[0].startswith("--policy=") else ()
    assert home.run(*policy, "explain").returncode == 0  # a clean decision: memoized
    fast, slow = home.run(*args), full(home, *args)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    if args[-1] != "other":
        traced = home.run(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
        assert "pydantic" not in traced.stderr and traced.stdout == slow.stdout


@pytest.mark.slow
def test_a_changed_input_sends_the_command_to_a_full_resolution(home):
    """With the config file changed after the memo was written, `decide` resolves in full (and says so)."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    assert home.run("decide").stdout == "on\n"
    home.write_config({"usage_stats": False})
    traced = home.run("decide", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert traced.stdout == "off\n" and "pydantic_settings" in traced.stderr
