"""How often a first-run decide() opens the user's files (issue 10): counted with an audit hook
in a fresh interpreter, with the real files under a temporary HOME."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COUNTER = r"""
import json, os, sys
home = os.environ["HOME"]
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(home):
        opened.append(os.path.basename(args[0]))
import usage_consent
sys.addaudithook(hook)
decision = usage_consent.decide()
sys.stderr.write("\n")
print(json.dumps({"mode": decision.mode, "opened": opened}))
"""


@pytest.mark.parametrize(("config", "mode"), [
    pytest.param({"usage_stats": True}, "on", id="opted-in"),
    pytest.param({"usage_stats": True, "other": [1, 2]}, "on", id="opted-in-other-keys-kept"),
    pytest.param({"usage_stats": "local"}, "local", id="local"),
])
def test_first_run_decide_opens_the_state_file_at_most_twice(home, config, mode):
    """A first-run decide() reads the config file once and the state file at most twice."""
    home.write_config(config)
    result = subprocess.run([sys.executable, "-c", COUNTER], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["mode"] == mode
    assert seen["opened"].count("config.json") == 1, seen["opened"]
    assert seen["opened"].count("usage_stats_state.json") <= 2, seen["opened"]
