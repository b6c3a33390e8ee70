"""The host kit: synchronous validation, host values kept, the sandbox fixture and its loopback guard."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TRANSFER_WITH_STATS as TRANSFER  # the host fields with their stats
from report_server import ReportServer

import usage_consent
from usage_consent import _runtime as runtime
from usage_consent.policy import decide
from usage_consent.reporter import start_session, validate_report, wait
from usage_consent.reporter._store import list_records, read_record, show_record


def with_(dotted: str, value: object) -> dict:
    """TRANSFER with one (dotted) field replaced."""
    fields = json.loads(json.dumps(TRANSFER))
    *parents, last = dotted.split(".")
    node = fields
    for part in parents:
        node = node[part]
    node[last] = value
    return fields


@pytest.mark.parametrize(("fields", "expected"), [
    pytest.param(TRANSFER, [], id="valid"),
    pytest.param({**TRANSFER, "session_start_timestamp_ms": 1_795_000_000_000}, [], id="host-start-time"),
    pytest.param(with_("options.solver", "fast"), ["options.solver: 'fast' is not one of"],
                 id="wrong-solver"),
    pytest.param(with_("source.provider", "oracle"), ["source.provider: 'oracle' is not one of"], id="wrong-provider"),
    pytest.param({**TRANSFER, "hostname": "laptop"}, ["(top level): Additional properties"], id="unknown-field"),
    pytest.param({**TRANSFER, "client_id": "mine"}, ["client_id: filled in by usage-consent"], id="owned-client-id"),
    pytest.param({**TRANSFER, "session_id": "x", "schema_version": 9},
                 ["schema_version: filled in by usage-consent", "session_id: filled in by usage-consent"],
                 id="owned-ids"),
])
def test_validate_report_names_every_problem_by_its_path(fields, expected):
    """validate_report returns one problem per mistake, each starting with the field's JSON path."""
    found = validate_report(fields)
    assert len(found) == len(expected), found
    for problem, start in zip(found, expected, strict=True):
        assert problem.startswith(start), problem


@pytest.mark.parametrize("dotted", ["options.solver", "client_id"])
def test_strict_report_raises_the_same_problems(usage_stats_sandbox, dotted):
    """Under strict=True a wrong field raises ReportInvalid with validate_report's problems; nothing is sent."""
    fields = with_(dotted, "fast") if "." in dotted else {**TRANSFER, dotted: "mine"}
    session = start_session(usage_consent.decide())
    with pytest.raises(usage_consent.ReportInvalid) as raised:
        session.report(fields, strict=True)
    assert raised.value.problems == validate_report(fields)
    assert dotted in str(raised.value)
    assert session.outcome == "invalid"
    assert usage_stats_sandbox.wait_for(1, timeout=0.2) == []


def test_the_sandbox_is_strict_by_default(usage_stats_sandbox):
    """Inside usage_stats_sandbox a report breaking the schema raises without strict=True being passed."""
    with pytest.raises(usage_consent.ReportInvalid, match="options.solver"):  # noqa: RUF043 - "." matches itself too
        start_session(usage_consent.decide()).report(with_("options.solver", "fast"))


def test_outside_strict_an_owned_field_is_invalid_and_named(usage_stats_sandbox, caplog):
    """Without strict, a host giving client_id gets outcome invalid and a warning naming the field."""
    session = start_session(usage_consent.decide())
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        assert session.report({**TRANSFER, "client_id": "mine"}, strict=False) == "invalid"
    assert "client_id: filled in by usage-consent" in caplog.text
    assert usage_stats_sandbox.wait_for(1, timeout=0.2) == []


def test_host_start_time_reaches_the_record_and_the_collector(usage_stats_sandbox):
    """A host's session_start_timestamp_ms is kept: the local record and the collector get it unchanged."""
    decision = usage_consent.decide()
    session = start_session(decision, **TRANSFER)
    assert session.report(session_start_timestamp_ms=1_795_000_000_123) == "queued"
    (sent,) = usage_stats_sandbox.wait_for(1)
    assert sent["session_start_timestamp_ms"] == 1_795_000_000_123
    assert sent["client_id"] == session.client_id and sent["session_id"] == session.session_id
    _, body = show_record(decision.policy, session.session_id)
    assert json.loads(body) == sent


def test_the_sandbox_isolates_home_and_points_the_config_at_its_collector(usage_stats_sandbox, tmp_path):
    """HOME and TMPDIR are the test's own; the config file says on and names the loopback collector as the endpoint."""
    import os
    import tempfile

    box = usage_stats_sandbox
    assert os.environ["HOME"] == str(box.home) and box.home.is_relative_to(tmp_path)
    assert tempfile.gettempdir() == str(box.tmp)
    assert json.loads(box.config_file.read_text()) == {"usage_stats": True, "usage_stats_endpoint": box.url}
    assert box.url.startswith("http://127.0.0.1:")
    assert usage_consent.decide().endpoints == (box.url,)


