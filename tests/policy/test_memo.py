"""The decision memo (policy/_cache.py): a later process answers from it only while every input of
its key is unchanged, never more permissively than a fresh resolution, and never from a memo it
cannot trust (foreign, readable by others, corrupt, a link, another version)."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import usage_consent
from usage_consent import _run as run
from usage_consent._context import Context
from usage_consent._locations import Locations, memo_file
from usage_consent._version import VERSION
from usage_consent.errors import UsageConsentError
from usage_consent.policy import decide, embedded_policy, explain, remove_consent, set_consent
from usage_consent.policy._cache import CACHE, read_memo
from usage_consent.policy._config_write import write_config_keys
from usage_consent.policy._load import policy_to_toml
from usage_consent.policy._resolve import resolve
from usage_consent.policy._sources import KINDS, Inputs, Kind
from usage_consent.policy._state import StateFile
from usage_consent.schemas._versions import current_version

CURRENT = current_version("usage_stats")
VARIABLES = ("SKYPLANE_USAGE_STATS_ENABLED", "DO_NOT_TRACK", "GITHUB_ACTIONS")


def fresh(policy=None, config: run.RunConfig | None = None):
    """The decision resolved now, through no cache and no memo."""
    config = config or run.current()
    return resolve(Context(config, Locations(policy or embedded_policy(), config)))


def same(memoized, resolved) -> bool:
    """Two decisions say the same: mode, source, endpoints, every trace row and the notice."""
    return (memoized.to_dict() == resolved.to_dict() and str(memoized) == str(resolved)
            and memoized.notice == resolved.notice)


def memoized(given=None):
    """What a later process would answer from the memo (None: it would resolve)."""
    CACHE.clear()
    return CACHE.known(given, run.current())


def the_memo(home) -> Path:
    return Path(memo_file(str(home.state)))


def clean_home(home) -> None:
    """A user who opted in and saw the notice: a clean decision, memoized by the next call."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    assert explain().mode == "on" and the_memo(home).exists()


# ---- the property: after any sequence of changes, the memo answers as a fresh resolution ----

STEPS = st.one_of(
    st.tuples(st.just("variable"), st.sampled_from(VARIABLES),
              st.sampled_from([None, "1", "0", "local", "", "yes", "garbage", "true"])),
    st.tuples(st.just("config set"), st.sampled_from([True, False, "local", "on", "off"])),
    st.tuples(st.just("config unset")),
    st.tuples(st.just("config keys"), st.sampled_from(["http://127.0.0.1:9/v1/report", "not a url"])),
    st.tuples(st.just("config raw"), st.sampled_from(['{"usage_stats": true}', '{"usage_stats":false}',
                                                      "{not json", "[]", '{"usage_stats": "yes"}'])),
    st.tuples(st.just("same size"), st.sampled_from(['{"usage_stats": true}', '{"usage_stats":false}'])),
    st.tuples(st.just("state"), st.sampled_from(["shown", "older", "gone", "corrupt"])),
    st.tuples(st.just("home"), st.sampled_from([0, 1])),
    st.tuples(st.just("decide")),
)


def _variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _write(kind: str, value: object = None) -> None:
    with contextlib.suppress(UsageConsentError):  # refused (a file it cannot read): nothing changed
        if kind == "config set":
            set_consent(value)  # type: ignore[arg-type]
        elif kind == "config unset":
            remove_consent()
        else:
            write_config_keys({"usage_stats_endpoint": value})


def _raw(text: str) -> None:
    config = Path(os.environ["HOME"]) / ".skyplane" / "config.json"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text)


def _same_size(text: str) -> None:
    config = Path(os.environ["HOME"]) / ".skyplane" / "config.json"
    if not config.exists() or len(config.read_bytes()) != len(text):
        return
    before = os.stat(config)
    time.sleep(0.02)  # a new tick of the file system's clock (see docs/design.md, "The decision memo")
    with open(config, "r+") as handle:  # in place: the same inode, the same size
        handle.write(text)
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))  # the mtime restored: only ctime says


