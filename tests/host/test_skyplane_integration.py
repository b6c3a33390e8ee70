"""The real Skyplane 0.3.2 (its own Typer CLI, excepthook, exit path and config files) run through
examples/skyplane/skyplane_uc.py in its own virtual environment, with a private HOME and TMPDIR,
the collector on 127.0.0.1, and every plain-HTTP proxy variable pointing at a loopback catcher,
so that a POST to Skyplane's own Loki server would be seen (and could never leave the machine).

Skipped, with the reason, only when Skyplane 0.3.2 cannot be downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from report_server import ReportServer
from skyplane_env import Unavailable, ensure

from usage_consent.schemas import _registry as registry

pytestmark = [pytest.mark.skyplane, pytest.mark.slow]  # slow: the real Skyplane in its own virtual environment

UC = Path(__file__).resolve().parents[2] / "examples" / "skyplane" / "skyplane_uc.py"
EXIT_WAIT = 2.0  # the embedded policy's reporter.exit_wait_s
CLOUDS_OFF = "".join(f"[{c}]\n{c}_enabled = False\n" for c in ("aws", "gcp", "azure", "ibmcloud", "cloudflare"))
# Skyplane 0.3.2 calls UsageClient.log_exception("cli_check_config") for this config, before any cloud call.
BAD_AZURE = CLOUDS_OFF.replace("azure_enabled = False", "azure_enabled = True")


@pytest.fixture(scope="session")
def skyenv():
    try:
        return ensure()
    except Unavailable as error:
        pytest.skip(f"Skyplane 0.3.2 cannot be downloaded: {error}")


@pytest.fixture
def loki():
    """Where every plain-HTTP proxy variable points: catches Skyplane's own POST to its Loki server."""
    running = ReportServer("204")
    yield running
    running.stop()


@pytest.fixture
def sky(home, skyenv, server, loki):
    """A HOME with Skyplane's INI config (no cloud enabled) and ours naming the loopback collector."""
    home.skyplane.mkdir()
    (home.skyplane / "config").write_text(CLOUDS_OFF)
    home.write_config({"usage_stats_endpoint": server.url})
    (home.root / "data").mkdir()
    (home.root / "data" / "a.txt").write_text("hello\n")
    return Sky(home, skyenv, loki)


