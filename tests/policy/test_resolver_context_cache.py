"""The resolver's own promises: one loop owns the rules, every decision carries its context, and
the one cache in front of decide() sees every input it was resolved from."""

from __future__ import annotations

import json
import os
import threading

import pytest

from usage_consent import _run as run
from usage_consent.policy import decide, embedded_policy, explain
from usage_consent.policy._load import parse_policy
from usage_consent.policy._model import SOURCE_KINDS
from usage_consent.policy._resolve import resolve
from usage_consent.policy._sources import KINDS

MANAGED_POLICY = """
app = "skyplane"
key = "usage_stats"
schema_name = "usage_stats"
config_file = "~/.skyplane/config.json"
state_file = "~/.skyplane/usage_stats_state.json"
on_invalid = "{on_invalid}"

[[sources]]
name = "managed"
kind = "managed"
path = "~/managed.json"

[[sources]]
name = "env"
kind = "env"
variable = "SKYPLANE_USAGE_STATS_ENABLED"

[[sources]]
name = "config_file"
kind = "config_file"
on_invalid = "{config_rule}"

[[sources]]
name = "default"
kind = "default"
value = "on"

[notice]
enabled = false
"""


def managed_policy(on_invalid: str = "off", config_rule: str = "skip"):
    return parse_policy(MANAGED_POLICY.format(on_invalid=on_invalid, config_rule=config_rule), "managed.toml")


def test_every_source_kind_is_a_row_of_the_table():
    """Each kind the policy model accepts has exactly one row (reader, inputs, rule) in the table of kinds."""
    assert set(KINDS) == set(SOURCE_KINDS)
    assert [kind for kind, row in KINDS.items() if row.ceiling] == ["managed"]


@pytest.mark.parametrize(
    ("managed", "env", "config", "mode", "decided_by"),
    [
        pytest.param(None, None, None, "on", "default", id="nothing-set-default-decides"),
        pytest.param({"usage_stats": "local"}, "1", None, "local", "managed", id="ceiling-local-caps-env-on"),
        pytest.param({"usage_stats": "local"}, "0", None, "off", "env", id="ceiling-local-keeps-env-off"),
        pytest.param({"usage_stats": False}, "1", None, "off", "managed", id="ceiling-off-decides"),
        pytest.param({"usage_stats": True}, "1", None, "on", "env", id="ceiling-on-changes-nothing"),
        pytest.param("{not json", "1", None, "off", "managed", id="unreadable-ceiling-fails-closed"),
        pytest.param(None, None, {"usage_stats": "yes"}, "off", "default", id="skip-never-lets-collection-send"),
        pytest.param(None, "0", {"usage_stats": "yes"}, "off", "env", id="skip-below-an-off-changes-nothing"),
    ],
)
def test_the_resolve_loop_applies_ceiling_and_on_invalid(home, monkeypatch, managed, env, config, mode, decided_by):
    """The ceiling, on_invalid and the fail-closed cap give this table's mode and deciding source."""
    if managed is not None:
        (home.root / "managed.json").write_text(managed if isinstance(managed, str) else json.dumps(managed))
    if env is not None:
        monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
    if config is not None:
        home.write_config(config)
    decision = explain(managed_policy())
    assert (decision.mode, decision.decided_by) == (mode, decided_by)


@pytest.mark.parametrize(
    ("managed", "before", "env", "mode", "decided_by"),
    [
        pytest.param({"usage_stats": "local"}, "0", "1", "local", "managed", id="ceiling-local-caps-env-on"),
        pytest.param({"usage_stats": "local"}, "1", "0", "off", "env", id="ceiling-local-keeps-env-off"),
        pytest.param({"usage_stats": False}, "0", "1", "off", "managed", id="ceiling-off-decides"),
        pytest.param({"usage_stats": True}, "0", "1", "on", "env", id="ceiling-on-changes-nothing"),
        pytest.param(None, "1", "0", "off", "env", id="no-ceiling-first-value-decides"),
        pytest.param(None, "0", " ", "on", "default", id="no-ceiling-nothing-set-default-decides"),
    ],
)
def test_a_warm_miss_applies_the_ceiling_as_a_fresh_resolution(home, monkeypatch, managed, before, env, mode,
                                                                decided_by):
    """When the variable changes in a process that decided before (a warm miss: the precedence runs
    again over the kept readings), the ceiling gives this table's mode and deciding source."""
    if managed is not None:
        (home.root / "managed.json").write_text(json.dumps(managed))
    policy = managed_policy()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", before)
    explain(policy)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
    decision = explain(policy)
    assert (decision.mode, decision.decided_by) == (mode, decided_by)
    assert decision.to_dict() == resolve(decision.context).to_dict()