def _state(change: str) -> None:
    state = Path(os.environ["HOME"]) / ".skyplane" / "usage_stats_state.json"
    if change == "gone":
        state.unlink(missing_ok=True)
    elif change == "corrupt":
        state.parent.mkdir(exist_ok=True)
        state.write_text("{not json")
    else:
        StateFile(str(state)).record_notice("usage_stats", CURRENT if change == "shown" else CURRENT - 1,
                                            "sha256:test", "test")


def apply(step: tuple, homes: list[Path]) -> None:
    """One change of the inputs, made as a user or a host makes it (the real write functions)."""
    kind, *args = step
    changes = {
        "variable": lambda: _variable(*args),
        "config set": lambda: _write(kind, *args),
        "config unset": lambda: _write(kind),
        "config keys": lambda: _write(kind, *args),
        "config raw": lambda: _raw(*args),
        "same size": lambda: _same_size(*args),
        "state": lambda: _state(*args),
        "home": lambda: os.environ.__setitem__("HOME", str(homes[args[0]])),
        "decide": decide,
    }
    changes[kind]()


@contextlib.contextmanager
def two_homes(home) -> Iterator[list[Path]]:
    """Two empty homes under the test's root, HOME set to the first; afterwards the variables the
    steps change and HOME as they were, the process's cache cleared and the homes removed."""
    saved = {name: os.environ.get(name) for name in (*VARIABLES, "HOME")}
    root = Path(tempfile.mkdtemp(dir=home.root))
    homes = [root / "a", root / "b"]
    for folder in homes:
        folder.mkdir()
    os.environ["HOME"] = str(homes[0])
    try:
        yield homes
    finally:
        for name, value in saved.items():
            _variable(name, value)
        CACHE.clear()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=14))
def test_the_memo_answers_as_a_fresh_resolution_after_any_changes(home, steps):
    """Property: after every step of a random sequence of changes to the inputs (variables, config
    writes of every kind, state changes, HOME switches, same-size rewrites with a restored mtime),
    the decision answered from the memo (its in-process slots cleared) and from the process's
    cache each equal a fresh resolution; the memo never answers more permissively."""
    with two_homes(home) as homes:
        for step in steps:
            apply(step, homes)
            explain()  # resolves (and memoizes a clean result), or answers from the cache
            truth = fresh()
            cached = CACHE.known(None, run.current())
            assert cached is None or same(cached, truth), step
            answered = memoized()
            assert answered is None or same(answered, truth), step


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEPS, min_size=1, max_size=14))
def test_a_warm_process_answers_as_a_fresh_resolution_after_any_changes(home, steps):
    """Property: in one process, whose cache keeps each source's reading while that source's own
    inputs are unchanged (only the changed sources are read again on a miss), the decision after
    every step of a random sequence of changes equals a fresh resolution: a reading kept is never
    one whose input changed."""
    CACHE.clear()
    with two_homes(home) as homes:
        for step in steps:
            apply(step, homes)
            explain()  # resolves, giving again the readings of the sources whose inputs are unchanged
            cached = CACHE.known(None, run.current())
            assert cached is not None and same(cached, fresh()), step


def test_a_change_announced_before_os_environ_holds_it_is_read_again(home, monkeypatch):
    """os.environ.__setitem__ calls putenv before it holds the new value; a decision made in
    between reads the old one, and the next call reads the new one: the opt-out takes effect
    without another change to announce it."""
    clean_home(home)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    assert decide().mode == "on"
    os.putenv("SKYPLANE_USAGE_STATS_ENABLED", "0")  # the event alone: os.environ still holds "1"
    assert decide().mode == "on"
    # What os.environ.__setitem__ does after the event, with no second event (CPython's os.py).
    os.environ._data[os.environ.encodekey("SKYPLANE_USAGE_STATS_ENABLED")] = os.environ.encodevalue("0")  # type: ignore[attr-defined]
    assert decide().mode == "off"


