"""Peers as tests: Ray's rules written as a policy (examples/policies/ray.toml), and Skyplane 0.3.2's
INI file under the shipped ``skyplane-0.3`` policy, each checked case by case against the peer's
rules as they are stated (not as this library happens to read them)."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest

from usage_consent.policy import ConsentValueError, decide, explain, load_policy

REPO = Path(__file__).resolve().parents[2]
RAY = str(REPO / "examples" / "policies" / "ray.toml")
RAISES = "raise"

# (id, RAY_USAGE_STATS_ENABLED, config file content (None: absent, "DIR": a folder), expected mode or RAISES)
RAY_ROWS = [
    ("env-1", "1", None, "on"),
    ("env-0", "0", None, "off"),
    ("env-1-wins-over-config-false", "1", '{"usage_stats": false}', "on"),
    ("env-0-wins-over-config-true", "0", '{"usage_stats": true}', "off"),
    ("env-1-never-reads-a-bad-config", "1", '{"usage_stats": "local"}', "on"),
    ("env-empty-is-an-error", "", None, RAISES),
    ("env-padded-is-an-error", " 1", None, RAISES),
    ("env-newline-is-an-error", "0\n", None, RAISES),
    ("env-true-is-an-error", "true", None, RAISES),
    ("env-TRUE-is-an-error", "TRUE", None, RAISES),
    ("env-local-is-an-error", "local", None, RAISES),
    ("env-bad-even-over-config-false", "yes", '{"usage_stats": false}', RAISES),
    ("nothing-set-is-on", None, None, "on"),
    ("config-false", None, '{"usage_stats": false}', "off"),
    ("config-true", None, '{"usage_stats": true}', "on"),
    ("config-other-keys-only", None, '{"other": 1}', "on"),
    ("config-null-is-unset", None, '{"usage_stats": null}', "on"),
    ("config-empty-file-is-absent", None, "", "on"),
    ("config-not-json-is-absent", None, '{"usage_stats": false,,}', "on"),
    ("config-list-is-absent", None, '[{"usage_stats": false}]', "on"),
    ("config-folder-is-absent", None, "DIR", "on"),
    ("config-local-is-an-error", None, '{"usage_stats": "local"}', RAISES),
    ("config-number-0-is-an-error", None, '{"usage_stats": 0}', RAISES),
    ("config-number-1-is-an-error", None, '{"usage_stats": 1}', RAISES),
    ("config-string-false-is-an-error", None, '{"usage_stats": "false"}', RAISES),
]


def _write(path: Path, content: str | None) -> None:
    if content == "DIR":
        path.mkdir(parents=True)
    elif content is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@pytest.mark.parametrize(("env", "config", "expected"), [r[1:] for r in RAY_ROWS], ids=[r[0] for r in RAY_ROWS])
def test_ray_rules(home, monkeypatch, capsys, env, config, expected):
    """Ray's policy decides each case as Ray's rules say, raising where the caller sees an error."""
    policy = load_policy(RAY)
    if env is not None:
        monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", env)
    _write(home.root / ".ray" / "config.json", config)
    if expected == RAISES:
        with pytest.raises(ConsentValueError) as caught:
            decide(policy)
        assert caught.value.layer in ("env", "config_file") and caught.value.accepted
        assert explain(policy).mode == "off"  # explain never raises ...
        assert explain(policy).trace[caught.value.layer].status == "invalid"  # ... and shows why
    else:
        assert decide(policy).mode == expected
    assert capsys.readouterr().err == ""  # Ray shows no notice
    assert not (home.root / ".ray" / "usage_consent_state.json").exists()


@pytest.mark.parametrize(("path_variable", "default_file", "named_file", "expected"), [
    ("NAMED", '{"usage_stats": true}', '{"usage_stats": false}', "off"),
    ("NAMED", '{"usage_stats": false}', None, "on"),
    ("NAMED", '{"usage_stats": false}', '{"usage_stats": "local"}', RAISES),
    ("", '{"usage_stats": false}', '{"usage_stats": true}', "off"),
], ids=["variable-names-the-file", "named-file-missing-default-ignored", "named-file-bad-value", "empty-is-unset"])
def test_ray_config_path_variable(home, monkeypatch, path_variable, default_file, named_file, expected):
    """RAY_USAGE_STATS_CONFIG_PATH, when set and not empty, is the only config file read."""
    policy = load_policy(RAY)
    named = home.root / "elsewhere" / "ray.json"
    _write(home.root / ".ray" / "config.json", default_file)
    _write(named, named_file)
    monkeypatch.setenv("RAY_USAGE_STATS_CONFIG_PATH", str(named) if path_variable else "")
    if expected == RAISES:
        with pytest.raises(ConsentValueError) as caught:
            decide(policy)
        assert caught.value.path == str(named) and caught.value.value == "local"
    else:
        assert decide(policy).mode == expected


@pytest.mark.slow
def test_ray_error_fields_and_command(home):
    """The caller's error names layer, variable, value and what is accepted; `decide` exits 1 with it."""
    result = home.run("--policy", RAY, "decide", env={"RAY_USAGE_STATS_ENABLED": ""})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "usage-consent: $RAY_USAGE_STATS_ENABLED must be one of 1, 0 (exactly); got ''\n"
    explained = home.run("--policy", RAY, "explain", "--json", env={"RAY_USAGE_STATS_ENABLED": ""})
    assert explained.returncode == 0
    assert json.loads(explained.stdout)["layers"][0]["status"] == "invalid"


