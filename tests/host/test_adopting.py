"""Adopting usage-consent in a host: policy-relative paths, a policy given as a path, str or
resource, schema_model and schema init, BaseReport, the sandbox in the host's config format, new-host."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from helpers import HOST_MODEL

import usage_consent
from usage_consent.errors import PolicyError, UsageConsentError
from usage_consent.policy import explain, load_policy
from usage_consent.reporter import start_session
from usage_consent.schemas._versions import list_versions

pytestmark = pytest.mark.slow  # nearly every test runs the real command or a host in a subprocess

# A host's policy in each config format: (file, its [section] or None, its key).
FORMATS = {
    "toml": ("~/.config/minicp/config.toml", "telemetry", "enabled"),
    "ini": ("~/.config/minicp/config.ini", "usage", "enabled"),
    "json": ("~/.config/minicp/config.json", None, "usage_stats"),
}


def policy_text(fmt: str = "toml", *, schema_model: str | None = "minipkg.report:CopyReport",
                schemas_dir: str | None = "schemas", default: str = "on") -> str:
    """minicp's policy: its variable, its config file in ``fmt``, DO_NOT_TRACK, CI, a notice, its own schema."""
    path, section, key = FORMATS[fmt]
    lines = ['app = "minicp"', f'key = "{key}"', 'schema_name = "minicp_usage"', f'config_file = "{path}"',
             'state_file = "~/.config/minicp/state.json"']
    lines += [f'schemas_dir = "{schemas_dir}"'] if schemas_dir else []
    lines += [f'schema_model = "{schema_model}"'] if schema_model else []
    lines += ['[[sources]]\nname = "env"\nkind = "env"\nvariable = "MINICP_USAGE_STATS"',
              '[[sources]]\nname = "do_not_track"\nkind = "do_not_track"',
              '[[sources]]\nname = "config"\nkind = "config_file"' + (f'\nsection = "{section}"' if section else ""),
              '[[sources]]\nname = "ci"\nkind = "ci"', '[[sources]]\nname = "notice"\nkind = "notice"',
              f'[[sources]]\nname = "default"\nkind = "default"\nvalue = "{default}"',
              '[notice]\ntitle = "minicp collects usage statistics"\nbody = "It does."',
              '[reporter]\nendpoint = "https://usage.minicp.invalid/v1"\nendpoint_key = "endpoint"']
    return "\n".join(lines) + "\n"


