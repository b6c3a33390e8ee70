"""Where and when a source reads (issue 19): path templates, file formats, conditions and the fixed
kind, project files, host markers and as-of dates, each as data on a source."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from helpers import demo_policy, demo_policy_text
from hypothesis import given, settings
from hypothesis import strategies as st

from usage_consent._run import RunConfig
from usage_consent.errors import PolicyError
from usage_consent.policy import decide, explain
from usage_consent.policy._fileformats import Options, read_mapping, strip_jsonc
from usage_consent.policy._load import parse_policy
from usage_consent.policy._model import KeyLines
from usage_consent.policy._template import TemplateError, expand, parse


def policy(sources: str, default: str = "on"):
    return demo_policy(sources, default=default, key="enabled")


# --- path_template --------------------------------------------------------------------------------

TEMPLATES = [
    ("home", "~/x", {}, "/h/x"),
    ("variable", "${A}/x", {"A": "/a"}, "/a/x"),
    ("variable-unset", "${A}/x", {}, None),
    ("variable-empty", "${A}/x", {"A": ""}, None),
    ("default-when-unset-or-empty", "${A:-~/.config}/x", {"A": ""}, "/h/.config/x"),
    ("default-only-when-unset", "${A-~/.config}/x", {}, "/h/.config/x"),
    ("empty-stays-empty-and-is-relative", "${A-~/.config}/x", {"A": ""}, "x"),
    ("alternative-when-set", "${A:+${A}/brew.env}", {"A": "/a"}, "/a/brew.env"),
    ("alternative-when-unset-is-nothing", "${A:+${A}/brew.env}", {}, ""),
    ("config-dir-xdg", "{config_dir}/go", {"XDG_CONFIG_HOME": "/x"}, "/x/go"),
    ("config-dir-default", "{config_dir}/go", {}, "/h/.config/go"),
    ("config-dir-relative-xdg-fails", "{config_dir}/go", {"XDG_CONFIG_HOME": "rel"}, None),
]


@pytest.mark.parametrize(("template", "env", "expected"), [row[1:] for row in TEMPLATES],
                         ids=[row[0] for row in TEMPLATES])
def test_template_expands_as_the_shell_and_go_do(template, env, expected):
    """Each template form expands against the environment and HOME (None: it does not resolve)."""
    assert expand(template, env, "/h", "linux").text == expected


def test_config_dir_follows_the_platform():
    """{config_dir} is ~/Library/Application Support on macOS and %AppData% on Windows."""
    assert expand("{config_dir}/go", {}, "/h", "darwin").text == "/h/Library/Application Support/go"
    assert expand("{config_dir}/go", {"AppData": "C:/a"}, "/h", "win32").text == "C:/a/go"
    assert expand("{config_dir}/go", {}, "/h", "win32").text is None


@pytest.mark.parametrize("template", ["${A", "$A/x", "${1A}", "${A?x}", "{home}/x", "a}b"],
                         ids=["unclosed", "bare-dollar", "bad-name", "bad-operator", "unknown-placeholder", "brace"])
def test_bad_template_is_a_policy_error(template):
    """A template that cannot be read is refused when the policy is loaded, naming the source's key."""
    with pytest.raises(TemplateError):
        parse(template)
    with pytest.raises(PolicyError, match=r"sources\[0\]\.path: not a valid path template"):
        policy(f'[[sources]]\nname = "f"\nkind = "config_file"\npath = "{template}"\n')


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="${}:-+~/AB_x{config_dir}", max_size=30),
       st.dictionaries(st.sampled_from(["A", "B", "XDG_CONFIG_HOME"]), st.text(max_size=5)))
def test_template_property_never_raises_but_template_error(template, env):
    """Property: any text either parses and then expands without raising, or is a TemplateError."""
    try:
        parse(template)
    except TemplateError:
        return
    result = expand(template, env, "/h", "linux")
    assert result.text is None or isinstance(result.text, str)


def test_template_path_is_read_and_explained(home, monkeypatch, tmp_path):
    """A config file found through ${VAR} is read; explain notes the template and the path it expanded to."""
    folder = tmp_path / "xdg" / "demo"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"enabled": false}')
    monkeypatch.setenv("XDG_DEMO", str(tmp_path / "xdg"))
    decision = explain(policy('[[sources]]\nname = "f"\nkind = "config_file"\n'
                              'path = "${XDG_DEMO:-~/.config}/demo/config.json"\n'))
    assert decision.mode == "off"
    assert any("${XDG_DEMO:-~/.config}/demo/config.json" in note and str(folder) in note
               for note in decision.trace["f"].notes)