WARM_POLICY = """
app = "warm"
key = "usage_stats"
schema_name = "usage_stats"
config_file = "~/.warm/config.json"
state_file = "~/.warm/state.json"

[[sources]]
name = "forced"
kind = "fixed"
value = "off"
when = { env_present = "WARM_FORCE_OFF" }

[[sources]]
name = "env"
kind = "env"
variable = "WARM_STATS"

[[sources]]
name = "config_file"
kind = "config_file"
path = "~/.warm/config.json"
path_variable = "WARM_CONFIG"
format = "json"

[[sources]]
name = "default"
kind = "default"
value = "on"

[notice]
enabled = false

[reporter]
endpoint = "https://collector.example/v1/report"
"""

WARM_STEPS = st.one_of(
    st.tuples(st.just("variable"), st.sampled_from(["WARM_FORCE_OFF", "WARM_STATS"]),
              st.sampled_from([None, "", "1", "0", "local", "garbage"])),
    st.tuples(st.just("names"), st.sampled_from([None, "a.json", "b.json", "missing.json", ""])),
    st.tuples(st.just("file"), st.sampled_from(["config.json", "a.json", "b.json"]),
              st.sampled_from(['{"usage_stats": true}', '{"usage_stats":false}', '{"usage_stats": "local"}',
                               "{not json", '{"usage_stats_endpoint": "http://127.0.0.1:9/v1/report"}', None])),
    st.tuples(st.just("same size"), st.sampled_from(["config.json", "a.json"]),
              st.sampled_from(['{"usage_stats": true}', '{"usage_stats":false}'])),
)


def _warm_step(step: tuple, folder: Path) -> None:
    """One change of the warm policy's inputs: a variable, the variable naming a file, a file written
    or removed, a same-size rewrite with its mtime restored."""
    kind, *args = step
    if kind == "variable":
        _variable(*args)
    elif kind == "names":
        _variable("WARM_CONFIG", None if args[0] is None else (str(folder / args[0]) if args[0] else ""))
    elif kind == "file":
        name, text = args
        path = folder / name
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(text)
    else:
        name, text = args
        path = folder / name
        if path.exists() and len(path.read_bytes()) == len(text):
            before = os.stat(path)
            time.sleep(0.02)  # a new tick of the file system's clock
            with open(path, "r+") as handle:
                handle.write(text)
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(WARM_STEPS, min_size=1, max_size=14))
def test_a_warm_process_keeps_only_the_readings_whose_inputs_are_unchanged(home, steps):
    """Property: with a policy whose sources read a condition's variable, a variable, a file named
    by a variable or found at its path, and a default, the decision a warm process gives after
    every step of a random sequence of changes equals a fresh resolution (a kept reading, kept
    trace row or kept endpoint is never one whose input changed)."""
    names = ("WARM_FORCE_OFF", "WARM_STATS", "WARM_CONFIG")
    saved = {name: os.environ.get(name) for name in names}
    folder = Path(os.environ["HOME"]) / ".warm"
    folder.mkdir(exist_ok=True)
    policy_path = Path(tempfile.mkdtemp(dir=home.root)) / "warm.toml"
    policy_path.write_text(WARM_POLICY)
    loaded = usage_consent.load_policy(str(policy_path))
    CACHE.clear()
    try:
        for step in steps:
            _warm_step(step, folder)
            explain(str(policy_path))  # resolves, giving again what did not change
            cached = CACHE.known(str(policy_path), run.current())
            assert cached is not None and same(cached, fresh(loaded)), step
    finally:
        for name, value in saved.items():
            _variable(name, value)
        CACHE.clear()
        shutil.rmtree(folder, ignore_errors=True)


def test_an_opt_out_takes_effect_at_once_after_many_other_changes(home, monkeypatch):
    """A host that changes many other variables between two decisions: the opt-out that follows
    them takes effect on the very next call."""
    clean_home(home)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    assert decide().mode == "on"
    for index in range(200):
        monkeypatch.setenv(f"UC_TEST_MANY_{index}", "x")
    assert decide().mode == "on"
    os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = "0"
    assert decide().mode == "off"