@pytest.mark.slow
def test_ray_strict_env_does_not_make_config_set_strict(home):
    """The env source's own spellings do not change what `config set` accepts."""
    result = home.run("--policy", RAY, "config", "set", "usage_stats", "false")
    assert result.returncode == 0, result.stderr
    assert json.loads((home.root / ".ray" / "config.json").read_text()) == {"usage_stats": False}


# --- Skyplane 0.3.2 -------------------------------------------------------------------------------

def skyplane_032_reads(path: Path) -> bool | None:
    """Skyplane 0.3.2's own reading of its INI file (skyplane/config.py): [flags] usage_stats through
    _map_type, which accepts only true/yes/1 and false/no/0 in any case and raises on anything else."""
    config = configparser.ConfigParser()
    config.read(path)
    if "flags" not in config or "usage_stats" not in config["flags"]:
        return None
    value = config.get("flags", "usage_stats")
    if value.lower() in ["true", "yes", "1"]:
        return True
    if value.lower() in ["false", "no", "0"]:
        return False
    raise ValueError(f"Invalid boolean value: {value}")


SKYPLANE_032_FILE = "[aws]\naws_enabled = True\n\n[flags]\nusage_stats = False\nnative_cmd_threshold_gb = 2\n"


def _ini(home, text: str = SKYPLANE_032_FILE) -> Path:
    home.skyplane.mkdir(exist_ok=True)
    path = home.skyplane / "config"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_skyplane_032_opt_out_stays_off_on_every_run(home):
    """A HOME where Skyplane 0.3.2 wrote [flags] usage_stats = False is off on every run, silently."""
    _ini(home)
    for _ in range(3):
        result = home.run("--policy", "skyplane-0.3", "decide")
        assert (result.returncode, result.stdout, result.stderr) == (0, "off\n", "")
    decision = decide(load_policy("skyplane-0.3"))
    assert (decision.mode, decision.decided_by) == ("off", "skyplane_0_3_config")
    assert decision.trace["skyplane_0_3_config"].location == "~/.skyplane/config: flags.usage_stats"


@pytest.mark.slow
@pytest.mark.parametrize("value", ["true", "yes", "1", "on", "false", "no", "0", "off", "TRUE", "No"])
def test_config_set_changes_what_skyplane_032_reads(home, value):
    """`config set` through skyplane-0.3 writes the INI file so that Skyplane 0.3.2 reads the same
    value back, and keeps every other section and key."""
    path = _ini(home)
    result = home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", value)
    assert result.returncode == 0, result.stderr
    assert skyplane_032_reads(path) is (value.lower() in ("true", "yes", "1", "on"))
    kept = configparser.ConfigParser()
    kept.read(path)
    assert kept.get("aws", "aws_enabled") == "True" and kept.get("flags", "native_cmd_threshold_gb") == "2"
    get = home.run("--policy", "skyplane-0.3", "config", "get", "usage_stats")
    assert get.stdout.strip() == ("true" if skyplane_032_reads(path) else "false")


@pytest.mark.slow
def test_config_set_local_never_reaches_skyplane_032(home):
    """`config set usage_stats local` exits 1, changes nothing and says how to keep reports local for a run."""
    path = _ini(home)
    before = path.read_bytes()
    result = home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", "local")
    assert result.returncode == 1
    assert 'cannot hold "local"' in result.stderr and "SKYPLANE_USAGE_STATS_ENABLED=local" in result.stderr
    assert path.read_bytes() == before
    assert skyplane_032_reads(path) is False


@pytest.mark.slow
def test_skyplane_config_variable_names_the_ini_file(home, tmp_path):
    """$SKYPLANE_CONFIG replaces ~/.skyplane/config, for reading and for `config set`."""
    other = tmp_path / "custom.ini"
    other.write_text("[flags]\nusage_stats = no\n")
    env = {"SKYPLANE_CONFIG": str(other)}
    assert home.run("--policy", "skyplane-0.3", "decide", env=env).stdout == "off\n"
    assert home.run("--policy", "skyplane-0.3", "config", "set", "usage_stats", "1", env=env).returncode == 0
    assert skyplane_032_reads(other) is True
    assert not (home.skyplane / "config").exists()


