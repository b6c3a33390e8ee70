"""Bad environment values and bad config files: each makes its source invalid, the decision
off (fail closed), and the trace names the source, the file and the problem."""

from __future__ import annotations

import json
import logging
import os

import pytest
from helpers import one_line_error, without_file_override

from usage_consent.policy import decide
from usage_consent.policy._load import embedded_policy, parse_policy, policy_to_toml

BAD_ENV = [
    ("maybe", "maybe"),
    ("two", "2"),
    ("minus-one", "-1"),
    ("enabled-word", "enabled"),
    ("control-chars", "1\x1b[0m"),
    ("very-long", "x" * 5000),
]


@pytest.mark.parametrize("value", [v for _, v in BAD_ENV], ids=[i for i, _ in BAD_ENV])
def test_bad_env_value_fails_closed(home, monkeypatch, caplog, value):
    """An unaccepted env value is invalid, turns collection off even over config true, and warns once."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", value)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "env")
    layer = decision.trace["env"]
    assert layer.status == "invalid" and layer.value is None
    assert "$SKYPLANE_USAGE_STATS_ENABLED must be one of 1, true, yes, on, 0, false, no, off, local" in (
        layer.reason)
    assert len(layer.raw) <= 200
    assert decision.trace["config_file"].status == "shadowed"
    assert len([r for r in caplog.records if "SKYPLANE_USAGE_STATS_ENABLED" in r.getMessage()]) == 1


@pytest.mark.parametrize(("value", "mode", "status"), [
    (" 1 ", "on", "decided"), ("\t0\t", "off", "decided"), ("", "on", "unset"), (" \t ", "on", "unset"),
    ("0\n", "off", "invalid"), ("1\n", "off", "invalid"), ("1\x1c", "off", "invalid"), ("1\xa0", "off", "invalid"),
    ("\u20031", "off", "invalid"), ("\n", "off", "invalid"), ("\u0131", "off", "invalid"),
], ids=["padded-1", "tabbed-0", "empty", "spaces-and-tabs", "newline-after-0", "newline-after-1",
        "file-separator-after-1", "nbsp-after-1", "em-space-before-1", "only-newline", "non-ascii-letter"])
def test_env_value_is_stripped_and_empty_is_unset(home, monkeypatch, value, mode, status):
    """Only ASCII spaces and tabs around an env value are ignored (only them: unset); anything else is invalid."""
    home.mark_notice_shown()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", value)
    decision = decide()
    assert decision.mode == mode
    assert decision.trace["env"].status == status
    assert decision.trace["env"].raw == value


BAD_CONFIGS = [
    ("not-json", '{"usage_stats": false,,}', ("not valid JSON: Expecting property name enclosed in "
     "double quotes at line 1, column 23")),
    ("truncated", '{\n  "usage_stats": tr', "not valid JSON: Expecting value at line 2, column 18"),
    ("json-list", '[{"usage_stats": false}]', "holds a JSON list, not an object"),
    ("json-string", '"usage_stats"', "holds a JSON str, not an object"),
    ("yes-string", '{"usage_stats": "yes"}',
     "~/.skyplane/config.json: key 'usage_stats' must be true, false or \"local\"; got \"yes\""),
    ("false-string", '{"usage_stats": "false"}', "must be true, false or \"local\"; got \"false\""),
    ("number", '{"usage_stats": 0}', "must be true, false or \"local\"; got 0"),
    ("nested", '{"usage_stats": {"enabled": true}}', "got {\"enabled\": true}"),
    ("latin-1", b'{"usage_stats": "\xe9"}', "not UTF-8 text (byte 17)"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("content", "reason"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_file_fails_closed(home, monkeypatch, content, reason):
    """A config file that is not a JSON object, or a bad value in it, makes the decision off."""
    home.mark_notice_shown()
    home.skyplane.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        home.config.write_bytes(content)
    else:
        home.config.write_text(content)
    decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "config_file")
    layer = decision.trace["config_file"]
    assert layer.status == "invalid"
    assert reason in layer.reason
    assert layer.reason.startswith("~/.skyplane/config.json: ")
    report = home.explain()
    assert report["mode"] == "off" and reason in report["layers"][2]["reason"]


def test_config_directory_in_the_files_place(home):
    """A directory where the config file should be is invalid, not a crash."""
    home.config.mkdir(parents=True)
    home.mark_notice_shown()
    decision = decide()
    assert decision.mode == "off"
    assert decision.trace["config_file"].reason == "~/.skyplane/config.json: is a directory, not a JSON file"


@pytest.mark.slow
def test_unreadable_config_file(home):
    """A config file the user cannot read is invalid and the decision off (root's override dropped)."""
    home.mark_notice_shown()
    home.write_config({"usage_stats": True})
    os.chmod(home.config, 0)
    result = home.run("explain", "--json", preexec_fn=without_file_override)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["mode"], report["decided_by"]) == ("off", "config_file")
    assert report["layers"][2]["reason"] == "~/.skyplane/config.json: cannot be read: Permission denied"
    assert "cannot be read: Permission denied" in result.stderr