@pytest.mark.parametrize("replaced", ["after the first decision", "before it"])
def test_an_opt_out_is_seen_where_the_host_replaced_os_environ(home, monkeypatch, replaced):
    """A host that replaced ``os.environ`` with a mapping of its own (before or after a first
    decision): the variables are read through that mapping, and an opt-out set there takes effect."""
    clean_home(home)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    if replaced == "before it":
        monkeypatch.setattr(os, "environ", dict(os.environ))
    assert decide().mode == "on"
    if replaced == "after the first decision":
        monkeypatch.setattr(os, "environ", dict(os.environ))
    assert decide().mode == "on"
    os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = "0"
    assert decide().mode == "off"


NO_HOOK = """
import os, sys
added = []
sys.addaudithook(lambda event, args: added.append(event) if event == "sys.addaudithook" else None)
import usage_consent
for value in ("1", "0", " 1", "local"):
    os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = value
    usage_consent.decide()
    usage_consent.decide()
os.environ["SKYPLANE_USAGE_STATS_ENABLED"] = "local"
decision = usage_consent.decide()
usage_consent.start_session(decision, command="cp").report(stats={})
usage_consent.reporter.wait(20)
print(len(added))
"""


def test_the_library_adds_no_audit_hook_to_the_host_process(home):
    """Deciding again and again while the environment changes, and reporting, add no audit hook
    (PEP 578): a hook, once added, would run for every audited event of the host for ever (every
    ``id()``, every ``copy.deepcopy``'s object) and cannot be removed."""
    clean_home(home)
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", NO_HOOK], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.split()[-1] == "0"


def _slot_readings() -> dict[str, object]:
    """The readings the process's cache holds for the embedded policy, by source name."""
    slot = next(slot for (source, _), slot in CACHE._slots.items() if isinstance(source, str))
    return {found.name: found for found in slot.readings}


def test_a_miss_reads_again_only_the_sources_whose_inputs_changed(home, monkeypatch):
    """When only a variable changed, the sources that do not read it give their earlier reading
    again (the very same object); the source that reads it is read again."""
    clean_home(home)
    the_memo(home).unlink()
    CACHE.clear()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    assert decide().mode == "on"
    before = _slot_readings()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", " 1")
    assert decide().mode == "on"
    after = _slot_readings()
    assert after["env"] is not before["env"] and after["env"].raw == " 1"
    assert all(after[name] is before[name] for name in before if name != "env")


def test_a_miss_that_reads_no_notice_source_again_keeps_the_notice_state(home, monkeypatch):
    """A miss that reads only the changed variable again keeps the notice state it had (the very
    object); once the state file changes, the next miss has the notice state read from it."""
    clean_home(home)
    CACHE.clear()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    first = decide()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "0")
    off = decide()
    assert off.mode == "off" and off.notice is first.notice
    StateFile(str(home.state)).record_notice("usage_stats", CURRENT - 1, "sha256:test", "test")
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    changed = decide()
    assert changed.notice is not first.notice and changed.notice.shown_version == CURRENT - 1
    assert same(explain(), fresh())


@pytest.mark.parametrize("value", ["", "relative/home"], ids=["empty", "relative"])
def test_a_home_that_cannot_hold_files_is_refused_after_decisions_at_another(home, monkeypatch, value):
    """HOME is checked before any resolution not over a slot resolved at that same HOME: after
    decisions at an absolute HOME, an empty or relative one makes the decision off, naming $HOME."""
    clean_home(home)
    assert decide().mode == "on"
    monkeypatch.setenv("HOME", value)
    decision = explain()
    assert decision.mode == "off" and decision.trace.layers[0].location == "$HOME"


def test_a_changed_file_is_read_again_and_decides(home, monkeypatch):
    """A config file rewritten in the same process is read again at once: an opt-out written
    after a decision turns the next decision off, while the other sources' readings are kept."""
    clean_home(home)
    the_memo(home).unlink()
    CACHE.clear()
    assert decide().mode == "on"
    before = _slot_readings()
    set_consent(False)
    assert decide().mode == "off"
    after = _slot_readings()
    assert after["config_file"] is not before["config_file"] and after["config_file"].value == "off"
    assert after["env"] is before["env"]


