"""Every policy key added for real hosts, with good and bad values side by side: a good value loads,
a bad one is rejected naming the file and its TOML path, and `policy check` reports every problem."""

from __future__ import annotations

import pytest

from usage_consent.policy import PolicyError, load_policy

HEAD = """app = "demo"
key = "usage_stats"
schema_name = "usage_stats"
config_file = "~/.demo/config.json"
state_file = "~/.demo/state.json"
"""
NOTICE = '[notice]\ntitle = "t"\nbody = "b"\n'


def document(source: str, notice: str = NOTICE, first: str = "") -> str:
    """A policy with ``first`` (a whole source table) and then one source whose table body is ``source``."""
    return HEAD + first + "[[sources]]\nname = \"s\"\n" + source + "\n" + notice


# (id, source table body, notice table, problem or None when good)
CASES = [
    ("env-spellings-good", 'kind = "env"\nvariable = "V"\nspellings = { on = ["1"], off = ["0"], local = [] }', None),
    ("env-spellings-twice", 'kind = "env"\nvariable = "V"\nspellings = { on = ["1"], off = ["1"] }',
     'sources[0].spellings: "1" is listed under both on and off'),
    ("env-spellings-empty-word", 'kind = "env"\nvariable = "V"\nspellings = { on = [""] }',
     "sources[0].spellings.on: an empty spelling would make unset mean on"),
    ("env-spellings-unknown-mode", 'kind = "env"\nvariable = "V"\nspellings = { maybe = ["2"] }',
     "sources[0].spellings.maybe: unknown key"),
    ("env-strip-good", 'kind = "env"\nvariable = "V"\nstrip = false', None),
    ("env-strip-string", 'kind = "env"\nvariable = "V"\nstrip = "no"',
     "sources[0].strip: Input should be a valid boolean; got 'no'"),
    ("env-empty-good", 'kind = "env"\nvariable = "V"\nempty = "invalid"', None),
    ("env-empty-bad", 'kind = "env"\nvariable = "V"\nempty = "off"',
     "sources[0].empty: Input should be 'unset' or 'invalid'; got 'off'"),
    ("on-invalid-raise-good", 'kind = "env"\nvariable = "V"\non_invalid = "raise"', None),
    ("on-invalid-bad", 'kind = "config_file"\non_invalid = "explode"',
     "sources[0].on_invalid: Input should be 'off', 'skip' or 'raise'; got 'explode'"),
    ("on-invalid-not-for-default", 'kind = "default"\nvalue = "on"\non_invalid = "skip"',
     "sources[0].on_invalid: unknown key"),
    ("format-good", 'kind = "config_file"\nformat = "toml"', None),
    ("format-bad", 'kind = "config_file"\nformat = "yaml"',
     "sources[0].format: Input should be 'json', 'ini', 'toml', 'mode_line', 'key_lines' or 'jsonc'; got 'yaml'"),
    ("ini-with-section", 'kind = "config_file"\nformat = "ini"\nsection = "flags"', None),
    ("ini-without-section", 'kind = "config_file"\nformat = "ini"',
     "sources[0].section: missing; an INI file needs the section that holds the key"),
    ("section-empty", 'kind = "config_file"\nsection = ""', "sources[0].section: String should have at least 1"),
    ("path-variable-good", 'kind = "config_file"\npath_variable = "DEMO_CONFIG"', None),
    ("path-variable-bad", 'kind = "config_file"\npath_variable = "$HOME"',
     "sources[0].path_variable: String should match pattern"),
    ("accept-local-good", 'kind = "config_file"\naccept_local = false', None),
    ("accept-local-string", 'kind = "config_file"\naccept_local = "false"',
     "sources[0].accept_local: Input should be a valid boolean; got 'false'"),
    ("on-unreadable-good", 'kind = "config_file"\non_unreadable = "unset"', None),
    ("on-unreadable-bad", 'kind = "config_file"\non_unreadable = "off"',
     "sources[0].on_unreadable: Input should be 'invalid' or 'unset'; got 'off'"),
    ("writable-good", 'kind = "config_file"\nwritable = true', None),
    ("writable-number", 'kind = "config_file"\nwritable = 1', "sources[0].writable: Input should be a valid boolean"),
    ("ci-good", 'kind = "ci"\nvariables = ["CI", "MY_RUNNER"]\nvalue = "local"', None),
    ("ci-value-on", 'kind = "ci"\nvalue = "on"', "sources[0].value: Input should be 'off' or 'local'; got 'on'"),
    ("ci-variable-bad", 'kind = "ci"\nvariables = ["1CI"]', "sources[0].variables[0]: String should match pattern"),
    ("ci-no-variables", 'kind = "ci"\nvariables = []', "sources[0].variables: name at least one variable"),
    ("managed-good", 'kind = "managed"\npath = "/etc/demo/policy.ini"\nsection = "usage"', None),
    ("managed-without-path", 'kind = "managed"', "sources[0].path: missing; this field is required"),
    ("managed-accept-local", 'kind = "managed"\npath = "/etc/x.json"\naccept_local = false',
     "sources[0].accept_local: unknown key"),
    ("managed-path-variable", 'kind = "managed"\npath = "/etc/x.json"\npath_variable = "ADMIN_USAGE_FILE"',
     ("sources[0].path_variable: a managed source has no path_variable: the users it caps could set the variable "
      "to a file of their own and lift the administrator's ceiling; remove it")),
    ("notice-disabled-good", 'kind = "default"\nvalue = "on"', None),
    ("notice-enabled-string", 'kind = "default"\nvalue = "on"', "notice.enabled: Input should be a valid boolean"),
    ("notice-shown-needs-title", 'kind = "default"\nvalue = "on"', "notice.title: missing"),
    ("notice-summary-good", 'kind = "default"\nvalue = "on"', None),
    ("notice-summary-number", 'kind = "default"\nvalue = "on"', "notice.summary: Input should be a valid string"),
    ("commands-good", 'kind = "default"\nvalue = "on"', None),
    ("commands-empty", 'kind = "default"\nvalue = "on"', "commands.opt_out: String should have at least 1 character"),
    ("commands-unknown", 'kind = "default"\nvalue = "on"', "commands.unsubscribe: unknown key"),
]
NOTICES = {"notice-disabled-good": "[notice]\nenabled = false\n", "notice-enabled-string": '[notice]\nenabled = "no"\n',
           "notice-shown-needs-title": '[notice]\nbody = "b"\n',
           "notice-summary-good": NOTICE + 'summary = "What and why."\n',
           "notice-summary-number": NOTICE + "summary = 1\n",
           "commands-good": NOTICE + '[commands]\nopt_out = "mytool telemetry off"\nnotice = "mytool telemetry"\n',
           "commands-empty": NOTICE + '[commands]\nopt_out = ""\n',
           "commands-unknown": NOTICE + '[commands]\nunsubscribe = "x"\n'}


