"""A report after a memo hit: the session reads its policy's values as plain ``ReportSettings`` (kept in
the memo entry), so a fresh process that decides from the memo, starts a session and reports loads
neither pydantic, pydantic-settings nor the policy model, imports requests only to send, and records
exactly what a process that resolved in full records."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import RAY, STATS, TRANSFER, opt_in, usage

from usage_consent._locations import memo_file
from usage_consent._report_settings import ReportSettings
from usage_consent.policy import embedded_policy, load_policy
from usage_consent.policy._state import StateFile
from usage_consent.reporter._identity import new_id

WATCHED = ("pydantic", "pydantic_settings", "usage_consent.policy._model", "requests", "jsonschema")
MODEL = ("pydantic", "pydantic_settings", "usage_consent.policy._model")
# What a full resolution of the embedded policy loads: pydantic-settings, not the policy model (it reads
# the policy's plain view, policy/_plain.py, and so does the session it hands its settings to).
RESOLVED = ("pydantic", "pydantic_settings")
REPORT = f"""
import json, sys, usage_consent
decision = usage_consent.decide()
session = usage_consent.start_session(decision, **{TRANSFER!r})
outcome = session.report(stats={STATS!r})
usage_consent.reporter.wait(20)
print(json.dumps({{"mode": decision.mode, "outcome": outcome, "final": session.outcome, "path": session.path,
                  "loaded": sorted(m for m in {WATCHED!r} if m in sys.modules)}}))
