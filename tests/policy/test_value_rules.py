"""The value side of a source: value maps (``values``) with their matchers, ``key_path``, ``match``,
``on_unrecognised`` (and its explicit fail-open, status "ignored"), ``variables`` (a fallback
between variables) and ``requires`` (a file the tool refuses to run with), as data on env,
config_file and managed sources; and the policy errors that name the source and the key."""

from __future__ import annotations

import json
import os
import re

import pytest
from fuzz_inputs import budget, env_values, fresh_home, json_values
from helpers import demo_policy, demo_policy_text, toml_inline, variable
from hypothesis import given
from hypothesis import strategies as st

from usage_consent.errors import ConfigFileError
from usage_consent.policy import ConsentValueError, PolicyError, decide, explain, write_consent
from usage_consent.policy._load import parse_policy


def policy_with(sources: str, default: str = "on"):
    """A demo policy with the given sources (TOML text) above a default source."""
    return demo_policy(sources, default=default)


def env_source(rules: str, variable: str = 'variable = "DEMO_STATS"') -> str:
    return f'[[sources]]\nname = "env"\nkind = "env"\n{variable}\n{rules}\n'


def file_source(rules: str, name: str = "file", kind: str = "config_file", path: str = "~/.demo/config.json") -> str:
    return f'[[sources]]\nname = "{name}"\nkind = "{kind}"\npath = "{path}"\n{rules}\n'


# --- env: values, match, on_unrecognised ------------------------------------------------------------

NON_EMPTY_OFF = 'values = [{ non_empty = true, mode = "off" }]'
PRINTED = ('values = [{ contains = "demo:*", mode = "local", why = "printed, never sent" }, '
           '{ equals = "*", mode = "local", why = "printed, never sent" }]\n'
           'match = { case = "sensitive", trim = "none" }\non_unrecognised = "ignore"')
FALSE_ONLY = ('values = [{ equals = "0", mode = "off" }, { equals = "false", mode = "off" }, '
              '{ equals = "yes", mode = "unset" }]\nmatch = { case = "insensitive", trim = "none" }')


@pytest.mark.parametrize(("rules", "value", "mode", "status", "note"), [
    (NON_EMPTY_OFF, "0", "off", "decided", "values[0] matched (non_empty = true): off"),
    (NON_EMPTY_OFF, "false", "off", "decided", "values[0] matched"),
    (NON_EMPTY_OFF, "", "on", "unset", None),
    (NON_EMPTY_OFF + '\nmatch = { case = "sensitive", trim = "none" }', " ", "off", "decided", "values[0] matched"),
    (NON_EMPTY_OFF, " \t", "on", "unset", None),
    (NON_EMPTY_OFF + '\nmatch = { case = "sensitive", trim = "whitespace" }', "\u3000\n", "on", "unset", None),
    (PRINTED, "x,demo:*", "local", "decided", 'values[0] matched (contains = "demo:*"): local, printed, never sent'),
    (PRINTED, "*", "local", "decided", 'values[1] matched (equals = "*"): local, printed, never sent'),
    (PRINTED, " *", "on", "ignored", "ignored: fail-open, as demo does (' *' is a value it does not map)"),
    (PRINTED, "DEMO:*", "on", "ignored", "ignored: fail-open, as demo does"),
    (FALSE_ONLY, "FALSE", "off", "decided", 'values[1] matched (equals = "false"): off'),
    (FALSE_ONLY, " false", "off", "invalid", None),
    (FALSE_ONLY, "Yes", "on", "unset", 'values[2] matched (equals = "yes"): unset'),
    (FALSE_ONLY + '\non_unrecognised = "local"', "maybe", "local", "decided",
     "'maybe' is a value it does not map: counted as local (on_unrecognised)"),
    ('spellings = { on = ["1"], off = ["0"], local = [] }\nmatch = { case = "insensitive", trim = "none" }', " 1",
     "off", "invalid", None),
    ('spellings = { on = ["on"], off = ["off"], local = [] }\nmatch = { case = "sensitive", trim = "blanks" }',
     " on\t", "on", "decided", None),
    ('spellings = { on = ["on"], off = ["off"], local = [] }\nmatch = { case = "sensitive", trim = "blanks" }',
     "ON", "off", "invalid", None),
    ('spellings = { on = ["on"], off = ["off"], local = [] }\non_unrecognised = "ignore"', "ON ", "on", "decided",
     None),
], ids=["non-empty-0-is-off", "non-empty-false-is-off", "empty-is-unset", "untrimmed-blank-is-non-empty",
        "blanks-only-are-empty", "whitespace-trim-unicode-blanks-are-empty", "contains-is-local-with-why",
        "equals-star-is-local", "padded-star-is-ignored", "contains-is-case-sensitive", "equals-in-any-case",
        "untrimmed-value-is-invalid", "entry-mode-unset", "on-unrecognised-as-a-mode", "spellings-untrimmed",
        "spellings-trimmed-but-case-kept", "spellings-case-sensitive", "spellings-today-rule-with-ignore"])
