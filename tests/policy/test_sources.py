"""The source kinds and per-source rules beyond the published policy: ci, managed, an env source's
own spellings / strip / empty, on_invalid per source, and config files in JSON, INI and TOML
(section, path_variable, accept_local, on_unreadable, writable)."""

from __future__ import annotations

import json
import os
import tomllib

import pytest
from helpers import demo_policy, demo_policy_text

from usage_consent.policy import ConsentValueError, decide, embedded_policy, explain
from usage_consent.policy._load import parse_policy, policy_to_toml


def policy_with(sources: str, extra: str = ""):
    """A demo policy whose sources are the given TOML array-of-tables text (no notice)."""
    return demo_policy(sources, default=None, extra=extra)


# --- ci ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("variables", "mode", "decided_by"), [
    ({"GITHUB_ACTIONS": "true"}, "off", "ci"),
    ({"CI": "1"}, "off", "ci"),
    ({"JENKINS_URL": "https://jenkins.example/"}, "off", "ci"),
    ({"CODEBUILD_BUILD_ID": "build:1"}, "off", "ci"),
    ({"CI": "0"}, "on", "config_file"),
    ({"CI": "false"}, "on", "config_file"),
    ({"CI": ""}, "on", "config_file"),
    ({"GITHUB_ACTIONS": "true", "SKYPLANE_USAGE_STATS_ENABLED": "1"}, "on", "env"),
    ({"CI": " false\t"}, "on", "config_file"),
    ({"CI": "false\u2028"}, "off", "ci"),
    ({"CI": "\u00a00"}, "off", "ci"),
    ({"CI": "\x0b"}, "off", "ci"),
], ids=["github", "ci-1", "jenkins", "codebuild", "ci-0-not-ci", "ci-false-not-ci", "ci-empty-not-ci",
        "explicit-env-wins", "ci-false-spaces-tabs-not-ci", "ci-false-line-separator-is-ci", "ci-nbsp-0-is-ci",
        "ci-vertical-tab-is-ci"])
def test_ci_source_in_the_embedded_policy(home, monkeypatch, variables, mode, decided_by):
    """A CI variable turns collection off for the run, below every explicit choice."""
    home.mark_notice_shown()
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    if decided_by == "config_file":
        home.write_config({"usage_stats": True})
    decision = decide()
    assert (decision.mode, decision.decided_by) == (mode, decided_by)
    if decided_by == "ci":
        name = next(iter(variables))
        assert decision.trace["ci"].location == f"${name}" and decision.trace["ci"].raw == variables[name]