@pytest.mark.parametrize("variable", ["CI", "GITHUB_ACTIONS", "DO_NOT_TRACK", "SKYPLANE_USAGE_STATS_ENABLED"])
def test_the_sandbox_is_on_whatever_the_runner_sets(variable, monkeypatch, tmp_path):
    """A host's tests on a CI runner (or with a consent or config-path variable set) still get a
    sandbox whose decision is on and whose reports reach its collector."""
    from usage_consent.testing import sandbox

    monkeypatch.setenv(variable, "0" if variable.endswith("ENABLED") else "true")
    with sandbox(root=tmp_path / "home") as box:
        assert variable not in os.environ
        decision = usage_consent.decide()
        assert decision.mode == "on" and decision.endpoints == (box.url,)
    assert os.environ[variable]  # restored after the block


SEALED = """
import os, sys
import usage_consent
from usage_consent.reporter import wait
from usage_consent.testing import sandbox

with sandbox() as box:
    for _ in range(300):
        usage_consent.start_session(usage_consent.decide(), **{fields!r}).report()
    inside = os.environ["HOME"]
print(wait(30), inside != os.environ["HOME"], flush=True)  # jobs left over would run now, after the block
"""


@pytest.mark.slow
def test_the_sandbox_is_sealed_nothing_reaches_the_callers_home_or_tmpdir(home):
    """300 reports made in `with sandbox():` leave nothing in the caller's HOME (no state file, no
    client id) or TMPDIR (no record; the sandbox's own folder there is removed), even from the
    background jobs still queued when the block ends."""
    result = subprocess.run([sys.executable, "-c", SEALED.format(fields=TRANSFER)], env=home.env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
    assert sorted(p.name for p in home.root.iterdir()) == ["tmp"]
    assert list(home.tmp.iterdir()) == []
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("endpoint", ["https://10.255.255.1/report", "https://usage.example.com/report",
                                      "https://[2001:db8::1]/report"])
def test_under_the_plugin_a_non_loopback_endpoint_opens_no_connection(usage_stats_sandbox, connections, endpoint):
    """With the plugin loaded, a report to an endpoint outside 127.0.0.0/8 and ::1 opens no connection,
    and the record's status says why."""
    assert runtime.loopback_guard_on()
    usage_stats_sandbox.write_config(usage_stats=True, usage_stats_endpoint=endpoint)
    decision = usage_consent.decide()
    assert decision.send_allowed and decision.endpoints == (endpoint,)
    with connections.watch():
        assert start_session(decision, **TRANSFER).report() == "queued"
        assert wait(5)
    assert connections == []
    (record,) = list_records(decision.policy)
    assert record.send_status == "dropped"
    _, status = read_record(decision.policy, record.client_id, record.session_id)
    assert "is not 127.0.0.0/8 or ::1" in status["endpoints"][endpoint]["detail"]


def test_the_plugin_still_lets_a_loopback_report_through(usage_stats_sandbox, connections):
    """The guard refuses only what is not loopback: the collector receives the report (and the audit
    hook sees that connection, so the test above would see one too)."""
    with connections.watch():
        assert start_session(usage_consent.decide(), **TRANSFER).report() == "queued"
        assert len(usage_stats_sandbox.wait_for(1)) == 1
    assert ("127.0.0.1", usage_stats_sandbox.collector.server_port) in connections


HOST_TESTS = '''
import pytest
import usage_consent
from usage_consent.reporter import start_session

TRANSFER = {transfer!r}


def test_a_transfer_reports(usage_stats_sandbox):
    assert usage_stats_sandbox.config_file.parent.name == ".mytool"
    decision = usage_consent.decide(usage_stats_sandbox.policy)
    assert start_session(decision, **TRANSFER).report() == "queued"
    (report,) = usage_stats_sandbox.wait_for(1)
    assert report["command"] == "cp"


def test_a_wrong_field_fails_the_test(usage_stats_sandbox):
    session = start_session(usage_consent.decide(usage_stats_sandbox.policy))
    with pytest.raises(usage_consent.ReportInvalid, match="options.solver"):  # noqa: RUF043 - "." matches itself too
        session.report({{**TRANSFER, "options": {{**TRANSFER["options"], "solver": "fast"}}}})
'''


@pytest.mark.slow
def test_a_host_test_suite_gets_the_fixture_bound_to_its_policy(tmp_path):
    """A host's own pytest run (a subprocess, its own configuration) gets usage_stats_sandbox from the
    installed plugin, bound to the policy its configuration names."""
    import usage_consent.policy

    toml = (Path(usage_consent.policy.__file__).parent / "skyplane.toml").read_text()
    for old, new in (('app = "skyplane"', 'app = "mytool"'), ("~/.skyplane/", "~/.mytool/"),
                     ("SKYPLANE_USAGE_STATS_ENABLED", "MYTOOL_USAGE_STATS")):
        assert old in toml
        toml = toml.replace(old, new)
    (tmp_path / "mytool.toml").write_text(toml)
    (tmp_path / "pytest.ini").write_text("[pytest]\nusage_consent_policy = mytool.toml\n")
    (tmp_path / "test_host.py").write_text(HOST_TESTS.format(transfer=TRANSFER))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


# --- finding T3: the pytest plugin's loopback guard covers proxies -------------------------------

@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_under_the_plugin_a_non_loopback_proxy_opens_no_connection(usage_stats_sandbox, connections, monkeypatch,
                                                                   variable):
    """Finding T3: With the plugin loaded, an https report to 127.0.0.1 is refused when the environment's proxy is
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