def test_env_value_rules(home, monkeypatch, rules, value, mode, status, note):
    """A variable's value is read by its value map or spellings as ``match`` says; the trace names the entry."""
    monkeypatch.setenv("DEMO_STATS", value)
    decision = decide(policy_with(env_source(rules)))
    layer = decision.trace["env"]
    assert (decision.mode, layer.status) == (mode, status)
    if note is not None:
        assert any(line.startswith(note) for line in layer.notes), layer.notes
    if status == "invalid":
        assert decision.decided_by == "env" and "DEMO_STATS must be" in (layer.reason or "")


@pytest.mark.parametrize(("rule", "mode", "status"), [
    ('on_unrecognised = "ignore"', "on", "ignored"),
    ('on_invalid = "skip"', "off", "invalid"),
    ('on_unrecognised = "invalid"', "off", "invalid"),
    ('on_unrecognised = "off"', "off", "decided"),
], ids=["ignore-never-caps", "skip-still-caps-at-off", "invalid-is-today", "a-mode-decides"])
def test_ignored_is_the_explicit_fail_open(home, monkeypatch, rule, mode, status):
    """An ignored value is unset for the decision and never caps it at off; an invalid one (even skipped) does."""
    monkeypatch.setenv("DEMO_STATS", "perhaps")
    decision = decide(policy_with(env_source('values = [{ equals = "1", mode = "off" }]\n' + rule)))
    assert (decision.mode, decision.trace["env"].status) == (mode, status)


@pytest.mark.slow
def test_explain_marks_an_ignored_value(home, tmp_path):
    """`explain` prints the ignored value's row as "ignored" and the fail-open note under the table; --json too."""
    policy = tmp_path / "demo.toml"
    policy.write_text(demo_policy_text(env_source(PRINTED), default="on"))
    text = home.run("--policy", str(policy), "explain", env={"DEMO_STATS": "other:*"})
    assert text.returncode == 0, text.stderr
    assert any(line.split()[1:2] == ["env"] and line.endswith(" ignored") for line in text.stdout.splitlines())
    assert "   env: ignored: fail-open, as demo does ('other:*' is a value it does not map)" in text.stdout
    data = home.explain("--policy", str(policy), env={"DEMO_STATS": "other:*"})
    assert data["layers"][0]["status"] == "ignored" and data["mode"] == "on"
    assert data["layers"][0]["notes"] == ["ignored: fail-open, as demo does ('other:*' is a value it does not map)"]


# --- env: variables (a fallback) --------------------------------------------------------------------

FALLBACK = env_source('values = [{ equals = "1", mode = "off" }]\nmatch = { case = "insensitive", trim = "none" }\n'
                      'on_unrecognised = "ignore"', variable='variables = ["DEMO_A", "DEMO_B"]')


@pytest.mark.parametrize(("env", "mode", "location", "notes"), [
    ({"DEMO_A": "1", "DEMO_B": "0"}, "off", "$DEMO_A", ()),
    ({"DEMO_B": "1"}, "off", "$DEMO_B", ("read $DEMO_B: $DEMO_A unset or empty",)),
    ({"DEMO_A": "", "DEMO_B": "1"}, "off", "$DEMO_B", ("read $DEMO_B: $DEMO_A unset or empty",)),
    ({"DEMO_A": "0", "DEMO_B": "1"}, "on", "$DEMO_A", (("ignored: fail-open, as demo does ('0' is a value it does not "
                                                        "map)"),)),
    ({"DEMO_A": " ", "DEMO_B": "1"}, "on", "$DEMO_A", (("ignored: fail-open, as demo does (' ' is a value it does not "
                                                        "map)"),)),
    ({}, "on", "$DEMO_A or $DEMO_B", ()),
], ids=["first-set-is-read", "second-when-first-unset", "second-when-first-empty", "first-set-hides-second",
        "a-blank-is-not-empty", "neither-set"])
