"""The notice, through the real command: before collection starts, again when the fields change,
never to users who opted out, always on stderr, and recorded in the state file's history."""

from __future__ import annotations

import json

import pytest
from helpers import RAY

from usage_consent.schemas._versions import current_version

CURRENT = current_version("usage_stats")
TITLE = f"Skyplane collects anonymous usage statistics (usage_stats v{CURRENT})"


@pytest.mark.slow
def test_first_run_notice_then_off_then_on(home):
    """First transfer: the short notice on stderr and off; the next transfer: on, no notice;
    `usage-consent notice` prints the full notice, every field with its description."""
    first = home.run("decide")
    assert first.stdout == "off\n"
    assert TITLE in first.stderr
    assert "SKYPLANE_USAGE_STATS_ENABLED=0" in first.stderr and "config set usage_stats false" in first.stderr
    assert "\n  ~/tmp/skyplane/usage\n" in first.stderr
    full = home.run("notice").stdout
    assert f"{home.tmp}/skyplane/usage/{{client_id}}/{{session_id}}/usage_stats.json" in full
    assert "source.region" in full and "Region code as the provider names it" in full
    second = home.run("decide")
    assert (second.stdout, second.stderr) == ("on\n", "")


@pytest.mark.slow
def test_init_then_transfer_is_on_at_once(home):
    """`init` shows and records the notice and writes usage_stats true; the first transfer is on."""
    init = home.run("init")
    assert init.returncode == 0 and TITLE in init.stderr and TITLE not in init.stdout
    assert home.config_data() == {"usage_stats": True}
    transfer = home.run("decide")
    assert (transfer.stdout, transfer.stderr) == ("on\n", "")


@pytest.mark.slow
def test_init_keeps_an_existing_opt_out_and_changes_nothing_when_repeated(home):
    """`init` never turns an existing false into true; run twice, the second run writes nothing."""
    home.write_config({"usage_stats": False, "other": 1})
    assert home.run("init").returncode == 0
    assert home.config_data() == {"usage_stats": False, "other": 1}
    state_before, config_before = home.state.read_bytes(), home.config.read_bytes()
    again = home.run("init")
    assert again.returncode == 0 and "already set" in again.stdout
    assert (home.state.read_bytes(), home.config.read_bytes()) == (state_before, config_before)


@pytest.mark.slow
@pytest.mark.parametrize(("env", "config"), [
    ({"SKYPLANE_USAGE_STATS_ENABLED": "0"}, None),
    ({"DO_NOT_TRACK": "1"}, None),
    ({}, {"usage_stats": False}),
    ({"SKYPLANE_USAGE_STATS_ENABLED": "garbage"}, None),
], ids=["env-0", "do-not-track", "config-false", "invalid-env"])
def test_opted_out_users_never_see_a_notice(home, env, config):
    """Off by the user's choice (or by a bad value): no notice, and no state file is written."""
    if config is not None:
        home.write_config(config)
    for _ in range(2):
        result = home.run("decide", env=env)
        assert result.stdout == "off\n"
        assert "Skyplane collects" not in result.stderr
    assert not home.state.exists()


@pytest.mark.slow
def test_explicit_opt_in_decides_above_the_notice_and_still_shows_it(home):
    """env=1 on a first run: on at once, with the notice printed first and recorded."""
    result = home.run("decide", env={"SKYPLANE_USAGE_STATS_ENABLED": "1"})
    assert result.stdout == "on\n" and TITLE in result.stderr
    assert json.loads(home.state.read_text())["notices"]["usage_stats"]["version"] == CURRENT
    assert home.run("decide", env={"SKYPLANE_USAGE_STATS_ENABLED": "1"}).stderr == ""


@pytest.mark.slow
def test_local_mode_also_gets_the_notice(home):
    """Local mode collects (locally), so the user is told first."""
    result = home.run("decide", env={"SKYPLANE_USAGE_STATS_ENABLED": "local"})
    assert result.stdout == "local\n" and TITLE in result.stderr


@pytest.mark.slow
def test_older_tool_meeting_a_newer_state_file(home):
    """A state file from a newer version (higher schema version, unknown keys) means no notice,
    nothing breaks, and its unknown keys survive our writes."""
    home.skyplane.mkdir()
    newer = {"format": 3, "notices": {"usage_stats": {"version": 7, "fingerprint": "sha256:x", "shown_at": "z"}},
             "future_key": {"keep": True}, "history": []}
    home.state.write_text(json.dumps(newer))
    result = home.run("decide")
    assert (result.stdout, result.stderr) == ("on\n", "")
    assert home.run("config", "set", "usage_stats", "true").returncode == 0
    after = json.loads(home.state.read_text())
    assert after["future_key"] == {"keep": True} and after["format"] == 3
    assert after["notices"]["usage_stats"]["version"] == 7


@pytest.mark.slow
@pytest.mark.parametrize("state", ["[1, 2]", '{"notices": "v1"}', '{"notices": {"usage_stats": {"version": "1"}}}',
                                   '{"notices": {"usage_stats": {"version": true}}}'],
                         ids=["list", "notices-string", "version-string", "version-bool"])
def test_odd_state_files_count_as_not_shown(home, state):
    """A state file of the wrong shape is read as 'not shown': the notice comes, nothing crashes."""
    home.skyplane.mkdir()
    home.state.write_text(state)
    result = home.run("decide")
    assert result.returncode == 0 and result.stdout == "off\n"


