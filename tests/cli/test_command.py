"""The usage-consent command itself: a file it cannot use ends in one line naming it (exit 1, no
traceback), `--policy` names a policy, and a failed command changes nothing."""

from __future__ import annotations

import pytest
from helpers import HUGE, one_line_error

# --- finding T5: a failed init changes nothing ---------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("make", ["fifo", "directory"])
def test_init_with_an_unusable_state_file_changes_nothing(home, make):
    """Finding T5: `usage-consent init` with a state file that cannot be used exits 1, names it, and writes no
    config."""
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


# --- finding T9: --policy names a policy ---------------------------------------------------------

@pytest.mark.parametrize(("value", "code", "said"), [
    ("", 2, "argument --policy: must name a policy file or a shipped policy (skyplane, skyplane-0.3); got ''"),
    ("  ", 2, "must name a policy file or a shipped policy"),
    ("skyplane-0.4", 1, ("skyplane-0.4: cannot be read: No such file or directory; not a shipped policy either "
                        "(shipped: skyplane, skyplane-0.3)")),
    ("skyplane-0.3", 0, ""),
], ids=["empty-is-bad-usage", "blank-is-bad-usage", "unknown-name-lists-shipped", "shipped-name-works"])
def test_policy_option_must_name_a_policy(home, value, code, said):
    """Finding T9: `--policy ""` is bad usage (it used to mean the embedded policy) and an unknown name lists the
    shipped ones."""
    result = home.run("--policy", value, "decide")
    assert result.returncode == code and said in result.stderr
    assert (result.stdout == "") == (code != 0)


# --- issue 8's reproductions ---------------------------------------------------------------------

# (id, config file bytes, state file bytes, command, exit code, text in the one line on stderr)
CLI_ERRORS = [
    ("huge-int-config-get", f'{{"usage_stats": true, "n": {HUGE}}}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds a number too long to read (5000 digits)"),
    ("overflowing-float-config-get", '{"usage_stats": true, "n": 1e999}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds a number too large to read (1e999)"),
    ("nan-config-get", '{"usage_stats": NaN}', None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: holds NaN, which is not JSON"),
    ("deep-config-get", "[" * 100_000, None, ("config", "get", "usage_stats"), 1,
     "~/.skyplane/config.json: JSON nested too deeply"),
    ("duplicate-key-config-get", '{"usage_stats": false, "usage_stats": true}', None,
     ("config", "get", "usage_stats"), 1, "key 'usage_stats' appears more than once"),
    ("list-config-set", "[1, 2]", None, ("config", "set", "usage_stats", "false"), 1,
     "~/.skyplane/config.json: holds a JSON list, not an object"),
    ("symlinked-state-history", None, "LINK", ("history",), 1,
     "~/.skyplane/usage_stats_state.json: is a symbolic link; refused"),
    ("symlinked-state-forget", None, "LINK", ("forget",), 1,
     "~/.skyplane/usage_stats_state.json: is a symbolic link; refused"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("config", "state", "argv", "code", "text"), [c[1:] for c in CLI_ERRORS],
                         ids=[c[0] for c in CLI_ERRORS])
def test_bad_file_gives_one_line_not_a_traceback(home, config, state, argv, code, text):
    """Issue 8 reproduction: A config or state file the command cannot use ends in one line naming the file and
    problem."""
    home.skyplane.mkdir()
    if config is not None:
        home.config.write_text(config)
    if state == "LINK":
        target = home.root / "elsewhere.json"
        target.write_text('{"format": 1}')
        home.state.symlink_to(target)
    result = home.run(*argv)
    one_line_error(result, code, text)
    if state == "LINK":
        assert home.state.is_symlink() and (home.root / "elsewhere.json").read_text() == '{"format": 1}'
