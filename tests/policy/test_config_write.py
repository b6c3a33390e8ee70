"""`config set|get|unset`: strict values, atomic locked writes that keep every other key."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest
from helpers import HUGE, RAY, demo_policy_text

from usage_consent.errors import UsageConsentError
from usage_consent.policy import ConfigFileError, ConsentValueError, decide, explain, write_consent
from usage_consent.policy._load import embedded_policy, policy_to_toml

SPELLINGS = [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("On", True),
    ("false", False), ("False", False), ("0", False), ("NO", False), ("off", False),
    ("local", "local"), ("LOCAL", "local"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("value", "stored"), SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_set_writes_json_value_and_keeps_other_keys(home, value, stored):
    """Every accepted spelling is stored as JSON true, false or "local"; other keys stay as they were."""
    others = {"aws_enabled": True, "regions": ["aws:us-east-1", "gcp:us-central1"],
              "nested": {"a": 1, "b": [None, 2.5]}, "ünïcode": "ok"}
    home.write_config(others)
    result = home.run("config", "set", "usage_stats", value)
    assert result.returncode == 0, result.stderr
    assert home.config_data() == {**others, "usage_stats": stored}
    assert list(home.config_data())[:4] == list(others)
    assert home.run("config", "get", "usage_stats").stdout.strip() == json.dumps(stored).strip('"')


BAD_VALUES = ["maybe", "2", "", "ture", "enable", "null"]


@pytest.mark.slow
@pytest.mark.parametrize("value", BAD_VALUES, ids=[v or "empty" for v in BAD_VALUES])
def test_set_unknown_value_exits_2_and_changes_nothing(home, value):
    """An unknown VALUE is bad usage: exit 2, the accepted values named, the file byte for byte unchanged."""
    home.write_config('{"usage_stats": true,   "keep": 1}')
    before = home.config.read_bytes()
    result = home.run("config", "set", "usage_stats", value)
    assert result.returncode == 2
    assert "accepted (any case): 1, true, yes, on, 0, false, no, off, local" in result.stderr
    assert home.config.read_bytes() == before


@pytest.mark.slow
def test_set_unknown_value_creates_nothing(home):
    """A rejected value does not even create the config folder."""
    assert home.run("config", "set", "usage_stats", "perhaps").returncode == 2
    assert not home.skyplane.exists()


@pytest.mark.slow
def test_set_unknown_key_exits_2(home):
    """Only the policy's key can be managed; another key is bad usage."""
    result = home.run("config", "set", "usage_statz", "false")
    assert result.returncode == 2 and "unknown key 'usage_statz'" in result.stderr