def test_an_invalid_off_source_below_the_decider_fails_closed(home, monkeypatch):
    """An invalid source whose rule is "off" makes an "on" decided above it off, and decides it."""
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    home.write_config({"usage_stats": "yes"})
    decision = explain(managed_policy(config_rule="off"))
    assert (decision.mode, decision.decided_by) == ("off", "config_file")
    assert decision.trace["env"].status == "shadowed"


def test_the_decision_carries_the_context_it_was_made_with(home):
    """decide() builds one context (policy, run configuration, locations) and the decision carries it."""
    policy = embedded_policy()
    config = run.RunConfig(home=str(home.root), temp_dir=str(home.tmp))
    decision = decide(policy, run=config)
    context = decision.context
    assert context is not None and context.policy is policy and context.run is config
    assert context.locations.state_file == str(home.state)
    assert context.locations.records_root == str(home.tmp / "skyplane" / "usage")


def test_a_run_configuration_is_passed_not_switched(home, tmp_path):
    """A decision made with another HOME reads that HOME's files, while the process and its other
    threads keep their own HOME."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / ".skyplane").mkdir(parents=True)
    (elsewhere / ".skyplane" / "config.json").write_text(json.dumps({"usage_stats": False}))
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    other = explain(run=run.RunConfig(home=str(elsewhere)))
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(explain()))
    thread.start()
    thread.join()
    assert (other.mode, other.decided_by) == ("off", "config_file")
    assert os.environ["HOME"] == str(home.root)
    assert [(d.mode, d.decided_by) for d in seen] == [("on", "config_file")]  # type: ignore[attr-defined]


def test_a_cached_decision_is_reused_until_an_input_changes(home, monkeypatch):
    """Unchanged inputs give the very same decision; a watched variable's change gives a new one."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    first = explain()
    assert explain() is first
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "0")
    assert (explain().mode, explain().decided_by) == ("off", "env")
    monkeypatch.delenv("SKYPLANE_USAGE_STATS_ENABLED")
    assert explain().mode == "on"


def test_a_same_size_rewrite_with_its_old_mtime_is_seen(home):
    """A config file rewritten with the same size and its mtime restored is read again (its ctime changed)."""
    path = home.write_config('{"usage_stats": true }')
    home.mark_notice_shown()
    assert explain().mode == "on"
    before = os.stat(path)
    path.write_text('{"usage_stats": false}')
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (before.st_size, before.st_ino, before.st_mtime_ns)
    assert (explain().mode, explain().decided_by) == ("off", "config_file")


def test_a_new_home_is_a_new_key(home, tmp_path, monkeypatch):
    """The same policy under another HOME is resolved again, from that HOME's files."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    assert explain().mode == "on"
    other = tmp_path / "other"
    (other / ".skyplane").mkdir(parents=True)
    (other / ".skyplane" / "config.json").write_text(json.dumps({"usage_stats": False}))
    monkeypatch.setenv("HOME", str(other))
    assert (explain().mode, explain().decided_by) == ("off", "config_file")


@pytest.mark.parametrize("threads", [pytest.param(32, id="32-threads")])
def test_the_first_decisions_of_a_process_made_by_many_threads_at_once_all_decide(home, threads):
    """Many threads of a fresh process decide at the same moment, before any decision was made: while one
    imports the full resolution's modules, the others wait for them, and every one gets the decision
    (none an internal error from a module still half-initialized, none off for it)."""
    import subprocess
    import sys

    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    code = f"""
import threading
from usage_consent.policy import decide
barrier, modes = threading.Barrier({threads}), []
def one():
    barrier.wait()
    modes.append(decide().mode)
workers = [threading.Thread(target=one) for _ in range({threads})]
for w in workers: w.start()
for w in workers: w.join()
print(sorted(set(modes)), len(modes))
"""
    for _ in range(3):  # a race: three fresh processes (each failed on the code before the fix)
        result = subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split("\n")[0] == f"['on'] {threads}", result.stdout + result.stderr
        assert "internal error" not in result.stderr, result.stderr
