"""Defects an adversarial tester found on main, each pinned by the input that showed it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_server import ReportServer
from test_host_kit import TRANSFER

from usage_consent import runtime
from usage_consent.policy import ConsentValueError, decide, explain, load_policy, parse_policy
from usage_consent.reporter import start_session, wait
from usage_consent.reporter.store import list_records, read_record

REPO = Path(__file__).resolve().parent.parent
RAY = str(REPO / "examples" / "policies" / "ray.toml")
DEMO = """
app = "demo"
key = "usage_stats"
schema_name = "usage_stats"
config_file = "~/.demo/config.json"
state_file = "~/.demo/state.json"
{sources}
[[sources]]
name = "default"
kind = "default"
value = "on"
[notice]
enabled = false
"""


def demo_policy(sources: str):
    """A demo policy with the given sources above an `on` default (no notice)."""
    return parse_policy(DEMO.format(sources=sources), "demo.toml")


# --- duplicate keys and sections fail closed (issue 8 item 4, for every format) -----------------

INI_DUPLICATES = [
    ("same-key-other-case", "[flags]\nusage_stats = False\nUSAGE_STATS = True\n"),
    ("same-key-mixed-case", "[flags]\nusage_stats = no\nUsage_Stats = yes\n"),
    ("same-key-twice", "[flags]\nusage_stats = False\nusage_stats = True\n"),
    ("section-twice", "[flags]\nusage_stats = False\n[flags]\nother = 1\n"),
    ("section-twice-key-in-each", "[flags]\nusage_stats = False\n[aws]\nx = 1\n[flags]\nusage_stats = True\n"),
]


@pytest.mark.parametrize("text", [t for _, t in INI_DUPLICATES], ids=[i for i, _ in INI_DUPLICATES])
def test_skyplane_032_ini_duplicate_is_invalid(home, text):
    """A key (in any case) or section more than once in Skyplane 0.3.2's INI file is invalid and off,
    as Skyplane 0.3.2's own configparser refuses such a file."""
    home.skyplane.mkdir()
    (home.skyplane / "config").write_text(text)
    decision = explain(load_policy("skyplane-0.3"))
    layer = decision.trace["skyplane_0_3_config"]
    assert (decision.mode, layer.status) == ("off", "invalid")
    assert "more than once" in layer.reason or "already exists" in layer.reason


@pytest.mark.parametrize(("text", "mode", "status"), [
    ("[telemetry]\nusage_stats = off\nUsage_Stats = on\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = on\nUSAGE_STATS = off\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = on\n[other]\nUSAGE_STATS = off\nusage_stats = on\n", "off", "invalid"),
    ("[telemetry]\nusage_stats = local\nother = 1\n", "local", "decided"),
], ids=["off-then-on", "on-then-off", "duplicate-in-another-section", "single-key-still-read"])
def test_managed_ini_duplicate_key_fails_closed(home, text, mode, status):
    """A managed INI file with a key twice (in any case) fails closed: off, whatever the order."""
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
    """In a JSON file with a `section`, the section or the key in it more than once is invalid and off."""
    path = home.root / "conf" / "demo.json"
    path.parent.mkdir()
    path.write_text(text)
    policy = demo_policy(f'[[sources]]\nname = "file"\nkind = "{kind}"\npath = "{path}"\nsection = "telemetry"\n')
    decision = explain(policy)
    assert (decision.mode, decision.trace["file"].status) == ("off", "invalid")
    assert "appears more than once" in decision.trace["file"].reason


def test_json_section_duplicates_elsewhere_are_fine(home):
    """Duplicates outside the section and key the source reads do not make it invalid."""
    path = home.root / "demo.json"
    path.write_text('{"x": 1, "x": 2, "telemetry": {"a": 1, "a": 2, "usage_stats": false}}')
    policy = demo_policy(f'[[sources]]\nname = "file"\nkind = "config_file"\npath = "{path}"\nsection = "telemetry"\n')
    assert decide(policy).mode == "off"


# --- Ray: on_unreadable covers unreadable files only, never ambiguous ones -------------------------

RAY_AMBIGUOUS = [
    ("duplicate-true-false", '{"usage_stats": true, "usage_stats": false}'),
    ("duplicate-false-true", '{"usage_stats": false, "usage_stats": true}'),
    ("nan-beside-the-key", '{"a": NaN, "usage_stats": false}'),
    ("infinity-beside-the-key", '{"a": -Infinity, "usage_stats": false}'),
    ("number-too-long", '{"a": ' + "9" * 5000 + ', "usage_stats": false}'),
]


