"""A local report after a memo hit loads only what its own case needs, and each part it loads on need
is loaded by the thread that makes the report (a lane's thread imports nothing): the state file's
writer and the file locks to store a new client id, pruning's rules and the locks when a prune is
due, the report's check beyond the generated one when that check refuses the report. Each case is a
real process, and each still does what it must."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import LANE_WATCH, STATS, TRANSFER, usage

from usage_consent.policy import embedded_policy
from usage_consent.policy._state import StateFile
from usage_consent.reporter._identity import new_id

STATE_WRITER = "usage_consent.policy._state"
PRUNING = "usage_consent.reporter._store.pruning"
LOCKS = "usage_consent._files.atomic"  # the bounded file locks (a record is written without one)
REPORT_CHECK = "usage_consent.schemas._report_check"
ON_NEED = (STATE_WRITER, PRUNING, LOCKS, REPORT_CHECK, "usage_consent.schemas._plain_check")
REPORT = LANE_WATCH + """
import json
import usage_consent
from usage_consent.reporter import _worker as worker

session = usage_consent.start_session(usage_consent.decide(), **TRANSFER)
try:
    outcome = session.report(stats=STATS, strict=STRICT)
except usage_consent.ReportInvalid as error:
    outcome = "raised: " + "; ".join(error.problems)
done = worker.wait(20)
print(json.dumps({"outcome": outcome, "final": session.outcome, "path": session.path, "done": done, "lanes": lanes,
                  "loaded": sorted(m for m in ON_NEED if m in sys.modules)}))
"""


def report_process(home, stats: dict = STATS, strict: bool = False) -> tuple[dict, str]:
    """One fresh process: decide (from the memo), start a session, report ``stats``, wait; what it did,
    what it loaded of ON_NEED, and its stderr."""
    code = (REPORT.replace("TRANSFER", repr(TRANSFER)).replace("STATS", repr(stats))
            .replace("STRICT", repr(strict)).replace("ON_NEED", repr(ON_NEED)))
    result = subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout), result.stderr


def memoize(home) -> None:
    """A decide-only process: the decision is memoized, so the report processes that follow answer from the memo."""
    done = subprocess.run([sys.executable, "-c", "import usage_consent; usage_consent.decide()"], env=home.env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def local(home):
    """Local mode, the notice shown (no client id stored yet)."""
    home.write_config({"usage_stats": "local"})
    home.mark_notice_shown()
    return home


def stored_id(home) -> str | None:
    return json.loads(home.state.read_text()).get("client_id")


def test_a_known_client_id_is_used_without_loading_the_state_files_writer(local):
    """A client id already stored: the report carries it, the state file is left as it is, and the process
    loads none of the parts a report loads on need (the state file is read by the module that reads it)."""
    StateFile(str(local.state)).update(lambda data: data.setdefault("client_id", new_id()))
    known, before = stored_id(local), local.state.read_bytes()
    memoize(local)
    done, _ = report_process(local)
    assert (done["outcome"], done["final"], done["done"], done["lanes"], done["loaded"]) == (
        "recorded", "recorded", True, [], [])
    assert json.loads(Path(done["path"]).read_text())["client_id"] == known
    assert local.state.read_bytes() == before


def test_a_new_client_id_is_stored_and_the_writer_loaded_by_the_reporting_thread(local):
    """No client id yet: the process stores the new one its report carries (in the write lane), having
    loaded the state file's writer and the file locks on the thread that started the session, not the lane's."""
    memoize(local)
    assert stored_id(local) is None
    done, _ = report_process(local)
    assert (done["outcome"], done["final"], done["done"], done["lanes"], done["loaded"]) == (
        "recorded", "recorded", True, [], sorted([STATE_WRITER, LOCKS]))
    assert json.loads(Path(done["path"]).read_text())["client_id"] == stored_id(local)


def _old_records(home, count: int) -> None:
    """``count`` records of one client, nothing open to send, each older than the one before."""
    client = usage(home) / new_id()
    for number in range(count):
        folder = client / new_id()
        folder.mkdir(mode=0o700, parents=True)
        (folder / "usage_stats.json").write_text("{}")
        (folder / "status.json").write_text(json.dumps({"mode": "local", "endpoints": {}}))
        stamp = time.time_ns() - (count - number + 10) * 10**9
        os.utime(folder, ns=(stamp, stamp))
    for path in (usage(home), client) if count else ():
        path.chmod(0o700)


@pytest.mark.parametrize(("beyond_keep", "pruned"), [
    pytest.param(None, False, id="no-records-yet"),
    pytest.param(-2, False, id="two-under-the-bound"),
    pytest.param(0, True, id="at-the-bound-the-report-makes-one-more"),
])
def test_a_first_report_prunes_when_due_and_loads_pruning_only_then(local, beyond_keep, pruned):
    """A process's first report prunes when the folder, with it, holds more than keep_sessions: the
    prune runs (the oldest record goes, the report's own stays) and pruning's rules and the file locks are
    loaded by the reporting thread; when no prune is due neither is loaded at all."""
    StateFile(str(local.state)).update(lambda data: data.setdefault("client_id", new_id()))
    keep = embedded_policy().reporter.keep_sessions
    count = 0 if beyond_keep is None else keep + beyond_keep
    _old_records(local, count)
    memoize(local)
    done, _ = report_process(local)
    assert (done["final"], done["done"], done["lanes"]) == ("recorded", True, [])
    assert done["loaded"] == (sorted([PRUNING, LOCKS]) if pruned else [])
    kept = list(usage(local).glob("*/*/usage_stats.json"))
    assert len(kept) == (keep if pruned else count + 1)
    assert Path(done["path"]) in kept


@pytest.mark.parametrize(("stats", "strict", "outcome", "final", "said"), [
    pytest.param(STATS, False, "recorded", "recorded", None, id="valid-the-generated-check-alone"),
    pytest.param({"runtime_s": "slow"}, False, "recorded", "invalid",
                 "it breaks schema usage_stats: stats.runtime_s: 'slow' is not valid", id="refused-in-the-lane"),
    pytest.param({"runtime_s": "slow"}, True, "raised: stats.runtime_s: 'slow' is not valid", "invalid", None,
                 id="refused-strict-on-the-reporting-thread"),
])
def test_a_refused_report_gets_its_problems_and_only_it_loads_the_full_check(local, stats, strict, outcome, final,
                                                                             said):
    """A report the packaged schema's generated check accepts loads nothing more; one it refuses gets every
    problem with its JSON path, in the warning (in the background) or in ReportInvalid (strict), from the
    report's check and the plain validator, which the reporting thread loads (never a lane's)."""
    StateFile(str(local.state)).update(lambda data: data.setdefault("client_id", new_id()))
    memoize(local)
    done, stderr = report_process(local, stats, strict)
    assert done["outcome"].startswith(outcome) and done["final"] == final, done
    assert (done["done"], done["lanes"]) == (True, [])
    refused = outcome != "recorded" or final == "invalid"
    assert done["loaded"] == (sorted([REPORT_CHECK, "usage_consent.schemas._plain_check"]) if refused else [])
    assert (said is not None and said in stderr) or (said is None and "breaks schema" not in stderr), stderr
