"""``indirection`` on a config_file source: a string value starting with its prefix names an
environment variable whose value is read instead, made a number as Streamlit 1.67.0's
``_maybe_read_env_variable`` and ``_maybe_convert_to_number`` do (int(), else float(), else the
text; a variable that is not set leaves the value as written), then mapped as any value. The
source is never cached (the file names the variable), a managed source refuses the key, and the
trace notes the variable read."""

from __future__ import annotations

import json
import re

import pytest
from fuzz_inputs import budget, env_values, fresh_home
from helpers import demo_policy, demo_policy_text, one_line_error, toml_inline, variable
from hypothesis import given
from hypothesis import strategies as st

from usage_consent.policy import PolicyError, decide, explain
from usage_consent.policy._load import parse_policy
from usage_consent.policy._sources import KINDS

NUMBERS = ('values = [{ equals = true, mode = "on" }, { equals = false, mode = "off" }, { equals = 0, mode = "off" }, '
           '{ type = "integer", mode = "on" }]')
TEXT = ('values = [{ equals = "0", mode = "off" }]\nmatch = { case = "sensitive", trim = "none" }\n'
        'indirection = { prefix = "$" }')  # the variable's text, compared exactly
STREAMLIT = NUMBERS + '\nindirection = { prefix = "env:", convert = "number" }'


def source(rules: str, kind: str = "config_file", path: str = "~/.demo/config.toml") -> str:
    """A file source reading [browser] gatherUsageStats of a TOML file, with ``rules``."""
    return (f'[[sources]]\nname = "file"\nkind = "{kind}"\npath = "{path}"\nformat = "toml"\n'
            f'key_path = ["browser", "gatherUsageStats"]\n{rules}\n')


def policy_with(rules: str, default: str = "on"):
    return demo_policy(source(rules), default=default, config_file="~/.demo/config.toml")


def write_value(root, written: str) -> bytes:
    """The config file holding ``written`` (a TOML value) at browser.gatherUsageStats; its bytes."""
    folder = root / ".demo"
    folder.mkdir(exist_ok=True)
    text = f"[browser]\ngatherUsageStats = {written}\n".encode()
    (folder / "config.toml").write_bytes(text)
    return text


@pytest.mark.parametrize(("rules", "written", "env", "mode", "status", "note"), [
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "0"}, "off", "decided",
     '"env:DEMO_GATHER": read $DEMO_GATHER = "0", as a number 0'),
    (STREAMLIT, '"env:DEMO_GATHER"', {}, "off", "invalid",
     '"env:DEMO_GATHER" names $DEMO_GATHER, which is not set: the value stays as written'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": ""}, "off", "invalid",
     '"env:DEMO_GATHER": read $DEMO_GATHER = "", kept as text (not a number)'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "true"}, "off", "invalid",
     '"env:DEMO_GATHER": read $DEMO_GATHER = "true", kept as text (not a number)'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "env:DEMO_OTHER", "DEMO_OTHER": "1"}, "off", "invalid",
     '"env:DEMO_GATHER": read $DEMO_GATHER = "env:DEMO_OTHER", kept as text'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": " 1\n"}, "on", "decided", 'as a number 1'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "-0"}, "off", "decided", 'as a number 0'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "1_0"}, "on", "decided", 'as a number 10'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "0.0"}, "off", "invalid", 'as a number 0.0'),
    (STREAMLIT, '"env:DEMO_GATHER"', {"DEMO_GATHER": "nan"}, "off", "invalid", 'as a number NaN'),
    (STREAMLIT, '"ENV:DEMO_GATHER"', {"DEMO_GATHER": "1"}, "off", "invalid", None),
    (STREAMLIT, '" env:DEMO_GATHER"', {"DEMO_GATHER": "1"}, "off", "invalid", None),
    (STREAMLIT, '"env:"', {}, "off", "invalid", '"env:" names the variable "", which is not set'),
    (STREAMLIT, '"env:A B"', {}, "off", "invalid", '"env:A B" names the variable "A B", which is not set'),
    (STREAMLIT, "false", {"DEMO_GATHER": "1"}, "off", "decided", "values[1] matched"),
    (TEXT, '"$DEMO_GATHER"', {"DEMO_GATHER": "0"}, "off", "decided",
     '"$DEMO_GATHER": read $DEMO_GATHER = "0"'),
    (TEXT, '"$DEMO_GATHER"', {"DEMO_GATHER": " 0"}, "off", "invalid", None),
], ids=["set", "unset", "empty", "non-numeric", "nested", "padded-number", "signed-zero", "underscores",
        "float-is-not-integer", "nan-is-a-float", "prefix-is-case-sensitive", "prefix-is-not-trimmed",
        "empty-name", "name-not-a-variable-name", "no-prefix-read-as-written", "text-kept-as-text",
        "text-compared-as-match-says"])