@pytest.mark.parametrize(("text", "mode", "status"), [
    ("[flags]\nusage_stats = True\n", "on", "decided"),
    ("[flags]\nusage_stats = FALSE\n", "off", "decided"),
    ("[flags]\nusage_stats = yes\n", "on", "decided"),
    ("[flags]\nusage_stats = 0\n", "off", "decided"),
    ("[flags]\nusage_stats = local\n", "off", "invalid"),
    ("[flags]\nusage_stats = maybe\n", "off", "invalid"),
    ("[flags]\nother = 1\n", "on", "unset"),
    ("[aws]\nusage_stats = False\n", "on", "unset"),
    ("usage_stats = False\n", "off", "invalid"),
], ids=["True", "FALSE", "yes", "0", "local-not-accepted", "maybe", "no-key", "other-section", "no-section-header"])
def test_skyplane_032_ini_values(home, text, mode, status):
    """INI values are read as configparser's booleans; local is invalid there; a file without a
    section header is invalid (Skyplane 0.3.2 fails on it too)."""
    _ini(home, text)
    home.mark_notice_shown()
    decision = decide(load_policy("skyplane-0.3"))
    assert decision.mode == mode
    assert decision.trace["skyplane_0_3_config"].status == status


def test_published_json_file_wins_over_the_032_ini_file(home):
    """The published policy's JSON file is read first: its value wins over Skyplane 0.3.2's file."""
    _ini(home, "[flags]\nusage_stats = True\n")
    home.write_config({"usage_stats": False})
    decision = decide(load_policy("skyplane-0.3"))
    assert (decision.mode, decision.decided_by) == ("off", "config_file")
    assert decision.trace["skyplane_0_3_config"].status == "shadowed"


# --- finding T1: duplicate keys and sections fail closed (issue 8 item 4, for every format) ------

INI_DUPLICATES = [
    ("same-key-other-case", "[flags]\nusage_stats = False\nUSAGE_STATS = True\n"),
    ("same-key-mixed-case", "[flags]\nusage_stats = no\nUsage_Stats = yes\n"),
    ("same-key-twice", "[flags]\nusage_stats = False\nusage_stats = True\n"),
    ("section-twice", "[flags]\nusage_stats = False\n[flags]\nother = 1\n"),
    ("section-twice-key-in-each", "[flags]\nusage_stats = False\n[aws]\nx = 1\n[flags]\nusage_stats = True\n"),
]


@pytest.mark.parametrize("text", [t for _, t in INI_DUPLICATES], ids=[i for i, _ in INI_DUPLICATES])
def test_skyplane_032_ini_duplicate_is_invalid(home, text):
    """Finding T1: A key (in any case) or section more than once in Skyplane 0.3.2's INI file is invalid and off,
    as Skyplane 0.3.2's own configparser refuses such a file."""
    home.skyplane.mkdir()
    (home.skyplane / "config").write_text(text)
    decision = explain(load_policy("skyplane-0.3"))
    layer = decision.trace["skyplane_0_3_config"]
    assert (decision.mode, layer.status) == ("off", "invalid")
    assert "more than once" in layer.reason or "already exists" in layer.reason


# --- finding T2: Ray: on_unreadable covers unreadable files only, never ambiguous ones -----------

RAY_AMBIGUOUS = [
    ("duplicate-true-false", '{"usage_stats": true, "usage_stats": false}'),
    ("duplicate-false-true", '{"usage_stats": false, "usage_stats": true}'),
    ("nan-beside-the-key", '{"a": NaN, "usage_stats": false}'),
    ("infinity-beside-the-key", '{"a": -Infinity, "usage_stats": false}'),
    ("number-too-long", '{"a": ' + "9" * 5000 + ', "usage_stats": false}'),
]


@pytest.mark.parametrize("text", [t for _, t in RAY_AMBIGUOUS], ids=[i for i, _ in RAY_AMBIGUOUS])
def test_ray_ambiguous_config_is_invalid_not_unset(home, text):
    """Finding T2: A Ray config file that parses but is ambiguous or not strict JSON is invalid (Ray's policy
    raises, its on_invalid), never "unset" and on; real Ray's json.load reads these files with
    usage_stats false (the last duplicate, NaN allowed), i.e. off, so failing closed agrees with it."""
    (home.root / ".ray").mkdir()
    (home.root / ".ray" / "config.json").write_text(text)
    policy = load_policy(RAY)
    with pytest.raises(ConsentValueError):
        decide(policy)
    decision = explain(policy)
    layer = decision.trace["config_file"]
    assert (decision.mode, layer.status) == ("off", "invalid")
    assert layer.reason and "counted as unset" not in layer.reason


def test_ray_unparsable_config_is_still_unset(home):
    """Finding T2: A Ray config file that is not JSON at all still counts as absent, as on_unreadable says."""
    (home.root / ".ray").mkdir()
    (home.root / ".ray" / "config.json").write_text('{"usage_stats": false')
    decision = explain(load_policy(RAY))
    assert (decision.mode, decision.trace["config_file"].status) == ("on", "unset")
    assert "counted as unset" in decision.trace["config_file"].reason