ENDPOINT = "http://127.0.0.1:9/v1/report"


@pytest.mark.parametrize("changed_while", ["off", "on"], ids=["written while off", "written while on, then while off"])
def test_the_endpoints_follow_the_config_file_while_the_variable_flips(home, monkeypatch, changed_while):
    """The enabling variable flips on, off, on: an endpoint written to the config file between two
    of those decisions is the next "on" decision's, and one unchanged is kept (the very tuple)
    across an "off" decision, which sends nowhere."""
    clean_home(home)
    CACHE.clear()
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    first = decide()
    assert first.mode == "on" and first.endpoints and ENDPOINT not in first.endpoints
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "0")
    off = decide()
    assert off.mode == "off" and off.endpoints == () and not off.send_allowed
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", " 1")
    again = decide()
    assert again.mode == "on" and again.endpoints is first.endpoints  # kept across the off decision
    if changed_while == "on":
        write_config_keys({"usage_stats_endpoint": ENDPOINT})
        assert decide().endpoints == (ENDPOINT,)
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "0")
    assert decide().endpoints == ()
    write_config_keys({"usage_stats_endpoint": ENDPOINT.replace("9", "10")})
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "1")
    last = decide()
    assert last.mode == "on" and last.endpoints == (ENDPOINT.replace("9", "10"),)
    assert same(last, fresh())


# ---- what is memoized, and where ----

def test_a_clean_decision_is_memoized_beside_the_state_file_0600(home):
    """After a clean full resolution the memo is beside the state file, 0600, of this version; a
    process whose inputs are unchanged answers from it the same decision."""
    clean_home(home)
    memo = the_memo(home)
    assert memo.parent == home.state.parent and (os.stat(memo).st_mode & 0o777) == 0o600
    assert json.loads(memo.read_text())["version"] == VERSION
    answered = memoized()
    assert answered is not None and same(answered, fresh()) and answered.mode == "on"


@pytest.mark.parametrize(("config", "shown", "env"), [
    pytest.param({"usage_stats": "yes"}, True, {}, id="invalid-config-value"),
    pytest.param("{not json", True, {}, id="unreadable-config"),
    pytest.param({"usage_stats": True}, False, {}, id="notice-due"),
    pytest.param({}, False, {"GITHUB_ACTIONS": "true"}, id="ci-run-with-nothing-chosen"),
])
def test_a_dirty_result_is_not_memoized(home, monkeypatch, config, shown, env):
    """An invalid source, a notice due or a decision for this run only (CI) writes no memo entry."""
    home.write_config(config)
    if shown:
        home.mark_notice_shown()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    explain()
    assert read_memo(str(the_memo(home))) == []


def test_the_memo_never_creates_the_users_folder(home, monkeypatch):
    """A user with no folder yet who opted out by variable: the decision is clean, nothing is written."""
    monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", "0")
    assert explain().mode == "off"
    assert not home.skyplane.exists()


def test_a_volatile_policy_is_neither_memoized_nor_cached(home, monkeypatch):
    """A policy with a source whose inputs cannot all be declared (volatile) writes no memo and is
    resolved afresh on every call. (A row of the table of kinds declared volatile stands in for the
    working-folder and date sources.)"""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    default = KINDS["default"]
    monkeypatch.setitem(KINDS, "default", Kind(default.read, lambda policy, spec: Inputs(volatile=True)))
    CACHE.clear()
    first, second = explain(), explain()
    assert first.mode == second.mode == "on" and first is not second
    assert read_memo(str(the_memo(home))) == []


