"""How often a first-run decide() opens the user's files (issue 10): counted with an audit hook
in a fresh interpreter, with the real files under a temporary HOME."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

OPENS = r"""
import json, os, sys
home = os.environ["HOME"]
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(home):
        opened.append(os.path.basename(args[0]))
import usage_consent
"""  # counts the files under HOME that the script below it opens

COUNTER = OPENS + r"""
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


SENDER = r"""
import json, os, sys
tmp = os.environ["TMPDIR"]
read_back = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and os.path.basename(args[0]) == "usage_stats.json":
        read_back.append(args[0])
import usage_consent
from usage_consent.reporter import wait
sys.addaudithook(hook)
session = usage_consent.start_session(usage_consent.decide(), command="cp", tool_version="0.3.2",
    source={"provider": "aws", "region": "us-east-1"}, destinations=[{"provider": "gcp", "region": "us-west1"}],
    options={"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"})
outcome = session.report(stats={"runtime_s": 1.5, "throughput_gbits": 2.0, "bytes_transferred": 10,
                                "objects_transferred": 1})
print(json.dumps({"outcome": outcome, "waited": wait(10), "read_back": read_back}))
"""


@pytest.mark.slow
def test_send_lane_sends_the_bytes_the_write_lane_wrote_without_reading_them_back(home, server):
    """A fresh report is sent from the write lane's bytes (the record is never opened again), and the
    collector receives exactly the bytes kept on disk."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": server.url})
    home.mark_notice_shown()
    result = subprocess.run([sys.executable, "-c", SENDER], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert (seen["outcome"], seen["waited"], seen["read_back"]) == ("queued", True, [])
    [record] = (home.tmp / "skyplane" / "usage").glob("*/*/usage_stats.json")
    assert [body for _, _, body in server.received] == [record.read_bytes()]


SESSIONS = OPENS + r"""
from usage_consent.reporter import wait
usage_consent.start_session(usage_consent.decide())  # the first session may store a client id
wait(10)
sys.addaudithook(hook)
for _ in range(20):
    usage_consent.start_session(usage_consent.decide())
sys.stderr.write("\n")
print(json.dumps({"opened": opened}))
"""


def test_sessions_do_not_parse_an_unchanged_state_file_again(home):
    """Twenty transfers in one process after the first open the unchanged state file at most twice
    in all (once for the decision, once for the session), not once per transfer: a session re-reads it
    only when its stat changed (the transfer's thread pays one stat)."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    result = subprocess.run([sys.executable, "-c", SESSIONS], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout.splitlines()[-1])["opened"]
    assert opened.count("usage_stats_state.json") <= 2, opened
