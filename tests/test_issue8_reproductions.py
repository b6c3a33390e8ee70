"""Issue 8's reproductions: every bad input gets one line naming the file or variable (or, for an
opt-out, succeeds), an unusable state file is set aside, ambiguity and bad HOME fail closed."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest

from usage_consent.errors import ConfigFileError, UsageConsentError
from usage_consent.policy import decide, explain, write_consent
from usage_consent.reporter import start_session, wait

HUGE = "9" * 5000
TRANSFER = {
    "command": "cp", "tool_version": "0.3.2",
    "source": {"provider": "aws", "region": "us-east-1"}, "destinations": [{"provider": "gcp", "region": "us-west1"}],
    "options": {"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"},
}


def one_line_error(result, code: int, text: str) -> None:
    """The command failed with ``code`` and one line on stderr naming the problem, no traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("usage-consent: warning:")]
    assert len(lines) == 1 and lines[0].startswith("usage-consent: ") and text in lines[0], result.stderr


# (id, config file bytes, state file bytes, command, exit code, text in the one line on stderr)
CLI_ERRORS = [
    ("huge-int-config-get", f'{{"usage_stats": true, "n": {HUGE}}}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds a number too long to read (5000 digits)"),
    ("overflowing-float-config-get", '{"usage_stats": true, "n": 1e999}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds a number too large to read (1e999)"),
    ("nan-config-get", '{"usage_stats": NaN}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds NaN, which is not JSON"),
    ("deep-config-get", "[" * 100_000, None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: JSON nested too deeply"),
    ("duplicate-key-config-get", '{"usage_stats": false, "usage_stats": true}', None,
     ("config", "get", "usage_stats"), 1, "key 'usage_stats' appears more than once"),
    ("list-config-set", "[1, 2]", None, ("config", "set", "usage_stats", "false"), 1,
     "~/.skyplane/config.json: holds a JSON list, not an object"),
    ("symlinked-state-history", None, "LINK", ("history",), 1,
     "~/.skyplane/usage_stats_state.json: is a symbolic link; refused"),
    ("symlinked-state-forget", None, "LINK", ("forget",), 1,
     "~/.skyplane/usage_stats_state.json: is a symbolic link; refused"),
]


@pytest.mark.parametrize(("config", "state", "argv", "code", "text"), [c[1:] for c in CLI_ERRORS],
                         ids=[c[0] for c in CLI_ERRORS])
def test_bad_file_gives_one_line_not_a_traceback(home, config, state, argv, code, text):
    """A config or state file the command cannot use ends in one line naming the file and problem."""
    home.skyplane.mkdir()
    if config is not None:
        home.config.write_text(config)
    if state == "LINK":
        target = home.root / "elsewhere.json"
        target.write_text('{"format": 1}')
        home.state.symlink_to(target)
    result = home.run(*argv)
    one_line_error(result, code, text)
    if state == "LINK":
        assert home.state.is_symlink() and (home.root / "elsewhere.json").read_text() == '{"format": 1}'


POLICY_FILES = [
    ("deep-toml", "a = " + "[" * 3000 + "]" * 3000, "nested too deeply"),
    ("huge-int-toml", f"app = {HUGE}", "not usable TOML"),
    ("not-utf8-toml", b"app = '\xff'", "cannot be read"),
]


@pytest.mark.parametrize(("content", "text"), [p[1:] for p in POLICY_FILES], ids=[p[0] for p in POLICY_FILES])
def test_policy_check_names_the_file_without_a_traceback(home, content, text):
    """`policy check` on a deeply nested, huge-number or non-UTF-8 TOML file exits 1 with the file named."""
    path = home.root / "policy.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}: " in result.stderr and text in result.stderr


@pytest.mark.parametrize(("body", "text"), [
    (b"\xff\xfe{}", "not UTF-8 text (byte 0); not a report"),
    (b'{"runtime_s": NaN}', "not JSON (NaN is not JSON); not a report"),
    (b"{oops", "not JSON (Expecting property name enclosed in double quotes); not a report"),
], ids=["not-utf8", "nan", "not-json"])
def test_records_show_names_a_damaged_record(home, monkeypatch, body, text):
    """`records show` on a record that is not UTF-8 or not JSON names the record's file in one line."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    session = start_session(decide(), **TRANSFER)
    assert session.report() == "recorded" and wait(5)
    with open(session.path, "wb") as handle:
        handle.write(body)
    one_line_error(home.run("records", "show"), 1, f"{session.path}: {text}")


OPT_OUTS = [
    ("lone-surrogate", '{"usage_stats": true, "note": "\\ud800"}', {"note": "\ud800"}),
    ("huge-int", f'{{"usage_stats": true, "n": {HUGE}}}', None),
    ("overflowing-float", '{"usage_stats": true, "n": -1e999, "m": [1e400]}', None),
    ("nan-and-infinity", '{"usage_stats": true, "n": NaN, "m": {"x": Infinity}}', None),
    ("duplicate-consent-key", '{"usage_stats": false, "usage_stats": true, "k": 1}', {"k": 1}),
    ("deep-nesting", '{"usage_stats": true, "d": ' + "[" * 500 + "]" * 500 + "}", None),
]


@pytest.mark.parametrize(("content", "kept"), [o[1:] for o in OPT_OUTS], ids=[o[0] for o in OPT_OUTS])
def test_opting_out_works_on_any_json_object(home, content, kept):
    """`config set usage_stats false` on any JSON-object config writes false and keeps every other value."""
    home.skyplane.mkdir()
    home.config.write_text(content)
    result = home.run("config", "set", "usage_stats", "false")
    errors = [line for line in result.stderr.splitlines()
              if line.startswith("usage-consent: ") and not line.startswith("usage-consent: warning: ")]
    assert result.returncode == 0 and not errors, result.stderr
    written = home.config.read_text()
    assert written.count('"usage_stats"') == 1 and '"usage_stats": false' in written
    assert "Traceback" not in result.stderr
    if kept is not None:
        assert {k: json.loads(written)[k] for k in kept} == kept
    for literal in (HUGE, "-1e999", "1e400", "NaN", "Infinity"):
        assert (literal in content) == (literal in written), literal  # numbers kept exactly as written
    assert explain().mode == "off"


@pytest.mark.parametrize("setup", ["skyplane-is-a-file", "config-is-a-list", "config-is-a-directory", "empty-home"])
def test_write_consent_raises_only_library_errors(home, monkeypatch, setup):
    """write_consent raises a UsageConsentError subclass (never OSError) and leaves the file as it was."""
    if setup == "skyplane-is-a-file":
        home.skyplane.write_text("x")
    elif setup == "config-is-a-list":
        home.write_config("[]")
    elif setup == "config-is-a-directory":
        home.config.mkdir(parents=True)
    else:
        monkeypatch.setenv("HOME", "")
    with pytest.raises(ConfigFileError) as raised:
        write_consent(False)
    assert isinstance(raised.value, UsageConsentError) and raised.value.message


BROKEN_CONFIGS = [
    ("not-json", '{"usage_stats": true,}'),
    ("duplicate-key", '{"usage_stats": true, "usage_stats": true}'),
    ("bad-value", '{"usage_stats": "yes"}'),
    ("huge-number", f'{{"usage_stats": true, "n": {HUGE}}}'),
]


@pytest.mark.parametrize("env", ["1", "local", "true", "LOCAL"])
@pytest.mark.parametrize("config", [c[1] for c in BROKEN_CONFIGS], ids=[c[0] for c in BROKEN_CONFIGS])
def test_an_invalid_source_below_makes_on_and_local_off_alike(home, monkeypatch, env, config):
    """The one rule: with an invalid source anywhere the decision is off, whether the env says on or local."""
    home.mark_notice_shown()
    home.write_config(config)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
    decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "config_file")
    assert decision.trace["env"].status == "shadowed" and decision.trace["config_file"].status == "invalid"


def test_a_broken_state_file_turns_on_and_local_off_alike(home, monkeypatch):
    """An unusable state file (below the env) makes an env of 1 and of local both off, named by the notice source."""
    for env in ("1", "local"):
        home.skyplane.mkdir(exist_ok=True)
        home.state.write_text('{"history": {}}')
        monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
        decision = decide()
        assert (decision.mode, decision.decided_by) == ("off", "notice")
        assert "~/.skyplane/usage_stats_state.json: key 'history' must be a list" in decision.trace["notice"].reason


UNUSABLE_STATES = [
    ("garbage", "garbage", "not valid JSON"),
    ("huge-int", f'{{"format": {HUGE}}}', "holds a number too long to read"),
    ("null-event", '{"history": [{"event": null}]}', "key 'history': entry 0 must be an object"),
    ("history-object", '{"history": {"a": 1}}', "key 'history' must be a list"),
    ("notices-list", '{"notices": []}', "key 'notices' must be an object"),
    ("version-string", '{"notices": {"usage_stats": {"version": "1"}}}', "entry 'usage_stats' must be an object"),
    ("client-id-number", '{"client_id": 7}', "key 'client_id' must be a string"),
    ("format-bool", '{"format": true}', "key 'format' must be an integer"),
    ("not-utf8", b'{"x": "\xe9"}', "not UTF-8 text"),
    ("a-list", "[]", "holds a JSON list"),
    ("deep", "[" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("content", "problem"), [u[1:] for u in UNUSABLE_STATES], ids=[u[0] for u in UNUSABLE_STATES])
def test_unusable_state_file_is_set_aside_and_the_next_run_works(home, caplog, content, problem):
    """decide() on an unusable state file is off naming it, sets it aside (0600, one warning with both paths),
    and the next run works."""
    home.write_config({"usage_stats": True})
    home.state.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = home.state.read_bytes()
    assert explain().mode == "off" and home.state.read_bytes() == before  # explain changes nothing
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "notice")
    assert decision.trace["notice"].reason.startswith("~/.skyplane/usage_stats_state.json: ")
    assert problem in decision.trace["notice"].reason and "internal error" not in str(decision.trace)
    [aside] = home.skyplane.glob("usage_stats_state.json.corrupt-*")
    assert aside.read_bytes() == before and stat.S_IMODE(aside.stat().st_mode) == 0o600
    moved = [r.getMessage() for r in caplog.records if "set aside as" in r.getMessage()]
    assert len(moved) == 1 and f"~/.skyplane/{aside.name}" in moved[0] and "usage_stats_state.json" in moved[0]
    again = decide()  # the fresh state: the explicit opt-in decides, the notice is shown first
    assert again.mode == "on" and again.notice["shown"]
    assert decide().mode == "on" and not decide().notice


@pytest.mark.parametrize("argv", [("decide",), ("init",), ("history",), ("forget",)], ids=lambda a: a[0])
def test_commands_work_at_once_on_an_unusable_state_file(home, argv):
    """decide, init, history and forget each set an unusable state file aside and succeed."""
    home.skyplane.mkdir()
    home.state.write_text('{"history": [{"event": null}]}')
    result = home.run(*argv)
    assert result.returncode == 0, result.stderr
    assert "set aside as ~/.skyplane/usage_stats_state.json.corrupt-" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(home.skyplane.glob("usage_stats_state.json.corrupt-*"))) == (0 if argv == ("forget",) else 1)
    assert home.run("history").returncode == 0


def test_surrogate_in_the_state_file_is_recorded_once(home):
    """A lone surrogate escape in the state file no longer stops the notice from being recorded."""
    home.write_config({"usage_stats": True})
    home.state.write_text('{"note": "\\ud800"}')
    first = home.run("decide")
    assert first.stdout.strip() == "on" and "== Skyplane collects" in first.stderr
    second = home.run("decide")
    assert (second.stdout.strip(), second.stderr) == ("on", "")
    assert json.loads(home.state.read_text())["note"] == "\ud800"


def test_symlinked_state_file_is_refused_not_replaced(home, tmp_path):
    """A state file that is a symlink makes the decision off; it and its target are left as they are."""
    home.write_config({"usage_stats": True})
    target = tmp_path / "target.json"
    target.write_text('{"notices": {"usage_stats": {"version": 1}}, "format": 1}')
    home.state.symlink_to(target)
    for _ in range(2):
        decision = decide()
        assert (decision.mode, decision.decided_by) == ("off", "notice")
        assert "is a symbolic link; refused" in decision.trace["notice"].reason
    assert home.state.is_symlink() and json.loads(target.read_text())["format"] == 1
    assert not list(home.skyplane.glob("*.corrupt-*"))


@pytest.mark.parametrize("value", ["", "relative/home", "."], ids=["empty", "relative", "dot"])
def test_empty_or_relative_home_is_off_and_writes_nothing(home, tmp_path, value):
    """An empty or relative HOME makes decide off with a reason naming $HOME; nothing is written anywhere."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = home.run("decide", "--json", env={"HOME": value, "SKYPLANE_USAGE_STATS_ENABLED": "1"}, cwd=str(cwd))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "off" and "$HOME is" in report["layers"][0]["reason"]
    assert "internal error" not in result.stdout + result.stderr
    one_line_error(home.run("config", "set", "usage_stats", "false", env={"HOME": value}, cwd=str(cwd)), 1, "$HOME is")
    assert list(cwd.iterdir()) == [] and not os.path.exists("/.skyplane")


@pytest.mark.parametrize(("value", "mode"), [
    ("1", "off"), (" 1\t", "off"), ("anything", "off"), ("0\n", "off"), ("false\xa0", "off"),
    ("", None), ("0", None), (" false ", None), ("\tFALSE", None), ("  ", None),
], ids=["one", "padded-one", "word", "zero-newline", "false-nbsp", "empty", "zero", "padded-false",
        "tab-upper-false", "blank"])
def test_do_not_track_rule(home, monkeypatch, value, mode):
    """DO_NOT_TRACK is a request unless, after ASCII spaces and tabs are removed, it is empty, 0 or false (any case)."""
    monkeypatch.setenv("DO_NOT_TRACK", value)
    assert decide().trace["do_not_track"].value == mode


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "minus-inf"])
def test_nan_makes_a_report_invalid_and_names_the_field(home, caplog, bad):
    """A report holding NaN or an infinity is invalid (not JSON): nothing is written, the warning names the field."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    session = start_session(decide(), **TRANSFER)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        outcome = session.report(stats={"runtime_s": bad, "throughput_gbits": 1.0, "bytes_transferred": 1,
                                        "objects_transferred": 1})
    assert outcome == "invalid" and wait(5)
    assert any("stats.runtime_s: " in r.getMessage() and "is not a finite number" in r.getMessage()
               for r in caplog.records)
    assert not (home.tmp / "skyplane" / "usage").exists()


def test_validate_report_names_a_nan_field(home):
    """validate_report() lists a NaN or infinity with its JSON path, like any other problem."""
    from usage_consent.reporter import validate_report

    stats = {"runtime_s": 1.0, "throughput_gbits": float("inf"), "bytes_transferred": 1, "objects_transferred": 1}
    problems = validate_report({**TRANSFER, "stats": stats})
    assert any(p.startswith("stats.throughput_gbits: inf is not a finite number") for p in problems), problems


@pytest.mark.parametrize("path", ["~nosuchuser-x/state.json", "state.json", "./.skyplane/state.json"],
                         ids=["unknown-user", "relative", "dot-relative"])
def test_policy_path_that_is_not_absolute_is_refused(home, tmp_path, monkeypatch, path):
    """A policy whose state file is not absolute once expanded is off, names the path, writes nothing in the cwd."""
    from usage_consent.policy import embedded_policy, parse_policy, policy_to_toml

    text = policy_to_toml(embedded_policy()).replace('"~/.skyplane/usage_stats_state.json"', json.dumps(path))
    policy = parse_policy(text, "relative.toml")
    monkeypatch.chdir(tmp_path)
    home.write_config({"usage_stats": True})
    decision = decide(policy)
    assert decision.mode == "off" and "is not an absolute path" in str(decision.trace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


@pytest.mark.parametrize(("variable", "value", "config"), [
    ("SKYPLANE_USAGE_STATS_ENABLED", os.fsdecode(b"1\xff"), None),
    ("DO_NOT_TRACK", os.fsdecode(b"\xfe"), None),
    (None, None, '{"usage_stats": "\\ud800"}'),
], ids=["env-not-utf8", "do-not-track-not-utf8", "config-lone-surrogate"])
def test_trace_and_warnings_are_printable_text(home, monkeypatch, caplog, variable, value, config):
    """A non-UTF-8 variable or a lone surrogate in the file is shown escaped: trace and warnings encode as UTF-8."""
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