@pytest.mark.parametrize(("case", "source", "problem"), CASES, ids=[c[0] for c in CASES])
def test_new_policy_keys_good_and_bad(tmp_path, case, source, problem):
    """A good value loads; a bad one is a PolicyError naming the file and the key's TOML path."""
    path = tmp_path / "policy.toml"
    path.write_text(document(source, NOTICES.get(case, NOTICE)))
    if problem is None:
        assert load_policy(path).sources[0].name == "s"
        return
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert f"{path}: {problem}" in str(caught.value)


def test_managed_must_be_first(tmp_path):
    """A managed source anywhere but first is reported at its own TOML path."""
    path = tmp_path / "policy.toml"
    path.write_text(document('kind = "managed"\npath = "/etc/x.json"',
                             first='[[sources]]\nname = "env"\nkind = "env"\nvariable = "V"\n'))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.problems == [("sources[1].kind", "a managed source must be the first source")]


@pytest.mark.slow
def test_policy_check_reports_every_problem(home):
    """`policy check` lists every problem of a document, each with its TOML path, and exits 1."""
    path = home.root / "bad.toml"
    path.write_text(HEAD + '[[sources]]\nname = "env"\nkind = "env"\nvariable = "V"\nstrip = "no"\n'
                    '[[sources]]\nname = "ini"\nkind = "config_file"\nformat = "ini"\n'
                    '[[sources]]\nname = "admin"\nkind = "managed"\npath = "/etc/x"\n'
                    '[[sources]]\nname = "ci"\nkind = "ci"\nvalue = "on"\n' + NOTICE)
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1
    for where in ("sources[0].strip:", "sources[1].section: missing", "sources[2].kind: a managed source must be",
                  "sources[3].value:"):
        assert f"{path}: {where}" in result.stderr
    assert result.stderr.endswith(f"{path}: 4 problem(s)\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["skyplane", "skyplane-0.3"])
def test_shipped_policies_by_name(home, name):
    """Shipped policies load by name, through load_policy and --policy, and check clean."""
    assert load_policy(name).app == "skyplane"
    result = home.run("policy", "check", name)
    assert result.returncode == 0 and result.stdout.startswith(f"{name}: ok (skyplane, ")
    assert home.run("--policy", name, "explain").returncode == 0


@pytest.mark.slow
def test_policy_check_refuses_a_managed_path_variable(home, tmp_path):
    """`policy check` refuses a managed source with path_variable, with the reason, in one problem line."""
    path = tmp_path / "policy.toml"
    path.write_text(document('kind = "managed"\npath = "/etc/x.json"\npath_variable = "ADMIN_USAGE_FILE"', NOTICE))
    result = home.run("policy", "check", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [line for line in result.stderr.splitlines() if "sources[0]" in line]
    assert len(problems) == 1 and "path_variable: a managed source has no path_variable" in problems[0]
    assert "lift the administrator's ceiling" in problems[0]