def test_variables_fall_back_as_python_or(home, monkeypatch, env, mode, location, notes):
    """`variables` reads the first variable set and not empty (A or B); the trace names the variable read."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in {"DEMO_A", "DEMO_B"} - set(env):
        monkeypatch.delenv(name, raising=False)
    layer = (decision := decide(policy_with(FALLBACK))).trace["env"]
    rules = tuple(note for note in layer.notes if not note.startswith("values["))
    assert (decision.mode, layer.location, rules) == (mode, location, notes)


# --- files: key_path, values ------------------------------------------------------------------------

TELEMETRY = ('key_path = ["telemetry", "enabled"]\nvalues = [{ equals = false, mode = "off" }]\n'
             'on_unrecognised = "ignore"\nformat = "json"')
ANGULAR = ('key_path = ["cli", "analytics"]\nvalues = [{ equals = false, mode = "off" }, '
           '{ equals = "", mode = "off" }, { type = "string", mode = "on" }, '
           '{ member = { key = "uid", type = "string" }, mode = "on" }, '
           '{ type = "null", mode = "unset", why = "not set" }]\non_unrecognised = "ignore"\nformat = "json"')
NUMBERS = ('key_path = ["browser", "gatherUsageStats"]\nvalues = [{ equals = true, mode = "on" }, '
           '{ equals = false, mode = "off" }, { equals = 0, mode = "off" }, { type = "integer", mode = "on" }]\n'
           'format = "toml"')


@pytest.mark.parametrize(("rules", "content", "mode", "status"), [
    (TELEMETRY, {"telemetry": {"enabled": False}}, "off", "decided"),
    (TELEMETRY, {"telemetry": False}, "on", "unset"),
    (TELEMETRY, {"telemetry": {"enabled": "false"}}, "on", "ignored"),
    (TELEMETRY, {"telemetry": {"enabled": 0}}, "on", "ignored"),
    (TELEMETRY, {}, "on", "unset"),
    (ANGULAR, {"cli": {"analytics": "6f1c2a1e"}}, "on", "decided"),
    (ANGULAR, {"cli": {"analytics": ""}}, "off", "decided"),
    (ANGULAR, {"cli": {"analytics": {"uid": "abc"}}}, "on", "decided"),
    (ANGULAR, {"cli": {"analytics": {"uid": 7}}}, "off", "ignored"),
    (ANGULAR, {"cli": {"analytics": True}}, "off", "ignored"),
    (ANGULAR, {"cli": {"analytics": None}}, "off", "unset"),
    (NUMBERS, "[browser]\ngatherUsageStats = 0\n", "off", "decided"),
    (NUMBERS, "[browser]\ngatherUsageStats = 2\n", "on", "decided"),
    (NUMBERS, "[browser]\ngatherUsageStats = 0.0\n", "off", "invalid"),
    (NUMBERS, "[browser]\ngatherUsageStats = \"true\"\n", "off", "invalid"),
    (NUMBERS, "[browser]\ngatherUsageStats = true\n", "on", "decided"),
    (NUMBERS, "browser = 1\n", "on", "unset"),
], ids=["only-json-false-is-off", "parent-not-a-table-is-unset", "string-false-is-ignored", "zero-is-not-false",
        "missing-step-is-unset", "user-id-is-on", "empty-id-is-off", "uid-member-is-on", "uid-of-wrong-type",
        "true-is-not-set", "null-by-type-is-unset", "toml-zero-is-off", "toml-integer-is-on", "float-is-not-integer",
        "string-is-not-boolean", "true-is-on", "toml-parent-not-a-table"])
def test_file_key_path_and_values(home, rules, content, mode, status):
    """A file key at a nested key path is read by the value map, typed (true is not 1, 0 is not 0.0)."""
    default = "off" if rules is ANGULAR else "on"
    path = "~/.demo/config.toml" if rules is NUMBERS else "~/.demo/config.json"
    folder = home.root / ".demo"
    folder.mkdir()
    (folder / path.rsplit("/", 1)[1]).write_text(content if isinstance(content, str) else json.dumps(content))
    decision = decide(policy_with(file_source(rules, path=path), default=default))
    assert (decision.mode, decision.trace["file"].status) == (mode, status)
    if rules is TELEMETRY and status == "decided":
        assert decision.trace["file"].notes == ("values[0] matched (equals = false): off",)


def test_file_value_error_names_file_key_and_accepted(home):
    """A value the map does not accept is invalid with a message naming the file, the key path and the entries."""
    (home.root / ".demo").mkdir()
    (home.root / ".demo" / "config.toml").write_text("[browser]\ngatherUsageStats = 0.5\n")
    layer = decide(policy_with(file_source(NUMBERS, path="~/.demo/config.toml"))).trace["file"]
    assert layer.reason == ("~/.demo/config.toml: key 'browser.gatherUsageStats' must be a value matching "
                            "equals = true; equals = false; equals = 0; type = \"integer\"; got 0.5")


def test_managed_value_map_caps_and_fails_closed(home, tmp_path):
    """A managed source reads by its value map too; a value it does not map fails closed (off)."""
    admin = tmp_path / "admin.json"
    sources = file_source('key_path = ["policy", "telemetry"]\nvalues = [{ equals = "basic", mode = "local" }]',
                          name="admin", kind="managed", path=str(admin))
    policy = policy_with(sources)
    admin.write_text(json.dumps({"policy": {"telemetry": "basic"}}))
    assert (decide(policy).mode, decide(policy).decided_by) == ("local", "admin")
    admin.write_text(json.dumps({"policy": {"telemetry": "full"}}))
    assert (decide(policy).mode, decide(policy).trace["admin"].status) == ("off", "invalid")


@pytest.mark.parametrize(("rules", "written", "refused"), [
    (NUMBERS + '\nwritable = true', "gatherUsageStats = false", None),
    (NUMBERS + '\nwritable = true', None, 'cannot hold local: its values do not read "local"'),
], ids=["false-written-at-the-key-path", "local-refused-by-the-map"])
def test_config_set_writes_at_the_key_path(home, rules, written, refused):
    """`config set` writes a two-step key path's key in its table; a mode its value map cannot read back is refused."""
    (home.root / ".demo").mkdir()
    config = home.root / ".demo" / "config.toml"
    config.write_text('[browser]\nother = "kept"\n')
    policy = policy_with(file_source(rules, path="~/.demo/config.toml"))
    if refused:
        with pytest.raises(ConfigFileError) as caught:
            write_consent("local", policy)
        assert refused in str(caught.value) and config.read_text() == '[browser]\nother = "kept"\n'
        return
    write_consent(False, policy)
    assert written in config.read_text() and 'other = "kept"' in config.read_text()
    assert decide(policy).mode == "off"