@pytest.mark.slow
def test_ci_run_is_off_silent_and_writes_nothing(home):
    """With GITHUB_ACTIONS=true and nothing else, `decide` is off, prints nothing on stderr, writes no file."""
    result = home.run("decide", env={"GITHUB_ACTIONS": "true"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "off\n", "")
    assert [p for p in home.root.rglob("*") if p.is_file()] == []
    assert home.explain(env={"GITHUB_ACTIONS": "true"})["notice"]["would_show"] is False
    on = home.run("decide", env={"GITHUB_ACTIONS": "true", "SKYPLANE_USAGE_STATS_ENABLED": "1"})
    assert on.stdout == "on\n"


def test_ci_value_local_shows_no_notice(home, monkeypatch, capsys):
    """A ci source with value "local" decides local for the run: no notice, no state file."""
    text = policy_to_toml(embedded_policy()).replace('{ kind = "ci", name = "ci" }',
                                                     '{ kind = "ci", name = "ci", value = "local" }')
    monkeypatch.setenv("BUILDKITE", "true")
    decision = decide(parse_policy(text, "local-ci.toml"))
    assert (decision.mode, decision.decided_by) == ("local", "ci")
    assert capsys.readouterr().err == "" and not home.state.exists()


# --- managed ----------------------------------------------------------------------------------------

MANAGED = """
[[sources]]
name = "admin"
kind = "managed"
path = "{path}"
{more}
[[sources]]
name = "env"
kind = "env"
variable = "DEMO_USAGE_STATS"
[[sources]]
name = "config_file"
kind = "config_file"
[[sources]]
name = "default"
kind = "default"
value = "on"
"""


def managed_policy(path, more: str = ""):
    return policy_with(MANAGED.format(path=path, more=more))


@pytest.mark.parametrize(("admin", "env", "user", "mode", "decided_by"), [
    ({"usage_stats": False}, "1", True, "off", "admin"),
    ({"usage_stats": False}, None, None, "off", "admin"),
    ({"usage_stats": "local"}, "1", None, "local", "admin"),
    ({"usage_stats": "local"}, None, True, "local", "admin"),
    ({"usage_stats": "local"}, None, None, "local", "admin"),
    ({"usage_stats": "local"}, "0", None, "off", "env"),
    ({"usage_stats": "local"}, "local", None, "local", "env"),
    ({"usage_stats": True}, "0", None, "off", "env"),
    ({"usage_stats": True}, None, None, "on", "default"),
    (None, "1", None, "on", "env"),
    ({"other": 1}, None, False, "off", "config_file"),
    ({"usage_stats": "yes"}, "1", True, "off", "admin"),
    ("not json", "1", True, "off", "admin"),
], ids=["off-beats-env-and-user", "off-alone", "local-caps-env-on", "local-caps-user-on", "local-caps-default",
        "local-leaves-off", "local-leaves-local", "on-changes-nothing", "on-leaves-default", "absent",
        "no-key", "invalid-fails-closed", "unreadable-fails-closed"])
def test_managed_file_is_a_ceiling(home, monkeypatch, admin, env, user, mode, decided_by):
    """The administrator's file lowers the result (off, or on to local) and never raises it."""
    admin_file = home.root / "etc" / "demo.json"
    if admin is not None:
        admin_file.parent.mkdir()
        admin_file.write_text(admin if isinstance(admin, str) else json.dumps(admin))
    if env is not None:
        monkeypatch.setenv("DEMO_USAGE_STATS", env)
    if user is not None:
        (home.root / ".demo").mkdir()
        (home.root / ".demo" / "config.json").write_text(json.dumps({"usage_stats": user}))
    decision = decide(managed_policy(admin_file))
    assert (decision.mode, decision.decided_by) == (mode, decided_by)


@pytest.mark.slow
def test_managed_ini_file_and_config_set_says_it_caps(home):
    """A managed INI file caps the user's choice; `config set` still writes the user's file and says so."""
    admin_file = home.root / "etc" / "demo.ini"
    admin_file.parent.mkdir()
    admin_file.write_text("[telemetry]\nusage_stats = off\n")
    policy_file = home.root / "policy.toml"
    policy_file.write_text(demo_policy_text(MANAGED.format(path=admin_file, more='section = "telemetry"'),
                                            default=None))
    result = home.run("--policy", str(policy_file), "config", "set", "usage_stats", "true")
    assert result.returncode == 0
    assert json.loads((home.root / ".demo" / "config.json").read_text()) == {"usage_stats": True}
    assert "administrator's file ~/etc/demo.ini caps usage stats at off" in result.stderr
    assert home.run("--policy", str(policy_file), "decide").stdout == "off\n"


# --- env rules ----------------------------------------------------------------------------------------

ENV = """
[[sources]]
name = "env"
kind = "env"
variable = "DEMO_USAGE_STATS"
{more}
[[sources]]
name = "default"
kind = "default"
value = "on"
"""


@pytest.mark.parametrize(("more", "value", "mode", "status"), [
    ("", " Yes ", "on", "decided"),
    ("strip = false", " yes", "off", "invalid"),
    ("strip = false", "Yes", "off", "invalid"),
    ("strip = false", "yes", "on", "decided"),
    ("", "", "on", "unset"),
    ('empty = "invalid"', "", "off", "invalid"),
    ('empty = "invalid"', "  ", "off", "invalid"),
    ("strip = false", "  ", "off", "invalid"),
    ('spellings = { on = ["enabled"], off = ["disabled"] }', "Enabled", "on", "decided"),
    ('spellings = { on = ["enabled"], off = ["disabled"] }', "1", "off", "invalid"),
    ('spellings = { on = ["enabled"], off = ["disabled"], local = [] }', "local", "off", "invalid"),
    ('on_invalid = "skip"', "maybe", "off", "invalid"),
], ids=["stripped-any-case", "exact-no-strip", "exact-case-kept", "exact-match", "empty-unset", "empty-invalid",
        "blank-is-empty", "blank-is-a-value-when-exact", "own-spelling", "policy-spelling-not-used",
        "own-spellings-no-local", "skip-never-turns-on"])
def test_env_source_rules(home, monkeypatch, more, value, mode, status):
    """strip, empty and an env source's own spellings decide what its value means."""
    monkeypatch.setenv("DEMO_USAGE_STATS", value)
    decision = decide(policy_with(ENV.format(more=more)))
    assert decision.mode == mode
    assert decision.trace["env"].status == status


def test_on_invalid_raise_only_when_reached(home, monkeypatch):
    """on_invalid = "raise": decide() raises ConsentValueError with every field; explain() does not."""
    policy = policy_with(ENV.format(more='on_invalid = "raise"'))
    monkeypatch.setenv("DEMO_USAGE_STATS", "maybe")
    with pytest.raises(ConsentValueError) as caught:
        decide(policy)
    error = caught.value
    assert (error.layer, error.path, error.key, error.value) == ("env", "$DEMO_USAGE_STATS", "DEMO_USAGE_STATS",
                                                                 "maybe")
    assert error.accepted == "1, true, yes, on, 0, false, no, off, local"
    assert str(error) == "$DEMO_USAGE_STATS must be one of 1, true, yes, on, 0, false, no, off, local; got 'maybe'"
    assert explain_mode(policy) == ("off", "invalid")


def test_on_invalid_raise_is_a_fresh_exception_each_time(home, monkeypatch):
    """Each raise is a new exception with the same fields, and its traceback does not grow over many calls."""
    import traceback

    policy = policy_with(ENV.format(more='on_invalid = "raise"'))
    monkeypatch.setenv("DEMO_USAGE_STATS", "maybe")
    seen = []
    for _ in range(300):
        try:
            decide(policy)
        except ConsentValueError as error:
            seen.append((error, len(traceback.extract_tb(error.__traceback__))))
    assert len(seen) == 300 and len({id(error) for error, _ in seen}) == 300
    assert {depth for _, depth in seen} == {seen[0][1]} and seen[0][1] <= 3
    assert {(e.layer, e.path, e.key, e.value, e.accepted, str(e)) for e, _ in seen} == {
        (seen[0][0].layer, "$DEMO_USAGE_STATS", "DEMO_USAGE_STATS", "maybe", seen[0][0].accepted, str(seen[0][0]))}


def explain_mode(policy):
    from usage_consent.policy import explain

    decision = explain(policy)
    return decision.mode, decision.trace["env"].status


# --- config files ---------------------------------------------------------------------------------------

FILE = """
[[sources]]
name = "file"
kind = "config_file"
path = "{path}"
{more}
[[sources]]
name = "default"
kind = "default"
value = "on"
"""


@pytest.mark.parametrize(("name", "more", "content", "mode", "status"), [
    ("c.toml", "", "usage_stats = false\n", "off", "decided"),
    ("c.toml", 'section = "telemetry"', "[telemetry]\nusage_stats = false\n", "off", "decided"),
    ("c.toml", 'section = "telemetry"', 'telemetry = "x"\n', "off", "invalid"),
    ("c.toml", "", 'usage_stats = "local"\n', "local", "decided"),
    ("c.toml", "", "usage_stats = 0\n", "off", "invalid"),
    ("c.toml", "", "usage_stats = = 1\n", "off", "invalid"),
    ("c.toml", 'on_unreadable = "unset"', "usage_stats = = 1\n", "on", "unset"),
    ("c.json", 'section = "telemetry"', '{"telemetry": {"usage_stats": false}}', "off", "decided"),
    ("c.json", "", '{"usage_stats": null}', "on", "unset"),
    ("c.json", "accept_local = false", '{"usage_stats": "local"}', "off", "invalid"),
    ("c.json", 'on_unreadable = "unset"', '["list"]', "on", "unset"),
    ("c.json", 'on_unreadable = "unset"', '{"usage_stats": "yes"}', "off", "invalid"),
    ("c.cfg", 'section = "flags"', "[flags]\nusage_stats = Off\n", "off", "decided"),
    ("c.cfg", 'section = "flags"', "[flags]\nusage_stats = LOCAL\n", "local", "decided"),
    ("noext", 'format = "ini"\nsection = "flags"', "[flags]\nUSAGE_STATS = no\n", "off", "decided"),
    ("noext", "", '{"usage_stats": false}', "off", "decided"),
    ("c.cfg", 'section = "flags"', "[flags]\nusage_stats = \t True \t\r\n", "on", "decided"),
    ("c.cfg", 'section = "flags"', "[flags]\nusage_stats = True\u00a0\n", "off", "invalid"),
    ("c.cfg", 'section = "flags"', "[flags]\nusage_stats =\u2003True\n", "off", "invalid"),
    ("c.json", "", '{"usage_stats": " local"}', "off", "invalid"),
], ids=["toml", "toml-section", "toml-section-not-a-table", "toml-local", "toml-number", "toml-broken",
        "toml-broken-unset", "json-section", "json-null-unset", "json-no-local", "json-list-unset",
        "unset-rule-is-not-for-values", "ini-from-extension", "ini-local", "ini-declared", "json-by-default",
        "ini-spaces-tabs-crlf-ignored", "ini-trailing-nbsp-invalid", "ini-em-space-before-invalid",
        "json-string-kept-exactly"])
def test_config_file_formats(home, name, more, content, mode, status):
    """Each format is read as documented; on_unreadable and accept_local change only what they say."""
    path = home.root / name
    path.write_text(content)
    decision = decide(policy_with(FILE.format(path=path, more=more)))
    assert decision.mode == mode
    assert decision.trace["file"].status == status


def test_path_variable(home, monkeypatch):
    """path_variable, when set and not empty, names the file; a change of its value is seen at once."""
    a, b = home.root / "a.json", home.root / "b.json"
    a.write_text('{"usage_stats": false}')
    b.write_text('{"usage_stats": "local"}')
    policy = policy_with(FILE.format(path=a, more='path_variable = "DEMO_CONFIG"'))
    assert decide(policy).mode == "off"
    monkeypatch.setenv("DEMO_CONFIG", str(b))
    assert decide(policy).mode == "local"
    b.write_text('{"usage_stats": true}')
    os.utime(b, ns=(1, 1))
    assert decide(policy).mode == "on"
    monkeypatch.setenv("DEMO_CONFIG", "")
    assert decide(policy).mode == "off"


WRITABLE = """
[[sources]]
name = "json"
kind = "config_file"
[[sources]]
name = "toml"
kind = "config_file"
path = "{path}"
section = "usage"
writable = true
[[sources]]
name = "default"
kind = "default"
value = "on"
"""


@pytest.mark.slow
def test_config_set_get_unset_act_on_the_writable_source(home):
    """config set/get/unset act on the first writable config_file source, in its format, keeping the rest."""
    target = home.root / "demo.toml"
    target.write_text('# a comment tomli cannot keep\ntitle = "mine"\n[usage]\nother = [1, 2]\n')
    policy_file = home.root / "policy.toml"
    policy_file.write_text(demo_policy_text(WRITABLE.format(path=target), default=None))
    run = lambda *a: home.run("--policy", str(policy_file), "config", *a)  # noqa: E731
    result = run("set", "usage_stats", "local")
    assert result.returncode == 0, result.stderr
    assert result.stdout == '~/demo.toml: usage_stats = "local"\n'
    assert tomllib.loads(target.read_text()) == {"title": "mine", "usage": {"other": [1, 2], "usage_stats": "local"}}
    assert run("get", "usage_stats").stdout == "local\n"
    assert not (home.root / ".demo" / "config.json").exists()
    assert run("unset", "usage_stats").returncode == 0
    assert tomllib.loads(target.read_text()) == {"title": "mine", "usage": {"other": [1, 2]}}
    assert run("get", "usage_stats").stdout == "unset\n"


@pytest.mark.slow
def test_config_set_names_a_higher_source_that_still_decides(home):
    """When a source above the written file still decides, `config set` says so on stderr."""
    result = home.run("config", "set", "usage_stats", "true", env={"SKYPLANE_USAGE_STATS_ENABLED": "0"})
    assert result.returncode == 0
    assert "note: env still decides ($SKYPLANE_USAGE_STATS_ENABLED = 0)" in result.stderr
    assert home.config_data() == {"usage_stats": True}


def test_cached_decision_sees_a_ci_variable_come_and_go(home, monkeypatch):
    """The cached decision is reused only while every watched variable is unchanged."""
    home.mark_notice_shown()
    assert decide().mode == "on"
    monkeypatch.setenv("TF_BUILD", "True")
    assert (decide().mode, decide().decided_by) == ("off", "ci")
    monkeypatch.delenv("TF_BUILD")
    assert decide().mode == "on"


def test_ci_local_run_records_without_a_state_file(home, monkeypatch):
    """A ci source deciding local records the run's report but writes no state file (no client id kept)."""
    from usage_consent.reporter import start_session, wait

    text = policy_to_toml(embedded_policy()).replace('{ kind = "ci", name = "ci" }',
                                                     '{ kind = "ci", name = "ci", value = "local" }')
    monkeypatch.setenv("GITLAB_CI", "true")
    decision = decide(parse_policy(text, "local-ci.toml"))
    session = start_session(decision, command="cp", tool_version="0.3.2",
                            source={"provider": "aws", "region": "us-east-1"},
                            destinations=[{"provider": "gcp", "region": "us-west1"}],
                            options={"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"})
    assert session.report(stats={"runtime_s": 1.5, "throughput_gbits": 2.0, "bytes_transferred": 10,
                                 "objects_transferred": 1}) == "recorded"
    assert wait(5)
    assert list((home.tmp / "skyplane" / "usage").rglob("usage_stats.json"))
    assert not home.state.exists()


# --- finding T1: duplicate keys and sections fail closed (issue 8 item 4, for every format) ------

@pytest.mark.parametrize(("text", "mode", "status"), [
    ("[telemetry]\nusage_stats = off\nUsage_Stats = on\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = on\nUSAGE_STATS = off\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = on\n[other]\nUSAGE_STATS = off\nusage_stats = on\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = local\nother = 1\n", "local", "decided"),
], ids=["off-then-on", "on-then-off", "duplicate-in-another-section", "single-key-still-read"])
def test_managed_ini_duplicate_key_fails_closed(home, text, mode, status):
    """Finding T1: A managed INI file with a key twice (in any case) fails closed: off, whatever the order."""
    admin = home.root / "etc" / "demo.ini"
    admin.parent.mkdir()
    admin.write_text(text)
    policy = demo_policy(f'[[sources]]\nname = "admin"\nkind = "managed"\npath = "{admin}"\nsection = "telemetry"\n')
    decision = explain(policy)
    assert (decision.mode, decision.trace["admin"].status) == (mode, status)


JSON_SECTION_DUPLICATES = [
    ("key-twice-in-section", '{"telemetry": {"usage_stats": false, "usage_stats": true}}'),
    ("section-twice", '{"telemetry": {"usage_stats": false}, "telemetry": {"usage_stats": true}}'),
    ("section-twice-other-first", '{"telemetry": {"other": 1}, "telemetry": {"usage_stats": true}}'),
]


@pytest.mark.parametrize("text", [t for _, t in JSON_SECTION_DUPLICATES],
                         ids=[i for i, _ in JSON_SECTION_DUPLICATES])
@pytest.mark.parametrize("kind", ["config_file", "managed"])
def test_json_section_duplicate_is_invalid(home, kind, text):
    """Finding T1: In a JSON file with a `section`, the section or the key in it more than once is invalid and off."""
    path = home.root / "conf" / "demo.json"
    path.parent.mkdir()
    path.write_text(text)
    policy = demo_policy(f'[[sources]]\nname = "file"\nkind = "{kind}"\npath = "{path}"\nsection = "telemetry"\n')
    decision = explain(policy)
    assert (decision.mode, decision.trace["file"].status) == ("off", "invalid")
    assert "appears more than once" in decision.trace["file"].reason


def test_json_section_duplicates_elsewhere_are_fine(home):
    """Finding T1: Duplicates outside the section and key the source reads do not make it invalid."""
    path = home.root / "demo.json"
    path.write_text('{"x": 1, "x": 2, "telemetry": {"a": 1, "a": 2, "usage_stats": false}}')
    policy = demo_policy(f'[[sources]]\nname = "file"\nkind = "config_file"\npath = "{path}"\nsection = "telemetry"\n')
    assert decide(policy).mode == "off"


# --- issue 8's reproductions ---------------------------------------------------------------------

@pytest.mark.parametrize(("value", "mode"), [
    ("1", "off"), (" 1\t", "off"), ("anything", "off"), ("0\n", "off"), ("false\xa0", "off"),
    ("", None), ("0", None), (" false ", None), ("\tFALSE", None), ("  ", None),
], ids=["one", "padded-one", "word", "zero-newline", "false-nbsp", "empty", "zero", "padded-false",
        "tab-upper-false", "blank"])
def test_do_not_track_rule(home, monkeypatch, value, mode):
    """Issue 8 reproduction: DO_NOT_TRACK is a request unless, after ASCII spaces and tabs are removed, it is empty, 0
    or false (any case)."""
    monkeypatch.setenv("DO_NOT_TRACK", value)
    assert decide().trace["do_not_track"].value == mode