def test_a_custom_policy_file_is_memoized_keyed_by_its_file(home, tmp_path):
    """A policy given as a file is memoized like the embedded one; a change of that file (even one
    of the same size) is a miss."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    path = tmp_path / "custom.toml"
    text = policy_to_toml(embedded_policy())
    path.write_text(text)
    assert explain(str(path)).mode == "on"
    answered = memoized(str(path))
    assert answered is not None and answered.mode == "on"
    time.sleep(0.02)  # a new tick of the file system's clock
    before = os.stat(path)
    changed = text.replace("Skyplane", "Skyplanf", 1)
    assert len(changed) == len(text) and changed != text
    with open(path, "r+") as handle:  # in place, the same size, the mtime restored
        handle.write(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert memoized(str(path)) is None


# ---- one test per guard: a memo that cannot be trusted is a miss ----

def _tamper(memo: Path, change) -> None:
    data = json.loads(memo.read_text())
    change(data)
    memo.write_text(json.dumps(data))
    os.chmod(memo, 0o600)


GUARDS = [
    pytest.param(lambda memo: os.chmod(memo, 0o644), id="readable-by-others"),
    pytest.param(lambda memo: memo.write_text("{not json"), id="corrupt"),
    pytest.param(lambda memo: memo.write_bytes(b"\x00" * 64), id="binary"),
    pytest.param(lambda memo: _tamper(memo, lambda d: d.update(version="0.0.0-other")), id="other-version"),
    pytest.param(lambda memo: _tamper(memo, lambda d: d.update(format=99)), id="other-format"),
    pytest.param(lambda memo: _tamper(memo, lambda d: d["entries"][0]["decision"].update(mode="always")),
                 id="unknown-mode"),
    pytest.param(lambda memo: _tamper(memo, lambda d: d["entries"][0]["decision"].update(layers="x")),
                 id="malformed-trace"),
    pytest.param(lambda memo: _tamper(memo, lambda d: d["entries"][0]["key"].__setitem__(0, "/elsewhere")),
                 id="another-key"),
]


@pytest.mark.parametrize("tamper", GUARDS)
def test_a_memo_that_cannot_be_trusted_is_a_miss(home, tamper):
    """A memo readable by others, corrupt, of another version or format, or holding what no
    resolution makes, is not used: the decision is resolved afresh (and equals a fresh one)."""
    clean_home(home)
    tamper(the_memo(home))
    assert memoized() is None
    assert same(explain(), fresh())


def test_a_memo_that_is_a_link_is_a_miss(home, tmp_path):
    """A memo that is a symbolic link (even to a valid memo) is not followed."""
    clean_home(home)
    memo = the_memo(home)
    elsewhere = tmp_path / "elsewhere.memo"
    shutil.copy2(memo, elsewhere)
    memo.unlink()
    memo.symlink_to(elsewhere)
    assert memoized() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_a_memo_owned_by_another_user_is_a_miss(home):
    """A memo owned by another user is not used."""
    clean_home(home)
    os.chown(the_memo(home), 12345, -1)
    assert memoized() is None


def test_a_changed_input_is_a_miss(home, monkeypatch):
    """A variable set, the config rewritten (a new file), HOME changed: each makes the memo miss."""
    clean_home(home)
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    assert memoized() is None
    monkeypatch.delenv("DO_NOT_TRACK")
    assert memoized() is not None
    set_consent("local")
    assert memoized() is None


# ---- a later process: the standard library alone ----

# json is not imported by the line itself: a hit must not import it either (it imports re, about as
# much CPU as the interpreter's start; re itself is already loaded by an editable install's finder).
HIT = ("import sys, usage_consent; d = usage_consent.decide(); "
       "print(repr([d.mode, sorted(m for m in ('pydantic', 'pydantic_settings', 'jsonschema', 'requests', 'json') "
       "if m in sys.modules)]))")


@pytest.mark.slow
def test_a_later_process_answers_from_the_memo_without_pydantic(home):
    """A fresh process whose inputs are unchanged answers from the memo and imports neither pydantic
    nor pydantic_settings nor json; with a variable changed it resolves in full (and imports them)."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    first = subprocess.run([sys.executable, "-c", HIT], env=env, capture_output=True, text=True, check=True)
    assert ast.literal_eval(first.stdout) == ["on", ["json", "pydantic", "pydantic_settings"]]
    again = subprocess.run([sys.executable, "-c", HIT], env=env, capture_output=True, text=True, check=True)
    assert ast.literal_eval(again.stdout) == ["on", []]
    changed = subprocess.run([sys.executable, "-c", HIT], env={**env, "SKYPLANE_USAGE_STATS_ENABLED": "0"},
                             capture_output=True, text=True, check=True)
    assert ast.literal_eval(changed.stdout) == ["off", ["json", "pydantic", "pydantic_settings"]]


