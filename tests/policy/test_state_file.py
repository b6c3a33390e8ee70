"""The state file: read tolerantly (a byte order mark, a lone surrogate), and an unusable one (garbage,
wrong types, a symlink) makes the decision off naming it, is set aside or refused, and the next run works."""

from __future__ import annotations

import json
import logging
import stat

import pytest
from helpers import HUGE

from usage_consent.policy import decide, explain

# --- finding T10: a UTF-8 byte order mark is read, and not written back --------------------------

@pytest.mark.slow
def test_state_file_with_a_bom_is_read(home):
    """Finding T10: A state file starting with a UTF-8 BOM is read (the notice stays recorded), not set aside."""
    home.mark_notice_shown()
    home.state.write_bytes(b"\xef\xbb\xbf" + home.state.read_bytes())
    home.write_config({"usage_stats": True})
    result = home.run("decide")
    assert (result.stdout, result.stderr) == ("on\n", "")
    assert [p.name for p in home.skyplane.iterdir() if "corrupt" in p.name] == []


# --- issue 8's reproductions ---------------------------------------------------------------------

def test_a_broken_state_file_turns_on_and_local_off_alike(home, monkeypatch):
    """Issue 8 reproduction: An unusable state file (below the env) makes an env of 1 and of local both off, named by
    the notice source."""
    for env in ("1", "local"):
        home.skyplane.mkdir(exist_ok=True)
        home.state.write_text('{"history": {}}')
        monkeypatch.setenv("SKYPLANE_USAGE_STATS_ENABLED", env)
        decision = decide()
        assert (decision.mode, decision.decided_by) == ("off", "notice")
        assert "~/.skyplane/usage_stats_state.json: key 'history' must be a list" in decision.trace["notice"].reason


UNUSABLE_STATES = [
    ("garbage", "garbage", "not valid JSON"),
    ("huge-int", f'{{"format": {HUGE}}}', "holds a number too long to read"),
    ("null-event", '{"history": [{"event": null}]}', "key 'history': entry 0 must be an object"),
    ("history-object", '{"history": {"a": 1}}', "key 'history' must be a list"),
    ("notices-list", '{"notices": []}', "key 'notices' must be an object"),
    ("version-string", '{"notices": {"usage_stats": {"version": "1"}}}', "entry 'usage_stats' must be an object"),
    ("client-id-number", '{"client_id": 7}', "key 'client_id' must be a string"),
    ("format-bool", '{"format": true}', "key 'format' must be an integer"),
    ("not-utf8", b'{"x": "\xe9"}', "not UTF-8 text"),
    ("a-list", "[]", "holds a JSON list"),
    ("deep", "[" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("content", "problem"), [u[1:] for u in UNUSABLE_STATES], ids=[u[0] for u in UNUSABLE_STATES])
def test_unusable_state_file_is_set_aside_and_the_next_run_works(home, caplog, content, problem):
    """Issue 8 reproduction: decide() on an unusable state file is off naming it, sets it aside (0600, one warning with
    both paths),
    and the next run works."""
    home.write_config({"usage_stats": True})
    home.state.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = home.state.read_bytes()
    assert explain().mode == "off" and home.state.read_bytes() == before  # explain changes nothing
    with caplog.at_level(logging.WARNING, logger="usage_consent"):
        decision = decide()
    assert (decision.mode, decision.decided_by) == ("off", "notice")
    assert decision.trace["notice"].reason.startswith("~/.skyplane/usage_stats_state.json: ")
    assert problem in decision.trace["notice"].reason and "internal error" not in str(decision.trace)
    [aside] = home.skyplane.glob("usage_stats_state.json.corrupt-*")
    assert aside.read_bytes() == before and stat.S_IMODE(aside.stat().st_mode) == 0o600
    moved = [r.getMessage() for r in caplog.records if "set aside as" in r.getMessage()]
    assert len(moved) == 1 and f"~/.skyplane/{aside.name}" in moved[0] and "usage_stats_state.json" in moved[0]
    again = decide()  # the fresh state: the explicit opt-in decides, the notice is shown first
    assert again.mode == "on" and again.notice["shown"]
    assert decide().mode == "on" and not decide().notice


@pytest.mark.slow
@pytest.mark.parametrize("argv", [("decide",), ("init",), ("history",), ("forget",)], ids=lambda a: a[0])
def test_commands_work_at_once_on_an_unusable_state_file(home, argv):
    """Issue 8 reproduction: decide, init, history and forget each set an unusable state file aside and succeed."""
    home.skyplane.mkdir()
    home.state.write_text('{"history": [{"event": null}]}')
    result = home.run(*argv)
    assert result.returncode == 0, result.stderr
    assert "set aside as ~/.skyplane/usage_stats_state.json.corrupt-" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(home.skyplane.glob("usage_stats_state.json.corrupt-*"))) == (0 if argv == ("forget",) else 1)
    assert home.run("history").returncode == 0


@pytest.mark.slow
def test_surrogate_in_the_state_file_is_recorded_once(home):
    """Issue 8 reproduction: A lone surrogate escape in the state file no longer stops the notice from being
    recorded."""
    home.write_config({"usage_stats": True})
    home.state.write_text('{"note": "\\ud800"}')
    first = home.run("decide")
    assert first.stdout.strip() == "on" and "== Skyplane collects" in first.stderr
    second = home.run("decide")
    assert (second.stdout.strip(), second.stderr) == ("on", "")
    assert json.loads(home.state.read_text())["note"] == "\ud800"


def test_symlinked_state_file_is_refused_not_replaced(home, tmp_path):
    """Issue 8 reproduction: A state file that is a symlink makes the decision off; it and its target are left as they
    are."""
    home.write_config({"usage_stats": True})
    target = tmp_path / "target.json"
    target.write_text('{"notices": {"usage_stats": {"version": 1}}, "format": 1}')
    home.state.symlink_to(target)
    for _ in range(2):
        decision = decide()
        assert (decision.mode, decision.decided_by) == ("off", "notice")
        assert "is a symbolic link; refused" in decision.trace["notice"].reason
    assert home.state.is_symlink() and json.loads(target.read_text())["format"] == 1
    assert not list(home.skyplane.glob("*.corrupt-*"))