UNRESOLVED = [("unset", "on"), ("off", "off"), ("local", "local")]


@pytest.mark.parametrize(("rule", "expected"), UNRESOLVED, ids=[row[0] for row in UNRESOLVED])
def test_on_unresolved_decides_what_a_path_that_does_not_resolve_means(home, monkeypatch, rule, expected):
    """An unset ${VAR} makes the path unresolved: the source is unset, or decides on_unresolved's mode."""
    monkeypatch.delenv("NO_SUCH_DIR", raising=False)
    decision = explain(policy(f'[[sources]]\nname = "f"\nkind = "config_file"\npath = "${{NO_SUCH_DIR}}/c.json"\n'
                              f'on_unresolved = "{rule}"\n'))
    assert decision.mode == expected


def test_paths_first_existing_and_first_resolved(home):
    """paths: the first that exists is read; with first = "resolved" the first that resolves, existing or not."""
    (home.root / "b.json").write_text('{"enabled": false}')
    sources = '[[sources]]\nname = "f"\nkind = "config_file"\npaths = ["~/a.json", "~/b.json"]\n'
    assert explain(policy(sources)).mode == "off"
    assert explain(policy(sources + 'first = "resolved"\n')).mode == "on"


def test_relative_cwd_reads_from_the_working_folder(home, monkeypatch, tmp_path):
    """relative = "cwd": a template that expands to a relative path is read from the working folder."""
    work = tmp_path / "work"
    (work / "astro").mkdir(parents=True)
    (work / "astro" / "config.json").write_text('{"enabled": false}')
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_DEMO", "")
    sources = '[[sources]]\nname = "f"\nkind = "config_file"\npath = "${XDG_DEMO-~/.config}/astro/config.json"\n'
    assert explain(policy(sources)).mode == "on"  # unresolved: relative
    assert explain(policy(sources + 'relative = "cwd"\n')).mode == "off"


@pytest.mark.parametrize("key", ['path = "${X}/m.json"', 'path = "{config_dir}/m.json"',
                                 'path = "/m"\nrelative = "cwd"',
                                 'path = "/m"\nwhen = { env_present = "X" }', 'path = "/m"\nunless = { ci = true }'],
                         ids=["variable", "config-dir", "relative-cwd", "when-variable", "unless-ci"])
def test_managed_source_takes_nothing_a_user_controls(key):
    """A managed source with a variable, the working folder or a condition on a variable is refused."""
    with pytest.raises(PolicyError, match="a managed source takes nothing a user controls"):
        policy(f'[[sources]]\nname = "admin"\nkind = "managed"\n{key}\n')


def test_existing_relative_paths_still_follow_the_policy_file(tmp_path):
    """A plain relative path is still relative to the policy file's folder; a template is not."""
    text = demo_policy_text('[[sources]]\nname = "f"\nkind = "config_file"\npath = "conf/c.json"\n'
                            '[[sources]]\nname = "g"\nkind = "config_file"\npath = "${X:-/etc}/c.json"\n',
                            key="enabled")
    loaded = parse_policy(text, "p.toml", str(tmp_path))
    assert loaded.sources[0].path == str(tmp_path / "conf" / "c.json")
    assert loaded.sources[1].path == "${X:-/etc}/c.json"


# --- file_format ----------------------------------------------------------------------------------

FORMATS = [
    ("mode-line-with-date", "mode_line", "on 2024-05-01\n", {}, {"value": "on", "date": "2024-05-01"}),
    ("mode-line-bad-date", "mode_line", "on 2024-13-01", {}, {"value": "on"}),
    ("mode-line-two-spaces", "mode_line", "on  2024-05-01", {}, {"value": "on"}),
    ("mode-line-trimmed", "mode_line", "\u2003 off \n", {}, {"value": "off"}),
    ("key-lines-last", "key_lines", "a=1\r\na=0\rb = 2\n", {}, {"a": "0", "b ": " 2"}),
    ("key-lines-strip", "key_lines", "  a=1  \n", {"strip": "line"}, {"a": "1"}),
    ("key-lines-trailing-blanks", "key_lines", "a=0  \n", {"trailing_blanks": True}, {"a": "0"}),
    ("key-lines-comment", "key_lines", "#a=1\n", {"comment": "#"}, {}),
    ("jsonc", "jsonc", '{// c\n "a": "x//y", /* b */ "b": [1,],}', {}, {"a": "x//y", "b": [1]}),
]