@pytest.mark.slow
def test_other_config_keys_never_reach_the_trace(home):
    """The trace shows only the consent key: other keys (cloud secrets) never appear, even when invalid."""
    home.mark_notice_shown()
    for content in ({"aws_secret_key": "SECRET-123", "usage_stats": "yes"},
                    '{"aws_secret_key": "SECRET-123", "usage_stats": yes}'):
        home.write_config(content)
        result = home.run("explain")
        as_json = home.run("explain", "--json")
        assert "SECRET-123" not in result.stdout + result.stderr + as_json.stdout + as_json.stderr
        assert "aws_secret_key" not in result.stdout + as_json.stdout


def test_state_file_garbage_counts_as_not_shown(home):
    """A state file that does not parse makes the notice source invalid: off, never on."""
    home.skyplane.mkdir(exist_ok=True)
    home.state.write_text("garbage")
    decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "notice")
    assert "not valid JSON" in decision.trace["notice"].reason


def _skip_policy():
    text = policy_to_toml(embedded_policy()).replace('on_invalid = "off"', 'on_invalid = "skip"')
    return parse_policy(text, "skip.toml")


@pytest.mark.parametrize(("env", "config", "mode", "decided_by"), [
    ("maybe", False, "off", "config_file"),
    ("maybe", "local", "local", "config_file"),
    ("maybe", None, "off", "default"),
    ("maybe", True, "off", "config_file"),
], ids=["skip-to-config-off", "skip-to-config-local", "skip-to-default-capped", "skip-to-config-on-capped"])
def test_on_invalid_skip_passes_over_but_never_turns_on(home, monkeypatch, env, config, mode, decided_by):
    """With on_invalid = "skip" the next source decides, but an invalid value never lets the mode be on."""
    home.mark_notice_shown()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
    if config is not None:
        home.write_config({"usage_stats": config})
    decision = decide(_skip_policy())
    assert (decision.mode, decision.decided_by) == (mode, decided_by)
    assert decision.trace["env"].status == "invalid"


# --- issue 8's reproductions ---------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("value", ["", "relative/home", "."], ids=["empty", "relative", "dot"])
def test_empty_or_relative_home_is_off_and_writes_nothing(home, tmp_path, value):
    """Issue 8 reproduction: An empty or relative HOME makes decide off with a reason naming $HOME; nothing is written
    anywhere."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = home.run("decide", "--json", env={"HOME": value, "SKYPLANE_USAGE_STATS_ENABLED": "1"}, cwd=str(cwd))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "off" and "$HOME is" in report["layers"][0]["reason"]
    assert "internal error" not in result.stdout + result.stderr
    one_line_error(home.run("config", "set", "usage_stats", "false", env={"HOME": value}, cwd=str(cwd)), 1, "$HOME is")
    assert list(cwd.iterdir()) == [] and not os.path.exists("/.skyplane")


@pytest.mark.parametrize(("variable", "value", "config"), [
    ("SKYPLANE_USAGE_STATS_ENABLED", os.fsdecode(b"1\xff"), None),
    ("DO_NOT_TRACK", os.fsdecode(b"\xfe"), None),
    (None, None, '{"usage_stats": "\\ud800"}'),
], ids=["env-not-utf8", "do-not-track-not-utf8", "config-lone-surrogate"])
def test_trace_and_warnings_are_printable_text(home, monkeypatch, caplog, variable, value, config):
    """Issue 8 reproduction: A non-UTF-8 variable or a lone surrogate in the file is shown escaped: trace and warnings
    encode as UTF-8."""
    home.mark_notice_shown()
    if variable:
        monkeypatch.setenv(variable, value)
    if config:
        home.write_config(config)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        decision = decide()
    assert decision.mode == "off"
    json.dumps(decision.to_dict(), ensure_ascii=False).encode("utf-8")
    str(decision.trace).encode("utf-8")
    for record in caplog.records:
        record.getMessage().encode("utf-8")
