"""The layers import one way, and the consent check loads nothing it does not need."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = "import sys, json, {module}; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {names})))"
HEAVY = ["jsonschema", "requests", "referencing", "urllib3", "tomli_w", "tomllib"]


def _loaded(module: str, names: list[str]) -> list[str]:
    code = PROBE.format(module=module, names=names)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.mark.slow
@pytest.mark.parametrize("module", ["usage_consent.policy", "usage_consent.schemas"])
def test_policy_and_schemas_import_no_jsonschema_or_requests(module):
    """Importing the consent check (or the schema package) loads neither jsonschema, requests nor tomllib."""
    assert _loaded(module, HEAVY) == []


@pytest.mark.slow
def test_deciding_with_the_embedded_policy_loads_nothing_heavy(tmp_path):
    """A host's decide() with Skyplane's policy still loads neither jsonschema, requests nor tomllib."""
    import os

    code = ("import sys, json, usage_consent.policy as p; p.decide(); "
            f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY})))")
    env = {**os.environ, "HOME": str(tmp_path), "SKYPLANE_USAGE_STATS_ENABLED": "0"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert json.loads(out) == []


@pytest.mark.slow
@pytest.mark.parametrize(("module", "forbidden"), [
    ("usage_consent.schemas", ["usage_consent.policy", "usage_consent.reporter", "usage_consent.cli"]),
    ("usage_consent.policy", ["usage_consent.reporter", "usage_consent.cli"]),
])
def test_arrows_point_one_way(module, forbidden):
    """schemas <- policy <- reporter <- cli: a lower layer never imports a higher one."""
    loaded = _loaded(module, ["usage_consent"])
    assert not [m for m in loaded if any(m == f or m.startswith(f + ".") for f in forbidden)]


@pytest.mark.slow
def test_import_usage_consent_loads_no_pydantic_jsonschema_or_requests():
    """`python -X importtime -c "import usage_consent"` lists none of pydantic, jsonschema or requests."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import usage_consent"],
                            capture_output=True, text=True, check=True)
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "usage_consent" in imported
    assert imported.isdisjoint({"pydantic", "pydantic_settings", "jsonschema", "requests"})


@pytest.mark.slow
@pytest.mark.parametrize(("name", "loads"), [
    ("decide", None), ("explain", None), ("write_consent", "pydantic"),
    ("start_session", None), ("validate_report", None), ("ReportInvalid", None),
])
def test_public_names_load_their_modules_on_first_use(name, loads):
    """Each public name of usage_consent is there; only touching it loads what it needs."""
    code = (f"import sys, usage_consent; print(callable(usage_consent.{name})); "
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", str(loads is not None)]


WITHOUT_FCNTL = """
import json, sys
sys.modules["fcntl"] = None  # as on Windows: `import fcntl` raises ImportError
import usage_consent

decision = usage_consent.decide()
session = usage_consent.start_session(decision, command="cp")
print(json.dumps({"mode": decision.mode, "explained": usage_consent.explain().mode,
                  "layer": decision.trace.layers[-1].name, "reason": decision.trace.layers[-1].reason,
                  "report": session.report()}))
"""


@pytest.mark.slow
def test_without_fcntl_import_works_and_the_decision_is_off_naming_the_platform(home):
    """Where fcntl is missing (Windows), `import usage_consent` works, decide() and explain() are off
    with the platform named in the trace and one warning each, no notice is shown and no file is
    written, even for a user who opted in."""
    home.write_config({"usage_stats": True})
    result = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL], env=home.env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["mode"] == found["explained"] == "off" and found["report"] == "off"
    assert found["layer"] == "platform"
    assert found["reason"].startswith(f"platform {sys.platform!r} is not supported: it has no fcntl file locks")
    assert result.stderr.count("is not supported: it has no fcntl file locks") == 2  # decide() and explain()
    assert "collects anonymous usage statistics" not in result.stderr
    assert sorted(p.name for p in home.skyplane.iterdir()) == ["config.json"] and list(home.tmp.iterdir()) == []


SKYPLANE_OFF = """
import json, sys
sys.path.insert(0, {folder!r})
import skyplane_map, skyplane_policy
from usage_consent.reporter import start_session

session = start_session(skyplane_policy.decide_transfer(), tool_version="0.3.2")
session.update(**skyplane_map.transfer_fields({{"cmd": "cp"}}, "local:unknown", ["local:unknown"]))
session.set_stage("planning")
error = NotImplementedError("Local->local transfers not supported (yet)")
session.__exit__(type(error), error, None)
print(json.dumps([session.decision.mode, sorted({{m.split(".")[0] for m in sys.modules}} & {heavy})]))
"""


