"""Policy documents: the embedded one round-trips, bad ones are rejected naming file and TOML path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import HUGE

from usage_consent.cli._policy_cmd import policy_json_schema
from usage_consent.policy import PolicyError, decide, embedded_policy, load_policy
from usage_consent.policy._load import parse_policy, policy_to_toml

GOOD = policy_to_toml(embedded_policy())
REPO = Path(__file__).resolve().parents[2]


def _with(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


BAD_POLICIES = [
    ("unknown-kind", _with('kind = "notice"', 'kind = "envv"'),
     ('sources[4].kind: unknown kind "envv"; expected one of env, do_not_track, config_file, ci, managed, notice, '
     'fixed, default')),
    ("missing-kind", _with('kind = "notice", ', ""), "sources[4].kind: missing; expected one of env"),
    ("duplicate-names", _with('name = "notice"', 'name = "env"'),
     'sources[4].name: "env" is already the name of sources[0]; names must be unique'),
    ("missing-app", _with('app = "skyplane"\n', ""), "app: missing; this field is required"),
    ("missing-variable", _with(', variable = "SKYPLANE_USAGE_STATS_ENABLED"', ""),
     "sources[0].variable: missing; this field is required"),
    ("wrong-type-key", _with('key = "usage_stats"', "key = 1"), "key: Input should be a valid string; got 1"),
    ("wrong-type-sources", GOOD.split("sources = [")[0] + 'sources = "env"\n[notice]\ntitle = "t"\nbody = "b"\n',
     "sources: Input should be a valid tuple; got 'env'"),
    ("bad-default-value", _with('value = "on"', 'value = "maybe"'),
     "sources[5].value: Input should be 'on', 'off' or 'local'; got 'maybe'"),
    ("bad-on-invalid", _with('on_invalid = "off"', 'on_invalid = "ignore"'),
     "on_invalid: Input should be 'off' or 'skip'; got 'ignore'"),
    ("unknown-key", _with('key = "usage_stats"', 'key = "usage_stats"\ncolour = "blue"'),
     "colour: unknown key; remove it or check its spelling"),
    ("unknown-source-key", _with('kind = "notice"', 'kind = "notice", path = "x"'),
     "sources[4].path: unknown key; remove it or check its spelling"),
    ("source-after-default", _with('{ kind = "default", name = "default", value = "on" },',
                                   '{ kind = "default", name = "default", value = "on" },\n'
                                   '    { kind = "env", name = "late", variable = "LATE" },'),
     "sources[6]: comes after the default source and could never decide"),
    ("bad-app-name", _with('app = "skyplane"', 'app = "../etc"'), "app: String should match pattern"),
    ("spelling-twice", _with('local = [\n    "local",', 'local = [\n    "local",\n    "yes",'),
     'spellings: "yes" is listed under both on and local'),
    ("not-toml", "app = \"x\"\nkey = = 1\n", "not valid TOML: Invalid value (at line 2, column 7)"),
]


@pytest.mark.parametrize(("text", "problem"), [b[1:] for b in BAD_POLICIES], ids=[b[0] for b in BAD_POLICIES])
def test_bad_policy_is_rejected_naming_file_and_path(tmp_path, text, problem):
    """load_policy raises PolicyError whose message names the file and the TOML path of the problem."""
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert f"{path}: {problem}" in str(caught.value)
    assert caught.value.path == str(path)


@pytest.mark.slow
@pytest.mark.parametrize(("text", "problem"), [b[1:] for b in BAD_POLICIES[:4]], ids=[b[0] for b in BAD_POLICIES[:4]])
def test_policy_check_command_exits_1_with_the_problem(home, text, problem):
    """`policy check FILE` and `--policy FILE explain` exit 1 and print the problem to stderr."""
    path = home.root / "policy.toml"
    path.write_text(text)
    for args in (("policy", "check", str(path)), ("--policy", str(path), "explain")):
        result = home.run(*args)
        assert result.returncode == 1
        assert problem in result.stderr and result.stdout == ""


@pytest.mark.slow
def test_policy_check_reports_every_problem_at_once(home):
    """Several problems in one file are all listed, one per line."""
    text = _with('kind = "notice"', 'kind = "envv"').replace('key = "usage_stats"', "key = 1", 1)
    path = home.root / "policy.toml"
    path.write_text(text.replace('name = "default"', 'name = "env"'))
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1
    assert "3 problem(s)" in result.stderr
    assert 'unknown kind "envv"' in result.stderr and "key: Input should be a valid string" in result.stderr
    assert '"env" is already the name of sources[0]' in result.stderr


@pytest.mark.slow
def test_embedded_policy_round_trips_through_policy_show(home):
    """`policy show` prints TOML that `policy check` accepts and that loads to the same policy."""
    shown = home.run("policy", "show")
    assert shown.returncode == 0
    path = home.root / "mine.toml"
    path.write_text(shown.stdout)
    assert home.run("policy", "check", str(path)).returncode == 0
    assert load_policy(path) == embedded_policy()


def test_embedded_policy_has_the_six_sources_in_order():
    """Skyplane's policy declares env, do_not_track, config_file, ci, notice, default, highest first."""
    policy = embedded_policy()
    assert [(s.name, s.kind) for s in policy.sources] == [
        ("env", "env"), ("do_not_track", "do_not_track"), ("config_file", "config_file"),
        ("ci", "ci"), ("notice", "notice"), ("default", "default")]
    assert policy.sources[0].variable == "SKYPLANE_USAGE_STATS_ENABLED"
    assert policy.config_file == "~/.skyplane/config.json" and policy.key == "usage_stats"