def forget_minipkg() -> None:
    """Each test's minipkg is its own: drop an earlier test's from the import cache."""
    for name in [name for name in sys.modules if name == "minipkg" or name.startswith("minipkg.")]:
        del sys.modules[name]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A host project folder (the current folder) holding minipkg/: its policy and its model."""
    root = tmp_path / "project"
    package = root / "minipkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "report.py").write_text(HOST_MODEL)
    (package / "telemetry.toml").write_text(policy_text())
    monkeypatch.chdir(root)
    monkeypatch.syspath_prepend(str(root))
    forget_minipkg()
    yield root
    forget_minipkg()


def released(home, project) -> Path:
    """Release v1 of the project's model with the real command; the policy file's path."""
    policy = project / "minipkg" / "telemetry.toml"
    result = home.run("--policy", str(policy), "schema", "init", cwd=str(project))
    assert result.returncode == 0, result.stderr
    return policy


# -- 1. paths relative to the policy file; a policy given as a path, str or resource ----------------------


@pytest.mark.parametrize("given", ["path", "str", "resource"])
def test_relative_schemas_dir_is_beside_the_policy(home, project, given):
    """schemas_dir = "schemas" means the folder beside the policy file, however the policy is given."""
    released(home, project)
    from importlib.resources import files

    policy_file = project / "minipkg" / "telemetry.toml"
    source = {"path": policy_file, "str": str(policy_file), "resource": files("minipkg") / "telemetry.toml"}[given]
    policy = load_policy(source)
    assert policy.schemas_dir == str(project / "minipkg" / "schemas")
    assert explain(source).notice.current_version == 1


def test_decide_with_a_relative_file_name_decides(home, project):
    """decide("minipkg/telemetry.toml") (a str relative to the current folder) decides, it does not raise."""
    released(home, project)
    decision = usage_consent.decide("minipkg/telemetry.toml")
    assert decision.app == "minicp" and decision.mode == "off"  # the first run: the notice was shown
    assert usage_consent.decide("minipkg/telemetry.toml").mode == "on"


def test_decide_with_a_missing_policy_is_off_naming_the_file(home, tmp_path, caplog):
    """A policy file that does not exist: decide() is off, and the trace and the warning name the file."""
    decision = usage_consent.decide(tmp_path / "nowhere.toml")
    assert decision.mode == "off"
    assert "nowhere.toml: cannot be read" in decision.trace.layers[0].reason
    assert "nowhere.toml" in caplog.text


def test_a_relative_path_in_a_zipped_resource_is_refused(tmp_path, monkeypatch):
    """A policy inside a zip (not a file on disk) cannot name a relative path: load_policy says so."""
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zippkg/__init__.py", "")
        zipped.writestr("zippkg/telemetry.toml", policy_text())
    monkeypatch.syspath_prepend(str(archive))
    from importlib.resources import files

    refused = r"schemas_dir: relative path 'schemas' cannot be used: .* not a file on disk"
    with pytest.raises(PolicyError, match=refused):
        load_policy(files("zippkg") / "telemetry.toml")


def test_policy_check_says_when_a_relative_path_is_missing(home, project):
    """policy check fails, naming the key, the path as written and where it was looked for."""
    result = home.run("policy", "check", str(project / "minipkg" / "telemetry.toml"))
    assert result.returncode == 1
    assert f"schemas_dir: relative path 'schemas' does not exist (looked for {project / 'minipkg' / 'schemas'})" \
        in result.stderr
    released(home, project)
    assert home.run("policy", "check", str(project / "minipkg" / "telemetry.toml")).returncode == 0


def test_a_policy_path_that_does_not_exist_is_one_line(home, tmp_path):
    """--policy naming no file: one line naming it, exit 1, no traceback."""
    result = home.run("--policy", str(tmp_path / "missing.toml"), "explain")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("missing.toml: cannot be read: No such file or directory")
    assert len(result.stderr.strip().splitlines()) == 1


# -- 2. schema_model, schema init, whole fix: commands, bump's changelog --------------------------------------


def test_schema_init_releases_v1_once(home, project):
    """schema init writes v1 beside the policy from schema_model; a second init is refused and changes nothing."""
    policy = released(home, project)
    v1 = project / "minipkg" / "schemas" / "minicp_usage" / "v1.json"
    schema = json.loads(v1.read_text())
    assert schema["properties"]["schema_version"]["const"] == 1 and "bytes_copied" in schema["properties"]
    again = home.run("--policy", str(policy), "schema", "init", cwd=str(project))
    assert again.returncode == 1 and "released already (v1)" in again.stderr
    assert json.loads(v1.read_text()) == schema


def test_check_and_bump_need_no_model_and_fix_names_the_policy(home, project):
    """A changed model fails check with a fix: line holding --policy; running it releases v2 and records it
    in CHANGELOG.md in the schemas folder; check then passes."""
    policy = released(home, project)
    command = ["--policy", str(policy), "schema"]
    assert home.run(*command, "check", cwd=str(project)).returncode == 0
    report = project / "minipkg" / "report.py"
    report.write_text(report.read_text().replace(
        '    bytes_copied: int', '    files_copied: int = Field(default=1, description="Files copied.", ge=0)\n'
        '    bytes_copied: int'))
    failed = home.run(*command, "check", cwd=str(project))
    assert failed.returncode == 1
    (fix,) = [line for line in failed.stderr.splitlines() if line.startswith("fix: ")]
    assert fix.startswith(f"fix: usage-consent --policy {policy} schema bump   (releases v2")
    words = fix.removeprefix("fix: usage-consent ").split("   (")[0].split()
    bumped = home.run(*words, cwd=str(project))
    assert bumped.returncode == 0, bumped.stderr
    assert list_versions("minicp_usage", project / "minipkg" / "schemas") == [1, 2]
    changelog = (project / "minipkg" / "schemas" / "CHANGELOG.md").read_text()
    assert "`minicp_usage` v2" in changelog and "added `files_copied`" in changelog
    assert home.run(*command, "check", cwd=str(project)).returncode == 0


def test_check_before_any_release_points_at_init(home, project):
    """check with nothing released fails with the whole init command."""
    policy = project / "minipkg" / "telemetry.toml"
    failed = home.run("--policy", str(policy), "schema", "check", cwd=str(project))
    assert failed.returncode == 1
    assert f"fix: usage-consent --policy {policy} schema init   (releases v1)" in failed.stderr


@pytest.mark.parametrize(("schema_model", "says"), [
    pytest.param("minipkg.nothere:CopyReport", "policy: schema_model 'minipkg.nothere:CopyReport': cannot be "
                 "imported: No module named 'minipkg.nothere'", id="no-module"),
    pytest.param("minipkg.report:Missing", "cannot be imported: module 'minipkg.report' has no attribute 'Missing'",
                 id="no-class"),
    pytest.param("minipkg.report:NotABaseReport", "not a subclass of usage_consent.BaseReport", id="not-base-report"),
])
def test_a_bad_schema_model_is_one_line(home, project, schema_model, says):
    """schema_model that does not import or is not a BaseReport subclass: one line, exit 1, nothing written."""
    policy = project / "minipkg" / "telemetry.toml"
    policy.write_text(policy_text(schema_model=schema_model))
    result = home.run("--policy", str(policy), "schema", "init", cwd=str(project))
    assert (result.returncode, result.stdout) == (1, "")
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (project / "minipkg" / "schemas").exists()


def test_a_schema_model_key_of_the_wrong_shape_is_a_policy_error(tmp_path):
    """schema_model must read MODULE:CLASS: policy check names the key."""
    policy = tmp_path / "p.toml"
    policy.write_text(policy_text(schema_model="not a reference", schemas_dir=None))
    with pytest.raises(PolicyError, match="schema_model: String should match pattern"):
        load_policy(policy)


@pytest.mark.parametrize("command", ["init", "check"])
def test_a_model_missing_a_library_field_is_refused_naming_it(home, project, command):
    """A model without the fields usage-consent fills in is refused by init and check, naming the first missing."""
    model = project / "plain.py"
    model.write_text("from pydantic import BaseModel\n\nclass Plain(BaseModel):\n    command: str\n")
    policy = project / "minipkg" / "telemetry.toml"
    if command == "check":
        released(home, project)
    result = home.run("--policy", str(policy), "schema", command, "--model", f"{model}:Plain", cwd=str(project))
    assert result.returncode == 1
    assert "lacks the field(s) usage-consent fills in: 'schema_version', 'client_id'" in result.stderr
    assert "subclass usage_consent.BaseReport" in result.stderr


def test_bump_of_usage_consents_own_schemas_needs_a_changelog(home, tmp_path):
    """Without --changelog, bump of usage-consent's own schemas writes nothing into its own tree."""
    from usage_consent.schemas import _model as model_module
    from usage_consent.schemas._versions import PACKAGE_ROOT, current_version

    changed = tmp_path / "model.py"
    changed.write_text(Path(model_module.__file__).read_text().replace(
        "    stats: TransferStats | None",
        '    gpus: int = Field(default=0, description="GPUs.", ge=0)\n    stats: TransferStats | None', 1))
    next_file = PACKAGE_ROOT / "usage_stats" / f"v{current_version('usage_stats') + 1}.json"
    try:
        result = home.run("schema", "bump", "--model", f"{changed}:UsageStatsToReport")
        assert result.returncode == 1 and "pass --changelog FILE" in result.stderr
        assert not next_file.exists()
    finally:
        next_file.unlink(missing_ok=True)