class Sky:
    def __init__(self, home, skyenv, loki) -> None:
        self.home, self.env, self.loki = home, skyenv, loki

    def run(self, *args: str, stock: bool = False, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
        """`skyplane ARGS` through the launcher (or stock Skyplane's console script)."""
        proxy = f"http://127.0.0.1:{self.loki.server_port}"
        proxies = dict.fromkeys(("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"), proxy)
        variables = self.home.env(**env, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **proxies)
        command = [str(self.env.skyplane)] if stock else [str(self.env.python), str(UC)]
        started = time.monotonic()
        result = subprocess.run([*command, *args], env=variables, capture_output=True, text=True, timeout=120,
                                cwd=str(self.home.root), stdin=subprocess.DEVNULL)
        assert "usage_consent" not in result.stderr, result.stderr  # no traceback or warning from us
        return result, time.monotonic() - started

    def cp(self, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
        return self.run("cp", str(self.home.root / "data" / "a.txt"), str(self.home.root / "b.txt"), **env)

    def consent(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`usage-consent --policy skyplane-0.3 ARGS` on the same HOME."""
        return subprocess.run([str(self.env.folder / "bin" / "usage-consent"), "--policy", "skyplane-0.3", *args],
                              env=self.home.env(),
                              capture_output=True, text=True, timeout=60)


def body_of(server) -> dict:
    server.wait_for(1, 10)
    [(_, content_type, body)] = server.received
    assert content_type == "application/json"
    report = json.loads(body)
    assert registry.problems(report, "usage_stats") == []
    return report


def test_help_is_skyplanes_own_plus_usage(sky):
    """`--help` through the launcher prints stock Skyplane's help with one more command, `usage`,
    and decides nothing."""
    ours, _ = sky.run("--help")
    stock, _ = sky.run("--help", stock=True)
    assert ours.returncode == stock.returncode == 0
    added = [line for line in ours.stdout.splitlines() if line not in stock.stdout.splitlines()]
    assert added and added[0].startswith("│ usage ") and len(added) <= 2
    assert [line for line in ours.stdout.splitlines() if line not in added] == stock.stdout.splitlines()
    assert not sky.home.state.exists()


def test_mounted_usage_commands_match_usage_consent(sky):
    """`skyplane usage explain --json` and `skyplane usage get` say what `usage-consent` says."""
    sky.home.mark_notice_shown()
    assert sky.run("usage", "set", "false")[0].returncode == 0
    ours = json.loads(sky.run("usage", "explain", "--json")[0].stdout)
    assert ours == json.loads(sky.consent("explain", "--json").stdout)
    assert (ours["mode"], ours["decided_by"]) == ("off", "skyplane_0_3_config")
    assert sky.run("config", "get", "usage_stats")[0].stdout == sky.consent("config", "get", "usage_stats").stdout


def test_notice_run_then_local_to_local_failure_is_reported(sky, server):
    """First cp: the notice, nothing sent. Second: Skyplane refuses local->local as stock does, and
    one v2 report says so by class and stage, without its message, the paths or the MAC-derived id."""
    first, _ = sky.cp()
    assert "Skyplane collects anonymous usage statistics (usage_stats v2)" in first.stderr
    assert "Uncaught exception: (NotImplementedError)" in first.stderr and first.returncode == 1
    assert server.connections == 0

    second, _ = sky.cp()
    assert second.returncode == 1 and "collects anonymous" not in second.stderr
    report = body_of(server)
    assert report["error"] == {"error_class": "NotImplementedError", "location": "planning"}
    assert report["source"] == report["destinations"][0] == {"provider": "local", "region": "local"}
    assert (report["command"], report["tool_version"], report["schema_version"]) == ("cp", "0.3.2", 2)
    text = json.dumps(report)
    for secret in ("Local->local", str(sky.home.root), uuid.UUID(int=uuid.getnode()).hex):
        assert secret not in text
    assert sky.loki.connections == 0


# Skyplane 0.3.2's field -> where it is in our report; None: free-form, never sent.
MAPPING = {
    "skyplane_version": "tool_version", "python_version": "python_version", "schema_version": None,
    "client_id": None, "session_id": None, "os": "os", "session_start_timestamp_ms": None,
    "source_cloud_provider": "source.provider", "source_region": None,
    "destination_cloud_providers": "destinations.provider", "destination_regions": None,
    "arguments_dict.cmd": "command", **{f"arguments_dict.{k}": f"options.{k}" for k in (
        "recursive", "multipart", "max_instances", "max_connections", "solver", "debug", "confirm")},
    "error_dict.loc": "error.location", "error_dict.message": None, "transfer_stats": "stats", "sent_time_ms": None,
}


def _get(report: dict, dotted: str):
    node = report
    for part in dotted.split("."):
        node = [item[part] for item in node] if isinstance(node, list) else node[part]
    return node


def test_every_skyplane_field_has_its_place(sky, server):
    """The same failing cp (a bad Azure config) in stock Skyplane POSTs its own report to Loki (with
    the local paths as regions and the MAC-derived id); through the launcher, every one of its
    fields is in our report or deliberately left out, and nothing goes to Loki."""
    (sky.home.skyplane / "config").write_text(BAD_AZURE)
    sky.run("cp", "/etc/hostname", str(sky.home.root / "b.txt"), stock=True)
    sky.loki.wait_for(1, 10)
    [(url, _, payload)] = sky.loki.received
    assert url.startswith("http://34.212.234.105:9090/loki/")
    theirs = json.loads(json.loads(payload)["streams"][0]["values"][0][1])
    assert theirs["source_region"] == "/etc/hostname"  # a local path: why regions are not copied
    assert set(theirs) | {f"arguments_dict.{k}" for k in theirs["arguments_dict"]} | {
        f"error_dict.{k}" for k in theirs["error_dict"]} <= set(MAPPING) | {"arguments_dict", "error_dict"}

    sky.home.mark_notice_shown()
    sky.run("cp", "/etc/hostname", str(sky.home.root / "b.txt"))
    ours = body_of(server)
    assert len(sky.loki.received) == 1  # still only stock Skyplane's
    assert ours["error"] == {"error_class": "BadConfigException", "location": "setup"}
    assert ours["source"] == {"provider": "local", "region": "local"}
    for field, place in MAPPING.items():
        if place and field not in ("transfer_stats", "error_dict.loc", "os"):
            value = _get(theirs, field)
            assert _get(ours, place) == value, field
    assert theirs["os"] == "linux" == ours["os"]
    assert uuid.UUID(ours["client_id"]).version == 4 and theirs["client_id"] not in json.dumps(ours)


def test_config_set_false_then_no_connection(sky, server):
    """`skyplane config set usage_stats false` writes Skyplane 0.3.2's own INI file (every other
    section kept), which stock Skyplane then reads; a cp opens no connection at all."""
    sky.home.mark_notice_shown()
    result, _ = sky.run("config", "set", "usage_stats", "false")
    assert result.returncode == 0 and "~/.skyplane/config: usage_stats = False" in result.stdout
    assert "skyplane usage forget" in result.stderr  # what stays on this machine, and how to delete it
    ini = (sky.home.skyplane / "config").read_text()
    assert "[flags]" in ini and "aws_enabled = False" in ini
    assert sky.home.config_data() == {"usage_stats_endpoint": server.url}
    assert sky.run("config", "get", "usage_stats")[0].stdout.strip() == "false"
    assert "usage_stats = False" in sky.run("config", "get", "usage_stats", stock=True)[0].stdout
    sky.cp()
    assert server.connections == 0 and sky.loki.connections == 0
    assert sky.run("config", "set", "usage_stats", "true")[0].returncode == 0
    assert "usage_stats = True" in sky.run("config", "get", "usage_stats", stock=True)[0].stdout


@pytest.mark.parametrize(("value", "code", "says"), [("perhaps", 2, "usage_stats: 'perhaps'"),
                                                   ("local", 1, "SKYPLANE_USAGE_STATS_ENABLED=local")],
                         ids=["not-a-value", "local-in-the-ini-file"])
def test_config_set_refusal_is_one_line_and_changes_nothing(sky, value, code, says):
    """A value that is not a consent value, or `local` (Skyplane 0.3.2's INI file cannot hold it):
    a short message naming the key or the file and what works instead, and both files untouched."""
    before = sky.home.config.read_text(), (sky.home.skyplane / "config").read_text()
    result, _ = sky.run("config", "set", "usage_stats", value)
    assert result.returncode == code and says in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert (sky.home.config.read_text(), (sky.home.skyplane / "config").read_text()) == before


@pytest.mark.parametrize("variable", [{"SKYPLANE_USAGE_STATS_ENABLED": "0"}, {"DO_NOT_TRACK": "1"}],
                         ids=["skyplane-variable", "do-not-track"])
def test_variable_opt_out_no_connection(sky, server, variable):
    """Off for one run by a variable: no connection, no record."""
    sky.home.mark_notice_shown()
    sky.cp(**variable)
    assert server.connections == 0 and sky.loki.connections == 0
    assert not (sky.home.tmp / "skyplane" / "usage").exists()


@pytest.mark.parametrize("how", ["variable", "json-config"])
def test_local_mode_records_and_connects_nowhere(sky, server, how):
    """Local (`SKYPLANE_USAGE_STATS_ENABLED=local`, or "local" in ~/.skyplane/config.json): the
    report is kept on disk and shown by `skyplane usage records`, never sent."""
    sky.home.mark_notice_shown()
    if how == "variable":
        sky.cp(SKYPLANE_USAGE_STATS_ENABLED="local")
    else:
        sky.home.write_config({"usage_stats_endpoint": server.url, "usage_stats": "local"})
        sky.cp()
    assert server.connections == 0 and sky.loki.connections == 0
    [entry] = json.loads(sky.run("usage", "records", "list", "--json")[0].stdout)
    assert entry["mode"] == "local"
    shown = json.loads(sky.run("usage", "records", "show")[0].stdout)
    assert shown["error"]["error_class"] == "NotImplementedError"


def test_earlier_skyplane_ini_opt_out_is_kept(sky, server):
    """A user who opted out in Skyplane 0.3.2 itself (`[flags] usage_stats = False`) stays out on
    every run, is not shown the notice, and nothing is written; a variable set for a run still decides."""
    (sky.home.skyplane / "config").write_text(CLOUDS_OFF + "[flags]\nusage_stats = False\n")
    for _ in range(2):
        result, _ = sky.cp()
        assert "collects anonymous" not in result.stderr and not sky.home.state.exists()
    assert server.connections == 0 and sky.loki.connections == 0
    assert not (sky.home.tmp / "skyplane" / "usage").exists()
    sky.home.mark_notice_shown()
    sky.cp(SKYPLANE_USAGE_STATS_ENABLED="1")
    assert body_of(server)["error"]["error_class"] == "NotImplementedError"


def test_hanging_collector_does_not_hold_the_command(sky, server):
    """A collector that never answers: the command still ends within the exit bound of the policy."""
    sky.home.mark_notice_shown()
    _, baseline = sky.cp(SKYPLANE_USAGE_STATS_ENABLED="0")
    server.behaviour = "never"
    result, elapsed = sky.cp()
    assert result.returncode == 1 and len(server.received) == 1
    # Unbounded, the silent server would hold it 30 s; the margin is for a busy 2-core machine, where a
    # stats-on run (a full resolution, the reporter, requests) starts seconds slower than the baseline.
    assert elapsed - baseline < EXIT_WAIT + 10
    assert os.path.isdir(sky.home.tmp / "skyplane" / "usage")


def _imported(sky, *, stock: bool) -> set[str]:
    """The modules a `skyplane cp` with usage stats off imports (``python -X importtime``), through
    the launcher or as stock Skyplane."""
    program = sky.env.skyplane if stock else UC
    result = subprocess.run([str(sky.env.python), "-X", "importtime", str(program), "cp",
                             str(sky.home.root / "data" / "a.txt"), str(sky.home.root / "b.txt")],
                            env=sky.home.env(SKYPLANE_USAGE_STATS_ENABLED="0"), capture_output=True, text=True,
                            timeout=120, cwd=str(sky.home.root), stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and "Local->local transfers not supported" in result.stderr
    return {line.rpartition("|")[2].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_cp_with_stats_off_from_the_memo_imports_nothing_beyond_stock_but_ours(sky):
    """With usage stats off and the decision answered from the memo (a second run, inputs unchanged),
    a `cp` through the launcher imports, beyond what stock Skyplane's `cp` imports, only usage_consent,
    the adapter's modules and the standard library: no pydantic_settings, jsonschema or requests of
    its own (and, on a miss, pydantic_settings is what it adds)."""
    sky.home.mark_notice_shown()
    first = _imported(sky, stock=False) - _imported(sky, stock=True)  # resolved in full, then memoized
    assert "pydantic_settings" in first
    extra = _imported(sky, stock=False) - _imported(sky, stock=True)
    assert "usage_consent.policy._decide" in extra
    ours = ("usage_consent", "skyplane_hooks", "skyplane_map", "skyplane_policy", *sys.stdlib_module_names)
    assert sorted(name for name in extra if name.split(".")[0] not in ours) == []


def test_sync_is_reported_as_sync(sky, server):
    """`skyplane sync` goes through the same hooks: one report, command sync."""
    sky.home.mark_notice_shown()
    result, _ = sky.run("sync", str(sky.home.root / "data"), str(sky.home.root / "out"))
    assert result.returncode == 1
    report = body_of(server)
    assert (report["command"], report["error"]["location"]) == ("sync", "planning")


def test_other_config_keys_stay_skyplanes(sky):
    """`config set/get` of any other key is Skyplane's own, in its INI file; ours is untouched."""
    before = sky.home.config.read_text()
    result, _ = sky.run("config", "set", "autoconfirm", "true")
    assert result.returncode == 0 and "autoconfirm" in result.stdout
    assert "autoconfirm = True" in (sky.home.skyplane / "config").read_text()
    assert sky.home.config.read_text() == before


def test_launcher_without_skyplane_says_how_to_install_it(home):
    """In an environment without Skyplane (the project's own), the launcher exits 1 with one line."""
    result = subprocess.run([sys.executable, str(UC), "--help"], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert 'pip install skyplane==0.3.2 "numpy<2" "pandas<2.3"' in result.stderr


def test_unknown_solver_failure_is_reported(sky, server):
    """`--solver ilp` fails in Skyplane 0.3.2 (ValueError while planning); that failure is reported."""
    sky.home.mark_notice_shown()
    result, _ = sky.run("cp", str(sky.home.root / "data" / "a.txt"), str(sky.home.root / "b.txt"), "--solver", "ilp")
    assert result.returncode == 1 and "No such planning algorithm" in result.stderr
    report = body_of(server)
    assert report["error"] == {"error_class": "ValueError", "location": "planning"}
    assert "solver" not in report["options"]


def test_v1_user_is_shown_the_change_before_the_first_v2_report(sky, server):
    """A user last shown v1 who opted in: the notice with the v1->v2 change comes before the
    transfer (before Skyplane's own error), then the v2 report is sent."""
    sky.home.mark_notice_shown(version=1)
    sky.home.write_config({"usage_stats_endpoint": server.url, "usage_stats": True})
    result, _ = sky.cp()
    assert "Changed since v1, the version you were last shown:" in result.stderr
    assert "+ destinations: Providers and regions the data went to" in result.stderr
    assert result.stderr.index("Changed since v1") < result.stderr.index("Uncaught exception")
    assert body_of(server)["schema_version"] == 2


NO_CLOUDS = ("--disable-config-aws", "--disable-config-azure", "--disable-config-gcp", "--disable-config-ibm",
             "--disable-config-cloudflare")


def test_init_on_a_fresh_home_shows_and_records_the_notice_and_says_the_real_state(sky, server):
    """`skyplane init` shows the notice and records it, never says "disabled" while collection is on, and
    the first `cp` after it reports (the notice is not shown again)."""
    result, _ = sky.run("init", "-y", *NO_CLOUDS)
    assert result.returncode == 0, result.stderr
    assert "Skyplane collects anonymous usage statistics" in result.stderr
    assert "Usage stats collection is disabled." not in result.stdout + result.stderr
    from usage_consent.policy._notice_state import shown_version_in
    from usage_consent.schemas._versions import current_version

    assert shown_version_in(json.loads(sky.home.state.read_text()), "usage_stats") == current_version("usage_stats")
    copied, _ = sky.cp()
    assert "Skyplane collects anonymous usage statistics" not in copied.stderr
    assert body_of(server)["command"] == "cp"