@pytest.mark.parametrize(("fmt", "text", "options", "expected"), [row[1:] for row in FORMATS],
                         ids=[row[0] for row in FORMATS])
def test_new_formats_read_as_their_tools_do(tmp_path, fmt, text, options, expected):
    """mode_line, key_lines and jsonc files read as Go, bash/Dart and Angular's jsonc-parser read them."""
    path = tmp_path / "f"
    path.write_bytes(text.encode())
    data = read_mapping(str(path), fmt, layer="f", options=Options(KeyLines(**options) if options else None))
    assert data == expected


def test_key_lines_conservative_value_wins(home):
    """repeated = "conservative": a key given as 1 then 0 reads off (off before local before on)."""
    (home.root / "t.config").write_text("reporting=1\nreporting=0\nreporting=1\n")
    sources = ('[[sources]]\nname = "f"\nkind = "config_file"\npath = "~/t.config"\nformat = "key_lines"\n'
               'key = "reporting"\nkey_lines = { repeated = "conservative" }\n')
    assert explain(policy(sources)).mode == "off"


def test_ini_options_read_like_homebrew(home):
    """INI options: sections in any case, trailing comments dropped, the last line winning."""
    (home.root / "g.config").write_text("[Homebrew]\n\tAnalytics = true ; x\n[homebrew]\n\tanalytics = false # y\n")
    sources = ('[[sources]]\nname = "f"\nkind = "config_file"\npath = "~/g.config"\nformat = "ini"\n'
               'section = "homebrew"\nkey = "analytics"\n'
               'ini = { section_case = "insensitive", inline_comments = ["#", ";"], repeated = "last" }\n')
    assert explain(policy(sources)).mode == "off"


def test_overlays_override_the_environment(home, monkeypatch):
    """An overlay file's last assignment of the variable wins over the environment (empty sets it empty)."""
    (home.root / "brew.env").write_text("DEMO_OFF=1\nDEMO_OFF=\n")
    monkeypatch.setenv("DEMO_OFF", "1")
    sources = ('[[sources]]\nname = "v"\nkind = "env"\nvariable = "DEMO_OFF"\n'
               'spellings = { on = [], off = ["1"], local = [] }\noverlays = [{ path = "~/brew.env" }]\n')
    decision = explain(policy(sources))
    assert decision.mode == "on"
    assert any("brew.env: DEMO_OFF assigns it" in note for note in decision.trace["v"].notes)


@pytest.mark.parametrize("fmt", ["mode_line", "key_lines", "jsonc"])
def test_config_set_refuses_formats_it_cannot_write(home, fmt):
    """config set refuses a file in a format it cannot write back, and leaves the file as it was."""
    path = home.root / "f.txt"
    path.write_text("on\n")
    text = demo_policy_text(f'[[sources]]\nname = "f"\nkind = "config_file"\npath = "{path}"\nformat = "{fmt}"\n'
                            + ('key = "enabled"\n' if fmt != "mode_line" else ""), key="enabled")
    policy_file = home.root / "p.toml"
    policy_file.write_text(text)
    result = home.run("--policy", str(policy_file), "config", "set", "enabled", "off")
    assert result.returncode != 0 and "does not write" in result.stderr, result.stderr
    assert path.read_text() == "on\n"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["mode_line", "key_lines", "jsonc"]))
def test_parsers_property_garbage_is_never_on_and_never_modified(tmp_path_factory, data, fmt):
    """Property: any bytes in a mode_line, key_lines or jsonc file give no traceback, never decide on
    unless they spell it, and the file is never modified."""
    folder = tmp_path_factory.mktemp("g")
    path = folder / "f"
    path.write_bytes(data)
    sources = (f'[[sources]]\nname = "f"\nkind = "config_file"\npath = "{path}"\nformat = "{fmt}"\n'
               + ('key = "k"\n' if fmt != "mode_line" else ""))
    decision = explain(policy(sources, default="off"))
    layer = decision.trace["f"]
    if decision.mode == "on":
        assert layer.status == "decided" and layer.raw in ("on", "1", "true", "yes", "on")
    assert path.read_bytes() == data