# -- 3. BaseReport ------------------------------------------------------------------------------------------


def test_base_report_holds_the_fields_the_library_fills_in():
    """BaseReport's fields are the library's: the same as Skyplane's model gives them, and what a report gets."""
    from usage_consent.reporter._payload import build
    from usage_consent.schemas._base_report import LIBRARY_FIELDS
    from usage_consent.schemas._model import UsageStatsToReport

    base = usage_consent.BaseReport
    assert list(base.model_fields) == list(LIBRARY_FIELDS)
    ours = base.model_json_schema()["properties"]
    skyplanes = UsageStatsToReport.model_json_schema()["properties"]
    assert {name: skyplanes[name] for name in ours} == ours
    filled = build({}, client_id="0" * 8 + "-0000-4000-8000-" + "0" * 12, session_id="1" * 8 + "-1111-4111-8111-"
                   + "1" * 12, schema_version=1, started_ms=1)
    assert set(filled) == set(LIBRARY_FIELDS) - {"error"}
    base.model_validate(filled)


# -- 4. the sandbox and the endpoint in the host's config format --------------------------------------------


def read_config(path: Path, fmt: str) -> dict:
    if fmt == "toml":
        return tomllib.loads(path.read_text())
    if fmt == "ini":
        parser = configparser.ConfigParser()
        parser.read_string(path.read_text())
        return {section: dict(parser[section]) for section in parser.sections()}
    return json.loads(path.read_text())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_sandbox_writes_in_the_hosts_format_and_its_reports_arrive(home, project, fmt):
    """The sandbox writes consent and endpoint into the host's config file in its format and section; the
    endpoint is read from there, and a report reaches the sandbox's collector."""
    from usage_consent.testing import sandbox

    policy_file = released(home, project)
    policy_file.write_text(policy_text(fmt))
    _, section, key = FORMATS[fmt]
    with sandbox(policy_file, root=project.parent / "box") as box:
        assert box.config_file.name == f"config.{fmt}"
        data = read_config(box.config_file, fmt)
        table = data[section] if section else data
        assert table == {key: {"ini": "True"}.get(fmt, True), "endpoint": box.url}
        decision = usage_consent.decide(box.policy)
        assert (decision.mode, decision.endpoints) == ("on", (box.url,))
        from minipkg.report import CopyReport  # the host's own model, released as v1 above

        assert start_session(decision).report(command="cp", bytes_copied=3) == "queued"
        (report,) = box.wait_for(1)
        CopyReport.model_validate(report)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_endpoint_key_is_read_from_the_config_file_whatever_its_format(home, project, fmt):
    """A user's endpoint override in a TOML, INI or JSON config file (in the consent key's section) is used."""
    from usage_consent.policy._config_write import write_config_keys

    policy_file = released(home, project)
    policy_file.write_text(policy_text(fmt))
    policy = load_policy(policy_file)
    write_config_keys({FORMATS[fmt][2]: True, "endpoint": "https://collector.example/v1"}, policy)
    decision = explain(policy)
    assert decision.endpoints == ("https://collector.example/v1",), decision.trace