# --- files: requires -------------------------------------------------------------------------------

REQUIRES = ('requires = [{{ key_path = ["version"], equals = 1, always = {always} }}]\n'
            'key_path = ["cli", "analytics"]\nvalues = [{{ type = "string", mode = "on" }}]\n'
            'on_unrecognised = "ignore"\nformat = "json"')
ENV_FALSE = env_source('values = [{ equals = "false", mode = "off" }]')


@pytest.mark.parametrize(("content", "reason"), [
    ({"cli": {"analytics": "abc"}}, ("~/.demo/config.json: key 'version' must be 1 (the file is refused otherwise); "
                                    "got nothing (the key is missing)")),
    ({"version": 2, "cli": {"analytics": "abc"}}, ("~/.demo/config.json: key 'version' must be 1 (the file is refused "
                                                  "otherwise); got 2")),
    ({"version": "1", "cli": {"analytics": "abc"}}, ("key 'version' must be 1 (the file is refused otherwise); got "
                                                    "\"1\"")),
    ("analytics: yes", "~/.demo/config.json: not valid JSON"),
    ([1], "~/.demo/config.json: holds a JSON list, not an object; it must hold version = 1"),
], ids=["version-missing", "version-2", "version-a-string", "not-json", "not-an-object"])
def test_requires_always_is_an_error_whatever_decides(home, monkeypatch, content, reason):
    """A file that does not meet a requirement with always = true makes decide() raise, even below a decision."""
    (home.root / ".demo").mkdir()
    (home.root / ".demo" / "config.json").write_text(content if isinstance(content, str) else json.dumps(content))
    monkeypatch.setenv("DEMO_STATS", "false")
    policy = policy_with(ENV_FALSE + file_source(REQUIRES.format(always="true")), default="off")
    with pytest.raises(ConsentValueError) as caught:
        decide(policy)
    assert reason in str(caught.value)
    shown = explain(policy)
    assert shown.mode == "off" and shown.trace["file"].status == "invalid"
    assert reason in (shown.trace["file"].reason or "") and "always = true" in shown.trace["file"].notes[0]