def test_shipped_policy_json_schema_matches_the_model():
    """schemas/policy.schema.json is exactly the policy model's JSON Schema (regenerate with
    `usage-consent policy json-schema > schemas/policy.schema.json`)."""
    shipped = json.loads((REPO / "schemas" / "policy.schema.json").read_text())
    assert shipped == policy_json_schema()


@pytest.mark.slow
def test_custom_policy_changes_the_order(home, monkeypatch):
    """Precedence is data: a policy that puts the config file above the env variable obeys it."""
    text = GOOD.replace(
        '    { kind = "env", name = "env", variable = "SKYPLANE_USAGE_STATS_ENABLED" },\n', "").replace(
        '    { kind = "config_file", name = "config_file" },\n',
        '    { kind = "config_file", name = "config_file" },\n'
        '    { kind = "env", name = "env", variable = "SKYPLANE_USAGE_STATS_ENABLED" },\n')
    policy = parse_policy(text, "reordered.toml")
    home.mark_notice_shown()
    home.write_config({"usage_stats": False})
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    assert (decide(policy).mode, decide(policy).decided_by) == ("off", "config_file")
    path = home.root / "reordered.toml"
    path.write_text(text)
    report = home.explain("--policy", str(path), env={"SKYPLANE_USAGE_STATS_ENABLED": "1"})
    assert (report["mode"], report["decided_by"]) == ("off", "config_file")


def test_embedded_policy_built_without_validation_equals_the_validated_one():
    """The embedded policy is read from its JSON twin without validation on the hot path; the twin
    must hold exactly the validated TOML document."""
    from pathlib import Path

    from usage_consent.policy import _load as load_module

    folder = Path(load_module.__file__).parent
    validated = parse_policy((folder / load_module.EMBEDDED_NAME).read_text(), "skyplane.toml")
    compiled = json.loads((folder / load_module.EMBEDDED_COMPILED).read_text())
    assert compiled == validated.model_dump(mode="json", exclude_none=True), (
        "policy/skyplane.json differs from skyplane.toml; run: usage-consent policy show --json > policy/skyplane.json")
    assert embedded_policy() == validated
    assert policy_to_toml(embedded_policy()) == policy_to_toml(validated)
    assert hash(embedded_policy()) == hash(validated)


@pytest.mark.parametrize("name", ["skyplane", "skyplane-0.3"])
def test_each_shipped_policy_has_a_json_twin_of_its_validated_toml(name):
    """A memo hit finds the memo through a shipped policy's JSON twin (no tomllib): the twin beside
    its TOML file holds exactly the validated TOML document."""
    from usage_consent.policy._paths import SHIPPED, compiled_twin, policy_file

    toml = policy_file(name)
    twin = compiled_twin(toml)
    assert twin is not None and Path(twin).name == SHIPPED[name].replace(".toml", ".json")
    validated = parse_policy(Path(toml).read_text(), SHIPPED[name])
    assert json.loads(Path(twin).read_text()) == validated.model_dump(mode="json", exclude_none=True), (
        f"{Path(twin).name} differs from {SHIPPED[name]}; run: usage-consent --policy {name} policy show --json > "
        f"policy/{Path(twin).name}")


def test_only_a_shipped_policy_has_a_json_twin(tmp_path):
    """A policy file of the host's own (even one named like a shipped one) has no twin: its TOML is read."""
    own = tmp_path / "skyplane-0.3.toml"
    own.write_text("")
    from usage_consent.policy._paths import compiled_twin

    assert compiled_twin(str(own)) is None


# --- issue 8's reproductions ---------------------------------------------------------------------

POLICY_FILES = [
    ("deep-toml", "a = " + "[" * 3000 + "]" * 3000, "nested too deeply"),
    ("huge-int-toml", f"app = {HUGE}", "not usable TOML"),
    ("not-utf8-toml", b"app = '\xff'", "cannot be read"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("content", "text"), [p[1:] for p in POLICY_FILES], ids=[p[0] for p in POLICY_FILES])
def test_policy_check_names_the_file_without_a_traceback(home, content, text):
    """Issue 8 reproduction: `policy check` on a deeply nested, huge-number or non-UTF-8 TOML file exits 1 with the file
    named."""
    path = home.root / "policy.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}: " in result.stderr and text in result.stderr


@pytest.mark.parametrize("path", ["~nosuchuser-x/state.json", "state.json", "./.skyplane/state.json"],
                         ids=["unknown-user", "relative", "dot-relative"])
def test_policy_path_that_is_not_absolute_is_refused(home, tmp_path, monkeypatch, path):
    """Issue 8 reproduction: A policy whose state file is not absolute once expanded is off, names the path, writes
    nothing in the cwd."""
    from usage_consent.policy import embedded_policy
    from usage_consent.policy._load import parse_policy, policy_to_toml

    text = policy_to_toml(embedded_policy()).replace('"~/.skyplane/usage_stats_state.json"', json.dumps(path))
    policy = parse_policy(text, "relative.toml")
    monkeypatch.chdir(tmp_path)
    home.write_config({"usage_stats": True})
    decision = decide(policy)
    assert decision.mode == "off" and "is not an absolute path" in str(decision.trace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