def test_indirection_reads_the_namedvariable(home, monkeypatch, rules, written, env, mode, status, note):
    """A value with the prefix is replaced by the named variable's value (converted as ``convert`` says) and mapped."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    write_value(home.root, written)
    decision = decide(policy_with(rules))
    layer = decision.trace["file"]
    assert (decision.mode, layer.status) == (mode, status)
    assert layer.raw == written
    if note is not None:
        assert any(note in line for line in layer.notes), layer.notes


def test_error_names_the_value_read_and_thevariable(home, monkeypatch):
    """A value the map does not take is invalid with a message naming the file, the key, the value read and why."""
    monkeypatch.setenv("DEMO_GATHER", "yes")
    write_value(home.root, '"env:DEMO_GATHER"')
    layer = decide(policy_with(STREAMLIT)).trace["file"]
    assert layer.reason == ("~/.demo/config.toml: key 'browser.gatherUsageStats' must be a value matching "
                            'equals = true; equals = false; equals = 0; type = "integer"; got "yes" '
                            '("env:DEMO_GATHER": read $DEMO_GATHER = "yes", kept as text (not a number))')


def test_the_source_is_volatile_and_never_stale(home, monkeypatch):
    """With indirection the source's inputs are volatile (the file names the variable): a change of it is seen."""
    policy = policy_with(STREAMLIT)
    spec = policy.sources[0]
    assert KINDS[spec.kind].inputs(policy, spec).volatile
    plain = policy_with(NUMBERS)
    assert not KINDS["config_file"].inputs(plain, plain.sources[0]).volatile
    write_value(home.root, '"env:DEMO_GATHER"')
    monkeypatch.setenv("DEMO_GATHER", "0")
    assert decide(policy).mode == "off"
    monkeypatch.setenv("DEMO_GATHER", "1")
    assert decide(policy).mode == "on"


def test_explain_notes_the_variable_read(home, monkeypatch):
    """`explain` shows the variable read and the entry that matched, in order, on the source's row."""
    monkeypatch.setenv("DEMO_GATHER", "0")
    write_value(home.root, '"env:DEMO_GATHER"')
    layer = explain(policy_with(STREAMLIT)).trace["file"]
    assert layer.notes == ('"env:DEMO_GATHER": read $DEMO_GATHER = "0", as a number 0',
                           "values[2] matched (equals = 0): off")


MANAGED = source(STREAMLIT, kind="managed", path="/etc/demo.toml")
REFUSED = "sources[0].indirection: a managed source has no indirection"


def test_managed_source_refuses_indirection():
    """A managed source with indirection is refused at load, with the reason on one problem line."""
    with pytest.raises(PolicyError) as caught:
        parse_policy(demo_policy_text(MANAGED, default="on", config_file="~/.demo/config.toml"), "demo.toml")
    problems = [line for line in str(caught.value).splitlines() if "sources[0]" in line]
    assert len(problems) == 1 and REFUSED in problems[0] and "ceiling" in problems[0], str(caught.value)