@pytest.mark.slow
def test_a_decision_from_the_memo_loads_its_policy_when_asked(home):
    """The decision answered from the memo carries a context whose policy loads on first use."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    code = ("import sys, usage_consent; usage_consent.decide(); d = usage_consent.decide(); "
            "print('pydantic' in sys.modules, d.context.policy.app, 'pydantic' in sys.modules)")
    subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True, check=True)
    out = subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "skyplane", "True"]


@pytest.mark.slow
def test_an_off_session_after_a_memo_hit_loads_no_policy_model(home):
    """A process whose decision is off and comes from the memo starts a session and reports (nothing)
    without loading pydantic: the policy is not needed when nothing is collected."""
    home.write_config({"usage_stats": False})
    code = ("import sys, usage_consent; d = usage_consent.decide(); "
            "s = usage_consent.start_session(d, command='cp'); "
            "print(d.mode, s.report(stats={}), 'pydantic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["off", "off", "True"]  # resolved in full, then memoized
    again = subprocess.run([sys.executable, "-c", code], env=home.env(), capture_output=True, text=True, check=True)
    assert again.stdout.split() == ["off", "off", "False"]


# ---- the package's own files: read once per process, in the memo's key for the next ----

ONCE = ("import sys, usage_consent; first = usage_consent.decide(); "
        "open(sys.argv[1], 'w').close(); again = usage_consent.decide(); "
        "print(repr([first.mode, again is first, 'pydantic' in sys.modules]))")


@pytest.mark.slow
def test_the_packaged_schemas_are_read_once_per_process_and_keyed_for_the_next(home, tmp_path):
    """A change to the packaged schemas folder (an upgrade, an edited checkout) does not reach a
    process that has read it (the packaged schemas are read once per process): its next decide() is
    the cached one; the next process sees it and resolves in full rather than answer from the memo."""
    package = tmp_path / "site" / "usage_consent"
    shutil.copytree(Path(usage_consent.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    added = package / "schemas" / "usage_stats" / "NOTES"
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    env = {**{k: v for k, v in home.env().items() if k != "PYTHONPATH"}, "PYTHONPATH": str(package.parent)}

    def run_once() -> list[object]:
        out = subprocess.run([sys.executable, "-c", ONCE, str(added)], env=env, capture_output=True, text=True,
                             check=True, cwd=tmp_path).stdout
        return ast.literal_eval(out)

    assert run_once() == ["on", True, True]  # resolved in full, memoized; the folder changed after
    assert run_once() == ["on", True, True]  # the changed folder is another key: resolved in full again
    assert run_once() == ["on", True, False]  # unchanged since: the memo answers


# ---- a warm process: the memo is rewritten at its exit, not on the transfer's thread ----

WARM = ("import sys, usage_consent; from pathlib import Path; memo = Path(sys.argv[1]); "
        "first = usage_consent.decide(); written = memo.read_bytes(); usage_consent.set_consent('local'); "
        "again = usage_consent.decide(); "
        "print(repr([first.mode, again.mode, memo.read_bytes() == written]))")


@pytest.mark.slow
def test_a_warm_process_rewrites_the_memo_at_its_exit(home):
    """A process's first decision writes the memo at once; a later one, resolved after an input
    changed, leaves the rewrite to the process's exit (the transfer's thread does not wait on the
    disk for it): during the run the memo is unchanged, after it the next process answers from it."""
    home.write_config({"usage_stats": True})
    home.mark_notice_shown()
    env = {k: v for k, v in home.env().items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", WARM, str(the_memo(home))], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert ast.literal_eval(out) == ["on", "local", True]
    later = subprocess.run([sys.executable, "-c", HIT], env=env, capture_output=True, text=True, check=True)
    assert ast.literal_eval(later.stdout) == ["local", []]