NON_OBJECTS = [
    ("not-json", "{usage_stats: true}", ("not valid JSON: Expecting property name enclosed in double quotes "
     "at line 1, column 2")),
    ("json-list", "[1, 2]", "holds a JSON list, not an object"),
    ("half-written", '{"a": 1,\n "usage_stats', ("not valid JSON: Unterminated string starting at line 2, "
     "column 2")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("content", "problem"), [n[1:] for n in NON_OBJECTS], ids=[n[0] for n in NON_OBJECTS])
def test_set_never_overwrites_a_file_that_is_not_an_object(home, content, problem):
    """A config file that is not a JSON object is left untouched; exit 1 names file, line and column."""
    home.write_config(content)
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == 1
    assert f"~/.skyplane/config.json: {problem}" in result.stderr
    assert home.config.read_text() == content
    with pytest.raises(ConfigFileError):
        write_consent(False)
    assert home.config.read_text() == content
    assert [p.name for p in home.skyplane.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.slow
def test_set_creates_private_folder_and_file(home):
    """A missing folder is created 0700 and the file 0600."""
    assert home.run("config", "set", "usage_stats", "false").returncode == 0
    assert stat.S_IMODE(home.skyplane.stat().st_mode) == 0o700
    assert stat.S_IMODE(home.config.stat().st_mode) == 0o600
    assert home.config_data() == {"usage_stats": False}


def test_set_keeps_an_existing_files_permissions(home):
    """An existing config file keeps its mode after the atomic replace."""
    home.write_config({"x": 1})
    os.chmod(home.config, 0o640)
    write_consent("local")
    assert stat.S_IMODE(home.config.stat().st_mode) == 0o640


@pytest.mark.slow
def test_set_writes_through_a_symlinked_config(home, tmp_path):
    """A config file that is a symlink (a dotfiles manager's) is updated at its target; the link stays."""
    target = tmp_path / "dotfiles" / "skyplane.json"
    target.parent.mkdir()
    target.write_text('{"keep": true}')
    home.skyplane.mkdir()
    home.config.symlink_to(target)
    assert home.run("config", "set", "usage_stats", "no").returncode == 0
    assert home.config.is_symlink()
    assert json.loads(target.read_text()) == {"keep": True, "usage_stats": False}


@pytest.mark.slow
def test_set_into_a_directory_fails(home):
    """A directory in the config file's place is an error, exit 1, and stays a directory."""
    home.config.mkdir(parents=True)
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == 1 and "is a directory, not a JSON file" in result.stderr
    assert home.config.is_dir()


@pytest.mark.slow
@pytest.mark.parametrize(("content", "output", "code"), [
    (None, "unset", 0), ({"other": 1}, "unset", 0), ({"usage_stats": True}, "true", 0),
    ({"usage_stats": False}, "false", 0), ({"usage_stats": "local"}, "local", 0),
    ({"usage_stats": "yes"}, "", 1), ("[]", "", 1),
], ids=["no-file", "no-key", "true", "false", "local", "bad-value", "not-object"])
def test_get_prints_the_files_value(home, content, output, code):
    """`config get` prints true, false, local or unset; a bad file or value exits 1."""
    if content is not None:
        home.write_config(content)
    result = home.run("config", "get", "usage_stats")
    assert (result.returncode, result.stdout.strip()) == (code, output)
    if code:
        assert "~/.skyplane/config.json" in result.stderr


@pytest.mark.slow
def test_unset_removes_only_the_key(home):
    """`config unset` removes the consent key and keeps the rest; without a file it creates nothing."""
    assert home.run("config", "unset", "usage_stats").returncode == 0
    assert not home.skyplane.exists()
    home.write_config({"usage_stats": False, "keep": "me"})
    result = home.run("config", "unset", "usage_stats")
    assert result.returncode == 0 and "removed" in result.stdout
    assert home.config_data() == {"keep": "me"}


def test_write_consent_is_strict_as_a_function(home):
    """The documented function rejects unknown values with a structured error and accepts booleans."""
    with pytest.raises(ConsentValueError) as caught:
        write_consent("maybe")
    assert (caught.value.key, caught.value.value) == ("usage_stats", "maybe")
    assert write_consent(False) == "off"
    assert home.config_data() == {"usage_stats": False}


@pytest.mark.slow
def test_decision_taken_before_set_is_unchanged(home):
    """A decision is fixed once taken; the next decide() sees the new setting."""
    home.mark_notice_shown()
    running = decide()
    assert running.mode == "on"
    assert home.run("config", "set", "usage_stats", "false").returncode == 0
    assert running.mode == "on" and running.trace["default"].status == "decided"
    following = decide()
    assert (following.mode, following.decided_by) == ("off", "config_file")
    write_consent("local")
    assert decide().mode == "local"


READER = """
import json, sys, time
path, deadline = sys.argv[1], time.time() + float(sys.argv[2])
reads = 0
while time.time() < deadline:
    with open(path) as f:
        data = json.load(f)
    assert isinstance(data, dict) and data["keep"] == {"secret": "s3cr3t"}, data
    reads += 1
print(reads)
"""


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_and_readers_never_see_half_a_file(home):
    """Writers setting different keys at once all land; readers always parse a whole JSON object."""
    home.write_config({"keep": {"secret": "s3cr3t"}})
    writers = 4
    policies = []
    for index in range(writers):
        path = home.root / f"writer{index}.toml"
        path.write_text(policy_to_toml(embedded_policy()).replace(
            'key = "usage_stats"', f'key = "usage_stats_{index}"', 1))
        policies.append(path)
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(home.config), "6"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(0.2)
    script = ("import sys\nfrom usage_consent.policy import load_policy, write_consent\n"
              "policy = load_policy(sys.argv[1])\n"
              "for i in range(40): write_consent(['true', 'false', 'local'][i % 3], policy)\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(p)], env=home.env(), stderr=subprocess.PIPE,
                              text=True) for p in policies]
    procs.append(subprocess.Popen([str(sys.executable), "-m", "usage_consent.cli._main", "config", "set",
                                   "usage_stats", "off"], env=home.env(), stderr=subprocess.PIPE, text=True))
    for proc in procs:
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        assert int(out) > 50
    expected = {"keep": {"secret": "s3cr3t"}, "usage_stats": False}
    expected.update({f"usage_stats_{i}": True for i in range(writers)})  # 39 % 3 == 0: the last is true
    assert home.config_data() == expected


# --- an opt-out takes effect in every config file that would still decide (issue 16) ---------------

INI = "[aws]\naws_enabled = True\n\n[flags]\nusage_stats = True\n"


@pytest.mark.slow
def test_skyplane_03_opt_out_after_init_takes_effect(home):
    """After `init` wrote true to ~/.skyplane/config.json, `--policy skyplane-0.3 config set usage_stats false`
    writes both files (each in its format), says so, and every later decision is off."""
    assert home.run("init").returncode == 0
    assert home.config_data() == {"usage_stats": True}
    result = home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", "false")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "~/.skyplane/config: usage_stats = False\n~/.skyplane/config.json: usage_stats = false\n"
    assert "still decides" not in result.stderr and "nothing more will be collected" in result.stderr
    assert home.config_data() == {"usage_stats": False}
    assert "[flags]\nusage_stats = False" in (home.skyplane / "config").read_text()
    assert home.run("--policy", "skyplane-0.3", "decide").stdout == "off\n"
    assert home.run("--policy", "skyplane-0.3", "config", "get", "usage_stats").stdout == "false\n"


POLICIES = ["skyplane", "skyplane-0.3", "ray"]


@pytest.mark.parametrize("name", POLICIES)
def test_write_consent_false_leaves_every_shipped_policy_off(home, name):
    """With every config file the policy reads saying on, write_consent(False, policy) makes decide() off."""
    from pathlib import Path

    from usage_consent.policy import load_policy

    policy = load_policy(name if name != "ray" else str(Path(__file__).parents[2] / "examples/policies/ray.toml"))
    home.mark_notice_shown()
    home.write_config({"usage_stats": True, "keep": 1})
    (home.skyplane / "config").write_text(INI)
    (home.root / ".ray").mkdir()
    (home.root / ".ray" / "config.json").write_text('{"usage_stats": true}')
    assert decide(policy).mode == "on"
    assert write_consent(False, policy) == "off"
    assert decide(policy).mode == "off"
    if name == "skyplane-0.3":
        assert home.config_data() == {"usage_stats": False, "keep": 1}
        assert "aws_enabled = True" in (home.skyplane / "config").read_text()


@pytest.mark.slow
def test_skyplane_03_unset_removes_the_key_from_every_file(home):
    """`config unset` under skyplane-0.3 removes the key from the INI and the JSON file: no config file decides."""
    home.write_config({"usage_stats": False, "keep": 1})
    (home.skyplane / "config").write_text(INI)
    result = home.run("--policy", "skyplane-0.3", "config", "unset", "usage_stats")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "~/.skyplane/config: usage_stats removed\n~/.skyplane/config.json: usage_stats removed\n"
    assert home.config_data() == {"keep": 1}
    decision = home.explain("--policy", "skyplane-0.3")
    assert decision["decided_by"] not in ("config_file", "skyplane_0_3_config")


@pytest.mark.slow
def test_skyplane_03_set_true_refuses_when_a_deciding_file_cannot_be_written(home):
    """`config set true` refuses (exit 1, nothing changed) while ~/.skyplane/config.json, which would still turn
    it off, cannot be parsed; the message names that file and says what to do."""
    home.write_config('{"usage_stats": false,')
    (home.skyplane / "config").write_text(INI.replace("True", "False"))
    before = (home.skyplane / "config").read_bytes()
    result = home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", "true")
    assert result.returncode == 1
    assert "~/.skyplane/config.json: not valid JSON" in result.stderr
    assert "it would still decide, so nothing was changed. Fix or remove ~/.skyplane/config.json" in result.stderr
    assert "SKYPLANE_USAGE_STATS_ENABLED=1" in result.stderr
    assert (home.skyplane / "config").read_bytes() == before


@pytest.mark.slow
def test_skyplane_03_local_stays_refused_with_json_saying_on(home):
    """Under skyplane-0.3, `config set usage_stats local` stays refused and changes neither file."""
    home.write_config({"usage_stats": True})
    (home.skyplane / "config").write_text(INI)
    result = home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", "local")
    assert result.returncode == 1 and 'cannot hold "local"' in result.stderr
    assert home.config_data() == {"usage_stats": True} and (home.skyplane / "config").read_text() == INI


@pytest.mark.slow
def test_opt_out_under_an_env_on_says_env_decides_and_not_that_collection_stops(home):
    """With the env variable saying on for the run, `config set false` writes the file, says env still decides,
    and never says nothing more will be collected."""
    result = home.run("config", "set", "usage_stats", "false", env={"SKYPLANE_USAGE_STATS_ENABLED": "1"})
    assert result.returncode == 0
    assert "note: env still decides ($SKYPLANE_USAGE_STATS_ENABLED = 1): usage stats are on" in result.stderr
    assert "nothing more will be collected" not in result.stderr
    assert home.config_data() == {"usage_stats": False}


TWO_FILES = demo_policy_text("""\
[[sources]]
name = "user_toml"
kind = "config_file"
path = "~/.demo/config.toml"
[[sources]]
name = "config_file"
kind = "config_file"
writable = true
""")


@pytest.mark.slow
def test_a_config_file_too_deep_to_write_back_is_unusable(home):
    """A TOML config with a 400-deep array is unusable (decide off), and `config set`/`write_consent` name it with
    a ConfigFileError, never a RecursionError."""
    from usage_consent.policy._load import parse_policy

    policy_file = home.root / "policy.toml"
    only_toml = TWO_FILES.replace('[[sources]]\nname = "config_file"\nkind = "config_file"\nwritable = true\n', "")
    policy_file.write_text(only_toml)
    policy = parse_policy(policy_file.read_text(), str(policy_file))
    toml = home.root / ".demo" / "config.toml"
    toml.parent.mkdir()
    toml.write_text("usage_stats = true\ndeep = " + "[" * 400 + "]" * 400 + "\n")
    before = toml.read_bytes()
    decision = decide(policy)
    assert decision.mode == "off" and "nested too deeply to be written back" in decision.trace["user_toml"].reason
    result = home.run("--policy", str(policy_file), "config", "set", "usage_stats", "false")
    assert result.returncode == 1 and "RecursionError" not in result.stderr
    assert result.stderr.startswith("usage-consent: ~/.demo/config.toml: not usable TOML: nested too deeply")
    with pytest.raises(ConfigFileError) as raised:
        write_consent(False, policy)
    assert raised.value.path == str(toml)
    assert toml.read_bytes() == before


@pytest.mark.slow
def test_opt_out_writes_a_higher_toml_file_too(home):
    """With a TOML file above the writable JSON file saying on, `config set false` writes both; decide is off."""
    import tomllib

    policy_file = home.root / "policy.toml"
    policy_file.write_text(TWO_FILES)
    toml = home.root / ".demo" / "config.toml"
    toml.parent.mkdir()
    toml.write_text('usage_stats = true\n[other]\nx = 1\n')
    result = home.run("--policy", str(policy_file), "config", "set", "usage_stats", "no")
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(toml.read_text()) == {"usage_stats": False, "other": {"x": 1}}
    assert json.loads((home.root / ".demo" / "config.json").read_text()) == {"usage_stats": False}
    assert home.run("--policy", str(policy_file), "decide").stdout == "off\n"


@pytest.mark.slow
def test_set_through_a_link_to_a_missing_folder_creates_nothing(home, tmp_path):
    """`config set` through a config symlink whose target folder is missing exits 1 naming the link, creates nothing."""
    target = tmp_path / "gone" / "deeper" / "skyplane.json"
    home.skyplane.mkdir()
    home.config.symlink_to(target)
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == 1
    assert result.stderr.startswith(f"usage-consent: ~/.skyplane/config.json: is a symbolic link to {target}")
    assert not (tmp_path / "gone").exists() and home.config.is_symlink()
    with pytest.raises(ConfigFileError):
        write_consent(False)
    assert not (tmp_path / "gone").exists()


@pytest.mark.slow
def test_skyplane_03_init_keeps_an_opt_out_in_the_json_file(home):
    """`--policy skyplane-0.3 init` leaves a false in ~/.skyplane/config.json as it is (never writes true over it)."""
    home.write_config({"usage_stats": False})
    result = home.run("--policy", "skyplane-0.3", "init")
    assert result.returncode == 0, result.stderr
    assert "already set; left as it is" in result.stdout
    assert home.config_data() == {"usage_stats": False} and not (home.skyplane / "config").exists()
    assert home.run("--policy", "skyplane-0.3", "decide").stdout == "off\n"


# --- finding T4: config set keeps the config file readable ---------------------------------------

def _padded(size: int) -> str:
    """A compact JSON config object of about ``size`` bytes: a list of small numbers."""
    return '{"data":[' + ",".join(["0"] * (size // 2)) + "]}"


@pytest.mark.slow
@pytest.mark.parametrize(("size", "code"), [
    (10_000, 0),
    (589_000, 0),
    (1_048_000, 0),
    (1_048_560, 1),
], ids=["small-indented", "589kb-written-compact", "just-under-cap-compact", "over-cap-even-compact-refused"])
def test_config_set_never_writes_a_file_past_the_read_cap(home, size, code):
    """Finding T4: `config set` indents only when the result fits under the 1 MiB read cap, else writes compact,
    and refuses (exit 1, file unchanged, the cap named) when even compact would not fit."""
    from usage_consent._files.jsonfile import MAX_FILE_BYTES

    text = _padded(size)
    assert len(text) <= MAX_FILE_BYTES
    path = home.write_config(text)
    result = home.run("config", "set", "usage_stats", "false")
    assert result.returncode == code, result.stderr
    if code:
        assert f"larger than {MAX_FILE_BYTES} bytes" in result.stderr and path.read_text() == text
        return
    assert path.stat().st_size <= MAX_FILE_BYTES
    assert home.run("config", "get", "usage_stats").stdout == "false\n"
    assert home.config_data() == {"data": [0] * (size // 2), "usage_stats": False}
    assert path.read_text().startswith("{\n") == (size < 100_000)


@pytest.mark.slow
@pytest.mark.parametrize("number", ["1E5", "1e-7", "2.50", "-0.0", "1e999", "12345678901234567890.5", "7"])
def test_config_set_keeps_numbers_as_written(home, number):
    """Finding T4: Every other number in the config file is written back exactly as it was written."""
    home.write_config('{"n": ' + number + ', "usage_stats": true}')
    assert home.run("config", "set", "usage_stats", "false").returncode == 0
    assert f'"n": {number},' in home.config.read_text()


# --- finding T6: config set local advises only what works ----------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("policy", "advice", "not_said"), [
    ("skyplane-0.3", "set SKYPLANE_USAGE_STATS_ENABLED=local", "no source of this policy accepts local"),
    (RAY, "No source of this policy accepts local", "RAY_USAGE_STATS_ENABLED="),
], ids=["skyplane-0.3-env-accepts-local", "ray-env-accepts-only-1-and-0"])
def test_config_set_local_advises_a_variable_only_when_it_accepts_local(home, policy, advice, not_said):
    """Finding T6: `config set usage_stats local` on a file that cannot hold local names a variable only if that
    variable's source accepts local, and otherwise says no source of the policy does."""
    result = home.run("--policy", policy, "config", "set", "usage_stats", "local")
    assert result.returncode == 1
    assert 'cannot hold "local"' in result.stderr and advice in result.stderr and not_said not in result.stderr


# --- finding T10: a UTF-8 byte order mark is read, and not written back --------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("content", "value", "mode"), [
    ('{"usage_stats": true, "k": "é"}', "false", "off"),
    ('{"usage_stats": false}', "true", "on"),
    ('{"k": 1}', "local", "local"),
    ("", "false", "off"),
], ids=["opt-out", "opt-in", "local-added", "bom-only"])
def test_config_file_with_a_bom_is_read_and_written(home, content, value, mode):
    """Finding T10: A JSON config file starting with a UTF-8 BOM is read as its JSON, and `config set` works on it
    (the file is written back without the BOM, keeping every other key)."""
    home.skyplane.mkdir()
    home.config.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    home.mark_notice_shown()
    result = home.run("config", "set", "usage_stats", value)
    assert result.returncode == 0, result.stderr
    raw = home.config.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    written = {"true": True, "false": False}.get(value, value)
    assert json.loads(raw) == {**(json.loads(content) if content else {}), "usage_stats": written}
    assert home.run("decide").stdout == f"{mode}\n"


# --- issue 8's reproductions ---------------------------------------------------------------------

OPT_OUTS = [
    ("lone-surrogate", '{"usage_stats": true, "note": "\\ud800"}', {"note": "\ud800"}),
    ("huge-int", f'{{"usage_stats": true, "n": {HUGE}}}', None),
    ("overflowing-float", '{"usage_stats": true, "n": -1e999, "m": [1e400]}', None),
    ("nan-and-infinity", '{"usage_stats": true, "n": NaN, "m": {"x": Infinity}}', None),
    ("duplicate-consent-key", '{"usage_stats": false, "usage_stats": true, "k": 1}', {"k": 1}),
    ("deep-nesting", '{"usage_stats": true, "d": ' + "[" * 500 + "]" * 500 + "}", None),
]


@pytest.mark.slow
@pytest.mark.parametrize(("content", "kept"), [o[1:] for o in OPT_OUTS], ids=[o[0] for o in OPT_OUTS])
def test_opting_out_works_on_any_json_object(home, content, kept):
    """Issue 8 reproduction: `config set usage_stats false` on any JSON-object config writes false and keeps every other
    value."""
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
    """Issue 8 reproduction: write_consent raises a UsageConsentError subclass (never OSError) and leaves the file as it
    was."""
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