def test_strip_jsonc_keeps_strings():
    """Comment markers and commas inside strings are kept."""
    assert strip_jsonc('{"a": "// x, }", "b": 1,}') == '{"a": "// x, }", "b": 1}'


# --- when / unless, fixed -------------------------------------------------------------------------

CONDITIONS = [
    ("env-present", 'when = { env_present = "DEMO_X" }', {"DEMO_X": "1"}, "off"),
    ("env-present-empty", 'when = { env_present = "DEMO_X" }', {"DEMO_X": ""}, "on"),
    ("unless-env-present", 'unless = { env_present = "DEMO_X" }', {"DEMO_X": "1"}, "on"),
    ("ci-false-is-not-ci", "when = { ci = true }", {"CI": "false"}, "on"),
    ("ci-list-any-value", 'when = { ci = { variables = ["CI"], non_empty = true } }', {"CI": "false"}, "off"),
    ("not", 'when = { not = { env_present = "DEMO_X" } }', {}, "off"),
    ("all", 'when = { all = [{ env_present = "DEMO_X" }, { env_present = "DEMO_Y" }] }', {"DEMO_X": "1"}, "on"),
    ("any", 'when = { any = [{ env_present = "DEMO_X" }, { env_present = "DEMO_Y" }] }', {"DEMO_Y": "1"}, "off"),
    ("home-writable", "when = { home_writable = true }", {}, "off"),
]


@pytest.mark.parametrize(("condition", "env", "expected"), [row[1:] for row in CONDITIONS],
                         ids=[row[0] for row in CONDITIONS])
def test_fixed_source_decides_when_its_condition_holds(home, monkeypatch, condition, env, expected):
    """A fixed source decides its value when its conditions hold, else it is skipped."""
    for name in ("DEMO_X", "DEMO_Y", "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    decision = explain(policy(f'[[sources]]\nname = "x"\nkind = "fixed"\nvalue = "off"\n{condition}\n'))
    assert decision.mode == expected
    if expected == "on":
        assert decision.trace["x"].status == "skipped"
        assert decision.trace["x"].notes[0].startswith("skipped: ")


def test_home_not_writable_skips_nothing_but_holds(home):
    """home_writable = false holds for a HOME without its owner-write bit."""
    home.root.chmod(0o555)
    try:
        decision = explain(policy('[[sources]]\nname = "x"\nkind = "fixed"\nvalue = "off"\n'
                                  "when = { home_writable = false }\n"))
    finally:
        home.root.chmod(0o755)
    assert decision.mode == "off"


@pytest.mark.parametrize("condition", ["{}", '{ ci = true, container = true }', '{ nope = true }'],
                         ids=["empty", "two-keys", "unknown-key"])
def test_bad_condition_is_refused(condition):
    """A condition with no key, two keys or an unknown one is refused naming the source."""
    with pytest.raises(PolicyError, match=r"sources\[0\]\.when"):
        policy(f'[[sources]]\nname = "x"\nkind = "fixed"\nvalue = "off"\nwhen = {condition}\n')


# --- project_file ---------------------------------------------------------------------------------

def test_project_file_is_found_walking_up_and_named(home, monkeypatch, tmp_path):
    """project with walk_up: the file in a parent folder is read; explain names the folder it was found in."""
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "proj" / "angular.json").write_text('{"enabled": false}')
    monkeypatch.chdir(tmp_path / "proj" / "sub")
    sources = ('[[sources]]\nname = "p"\nkind = "config_file"\n'
               'project = { names = ["angular.json", ".angular.json"], walk_up = %s }\n')
    assert explain(policy(sources % "false")).mode == "on"
    decision = explain(policy(sources % "true"))
    assert decision.mode == "off"
    assert f"project file angular.json found in {tmp_path / 'proj'}" in decision.trace["p"].notes


def test_volatile_policy_sees_a_project_file_at_once(home, monkeypatch, tmp_path):
    """A project file created in the working folder between two decide() calls is seen by the second."""
    monkeypatch.chdir(tmp_path)
    loaded = policy('[[sources]]\nname = "p"\nkind = "config_file"\nproject = { names = ["demo.json"] }\n')
    assert decide(loaded).mode == "on"
    (tmp_path / "demo.json").write_text('{"enabled": false}')
    assert decide(loaded).mode == "off"