@pytest.mark.parametrize("text", [t for _, t in RAY_AMBIGUOUS], ids=[i for i, _ in RAY_AMBIGUOUS])
def test_ray_ambiguous_config_is_invalid_not_unset(home, text):
    """A Ray config file that parses but is ambiguous or not strict JSON is invalid (Ray's policy
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
    """A Ray config file that is not JSON at all still counts as absent, as on_unreadable says."""
    (home.root / ".ray").mkdir()
    (home.root / ".ray" / "config.json").write_text('{"usage_stats": false')
    decision = explain(load_policy(RAY))
    assert (decision.mode, decision.trace["config_file"].status) == ("on", "unset")
    assert "counted as unset" in decision.trace["config_file"].reason


# --- the pytest plugin's loopback guard covers proxies -----------------------------------------------

@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_under_the_plugin_a_non_loopback_proxy_opens_no_connection(usage_stats_sandbox, connections, monkeypatch,
                                                                   variable):
    """With the plugin loaded, an https report to 127.0.0.1 is refused when the environment's proxy is
    not a loopback address (here the name `localhost`, served by a real loopback server), and no
    connection is opened."""
    proxy = ReportServer()
    try:
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(variable, f"http://localhost:{proxy.server_port}")
        endpoint = "https://127.0.0.1:9/report"
        usage_stats_sandbox.write_config(usage_stats=True, usage_stats_endpoint=endpoint)
        decision = decide()
        assert runtime.loopback_guard_on() and decision.send_allowed
        with connections.watch():
            assert start_session(decision, **TRANSFER).report() == "queued"
            assert wait(5)
        assert connections == [] and proxy.connections == 0
        (record,) = list_records(decision.policy)
        _, status = read_record(decision.policy, record.client_id, record.session_id)
        assert "is not 127.0.0.0/8 or ::1" in status["endpoints"][endpoint]["detail"]
        assert "proxy http://localhost:" in status["endpoints"][endpoint]["detail"]
    finally:
        proxy.stop()


# --- config set keeps the config file readable ------------------------------------------------------

def _padded(size: int) -> str:
    """A compact JSON config object of about ``size`` bytes: a list of small numbers."""
    return '{"data":[' + ",".join(["0"] * (size // 2)) + "]}"


@pytest.mark.parametrize(("size", "code"), [
    (10_000, 0),
    (589_000, 0),
    (1_048_000, 0),
    (1_048_560, 1),
], ids=["small-indented", "589kb-written-compact", "just-under-cap-compact", "over-cap-even-compact-refused"])
def test_config_set_never_writes_a_file_past_the_read_cap(home, size, code):
    """`config set` indents only when the result fits under the 1 MiB read cap, else writes compact,
    and refuses (exit 1, file unchanged, the cap named) when even compact would not fit."""
    from usage_consent.files.jsonfile import MAX_FILE_BYTES

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


@pytest.mark.parametrize("number", ["1E5", "1e-7", "2.50", "-0.0", "1e999", "12345678901234567890.5", "7"])
def test_config_set_keeps_numbers_as_written(home, number):
    """Every other number in the config file is written back exactly as it was written."""
    home.write_config('{"n": ' + number + ', "usage_stats": true}')
    assert home.run("config", "set", "usage_stats", "false").returncode == 0
    assert f'"n": {number},' in home.config.read_text()


# --- a failed init changes nothing ----------------------------------------------------------------

@pytest.mark.parametrize("make", ["fifo", "directory"])
def test_init_with_an_unusable_state_file_changes_nothing(home, make):
    """`usage-consent init` with a state file that cannot be used exits 1, names it, and writes no config."""
    import os

    home.skyplane.mkdir()
    if make == "fifo":
        os.mkfifo(home.state)
    else:
        home.state.mkdir()
    result = home.run("init", timeout=20)
    assert result.returncode == 1
    assert "usage_stats_state.json" in result.stderr and "Traceback" not in result.stderr
    assert not home.config.exists()


# --- config set local advises only what works -----------------------------------------------------

@pytest.mark.parametrize(("policy", "advice", "not_said"), [
    ("skyplane-0.3", "set SKYPLANE_USAGE_STATS_ENABLED=local", "no source of this policy accepts local"),
    (RAY, "No source of this policy accepts local", "RAY_USAGE_STATS_ENABLED="),
], ids=["skyplane-0.3-env-accepts-local", "ray-env-accepts-only-1-and-0"])
def test_config_set_local_advises_a_variable_only_when_it_accepts_local(home, policy, advice, not_said):
    """`config set usage_stats local` on a file that cannot hold local names a variable only if that
    variable's source accepts local, and otherwise says no source of the policy does."""
    result = home.run("--policy", policy, "config", "set", "usage_stats", "local")
    assert result.returncode == 1
    assert 'cannot hold "local"' in result.stderr and advice in result.stderr and not_said not in result.stderr


