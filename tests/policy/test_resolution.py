"""DESIGN.md's resolution table, row by row and source against the source below it,
through ``decide()`` in this process and ``usage-consent explain --json`` in a subprocess."""

from __future__ import annotations

import pytest
from helpers import HUGE

from usage_consent.policy import decide

# (id, env, do_not_track, config file value, notice shown?, expected mode, deciding source)
UNSET = object()
ROWS = [
    # 1. env
    ("env-1-on", "1", None, UNSET, True, "on", "env"),
    ("env-0-off", "0", None, UNSET, True, "off", "env"),
    ("env-true-on", "TRUE", None, UNSET, True, "on", "env"),
    ("env-no-off", "no", None, UNSET, True, "off", "env"),
    ("env-local", "local", None, UNSET, True, "local", "env"),
    ("env-empty-is-unset", "", None, UNSET, True, "on", "default"),
    ("env-blank-is-unset", "   ", None, UNSET, True, "on", "default"),
    ("env-stripped", " 1 ", None, False, True, "on", "env"),
    # 2. do_not_track
    ("dnt-1-off", None, "1", UNSET, True, "off", "do_not_track"),
    ("dnt-anything-off", None, "please", UNSET, True, "off", "do_not_track"),
    ("dnt-0-is-not-a-request", None, "0", UNSET, True, "on", "default"),
    ("dnt-false-is-not-a-request", None, "false", UNSET, True, "on", "default"),
    ("dnt-empty-is-not-a-request", None, "", UNSET, True, "on", "default"),
    # 3. config file
    ("config-true-on", None, None, True, True, "on", "config_file"),
    ("config-false-off", None, None, False, True, "off", "config_file"),
    ("config-local", None, None, "local", True, "local", "config_file"),
    # 4. notice
    ("notice-pending-off", None, None, UNSET, False, "off", "notice"),
    # 5. default
    ("default-on", None, None, UNSET, True, "on", "default"),
    # each source against the one below it
    ("env-on-beats-dnt", "1", "1", UNSET, True, "on", "env"),
    ("env-off-beats-dnt-unset", "0", "0", UNSET, True, "off", "env"),
    ("dnt-beats-config-true", None, "1", True, True, "off", "do_not_track"),
    ("dnt-0-leaves-config-false", None, "0", False, True, "off", "config_file"),
    ("config-true-beats-pending-notice", None, None, True, False, "on", "config_file"),
    ("config-false-beats-pending-notice", None, None, False, False, "off", "config_file"),
    ("notice-pending-beats-default", None, None, UNSET, False, "off", "notice"),
    ("env-beats-config", "0", None, True, True, "off", "env"),
    ("env-on-beats-config-off", "1", None, False, True, "on", "env"),
]


def _arrange(home, monkeypatch, env, dnt, config, shown) -> dict[str, str]:
    variables = {}
    if env is not None:
        variables["SKYPLANE_USAGE_STATS_ENABLED"] = env
    if dnt is not None:
        variables["DO_NOT_TRACK"] = dnt
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    if config is not UNSET:
        home.write_config({"region": "aws:us-east-1", "usage_stats": config})
    if shown:
        home.mark_notice_shown()
    return variables


@pytest.mark.parametrize(("env", "dnt", "config", "shown", "mode", "decided_by"),
                         [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_decide_follows_the_table(home, monkeypatch, env, dnt, config, shown, mode, decided_by):
    """decide() gives each row's mode, names the deciding source and marks the rest."""
    _arrange(home, monkeypatch, env, dnt, config, shown)
    decision = decide()
    assert (decision.mode, decision.decided_by) == (mode, decided_by)
    assert decision.enabled is (mode in ("on", "local"))
    statuses = {layer.name: layer.status for layer in decision.trace}
    assert statuses[decided_by] == "decided"
    assert list(statuses) == ["env", "do_not_track", "config_file", "ci", "notice", "default"]
    assert set(statuses.values()) <= {"unset", "decided", "shadowed"}
    assert list(statuses.values()).count("decided") == 1


@pytest.mark.slow
@pytest.mark.parametrize(("env", "dnt", "config", "shown", "mode", "decided_by"),
                         [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_explain_json_follows_the_table(home, monkeypatch, env, dnt, config, shown, mode, decided_by):
    """`usage-consent explain --json` gives the same mode and deciding source as decide()."""
    variables = _arrange(home, monkeypatch, env, dnt, config, shown)
    report = home.explain(env=variables)
    assert (report["mode"], report["decided_by"]) == (mode, decided_by)
    assert report["enabled"] is (mode in ("on", "local"))
    assert report["app"] == "skyplane" and report["key"] == "usage_stats"
    assert [layer["name"] for layer in report["layers"]] == [
        "env", "do_not_track", "config_file", "ci", "notice", "default"]
    for layer in report["layers"]:
        assert set(layer) >= {"name", "kind", "location", "raw", "value", "status", "reason"}


def test_lower_sources_with_values_are_shadowed(home, monkeypatch):
    """A source that had a value but sat below the deciding one is marked shadowed, not dropped."""
    _arrange(home, monkeypatch, "0", None, True, True)
    trace = decide().trace
    assert trace["config_file"].status == "shadowed"
    assert trace["config_file"].value == "on"
    assert trace["default"].status == "shadowed"


def test_trace_locations_name_variable_file_and_key(home, monkeypatch):
    """Each layer names where it looked: the variable, or the file (with ~) and key."""
    trace = decide().trace
    assert trace["env"].location == "$SKYPLANE_USAGE_STATS_ENABLED"
    assert trace["do_not_track"].location == "$DO_NOT_TRACK"
    assert trace["config_file"].location == "~/.skyplane/config.json: usage_stats"
    assert trace["notice"].location.startswith("~/.skyplane/usage_stats_state.json: usage_stats v")


def test_trace_prints_as_an_aligned_table(home, monkeypatch):
    """str(trace) is one header and one row per source, columns aligned."""
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "maybe")
    lines = str(decide().trace).splitlines()
    header, rows = lines[0], lines[1:7]
    assert header.split() == ["#", "source", "kind", "location", "raw", "value", "status"]
    status_column = header.index("status")
    assert [row[status_column:] for row in rows] == [
        "invalid", "unset", "unset", "unset", "shadowed", "shadowed"]
    assert len({row.index("$") for row in rows[:2]} | {header.index("location")}) == 1
    assert "env: $SKYPLANE_USAGE_STATS_ENABLED must be one of" in lines[7]


# --- issue 8's reproductions ---------------------------------------------------------------------

BROKEN_CONFIGS = [
    ("not-json", '{"usage_stats": true,}'),
    ("duplicate-key", '{"usage_stats": true, "usage_stats": true}'),
    ("bad-value", '{"usage_stats": "yes"}'),
    ("huge-number", f'{{"usage_stats": true, "n": {HUGE}}}'),
]


@pytest.mark.parametrize("env", ["1", "local", "true", "LOCAL"])
@pytest.mark.parametrize("config", [c[1] for c in BROKEN_CONFIGS], ids=[c[0] for c in BROKEN_CONFIGS])
def test_an_invalid_source_below_makes_on_and_local_off_alike(home, monkeypatch, env, config):
    """Issue 8 reproduction: The one rule: with an invalid source anywhere the decision is off, whether the env says on
    or local."""
    home.mark_notice_shown()
    home.write_config(config)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
    decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "config_file")
    assert decision.trace["env"].status == "shadowed" and decision.trace["config_file"].status == "invalid"