"""
PER_SESSION = ("session_id", "session_start_timestamp_ms", "created_at", "created_ms", "at")  # differ by design


def report_process(home) -> dict:
    """One fresh process: decide(), start_session(), report(), wait; what it did and what it loaded."""
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", REPORT], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def with_client_id(home) -> None:
    """A client id already stored: a report process then leaves the state file (an input of the memo's key) as it is."""
    StateFile(str(home.state)).update(lambda data: data.setdefault("client_id", new_id()))


def record(done: dict) -> dict:
    """The report and its status as written, without what differs from session to session."""
    folder = Path(done["path"]).parent
    return _without({"report": json.loads(Path(done["path"]).read_bytes()),
                     "status": json.loads((folder / "status.json").read_text())})


def _without(value: object) -> object:
    if isinstance(value, dict):
        return {key: _without(item) for key, item in value.items() if key not in PER_SESSION}
    return value


def memo_entries(home) -> list[dict]:
    return json.loads(Path(memo_file(str(home.state))).read_text())["entries"]


def rewrite_memo(home, change) -> None:
    """Change every entry's plain values in place (the memo's format and version kept, 0600 kept)."""
    path = Path(memo_file(str(home.state)))
    memo = json.loads(path.read_text())
    for entry in memo["entries"]:
        change(entry["plain"])
    path.write_text(json.dumps(memo))
    os.chmod(path, 0o600)


@pytest.mark.slow
def test_a_local_report_after_a_memo_hit_loads_no_policy_model_and_no_requests(home):
    """Local mode: the process that resolves in full loads pydantic-settings (not the policy model) and records;
    the next one answers from
    the memo and records without pydantic, pydantic-settings, the policy model, requests or jsonschema (the
    plain validator checks the report against its schema, the allowlist)."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    with_client_id(home)
    full, hit = report_process(home), report_process(home)
    assert full["outcome"] == hit["outcome"] == "recorded" and full["final"] == hit["final"] == "recorded"
    assert set(full["loaded"]) & set(MODEL) == set(RESOLVED) and "requests" not in full["loaded"]
    assert hit["loaded"] == []
    assert record(hit) == record(full)


@pytest.mark.slow
def test_a_sent_report_after_a_memo_hit_loads_no_policy_model(home, server):
    """Mode on, a loopback collector: after the first accepted send (which remembers the endpoint in the
    state file, an input of the key) the next process resolves again, and the one after it answers from the
    memo, sends with requests and loads neither the policy model nor jsonschema; what it records and sends
    equals, field by field, what the process that resolved in full did."""
    opt_in(home, server.url)
    with_client_id(home)
    full, again, hit = report_process(home), report_process(home), report_process(home)
    assert [done["outcome"] for done in (full, again, hit)] == ["queued"] * 3
    assert set(again["loaded"]) & set(MODEL) == set(RESOLVED)
    assert not set(MODEL) & set(hit["loaded"]) and set(hit["loaded"]) == {"requests"}
    assert record(hit) == record(full)
    assert record(hit)["status"]["endpoints"][server.url]["outcome"] == "sent"
    sent = server.reports
    assert len(sent) == 3 and _without(sent[2]) == _without(sent[0])


@pytest.mark.slow
@pytest.mark.parametrize(("change", "answered"), [
    pytest.param(lambda plain: plain.pop("report"), "from the memo, the policy loaded", id="older-memo-without-them"),
    pytest.param(lambda plain: plain["report"].update(keep_sessions=True), "resolved afresh", id="a-wrong-type"),
    pytest.param(lambda plain: plain["report"].pop("exit_wait_s"), "resolved afresh", id="a-field-missing"),
    pytest.param(lambda plain: plain["report"].update(app="other"), "resolved afresh", id="another-apps"),
])
def test_a_memo_without_usable_report_settings_still_reports_correctly(home, change, answered):
    """A memo entry of this format written before the report settings were kept there is still a hit, and the
    session takes them from the policy (loaded then); settings that are there but unusable make the entry a
    miss, resolved from the policy's plain view (no model loaded). Either way the record equals the one
    written after a full resolution."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    with_client_id(home)
    full = report_process(home)
    rewrite_memo(home, change)
    later = report_process(home)
    assert later["outcome"] == later["final"] == "recorded"
    assert record(later) == record(full)
    resolved = answered == "resolved afresh"
    assert "pydantic" in later["loaded"]  # the policy loaded (a hit), or pydantic-settings (a miss)
    assert ("usage_consent.policy._model" in later["loaded"]) == (not resolved)  # a miss reads the plain view
    assert ("pydantic_settings" in later["loaded"]) == resolved  # a hit resolves nothing
    assert all("report" in entry["plain"] for entry in memo_entries(home)) == resolved  # a miss memoizes again


@pytest.mark.parametrize("policy", [embedded_policy(), load_policy(RAY)], ids=["skyplane", "ray"])
def test_report_settings_survive_the_memo(policy):
    """A policy's report settings, written to the memo as JSON and read back, are the same values."""
    settings = ReportSettings.of(policy)
    assert ReportSettings.from_dict(json.loads(json.dumps(settings.to_dict()))) == settings
    assert settings.exit_wait_s == policy.reporter.exit_wait_s and settings.state_file == policy.state_file


@pytest.mark.parametrize("change", [
    pytest.param({"keep_sessions": True}, id="bool-for-int"),
    pytest.param({"exit_wait_s": "2"}, id="text-for-number"),
    pytest.param({"app": None}, id="null-app"),
    pytest.param({"schemas_dir": 3}, id="number-for-path"),
    pytest.param({"more": 1}, id="an-unknown-field"),
])
def test_unusable_report_settings_are_refused(change):
    """A memo's report settings with a field of the wrong type, or one unknown, are refused (ValueError)."""
    data = {**ReportSettings.of(embedded_policy()).to_dict(), **change}
    with pytest.raises(ValueError, match="report settings"):
        ReportSettings.from_dict(data)


# What a process that records its report after a memo hit never imports (each is measured in
# benchmarks/cold.py: together they cost more than the rest of the process).
NOT_LOADED = ("jsonschema", "json", "re", "typing", "pathlib", "tempfile", "shutil", "uuid", "platform", "urllib",
              "contextlib", "dataclasses", "enum", "logging", "random", "threading", "queue", "functools",
              "collections")
LEAN = f"""
import sys
sys.path.insert(0, ROOT)  # -S: no site, so nothing an editable install's finder imports is counted
import usage_consent
decision = usage_consent.decide()
session = usage_consent.start_session(decision, **{TRANSFER!r})
outcome = session.report(stats={STATS!r})
done = usage_consent.reporter.wait(20)
loaded = sorted(m for m in {NOT_LOADED!r} if m in sys.modules)
print(repr([decision.mode, outcome, session.outcome, done, loaded]))
"""


@pytest.mark.slow
def test_a_local_report_after_a_memo_hit_imports_none_of_the_heavy_standard_modules(home):
    """The process that records its report after a memo hit (no site: only what it imports itself) loads
    neither jsonschema nor json, re, typing, pathlib, tempfile, shutil, uuid, platform, urllib, contextlib,
    dataclasses, enum, logging, random, threading, queue, functools or collections (its lanes run on threads
    started with _thread), and its record equals the one a full resolution writes."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    with_client_id(home)
    full = report_process(home)
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    root = str(Path(__file__).resolve().parent.parent.parent)
    result = subprocess.run([sys.executable, "-S", "-c", LEAN.replace("ROOT", repr(root), 1)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    mode, outcome, final, done, loaded = ast.literal_eval(result.stdout)
    assert (mode, outcome, final, done, loaded) == ("local", "recorded", "recorded", True, [])
    newest = max((p for p in usage(home).glob("*/*/usage_stats.json")), key=lambda p: p.stat().st_mtime_ns)
    assert record({"path": str(newest)}) == record(full)


# What a local report after a memo hit imports beyond what the hit did (client id known, notice shown, nothing
# to prune, the report valid): the reporter, its records store, the write path's file helpers (the one-step
# replace and the safe temporary folders; not atomic's locks, nor _suppress), the packaged schemas' generated
# checks, and atexit. The state file's writer, the file locks, pruning's rules and the report's full check are
# each loaded only by a report that needs them (tests/reporter/test_report_loads_on_need.py).
AFTER_HIT = ["atexit", "usage_consent._files._replace", "usage_consent._files.tempdirs",
             "usage_consent.reporter", "usage_consent.reporter._identity",
             "usage_consent.reporter._payload", "usage_consent.reporter._process", "usage_consent.reporter._session",
             "usage_consent.reporter._store", "usage_consent.reporter._worker", "usage_consent.schemas",
             "usage_consent.schemas._packaged_checks"]
AFTER_HIT_PROBE = f"""
import json, sys, usage_consent
decision = usage_consent.decide()
before = set(sys.modules)
session = usage_consent.start_session(decision, **{TRANSFER!r})
outcome = session.report(stats={STATS!r})
usage_consent.reporter.wait(20)
print(json.dumps([outcome, session.outcome, sorted(set(sys.modules) - before)]))
"""


def test_a_local_report_after_a_memo_hit_imports_exactly_these_modules(home):
    """A fresh process that decides from the memo, starts a session and records a valid report imports,
    beyond what the decision imported, exactly the listed modules."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    with_client_id(home)
    report_process(home)  # the decision resolved in full and memoized
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", AFTER_HIT_PROBE], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(result.stdout) == ["recorded", "recorded", AFTER_HIT]