# --- a policy that shows no notice says so ---------------------------------------------------------

@pytest.mark.parametrize(("command", "said", "not_said"), [
    (("explain",), "notice: none (this policy shows no notice)", "last shown: never"),
    (("notice",), "== ray usage statistics (usage_stats v", "==  ("),
], ids=["explain-says-no-notice", "notice-has-a-title"])
def test_policy_without_notice_says_so(home, command, said, not_said):
    """Under a policy with `[notice] enabled = false` (Ray's), `explain` says it shows no notice and
    `notice` prints a title made of the app's name."""
    result = home.run("--policy", RAY, *command)
    assert result.returncode == 0, result.stderr
    assert said in result.stdout and not_said not in result.stdout


# --- mounted commands print warnings as usage-consent does ------------------------------------------

HOST_WITH_LOGGING = """
import argparse, logging, sys
from usage_consent.cli.host import add_argparse
logging.basicConfig(format="HOST LOG %(levelname)s %(message)s")
parser = argparse.ArgumentParser(prog="mytool")
add_argparse(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args()
sys.exit(args.func(args))
"""


@pytest.mark.parametrize("kind", ["argparse", "click", "typer", "host-with-logging"])
@pytest.mark.parametrize("words", [("explain",), ("explain", "--json")], ids=["explain", "explain-json"])
def test_mounted_command_warnings_read_as_usage_consents(home, tmp_path, kind, words):
    """A mounted command's warnings read `mytool usage: warning: ...` like `usage-consent: warning: ...`
    when the host set up no logging, and go only to the host's own handler when it did."""
    import subprocess
    import sys

    home.write_config({"usage_stats": "maybe"})
    program = REPO / "examples" / f"host_{kind}.py"
    if kind == "host-with-logging":
        program = tmp_path / "host.py"
        program.write_text(HOST_WITH_LOGGING)
    theirs = subprocess.run([sys.executable, str(program), "usage", *words], env=home.env(), capture_output=True,
                            text=True, timeout=60, cwd=str(home.root))
    ours = home.run(*words)
    warning = next(line for line in ours.stderr.splitlines() if line.startswith("usage-consent: warning: "))
    said = warning.removeprefix("usage-consent: warning: ")
    if kind == "host-with-logging":
        assert f"HOST LOG WARNING {said}" in theirs.stderr.splitlines()
        assert "warning:" not in theirs.stderr
    else:
        assert f"mytool usage: warning: {said}" in theirs.stderr.splitlines()
        assert not any(line.startswith("usage stats") for line in theirs.stderr.splitlines())


# --- --policy names a policy --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "code", "said"), [
    ("", 2, "argument --policy: must name a policy file or a shipped policy (skyplane, skyplane-0.3); got ''"),
    ("  ", 2, "must name a policy file or a shipped policy"),
    ("skyplane-0.4", 1, ("skyplane-0.4: cannot be read: No such file or directory; not a shipped policy either "
                        "(shipped: skyplane, skyplane-0.3)")),
    ("skyplane-0.3", 0, ""),
], ids=["empty-is-bad-usage", "blank-is-bad-usage", "unknown-name-lists-shipped", "shipped-name-works"])
def test_policy_option_must_name_a_policy(home, value, code, said):
    """`--policy ""` is bad usage (it used to mean the embedded policy) and an unknown name lists the shipped ones."""
    result = home.run("--policy", value, "decide")
    assert result.returncode == code and said in result.stderr
    assert (result.stdout == "") == (code != 0)


# --- a UTF-8 byte order mark is read, and not written back ------------------------------------------

@pytest.mark.parametrize(("content", "value", "mode"), [
    ('{"usage_stats": true, "k": "é"}', "false", "off"),
    ('{"usage_stats": false}', "true", "on"),
    ('{"k": 1}', "local", "local"),
    ("", "false", "off"),
], ids=["opt-out", "opt-in", "local-added", "bom-only"])
def test_config_file_with_a_bom_is_read_and_written(home, content, value, mode):
    """A JSON config file starting with a UTF-8 BOM is read as its JSON, and `config set` works on it
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


def test_state_file_with_a_bom_is_read(home):
    """A state file starting with a UTF-8 BOM is read (the notice stays recorded), not set aside."""
    home.mark_notice_shown()
    home.state.write_bytes(b"\xef\xbb\xbf" + home.state.read_bytes())
    home.write_config({"usage_stats": True})
    result = home.run("decide")
    assert (result.stdout, result.stderr) == ("on\n", "")
    assert [p.name for p in home.skyplane.iterdir() if "corrupt" in p.name] == []