@pytest.mark.parametrize(("always", "env", "mode", "raises"), [
    ("false", None, "off", False),
    ("false", "false", "off", False),
    ("true", None, "off", True),
], ids=["not-always-is-invalid", "not-always-below-a-decision", "always-raises"])
def test_requires_without_always_is_an_invalid_source(home, monkeypatch, always, env, mode, raises):
    """Without always, an unmet requirement makes the source invalid (its on_invalid applies); with it, an error."""
    (home.root / ".demo").mkdir()
    (home.root / ".demo" / "config.json").write_text(json.dumps({"version": 2, "cli": {"analytics": "abc"}}))
    if env is not None:
        monkeypatch.setenv("DEMO_STATS", env)
    policy = policy_with(ENV_FALSE + file_source(REQUIRES.format(always=always)), default="on")
    if raises:
        with pytest.raises(ConsentValueError):
            decide(policy)
        return
    assert decide(policy).mode == mode


def test_requires_met_reads_the_key(home):
    """A file that meets its requirement is read as usual."""
    (home.root / ".demo").mkdir()
    (home.root / ".demo" / "config.json").write_text(json.dumps({"version": 1, "cli": {"analytics": "abc"}}))
    decision = decide(policy_with(file_source(REQUIRES.format(always="true")), default="off"))
    assert (decision.mode, decision.decided_by) == ("on", "file")


@pytest.mark.slow
def test_decide_exits_1_on_an_unmet_always_requirement(home, tmp_path):
    """`decide` exits 1 with one line naming the file, key, required and found value; `explain` shows it, exit 0."""
    policy = tmp_path / "demo.toml"
    policy.write_text(demo_policy_text(ENV_FALSE + file_source(REQUIRES.format(always="true")), default="off"))
    (home.root / ".demo").mkdir()
    (home.root / ".demo" / "config.json").write_text(json.dumps({"version": 2}))
    result = home.run("--policy", str(policy), "decide", env={"DEMO_STATS": "false"})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("usage-consent: ~/.demo/config.json: key 'version' must be 1 (the file is refused "
                             "otherwise); got 2\n")
    shown = home.run("--policy", str(policy), "explain", env={"DEMO_STATS": "false"})
    assert shown.returncode == 0 and "key 'version' must be 1" in shown.stdout and "always = true" in shown.stdout


# --- bad policies ----------------------------------------------------------------------------------