# --- host_marker ----------------------------------------------------------------------------------

MARKERS = [
    ("exists", "exists = true", None, "on"),
    ("exists-missing", "exists = true", "<none>", "off"),
    ("equals", 'key = "shown", equals = "true"', "shown=true\n", "on"),
    ("equals-other", 'key = "shown", equals = "true"', "shown=TRUE\n", "off"),
    ("version", "key = \"tool\", version = { pattern = '^[0-9]+,([0-9]+)$', at_least = 1 }", "tool=2024,1\n", "on"),
    ("version-too-low", "key = \"tool\", version = { pattern = '^[0-9]+,([0-9]+)$', at_least = 1 }", "tool=2024,0\n",
     "off"),
]


@pytest.mark.parametrize(("condition", "content", "expected"), [row[1:] for row in MARKERS],
                         ids=[row[0] for row in MARKERS])
def test_host_marker_holds_collection_off_until_it_holds(home, condition, content, expected):
    """A notice source with a host's marker is off ("pending") until the marker holds, then unset."""
    marker = home.root / "marker.cfg"
    if content != "<none>":
        marker.write_text(content or "")
    fmt = "" if condition.startswith("exists") else ', format = "key_lines"'
    decision = explain(policy(f'[[sources]]\nname = "n"\nkind = "notice"\nshow = false\n'
                              f'marker = {{ path = "~/marker.cfg"{fmt}, {condition} }}\n'))
    assert decision.mode == expected
    if expected == "off":
        assert decision.trace["n"].reason == "pending: demo's own notice has not been shown"
    assert any(note.startswith("marker ") for note in decision.trace["n"].notes)
    assert not (home.root / ".demo" / "state.json").exists()  # usage-consent records no notice of its own


@pytest.mark.parametrize("text", ['show = false', 'marker = { path = "~/m", exists = true }'],
                         ids=["show-false-without-marker", "marker-without-show-false"])
def test_marker_and_show_go_together(text):
    """show = false needs a marker and a marker needs show = false."""
    with pytest.raises(PolicyError, match=r"sources\[0\]\.show"):
        policy(f'[[sources]]\nname = "n"\nkind = "notice"\n{text}\n')


# --- as_of ----------------------------------------------------------------------------------------

# "Today" for these cases is a fixed day, given to the decision as its run's clock (noon UTC): a
# table computed at collection time against the wall clock fails a run that crosses midnight.
_TODAY = datetime.date(2026, 11, 28)
_NOON = datetime.datetime(2026, 11, 28, 12, tzinfo=datetime.UTC).timestamp()


def _days_ago(days: int) -> str:
    return (_TODAY - datetime.timedelta(days=days)).isoformat()


AS_OF = [("no-date", "on", "on"), ("today", f"on {_days_ago(0)}", "local"), ("six-days", f"on {_days_ago(6)}", "local"),
         ("seven-days", f"on {_days_ago(7)}", "on"), ("off-with-date", f"off {_days_ago(0)}", "off")]


@pytest.mark.parametrize(("content", "expected"), [row[1:] for row in AS_OF], ids=[row[0] for row in AS_OF])
def test_as_of_holds_on_until_the_days_have_passed(home, content, expected):
    """"on <date>" is local until 7 full days have passed since the date (UTC); explain shows the days left."""
    (home.root / "mode").write_text(content)
    decision = explain(policy('[[sources]]\nname = "m"\nkind = "config_file"\npath = "~/mode"\nformat = "mode_line"\n'
                              'as_of = { days = 7 }\n'), run=RunConfig(clock=lambda: _NOON))
    assert decision.mode == expected
    if expected == "local":
        assert "left" in decision.trace["m"].notes[-1]


def test_as_of_needs_a_format_with_dates():
    """as_of on a format without dates is refused naming the key."""
    with pytest.raises(PolicyError, match=r"sources\[0\]\.as_of: only on format"):
        policy('[[sources]]\nname = "m"\nkind = "config_file"\npath = "~/m.json"\nas_of = { days = 7 }\n')


def test_environment_is_restored():
    """Sanity: the tests leave HOME set."""
    assert os.environ.get("HOME")
    assert Path(os.environ["HOME"]).is_absolute()
