"""The reporter in the host's own process: consent bound at the start, validation before
anything is written, safe paths, endpoints, retention, forget."""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import pytest
from helpers import STATS, TRANSFER, one_line_error, opt_in, policy_with, usage

from usage_consent.errors import ReportError
from usage_consent.policy import decide, explain, write_consent
from usage_consent.reporter import start_session, wait
from usage_consent.reporter._send import send_report


def test_decision_before_opt_out_keeps_the_running_session_reporting(home, server):
    """A session keeps the decision it started with; the next transfer sees the opt-out."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    write_consent(False)
    assert session.report(stats=STATS) == "queued"
    assert wait(5)
    assert len(server.received) == 1
    assert decide().mode == "off"
    assert start_session(decide()).report(stats=STATS) == "off"
    assert server.connections == 1


def test_invalid_payload_is_neither_written_nor_sent(home, server, caplog):
    """A report that breaks the schema is dropped with a warning that names the field."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        session.report(stats=STATS, source={"provider": "oracle", "region": "x"}, hostname="laptop")
        assert wait(5)
    assert session.outcome == "invalid" and session.path is None
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "source.provider: 'oracle' is not one of" in message and "hostname" in message
    assert not (usage(home) / session.client_id / session.session_id).exists()
    assert server.connections == 0


def test_data_that_is_not_json_is_refused_at_once(home, server):
    """A value JSON cannot hold is refused on the spot, before anything leaves the host's thread."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    assert session.report(stats=STATS, started=object()) == "invalid"
    assert wait(5) and server.connections == 0


def test_symlink_planted_in_the_record_path_is_not_followed(home, server, tmp_path, caplog):
    """A symlink at <tempdir>/skyplane/usage/<client_id> is refused: nothing is written through it."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir()
    usage(home).mkdir(parents=True)
    (usage(home) / session.client_id).symlink_to(elsewhere)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        session.report(stats=STATS)
        assert wait(5)
    assert session.outcome == "unsafe"
    assert "is a symlink; not followed" in caplog.text
    assert list(elsewhere.iterdir()) == []
    assert server.connections == 0


def test_folder_owned_by_another_user_is_refused(home, server, caplog):
    """A record folder that belongs to someone else is not used (needs root to arrange)."""
    if os.geteuid() != 0:
        pytest.skip("only root can create a folder owned by another user")
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    (usage(home)).mkdir(parents=True)
    os.chown(usage(home), 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        session.report(stats=STATS)
        assert wait(5)
    assert session.outcome == "unsafe"
    assert "belongs to another user (uid 65534)" in caplog.text


def test_records_are_private_and_exact(home, server):
    """Folders are 0700, files 0600, and the record is the canonical JSON that was sent."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    session.report(stats=STATS)
    wait(5)
    folder = usage(home) / session.client_id / session.session_id
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / "usage_stats.json").stat().st_mode & 0o777) == "0o600"
    report = json.loads((folder / "usage_stats.json").read_text())
    assert report["client_id"] == session.client_id and report["session_id"] == session.session_id
    assert server.received[0][2] == (folder / "usage_stats.json").read_bytes()


def test_report_collected_before_the_notice_is_never_sent(home, server):
    """A host that skipped decide() (so no notice was shown) gets a local record and no connection."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": server.url})
    session = start_session(explain(), **TRANSFER)
    assert session.report(stats=STATS) == "recorded"
    wait(5)
    assert server.connections == 0
    status = json.loads((usage(home) / session.client_id / session.session_id / "status.json").read_text())
    assert status["notice_shown"] is False and status["endpoints"] == {}


def test_send_refuses_without_consent(home, server):
    """The only function that connects refuses unless the mode is on and the endpoint allowed."""
    opt_in(home, server.url)
    for mode in ("off", "local"):
        with pytest.raises(ReportError, match=f"usage stats are {mode}"):
            send_report(decide().replace(mode=mode), server.url, b"{}")
    with pytest.raises(ReportError, match="not an endpoint this decision allows"):
        send_report(decide(), "http://127.0.0.1:1/other", b"{}")
    assert server.connections == 0


def test_context_manager_reports_the_error_and_reraises_it(home, server):
    """An exception in the transfer is reported (class, stage) and continues unchanged."""
    opt_in(home, server.url)
    failure = TimeoutError("bucket s3://private-bucket timed out")
    with pytest.raises(TimeoutError) as caught, start_session(decide(), **TRANSFER) as session:
        session.set_stage("provisioning")
        raise failure
    assert caught.value is failure
    wait(5)
    sent = json.loads(server.received[0][2])
    assert sent["error"] == {"error_class": "TimeoutError", "location": "provisioning"}
    assert b"private-bucket" not in server.received[0][2]