BAD = [
    ("managed-fail-open", file_source('on_unrecognised = "ignore"', name="admin", kind="managed", path="/etc/d.json"),
     "sources[0].on_unrecognised: a managed source takes no on_unrecognised"),
    ("key-path-and-key", file_source('key_path = ["a"]\nkey = "b"'),
     "sources[0].key_path: replaces section and key; give one form or the other"),
    ("key-path-too-deep", file_source('key_path = ["a","b","c","d","e","f","g","h","i"]'), "sources[0].key_path"),
    ("key-path-empty-step", file_source('key_path = ["a", ""]'), "sources[0].key_path[1]"),
    ("ini-key-path-one-step", file_source('format = "ini"\nkey_path = ["a"]'),
     "sources[0].key_path: an INI file's key is two steps, [section, key]"),
    ("values-and-spellings", env_source('values = [{ non_empty = true, mode = "off" }]\n'
                                        'spellings = { on = ["1"], off = [], local = [] }'),
     "sources[0].values: give values or spellings, not both"),
    ("match-and-strip", env_source('match = { case = "sensitive" }\nstrip = false'),
     "sources[0].match: give match or strip, not both"),
    ("variable-and-variables", env_source('variables = ["A", "B"]'),
     "sources[0].variables: give variable or variables (a fallback between several), not both"),
    ("no-variable", env_source("", variable=""), "sources[0].variable: missing; this field is required"),
    ("one-variable-in-variables", env_source("", variable='variables = ["A"]'), "sources[0].variables"),
    ("two-matchers", env_source('values = [{ equals = "1", non_empty = true, mode = "off" }]'),
     ("sources[0].values[0]: give exactly one matcher of equals, type, non_empty, contains, member; got equals, "
     "non_empty")),
    ("no-matcher", env_source('values = [{ mode = "off" }]'), "got none"),
    ("bad-mode", env_source('values = [{ equals = "1", mode = "maybe" }]'), "sources[0].values[0].mode"),
    ("why-too-long", env_source(f'values = [{{ equals = "1", mode = "off", why = "{"x" * 81}" }}]'),
     "sources[0].values[0].why"),
    ("env-equals-a-number", env_source('values = [{ equals = 1, mode = "off" }]'),
     "sources[0].values[0]: a variable's value is text: equals takes a string"),
    ("env-member", env_source('values = [{ member = { key = "a", type = "string" }, mode = "on" }]'),
     "a variable's value is text"),
    ("match-on-a-file-without-values", file_source('match = { case = "sensitive" }'),
     "sources[0].match: only with values"),
    ("accept-local-with-values", file_source('values = [{ equals = false, mode = "off" }]\naccept_local = false'),
     "sources[0].accept_local: only without values"),
    ("writable-deep-key-path", file_source('key_path = ["a", "b", "c"]\nwritable = true'),
     "sources[0].writable: config set writes a key at most two steps deep"),
    ("bad-trim", env_source('match = { trim = "all" }'), "sources[0].match.trim"),
    ("bad-on-unrecognised", env_source('on_unrecognised = "skip"'), "sources[0].on_unrecognised"),
    ("requires-without-equals", file_source('requires = [{ key_path = ["version"] }]'),
     "sources[0].requires[0].equals: missing"),
    ("too-many-entries", env_source("values = [" + ", ".join(['{ equals = "1", mode = "off" }'] * 33) + "]"),
     "sources[0].values"),
]