@pytest.mark.slow
def test_policy_check_refuses_indirection_on_managed(home, tmp_path):
    """`usage-consent policy check` refuses it too: exit 1, the reason on one line, no traceback."""
    path = tmp_path / "policy.toml"
    path.write_text(demo_policy_text(MANAGED, default="on", config_file="~/.demo/config.toml"))
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if "sources[0]" in line]
    assert len(problems) == 1 and f"{path}: {REFUSED}" in problems[0], result.stderr
    one_line_error(home.run("--policy", str(path), "decide"), 1, REFUSED)


@pytest.mark.slow
def test_decide_reads_the_variable_in_a_subprocess(home):
    """The real command reads the variable the file names, afresh each run: its value decides, explain notes it."""
    write_value(home.root, '"env:DEMO_GATHER"')
    path = home.root / "demo.toml"
    path.write_text(demo_policy_text(source(STREAMLIT), default="on", config_file="~/.demo/config.toml"))
    data = home.explain("--policy", str(path), env={"DEMO_GATHER": " 0 "})
    assert data["mode"] == "off"
    assert data["layers"][0]["notes"][0] == '"env:DEMO_GATHER": read $DEMO_GATHER = " 0 ", as a number 0'
    for value, mode in (("1", "on"), ("1", "on"), ("0", "off"), ("1", "on")):  # never a memo's stale answer
        result = home.run("--policy", str(path), "decide", "--json", env={"DEMO_GATHER": value})
        assert json.loads(result.stdout)["mode"] == mode, result.stderr


# --- properties ------------------------------------------------------------------------------------

MODES = st.sampled_from(["on", "off", "local", "unset"])
ENTRIES = st.lists(st.one_of(
    st.builds(lambda value, mode: {"equals": value, "mode": mode},
              st.one_of(st.sampled_from(["1", "0", "true", "", "env:DEMO_GATHER"]), st.booleans(), st.integers(-2, 2),
                        st.sampled_from([0.0, 1.0])), MODES),
    st.builds(lambda kind, mode: {"type": kind, "mode": mode},
              st.sampled_from(["string", "boolean", "integer", "float"]), MODES),
    st.builds(lambda mode: {"non_empty": True, "mode": mode}, MODES),
), min_size=1, max_size=4)
NUMBER_LIKE = st.one_of(st.integers().map(str), st.floats().map(str),
                        st.sampled_from(["1_0", " 1 ", "\u0661", "+0", "-1", "1e3", "inf", "0x1", "9" * 5000,
                                         "1\udcff"]))  # a byte that is not UTF-8 (surrogate escape)





@pytest.mark.slow
@budget(150)
@given(st.one_of(st.none(), env_values, NUMBER_LIKE), ENTRIES, st.sampled_from(["invalid", "ignore", "off", "local"]),
       st.sampled_from(["number", "none"]))
def test_indirection_never_turns_on_an_unmapped_value(value, entries, unrecognised, convert):
    """Properties: decide() and explain() never raise; with a default of off the decision is on only when an
    entry that maps to on matched the value read (its note says so); the trace notes the variable (set or not), in
    text that encodes as UTF-8 (a byte that is not UTF-8 is escaped); the config file is never modified."""
    rules = (f"values = [{', '.join(toml_inline(entry) for entry in entries)}]\non_unrecognised = \"{unrecognised}\"\n"
             f'indirection = {{ prefix = "env:", convert = "{convert}" }}')
    policy = policy_with(rules, default="off")
    with fresh_home() as home, variable("DEMO_GATHER", value):
        text = write_value(home.root, '"env:DEMO_GATHER"')
        decision = decide(policy)
        explain(policy)
        layer = decision.trace["file"]
        if decision.mode == "on":
            assert any(entry["mode"] == "on" for entry in entries) and layer.status == "decided"
            assert any(re.search(r"^values\[\d\] matched \(.*\): on$", note) for note in layer.notes), layer.notes
        if layer.status == "ignored":
            assert decision.mode == "off" and unrecognised == "ignore"
        expected = "which is not set" if value is None else "read $DEMO_GATHER = "
        assert expected in layer.notes[0], layer.notes
        for line in (*layer.notes, layer.reason or ""):
            line.encode()  # raises on a lone surrogate
        assert (home.root / ".demo" / "config.toml").read_bytes() == text