@pytest.mark.slow
def test_the_skyplane_adapters_cp_path_with_stats_off_loads_nothing_heavy_on_a_memo_hit(home):
    """The library calls the Skyplane adapter makes for a `cp` that fails (decide with its policy, a
    session, the report's fields mapped from Skyplane's, the failure reported), with usage stats off
    and the decision answered from the memo, load none of pydantic, pydantic_settings, jsonschema or
    requests (the first run resolves in full and loads pydantic)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples" / "skyplane"
    heavy = {"jsonschema", "pydantic", "pydantic_settings", "requests"}
    code = SKYPLANE_OFF.format(folder=str(folder), heavy=heavy)
    home.skyplane.mkdir(exist_ok=True)  # Skyplane's folder, where the memo is kept (never created for it)
    env = home.env(SKYPLANE_USAGE_STATS_ENABLED="0")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(first.stdout) == ["off", ["pydantic", "pydantic_settings"]]
    again = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(again.stdout) == ["off", []]


@pytest.mark.slow
def test_the_skyplane_adapters_memo_hit_finds_the_memo_without_tomllib(home):
    """A memo hit with the shipped ``skyplane-0.3`` policy finds the memo through the policy's JSON twin:
    only the first run (resolved in full) imports tomllib, whose import costs more than the hit itself."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "examples" / "skyplane"
    code = SKYPLANE_OFF.format(folder=str(folder), heavy={"tomllib"})
    home.skyplane.mkdir(exist_ok=True)
    env = home.env(SKYPLANE_USAGE_STATS_ENABLED="0")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert [json.loads(run.stdout) for run in runs] == [["off", ["tomllib"]], ["off", []]]


@pytest.mark.slow
def test_reading_a_released_schema_loads_no_pydantic():
    """Loading a released schema and its fingerprint (what a host's field mapping reads) needs no
    pydantic: only releasing a model does."""
    code = ("import sys; from usage_consent.schemas import _registry as r; "
            "r.load('usage_stats'); r.schema_fingerprint('usage_stats'); print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]


# What a decision with the embedded policy imports when it must resolve in full (a memo miss), beyond
# pydantic-settings (the floor the required library sets): our own modules only, and none of those
# only some policies need (the model's optional parts, conditions, path templates); not the policy
# model either: the embedded policy is read as its plain view (policy/_plain.py).
MISS = ["usage_consent", "usage_consent._context", "usage_consent._files",
        "usage_consent._files._platform", "usage_consent._files._replace", "usage_consent._files.jsonfile",
        "usage_consent._files.plainjson", "usage_consent._frozen", "usage_consent._locations", "usage_consent._log",
        "usage_consent._report_settings", "usage_consent._run", "usage_consent._version",
        "usage_consent.errors",
        "usage_consent.policy", "usage_consent.policy._cache", "usage_consent.policy._decide",
        "usage_consent.policy._decision", "usage_consent.policy._fileformats", "usage_consent.policy._locate",
        "usage_consent.policy._notice_state", "usage_consent.policy._paths", "usage_consent.policy._plain",
        "usage_consent.policy._resolve", "usage_consent.policy._sources", "usage_consent.policy._view_tables",
        "usage_consent.policy._sources._values", "usage_consent.policy._sources.base",
        "usage_consent.policy._sources.ci", "usage_consent.policy._sources.config_file",
        "usage_consent.policy._sources.default", "usage_consent.policy._sources.do_not_track",
        "usage_consent.policy._sources.env", "usage_consent.policy._sources.notice", "usage_consent.policy._state",
        "usage_consent.schemas", "usage_consent.schemas._versions"]
MISS_PROBE = ("import sys, json, pydantic_settings; before = set(sys.modules); import usage_consent; "
              "decision = usage_consent.decide(); "
              "print(json.dumps([decision.mode, sorted(set(sys.modules) - before)]))")


@pytest.mark.slow
@pytest.mark.parametrize(("value", "mode", "also"), [
    pytest.param("1", "on", ["usage_consent.policy._endpoints"], id="on-the-endpoints-are-read"),
    pytest.param("local", "local", [], id="local-no-endpoints"),
])
def test_a_cold_miss_with_the_embedded_policy_imports_exactly_these_modules(home, value, mode, also):
    """A fresh process that resolves the embedded policy in full imports, after pydantic_settings,
    exactly the listed modules of ours and nothing else."""
    home.mark_notice_shown()  # no notice due: the decision is resolved and memoized, nothing else
    env = home.env(SKYPLANE_USAGE_STATS_ENABLED=value)
    out = subprocess.run([sys.executable, "-c", MISS_PROBE], env=env, capture_output=True, text=True, check=True,
                         cwd=str(home.root)).stdout
    assert json.loads(out) == [mode, sorted(MISS + also)]
    assert list(home.skyplane.glob("*.memo")), "the decision was resolved in full (and memoized), not read from a memo"


FIRST_USE = {
    "a source validated": "from usage_consent.policy._model import EnvSource; "
                          "EnvSource(kind='env', name='env', variable='X', when={'ci': True})",
    "a policy validated": "from usage_consent.policy._load import load_policy; load_policy('skyplane-0.3')",
    "the schema written": "from usage_consent.policy._model import Policy; "
                          "assert Policy.model_json_schema()['$defs']['Condition']",
    "a part named": "from usage_consent.policy._model import ManagedSource; "
                    "assert ManagedSource.model_fields['path'].is_required()",
    "the public Policy in a host's model": "import pydantic, usage_consent; "
                                           "Host = pydantic.create_model('Host', policy=(usage_consent.Policy, ...)); "
                                           "assert Host.model_json_schema()['$defs']['ManagedSource']",
}


@pytest.mark.slow
@pytest.mark.parametrize("code", FIRST_USE.values(), ids=FIRST_USE.keys())
def test_the_models_optional_parts_are_built_on_first_use(code):
    """In a fresh process, the policy model's optional parts (policy/_model_parts.py) are built by
    whatever first needs them: a model's first validation, its schema, naming one, or the public
    ``Policy``."""
    probe = (f"import sys; {code}; "
             "assert 'usage_consent.policy._model_parts' in sys.modules; print('ok')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split() == ["ok"], result.stderr