@pytest.mark.parametrize(("sources", "problem"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_value_rules_are_refused_naming_source_and_key(sources, problem):
    """A policy with a bad value rule is refused with a one-line problem naming the source and the key."""
    with pytest.raises(PolicyError) as caught:
        parse_policy(demo_policy_text(sources, default="on"), "demo.toml")
    lines = [line for line in str(caught.value).splitlines() if line.startswith("demo.toml: ")]
    assert any(problem in line for line in lines), str(caught.value)


# --- properties ------------------------------------------------------------------------------------

MODES = st.sampled_from(["on", "off", "local", "unset"])
TEXTS = st.sampled_from(["1", "0", "true", "false", "on", "off", "local", "", " ", "*", "demo:*", "TRUE", "yes"])
ENV_ENTRIES = st.lists(st.one_of(
    st.builds(lambda text, mode: {"equals": text, "mode": mode}, TEXTS, MODES),
    st.builds(lambda mode: {"non_empty": True, "mode": mode}, MODES),
    st.builds(lambda text, mode: {"contains": text or "x", "mode": mode}, TEXTS, MODES),
    st.builds(lambda mode: {"type": "string", "mode": mode}, MODES),
), min_size=1, max_size=5)
FILE_ENTRIES = st.lists(st.one_of(
    st.builds(lambda value, mode: {"equals": value, "mode": mode},
              st.one_of(TEXTS, st.booleans(), st.integers(-2, 2), st.sampled_from([0.0, 1.0, 0.5])), MODES),
    st.builds(lambda kind, mode: {"type": kind, "mode": mode},
              st.sampled_from(["string", "boolean", "integer", "float", "null", "table", "array"]), MODES),
    st.builds(lambda mode: {"non_empty": True, "mode": mode}, MODES),
    st.builds(lambda mode: {"member": {"key": "uid", "type": "string"}, "mode": mode}, MODES),
), min_size=1, max_size=5)
MATCHES = st.fixed_dictionaries({}, optional={"case": st.sampled_from(["insensitive", "sensitive"]),
                                              "trim": st.sampled_from(["none", "blanks", "whitespace"])})
UNRECOGNISED = st.sampled_from(["invalid", "ignore", "off", "local"])



def _rules(entries: list[dict], match: dict, unrecognised: str) -> str:
    values = "values = [" + ", ".join(toml_inline(entry) for entry in entries) + "]"
    return f"{values}\nmatch = {toml_inline(match)}\non_unrecognised = \"{unrecognised}\""


def _may_turn_on(entries: list[dict]) -> bool:
    return any(entry["mode"] == "on" for entry in entries)




@pytest.mark.slow
@budget(120)
@given(env_values, ENV_ENTRIES, MATCHES, UNRECOGNISED)
def test_env_value_map_never_turns_on_unmapped_values(value, entries, match, unrecognised):
    """Properties: decide() never raises; with a default of off, the decision is on only when an entry that maps
    to on matched (its note says so); an ignored value is never on by itself; nothing is written."""
    rules = _rules(entries, match, unrecognised)
    policy = policy_with(env_source(rules), default="off")
    with fresh_home() as home, variable("DEMO_STATS", value):
        decision = decide(policy)
        layer = decision.trace["env"]
        if decision.mode == "on":
            assert _may_turn_on(entries) and layer.status == "decided"
            assert any(re.search(r"^values\[\d\] matched \(.*\): on(, |$)", note) for note in layer.notes)
        if layer.status == "ignored":
            assert decision.mode == "off" and unrecognised == "ignore"
        assert not home.skyplane.exists() or list(home.skyplane.iterdir()) == []
        assert not (home.root / ".demo").exists()


@pytest.mark.slow
@budget(120)
@given(json_values, FILE_ENTRIES, MATCHES, UNRECOGNISED, st.booleans())
def test_file_value_map_never_turns_on_unmapped_values(value, entries, match, unrecognised, nested):
    """Properties: decide() never raises; with a default of off, the decision is on only when an entry that maps
    to on matched; the config file is never modified (byte for byte)."""
    rules = _rules(entries, match, unrecognised) + ('\nkey_path = ["a", "b"]' if nested else '\nkey = "b"')
    policy = policy_with(file_source(rules), default="off")
    try:
        text = json.dumps({"a": {"b": value}} if nested else {"b": value}).encode()
    except ValueError:
        return
    with fresh_home() as home:
        (home.root / ".demo").mkdir()
        config = home.root / ".demo" / "config.json"
        config.write_bytes(text)
        decision = decide(policy)
        explain(policy)
        layer = decision.trace["file"]
        if decision.mode == "on":
            assert _may_turn_on(entries) and layer.status == "decided"
        if layer.status == "ignored":
            assert decision.mode == "off" and unrecognised == "ignore"
        assert config.read_bytes() == text


@pytest.mark.parametrize("sources", [FALLBACK, env_source(NON_EMPTY_OFF)], ids=["variables", "variable"])
def test_isolated_home_unsets_every_variable_a_source_reads(monkeypatch, sources):
    """`usage_consent.testing.isolated_home` unsets each variable a source reads (`variables` too), then restores it."""
    from usage_consent.testing import isolated_home

    for name in ("DEMO_A", "DEMO_B", "DEMO_STATS"):
        monkeypatch.setenv(name, "1")
    with isolated_home(policy_with(sources)):
        assert decide(policy_with(sources)).mode == "on"
        read = {"DEMO_A", "DEMO_B"} if "variables" in sources else {"DEMO_STATS"}
        assert not read & set(os.environ)
    assert {os.environ[name] for name in ("DEMO_A", "DEMO_B", "DEMO_STATS")} == {"1"}
