"""The plain view of a policy (policy/_plain.py), which a full resolution of the embedded policy
reads instead of the policy model, answers every attribute the sources read exactly as the model
of the same policy does; and a cold miss with the embedded policy defines no policy model class."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from usage_consent.policy import _model_parts
from usage_consent.policy._load import embedded_policy, load_policy, parse_policy
from usage_consent.policy._plain import (
    EntryRules,
    EnvRules,
    LocationRules,
    SpellingRules,
    View,
    embedded_view,
    policy_view,
    view_class,
    view_tables,
)
from usage_consent.policy._view_tables import TABLES
from usage_consent.schemas._plain_source import COMMAND, VIEW_TARGET, view_tables_source

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "usage_consent" / "schemas" / "policy.schema.json").read_text())
RULES = (SpellingRules, EnvRules, LocationRules, EntryRules)
# A managed source and a fixed one, which no shipped or example policy has.
MANAGED = """
app = "demo"
key = "telemetry"
schema_name = "usage_stats"
config_file = "~/.demo/config.json"
state_file = "~/.demo/state.json"
sources = [
  { kind = "managed", name = "admin", path = "/etc/demo/policy.json", key_path = ["telemetry", "mode"] },
  { kind = "env", name = "env", variables = ["DEMO_A", "DEMO_B"], strip = false, empty = "invalid" },
  { kind = "fixed", name = "ci-off", value = "off", when = { ci = true } },
  { kind = "config_file", name = "user", paths = ["~/.demo/a.json", "${XDG_CONFIG_HOME:-~/.config}/demo.json"] },
  { kind = "default", name = "default", value = "local" },
]
[notice]
enabled = false
"""
POLICIES = {
    "embedded": embedded_policy,
    **{name: (lambda name=name: load_policy(name)) for name in ("skyplane", "skyplane-0.3")},
    **{path.stem: (lambda path=path: load_policy(path))
       for path in sorted((REPO / "examples" / "policies").glob("*.toml"))},
    "managed-and-fixed": lambda: parse_policy(MANAGED, "managed.toml"),
}
FIELD_NAMES = sorted({name for cls in (*_model_parts._model.__dict__.values(), *vars(_model_parts).values())
                      if isinstance(cls, type) and issubclass(cls, BaseModel) for name in cls.model_fields})
TEXTS = ["1", " YES\t", "no", "Local", "local\n", "on ", "ON", "", "2", "trUe", "\u00a0on", "off"]


def _view_of(policy):
    return policy_view(policy.model_dump(mode="json", exclude_none=True), SCHEMA)


def _same(view, model, where: str) -> None:
    """``view`` answers as ``model`` does: every field (tables recursively), every rule the
    sources call, and no attribute where the model has none."""
    if isinstance(model, BaseModel):
        assert isinstance(view, View), where
        for name in FIELD_NAMES:
            assert hasattr(view, name) == hasattr(model, name), f"{where}.{name}"
        for name in type(model).model_fields:
            _same(getattr(view, name), getattr(model, name), f"{where}.{name}")
        _same_rules(view, model, where)
    elif isinstance(model, tuple):
        assert isinstance(view, tuple) and len(view) == len(model), where
        for index, (a, b) in enumerate(zip(view, model, strict=True)):
            _same(a, b, f"{where}[{index}]")
    else:
        assert type(view) is type(model) and view == model, where


def _same_rules(view, model, where: str) -> None:
    assert [rule for rule in RULES if isinstance(view, rule)] == [rule for rule in RULES if isinstance(model, rule)]
    if isinstance(model, SpellingRules):
        assert view.accepted() == model.accepted(), where
        for text in TEXTS:
            assert (view.parse(text), view.parse(text, exact=True)) == (model.parse(text), model.parse(text, True))
    if isinstance(model, EnvRules):
        assert view.names == model.names, where
        assert (view.compared.case, view.compared.trim) == (model.compared.case, model.compared.trim), where
    if isinstance(model, LocationRules):
        assert (view.templates(), view.user_controlled()) == (model.templates(), model.user_controlled()), where
    if isinstance(model, EntryRules):
        assert view.matcher() == model.matcher(), where


@pytest.mark.parametrize("load", POLICIES.values(), ids=POLICIES.keys())
def test_the_plain_view_answers_every_field_and_rule_as_the_model(load):
    """For every policy the package ships, every example policy and one with a managed and a fixed
    source, the view of its JSON dump has the model's fields with the model's values (tables
    recursively, a field the dump leaves out None), no attribute the model lacks, and the same
    answers from the rules the sources call (spellings, variables and comparison, templates, matchers)."""
    policy = load()
    _same(_view_of(policy), policy, "policy")


def test_the_embedded_view_is_the_view_of_the_embedded_policy():
    """The view a resolution reads (from the JSON twin and the shipped schema) answers as the
    embedded policy's model does."""
    _same(embedded_view(), embedded_policy(), "policy")