ENDPOINTS = [
    ("substitute", {"usage_stats_endpoint": "URL"}, ["URL"]),
    ("additional", {"usage_stats_endpoint": "URL", "usage_stats_additional_endpoints": ["URL2"]}, ["URL", "URL2"]),
    ("http-elsewhere-refused", {"usage_stats_endpoint": "http://example.invalid/r"}, []),
    ("ftp-refused", {"usage_stats_endpoint": "ftp://127.0.0.1/r"}, []),
    ("not-a-string", {"usage_stats_endpoint": 42}, []),
    ("additional-not-a-list", {"usage_stats_endpoint": "URL", "usage_stats_additional_endpoints": "URL2"}, ["URL"]),
    ("additional-bad-one-skipped",
     {"usage_stats_endpoint": "URL", "usage_stats_additional_endpoints": ["http://example.invalid/x", "URL2"]},
     ["URL", "URL2"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("config", "expected"), [e[1:] for e in ENDPOINTS], ids=[e[0] for e in ENDPOINTS])
def test_endpoints_from_the_config_file(home, server, config, expected):
    """The config file substitutes or adds endpoints; a bad one is left out (never sent to)."""
    from report_server import ReportServer

    second = ReportServer()
    try:
        urls = {"URL": server.url, "URL2": second.url}

        def fill(value):
            return [urls.get(x, x) for x in value] if isinstance(value, list) else urls.get(value, value)

        home.write_config({"usage_stats": True, **{k: fill(v) for k, v in config.items()}})
        home.mark_notice_shown()
        decision = decide()
        assert list(decision.endpoints) == [urls[e] for e in expected]
        assert home.explain()["endpoints"] == [urls[e] for e in expected]
        start_session(decision, **TRANSFER).report(stats=STATS)
        wait(5)
        assert (server.connections, second.connections) == (int("URL" in expected), int("URL2" in expected))
    finally:
        second.stop()


def _without_endpoint():
    """The embedded policy as a host that wrote no ``[reporter]`` endpoint nor deletion contact."""
    import tomli_w

    from usage_consent.policy import embedded_policy
    from usage_consent.policy._load import parse_policy

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    for key in ("endpoint", "deletion_contact"):
        data["reporter"].pop(key)
    return parse_policy(tomli_w.dumps(data), "host.toml")


def test_a_policy_without_an_endpoint_sends_nowhere_and_keeps_the_record(home, connections):
    """A host policy that names no endpoint sends nothing (no connection at all, Skyplane's collector
    least of all) and still keeps the local copy of every report."""
    policy = _without_endpoint()
    assert policy.reporter.endpoint is None and policy.reporter.deletion_contact is None
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    with connections.watch():
        decision = decide(policy)
        assert decision.mode == "on" and decision.endpoints == ()
        session = start_session(decision, **TRANSFER)
        session.report(stats=STATS)
        wait(5)
    assert list(connections) == []
    record = usage(home) / session.client_id / session.session_id / "usage_stats.json"
    assert json.loads(record.read_text())["stats"] == STATS


def test_a_policy_without_an_endpoint_sends_where_the_user_config_says(home, server):
    """Without a policy endpoint, an endpoint the user's config file names is still used."""
    opt_in(home, server.url)
    decision = decide(_without_endpoint())
    assert decision.endpoints == (server.url,)
    start_session(decision, **TRANSFER).report(stats=STATS)
    wait(5)
    assert server.connections == 1


def test_records_are_kept_for_a_bounded_number_of_sessions(home, server):
    """With keep_sessions = 3, the oldest records are removed as new ones come."""
    policy = policy_with(keep_sessions=3)
    opt_in(home, server.url)
    ids = []
    for _ in range(5):
        session = start_session(decide(policy), **TRANSFER)
        session.report(stats=STATS)
        ids.append(session.session_id)
        wait(5)
    kept = sorted(p.name for p in (usage(home) / session.client_id).iterdir())
    assert kept == sorted(ids[-3:])


def test_per_session_client_id(home, server):
    """A policy may ask for a new client id every session; none is stored."""
    policy = policy_with(client_id="per_session")
    opt_in(home, server.url)
    first, second = start_session(decide(policy)), start_session(decide(policy))
    assert first.client_id != second.client_id
    assert "client_id" not in json.loads(home.state.read_text())


@pytest.mark.slow
def test_records_commands_and_forget(home, server):
    """`records list|show|path` show every report; `forget` deletes them, rotates the id and
    leaves the old id nowhere on disk."""
    opt_in(home, server.url)
    sessions = []
    for _ in range(2):
        session = start_session(decide(), **TRANSFER)
        session.report(stats=STATS)
        sessions.append(session)
        wait(5)
    listed = home.run("records", "list")
    assert listed.returncode == 0 and listed.stdout.count("sent 200") == 2
    assert json.loads(home.run("records", "list", "--json").stdout)[1]["session_id"] == sessions[1].session_id
    newest = home.run("records", "show")
    assert newest.stdout.rstrip("\n").encode() == server.received[1][2]
    first = home.run("records", "show", sessions[0].session_id)
    assert first.stdout.rstrip("\n").encode() == server.received[0][2]
    assert home.run("records", "show", "no-such-session").returncode == 1
    assert home.run("records", "path").stdout.strip() == str(usage(home))

    old = sessions[0].client_id
    forgot = home.run("forget")
    assert forgot.returncode == 0
    assert f"your old client_id: {old}" in forgot.stdout and "admin@skyplane.org" in forgot.stdout
    assert not usage(home).exists()
    found = subprocess.run(["grep", "-rl", old, str(home.root)], capture_output=True, text=True)
    assert found.stdout == ""
    new = start_session(decide())
    assert new.client_id != old
    assert home.run("records", "list").stdout.startswith("no records under")


@pytest.mark.slow
def test_a_forked_child_does_not_redo_its_parents_reports(home, server):
    """After fork, the child's background lanes start empty: the parent's queued send is sent once."""
    opt_in(home, server.url)
    session = start_session(decide(), **TRANSFER)
    session.report(stats=STATS)
    pid = os.fork()
    if pid == 0:  # the child: wait for its own (empty) lanes, then leave without running atexit hooks
        os._exit(0 if wait(2) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert wait(5)
    assert len(server.received) == 1


def test_run_configuration_places_dates_and_sends_the_records(home, server, tmp_path):
    """A RunConfig's temporary folder holds the records, its clock dates them and its HTTP session sends them."""
    import requests

    from usage_consent import _run as run

    opt_in(home, server.url)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = []

    def http_session():
        made.append(requests.Session())
        made[-1].trust_env = False
        return made[-1]

    config = run.RunConfig(temp_dir=str(elsewhere), clock=lambda: 1_700_000_000.0, http_session=http_session)
    with run.bound(config):
        assert start_session(decide(), **TRANSFER).report(stats=STATS) == "queued"
        assert wait(5)
    [status] = elsewhere.glob("skyplane/usage/*/*/status.json")
    data = json.loads(status.read_text())
    assert (data["created_ms"], data["created_at"]) == (1_700_000_000_000, "2023-11-14T22:13:20Z")
    assert len(server.received) == 1 and len(made) == 1
    assert not usage(home).exists()


# --- issue 8's reproductions ---------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("body", "text"), [
    (b"\xff\xfe{}", "not UTF-8 text (byte 0); not a report"),
    (b'{"runtime_s": NaN}', "not JSON (NaN is not JSON); not a report"),
    (b"{oops", "not JSON (Expecting property name enclosed in double quotes); not a report"),
], ids=["not-utf8", "nan", "not-json"])
def test_records_show_names_a_damaged_record(home, monkeypatch, body, text):
    """Issue 8 reproduction: `records show` on a record that is not UTF-8 or not JSON names the record's file in one
    line."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    session = start_session(decide(), **TRANSFER)
    assert session.report() == "recorded" and wait(5)
    with open(session.path, "wb") as handle:
        handle.write(body)
    one_line_error(home.run("records", "show"), 1, f"{session.path}: {text}")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")], ids=["nan", "inf", "minus-inf"])
def test_nan_makes_a_report_invalid_and_names_the_field(home, caplog, bad):
    """Issue 8 reproduction: A report holding NaN or an infinity is invalid (not JSON): nothing is written, the warning
    names the field."""
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
    """Issue 8 reproduction: validate_report() lists a NaN or infinity with its JSON path, like any other problem."""
    from usage_consent.reporter import validate_report

    stats = {"runtime_s": 1.0, "throughput_gbits": float("inf"), "bytes_transferred": 1, "objects_transferred": 1}
    problems = validate_report({**TRANSFER, "stats": stats})
    assert any(p.startswith("stats.throughput_gbits: inf is not a finite number") for p in problems), problems


def test_a_session_reports_the_schema_version_its_decision_spoke_of(home, tmp_path):
    """A new version released in the host's schemas folder between decide() and start_session():
    the session's report carries the version the decision (and its notice) spoke of; the next
    decision sees the new one, and its notice is due."""
    import shutil

    from usage_consent.policy import embedded_policy, load_policy
    from usage_consent.policy._load import policy_to_toml
    from usage_consent.schemas._versions import PACKAGE_DIR, current_version

    schemas = tmp_path / "schemas"
    shutil.copytree(os.path.join(PACKAGE_DIR, "usage_stats"), schemas / "usage_stats")
    current = current_version("usage_stats", str(schemas))
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(policy_to_toml(embedded_policy()).replace(
        'state_file = "~/.skyplane/usage_stats_state.json"\n',
        f'state_file = "~/.skyplane/usage_stats_state.json"\nschemas_dir = "{schemas}"\n'))
    policy = load_policy(str(policy_file))
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    decision = decide(policy)
    assert decision.mode == "local" and decision.notice.current_version == current
    released = schemas / "usage_stats" / f"v{current + 1}.json"
    shutil.copy(schemas / "usage_stats" / f"v{current}.json", released)
    session = start_session(decision, **TRANSFER)
    assert session.report(stats=STATS) == "recorded" and wait(20)
    assert json.loads(Path(session.path).read_text())["schema_version"] == current
    assert decide(policy).notice.current_version == current + 1