def test_a_sandbox_whose_policy_cannot_send_fails_at_once_saying_why(home, project):
    """A policy whose consent the sandbox cannot write where it is read (no config source, default off)
    fails when the sandbox starts, naming the source that decides."""
    from usage_consent.testing import sandbox

    policy_file = released(home, project)
    text = policy_text("json", default="off").replace('[[sources]]\nname = "config"\nkind = "config_file"\n', "")
    assert 'kind = "config_file"' not in text
    policy_file.write_text(text)
    with pytest.raises(UsageConsentError, match=r"cannot be satisfied: the decision is off \(decided by default"), \
            sandbox(policy_file, root=project.parent / "box"):
        pass


# -- 5. new-host --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["MiniCP", "mini_cp", "x-", "mini--cp", "9lives", "json", "class", "a" * 41, ""])
def test_new_host_refuses_a_name_that_is_not_a_tool_name(home, name):
    """A NAME that cannot be a command and a package: one line, exit 2, nothing written."""
    result = home.run("new-host", name, "--dir", str(home.root / "out"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "is not a tool name" in result.stderr
    assert not (home.root / "out").exists()


def test_new_host_refuses_a_folder_that_is_not_empty(home):
    """--dir naming a folder with files: refused, and the files are left as they were."""
    (home.root / "out").mkdir()
    (home.root / "out" / "keep.txt").write_text("mine")
    result = home.run("new-host", "minicp", "--dir", str(home.root / "out"))
    assert result.returncode == 2 and "is not an empty folder" in result.stderr
    assert [p.name for p in (home.root / "out").iterdir()] == ["keep.txt"]


def test_new_host_writes_a_policy_a_released_model_and_a_short_notice(home):
    """The generated policy passes policy check, names my-tool's variable, file, table and commands, and
    its notice (at most 15 lines) names my-tool's own commands; v1 is released from the model."""
    out = home.root / "out"
    result = home.run("new-host", "my-tool", "--dir", str(out), "--cli", "click")
    assert result.returncode == 0, result.stderr
    policy_file = out / "my_tool" / "telemetry.toml"
    assert home.run("policy", "check", str(policy_file)).returncode == 0
    policy = tomllib.loads(policy_file.read_text())
    assert policy["sources"][0]["variable"] == "MY_TOOL_USAGE_STATS_ENABLED"
    assert (policy["config_file"], policy["schemas_dir"]) == ("~/.config/my-tool/config.toml", "schemas")
    assert {"do_not_track", "ci"} <= {source["kind"] for source in policy["sources"]}
    assert json.loads((out / "my_tool" / "schemas" / "usage_stats" / "v1.json").read_text())["$id"].endswith(":v1")
    pyproject = tomllib.loads((out / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"my-tool": "my_tool.cli:main"}
    notice = home.run("--policy", str(policy_file), "decide", cwd=str(out)).stderr
    assert 0 < len(notice.strip().splitlines()) <= 15
    for command in ("my-tool usage set false", "MY_TOOL_USAGE_STATS_ENABLED=0", "my-tool usage records list",
                    "~/.config/my-tool/config.toml"):
        assert command in notice
    checked = home.run("--policy", str(policy_file), "schema", "check", cwd=str(out))
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("cli", ["argparse", "click", "typer"])
def test_new_host_commands_run_from_the_source_folder(home, cli):
    """The generated host's `usage init` shows the notice and says the state, and `cp` copies, for each CLI."""
    out = home.root / "out"
    assert home.run("new-host", "minicp", "--dir", str(out), "--cli", cli).returncode == 0
    env = home.env()

    def minicp(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "minicp", *words], cwd=str(out), env=env, capture_output=True,
                              text=True, timeout=60)

    init = minicp("usage", "init")
    assert init.returncode == 0, init.stderr
    assert "minicp collects anonymous usage statistics" in init.stderr
    assert "usage stats on: reports are sent (decided by config_file)" in init.stdout
    (home.root / "a.txt").write_text("hello")
    copied = minicp("cp", str(home.root / "a.txt"), str(home.root / "b.txt"))
    assert copied.returncode == 0, copied.stderr
    assert (home.root / "b.txt").read_text() == "hello"


@pytest.mark.parametrize(("given", "printed"), [
    (None, "next: pip install ./minicp && pytest ./minicp"),
    ("sub/minicp", "next: pip install sub/minicp && pytest sub/minicp"),
    ("./minicp", "next: pip install ./minicp && pytest ./minicp"),
], ids=["default-dir", "nested-dir", "dotted-dir"])
def test_new_host_next_step_names_the_folder_as_a_path_pip_installs(home, given, printed):
    """The printed next step installs the written folder: a bare name would make pip look it up on an index."""
    work = home.root / "work"
    work.mkdir()
    result = home.run("new-host", "minicp", *(["--dir", given] if given else []), cwd=str(work))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == printed