@pytest.mark.slow
def test_garbage_state_file_is_moved_aside_not_lost(home):
    """A state file that does not parse is kept beside the new one when the notice is recorded."""
    home.skyplane.mkdir()
    home.state.write_text("{garbage")
    assert home.run("init").returncode == 0
    aside = list(home.skyplane.glob("usage_stats_state.json.corrupt-*"))
    assert [p.read_text() for p in aside] == ["{garbage"]
    assert json.loads(home.state.read_text())["notices"]["usage_stats"]["version"] == CURRENT


@pytest.mark.slow
def test_explain_says_whether_a_notice_would_be_shown_and_writes_nothing(home):
    """`explain --json` has notice.would_show etc. and creates no file; `notice` prints without recording."""
    report = home.explain()
    assert report["notice"] == {"would_show": True, "shown_version": None, "current_version": CURRENT}
    assert f"notice: would be shown (current v{CURRENT}; last shown: never)" in home.run("explain").stdout
    printed = home.run("notice")
    assert TITLE in printed.stdout and printed.stderr == ""
    assert not home.skyplane.exists()
    home.mark_notice_shown()
    assert home.explain()["notice"] == {"would_show": False, "shown_version": CURRENT, "current_version": CURRENT}


@pytest.mark.slow
def test_history_is_the_receipt(home):
    """`history` lists the notices shown and the choices made through the command, oldest first."""
    assert home.run("history").stdout == "no notice shown and no choice recorded yet\n"
    home.run("init")
    home.run("config", "set", "usage_stats", "false")
    home.run("config", "unset", "usage_stats")
    entries = json.loads(home.run("history", "--json").stdout)
    assert [e["event"] for e in entries] == ["notice", "init", "config set", "config unset"]
    assert entries[0]["via"] == "init" and entries[2]["value"] is False
    text = home.run("history").stdout.splitlines()
    assert len(text) == 4 and "config set" in text[2] and "value=false" in text[2]


@pytest.mark.slow
def test_notice_record_survives_an_unwritable_home(home):
    """When the state cannot be written the notice is still printed, the decision still taken."""
    home.skyplane.write_text("a file where the folder should be")
    result = home.run("decide")
    assert result.returncode == 0 and TITLE in result.stderr
    assert "could not be recorded" in result.stderr


@pytest.mark.slow
def test_first_notice_is_short_and_names_the_hosts_commands(home):
    """The notice a user first sees is at most 15 lines of at most 100 columns, names Skyplane's own
    commands (never usage-consent's) and the command that prints the full notice."""
    shown = home.run("decide").stderr
    lines = shown.splitlines()
    assert len(lines) <= 15 and max(len(line) for line in lines) <= 100, shown
    for command in ("skyplane config set usage_stats false", "SKYPLANE_USAGE_STATS_ENABLED=0",
                    "skyplane config set usage_stats local", "skyplane usage records list", "skyplane usage forget",
                    "skyplane usage notice"):
        assert command in shown
    assert "~/.skyplane/config.json" in shown
    assert "usage-consent" not in shown + home.run("notice").stdout


@pytest.mark.slow
def test_notice_disabled_by_the_policy(home, tmp_path):
    """[notice] enabled = false: nothing is shown or recorded, and the notice source is unset."""
    from usage_consent.policy import embedded_policy
    from usage_consent.policy._load import policy_to_toml

    text = policy_to_toml(embedded_policy()).replace("[notice]\nenabled = true", "[notice]\nenabled = false")
    policy = tmp_path / "silent.toml"
    policy.write_text(text)
    result = home.run("--policy", str(policy), "decide")
    assert (result.stdout, result.stderr) == ("on\n", "")
    assert not home.state.exists()
    layer = home.explain("--policy", str(policy))["layers"][4]
    assert (layer["name"], layer["status"]) == ("notice", "unset")


@pytest.mark.slow
def test_policy_without_commands_names_usage_consent(home, tmp_path):
    """A policy without [commands] names the usage-consent command's own equivalents."""
    from usage_consent.policy import embedded_policy
    from usage_consent.policy._load import policy_to_toml

    text = policy_to_toml(embedded_policy())
    start = text.index("\n[commands]\n")
    text = text[:start] + text[text.index("\n[", start + 1):]
    policy = tmp_path / "plain.toml"
    policy.write_text(text)
    shown = home.run("--policy", str(policy), "decide").stderr
    assert "usage-consent config set usage_stats false" in shown and "usage-consent notice" in shown


# --- finding T7: a policy that shows no notice says so -------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("command", "said", "not_said"), [
    (("explain",), "notice: none (this policy shows no notice)", "last shown: never"),
    (("notice",), "== ray usage statistics (usage_stats v", "==  ("),
], ids=["explain-says-no-notice", "notice-has-a-title"])
def test_policy_without_notice_says_so(home, command, said, not_said):
    """Finding T7: Under a policy with `[notice] enabled = false` (Ray's), `explain` says it shows no notice and
    `notice` prints a title made of the app's name."""
    result = home.run("--policy", RAY, *command)
    assert result.returncode == 0, result.stderr
    assert said in result.stdout and not_said not in result.stdout


def test_a_one_paragraph_body_names_where_reports_are_kept_in_the_short_notice(home):
    """A notice without a summary whose body is one paragraph naming ``{record_dir}``: the short
    notice shows the folder, never the placeholder."""
    import tomli_w

    from usage_consent.policy import embedded_policy
    from usage_consent.policy._load import parse_policy
    from usage_consent.policy._notice import render_short

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["notice"].pop("summary", None)
    data["notice"]["body"] = "Anonymous usage statistics are collected; every report is kept under {record_dir}."
    text = render_short(parse_policy(tomli_w.dumps(data), "host.toml"))
    assert "{record_dir}" not in text
    assert "kept under ~/tmp/skyplane/usage." in " ".join(text.split())