def test_the_view_tables_are_generated_from_the_shipped_schema():
    """policy/_view_tables.py, which the embedded view is read with, is exactly what the generator writes
    from schemas/policy.schema.json now (its tables are the schema's, as view_tables reads them): else, the
    command to regenerate it."""
    on_disk = Path(VIEW_TARGET).read_text("utf-8")
    assert on_disk == view_tables_source(), f"{VIEW_TARGET} is out of date: run `{COMMAND}`"
    assert view_tables(SCHEMA) == TABLES and set(TABLES) == {*SCHEMA["$defs"], "Policy"}


def test_each_view_class_has_the_rules_of_its_model_class():
    """Each table of the model's JSON Schema gets a view with exactly the rules its model class
    inherits (the one table of the view's classes cannot drift from the model)."""
    for name in SCHEMA["$defs"]:
        model = getattr(_model_parts, name, None) or getattr(_model_parts._model, name)
        assert [r for r in RULES if issubclass(view_class(name), r)] == [r for r in RULES if issubclass(model, r)], name


def test_a_view_is_frozen_and_refuses_a_key_the_model_does_not_have():
    """A view cannot be changed, and a dump with a key no field of its table has is refused."""
    view = embedded_view()
    with pytest.raises(AttributeError, match="frozen"):
        view.app = "other"  # type: ignore[misc]
    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["sources"][0]["no_such_key"] = 1
    with pytest.raises(KeyError):
        policy_view(data, SCHEMA)


COLD_MISS = """
import json, sys
import pydantic, usage_consent

def models(cls):
    for sub in cls.__subclasses__():
        yield sub.__module__ + "." + sub.__qualname__
        yield from models(sub)

decision = usage_consent.decide()
before = sorted({m for m in models(pydantic.BaseModel) if m.startswith("usage_consent")})
loaded = "usage_consent.policy._model" in sys.modules
policy = decision.policy
print(json.dumps([decision.mode, decision.decided_by, before, loaded, type(policy).__name__,
                  policy == usage_consent.policy.embedded_policy(), "usage_consent.policy._model" in sys.modules]))
"""


@pytest.mark.slow
def test_a_cold_miss_with_the_embedded_policy_defines_no_policy_model_class(home):
    """A fresh process whose decision with the embedded policy is resolved in full (and memoized)
    defines no pydantic model of ours but the settings model pydantic-settings merges the readings
    with (the policy model's module is not even imported); the
    decision's policy is the model, built when asked for and equal to the embedded policy."""
    home.mark_notice_shown()
    home.write_config({"usage_stats": "local"})
    result = subprocess.run([sys.executable, "-c", COLD_MISS], env=home.env(), capture_output=True, text=True,
                            check=True, cwd=str(home.root))
    assert json.loads(result.stdout) == ["local", "config_file", ["usage_consent.policy._resolve.ConsentSettings"],
                                         False, "Policy", True, True]
    assert list(home.skyplane.glob("*.memo")), "the decision was resolved in full (and memoized)"
