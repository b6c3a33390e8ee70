"""The plain validator (schemas/_plain_check.py): the problems jsonschema gives, keyword by keyword,
for every released and host schema, without importing jsonschema; a schema outside its subset, or an
instance that is not JSON data, is left to jsonschema."""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
from collections import OrderedDict
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import pytest
from helpers import REPO, STATS, TRANSFER, host_schemas
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usage_consent.schemas import _registry as registry
from usage_consent.schemas import _report_check as report_check
from usage_consent.schemas._agreement import ODD_VALUES, agreement, example, fields, places, variants
from usage_consent.schemas._packaged_checks import CHECKS, MATCHERS, UUID4
from usage_consent.schemas._patterns import UUID4_PATTERN
from usage_consent.schemas._plain_check import NotPlain, compile_schema
from usage_consent.schemas._plain_source import COMMAND, TARGET, generate, packaged_source
from usage_consent.schemas._versions import list_versions

PACKAGED = {f"usage_stats-v{v}": registry.load("usage_stats", v) for v in list_versions("usage_stats")}
# Every keyword of the subset at once, and a definition that refers to itself.
KITCHEN_SINK = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:test:kitchen-sink",
    "$defs": {"Tree": {"type": "object", "additionalProperties": False, "required": ["name"],
                       "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 8},
                                      "child": {"anyOf": [{"$ref": "#/$defs/Tree"}, {"type": "null"}]}}}},
    "type": "object", "additionalProperties": {"type": ["integer", "null"], "exclusiveMinimum": 0,
                                               "exclusiveMaximum": 10},
    "required": ["tree", "code", "mixed", "fixed", "tags", "ratio"],
    "properties": {
        "tree": {"$ref": "#/$defs/Tree", "description": "a $ref beside an annotation"},
        "code": {"type": "string", "pattern": "^[A-Z]{2,3}(-x)?$", "title": "a pattern outside the plain subset"},
        "mixed": {"enum": [1, "one", None, [1, 2], {"a": True}], "default": 1},
        "fixed": {"const": {"k": [1.0, False]}, "$comment": "an object as const"},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "[a-z]"}, "minItems": 1, "maxItems": 3},
        "ratio": {"type": "number", "minimum": 0, "maximum": 1, "examples": [0.5], "deprecated": False},
    },
}
SCHEMAS = {**PACKAGED, **host_schemas(), "kitchen-sink": KITCHEN_SINK}


def reference(schema: dict):
    return validators(json.dumps(schema))[1]


def both(schema: dict, instance) -> tuple[list[str], list[str]]:
    """The plain validator's problems and jsonschema's (as registry.problems() words them)."""
    plain, checker = validators(json.dumps(schema))
    return plain.problems(instance), registry.reference_problems(checker, instance)


@functools.cache
def validators(text: str):
    """The plain validator and jsonschema's of one schema (given as its JSON text), compiled once."""
    schema = json.loads(text)
    return compile_schema(schema), registry.reference_validator(schema, schema.get("$id", "urn:test"))


# -- each keyword, beside jsonschema ------------------------------------------------------------------------

KEYWORDS = [
    pytest.param({"type": "integer"}, 1.0, [], id="integer-accepts-1.0"),
    pytest.param({"type": "integer"}, True, ["(top level): True is not of type 'integer'"], id="integer-refuses-bool"),
    pytest.param({"type": "number"}, False, ["(top level): False is not of type 'number'"], id="number-refuses-bool"),
    pytest.param({"type": "integer"}, 1.5, ["(top level): 1.5 is not of type 'integer'"], id="integer-refuses-1.5"),
    pytest.param({"type": ["string", "null"]}, 3, ["(top level): 3 is not of type 'string', 'null'"],
                 id="type-list"),
    pytest.param({"type": "object"}, [], ["(top level): [] is not of type 'object'"], id="array-is-not-object"),
    pytest.param({"properties": {"a": {"type": "string"}}}, {"a": 1}, ["a: 1 is not of type 'string'"],
                 id="properties-name-the-field"),
    pytest.param({"properties": {"a": {"type": "string"}}}, [1], [], id="properties-skip-non-objects"),
    pytest.param({"type": "object", "required": ["a", "b"]}, {"b": 1}, ["(top level): 'a' is a required property"],
                 id="required-at-the-object"),
    pytest.param({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "z": 2, "y": 3},
                 ["(top level): Additional properties are not allowed ('y', 'z' were unexpected)"],
                 id="additional-properties-false"),
    pytest.param({"additionalProperties": {"type": "integer"}}, {"x": "s"}, ["x: 's' is not of type 'integer'"],
                 id="additional-properties-schema"),
    pytest.param({"enum": [1, "a"]}, 1.0, [], id="enum-1-equals-1.0"),
    pytest.param({"enum": [1]}, True, ["(top level): True is not one of [1]"], id="enum-true-is-not-1"),
    pytest.param({"enum": [[1, {"a": 1.0}]]}, [1.0, {"a": 1}], [], id="enum-compares-nested-values"),
    pytest.param({"enum": ["cp", "sync"]}, "rm", ["(top level): 'rm' is not one of ['cp', 'sync']"],
                 id="enum-of-codes"),
    pytest.param({"const": 2}, 2.0, [], id="const-2-equals-2.0"),
    pytest.param({"const": 0}, False, ["(top level): 0 was expected"], id="const-false-is-not-0"),
    pytest.param({"pattern": "b"}, "abc", [], id="pattern-is-unanchored"),
    pytest.param({"pattern": "^a$"}, "a\n", [], id="pattern-dollar-before-a-final-newline"),
    pytest.param({"pattern": "^a$"}, "ab", ["(top level): 'ab' does not match '^a$'"], id="pattern-mismatch"),
    pytest.param({"pattern": r"^\d+$"}, "12x", ["(top level): '12x' does not match '^\\\\d+$'"],
                 id="pattern-outside-the-plain-subset"),
    pytest.param({"pattern": "^a$"}, 5, [], id="pattern-skips-non-strings"),
    pytest.param({"maxLength": 2}, "\u00e9\U0001f600", [], id="max-length-counts-code-points"),
    pytest.param({"maxLength": 2}, "abc", ["(top level): 'abc' is too long"], id="max-length"),
    pytest.param({"maxLength": 0}, "a", ["(top level): 'a' is expected to be empty"], id="max-length-0"),
    pytest.param({"minLength": 1}, "", ["(top level): '' should be non-empty"], id="min-length-1"),
    pytest.param({"minLength": 2}, "a", ["(top level): 'a' is too short"], id="min-length"),
    pytest.param({"minimum": 0}, -1, ["(top level): -1 is less than the minimum of 0"], id="minimum"),
    pytest.param({"minimum": 0}, "x", [], id="minimum-skips-non-numbers"),
    pytest.param({"maximum": 2**63 - 1}, 2**63, [("(top level): 9223372036854775808 is greater than the maximum of "
                                                  "9223372036854775807")], id="maximum-exact-on-big-integers"),
    pytest.param({"maximum": 1e5}, 1e5, [], id="maximum-inclusive"),
    pytest.param({"exclusiveMinimum": 0}, 0, ["(top level): 0 is less than or equal to the minimum of 0"],
                 id="exclusive-minimum"),
    pytest.param({"exclusiveMaximum": 1}, 1.0, ["(top level): 1.0 is greater than or equal to the maximum of 1"],
                 id="exclusive-maximum"),
    pytest.param({"items": {"type": "integer"}}, [1, "a"], ["1: 'a' is not of type 'integer'"], id="items"),
    pytest.param({"minItems": 1}, [], ["(top level): [] should be non-empty"], id="min-items"),
    pytest.param({"maxItems": 1}, [1, 2], ["(top level): [1, 2] is too long"], id="max-items"),
    pytest.param({"properties": {"o": {"anyOf": [{"type": "object", "properties": {"n": {"minimum": 0}}},
                                                 {"type": "null"}]}}}, {"o": {"n": -1}},
                 ["o.n: -1 is less than the minimum of 0"], id="any-of-says-what-is-wrong-inside"),
    pytest.param({"properties": {"o": {"anyOf": [{"type": "object"}, {"type": "null"}]}}}, {"o": 1},
                 ["o: 1 is not valid under any of the given schemas"], id="any-of-of-types-only"),
    pytest.param({"$defs": {"A": {"type": "string"}}, "$ref": "#/$defs/A"}, 1,
                 ["(top level): 1 is not of type 'string'"], id="ref"),
    pytest.param(KITCHEN_SINK["$defs"]["Tree"] | {"$defs": KITCHEN_SINK["$defs"]},
                 {"name": "a", "child": {"name": "b", "child": {"name": "", "x": 1}}},
                 ["child.child.name: '' should be non-empty"], id="ref-to-itself"),
    pytest.param({"title": "t", "description": "d", "default": 5, "examples": [], "$comment": "c",
                  "deprecated": True, "readOnly": True, "writeOnly": False}, object(), [], id="annotations-only"),
]


@pytest.mark.parametrize(("schema", "instance", "expected"), KEYWORDS)
def test_each_keyword_gives_the_problems_jsonschema_gives(schema, instance, expected):
    """Each keyword of the subset reports its problems in these words, at the paths where jsonschema
    reports its own (whose words change between jsonschema's releases: 4.18 says "is too short")."""
    ours, theirs = both(schema, instance)
    assert ours == expected and places(theirs) == places(expected)


# -- outside the subset: jsonschema's ---------------------------------------------------------------------------

NOT_PLAIN = [
    pytest.param({"type": "string", "format": "date"}, "'format'", id="format"),
    *(pytest.param({keyword: value}, repr(keyword), id=keyword) for keyword, value in [
        ("oneOf", [{}]), ("allOf", [{}]), ("not", {}), ("patternProperties", {}), ("propertyNames", {}),
        ("uniqueItems", True), ("multipleOf", 2), ("prefixItems", []), ("if", {}), ("dependentRequired", {}),
        ("unevaluatedProperties", False), ("contains", {}), ("minProperties", 1), ("discriminator", {}),
        ("$anchor", "a"), ("$dynamicRef", "#a")]),
    pytest.param({"$ref": "https://example.org/schema"}, "$ref", id="remote-ref"),
    pytest.param({"$defs": {"A": {}}, "$ref": "#/definitions/A"}, "$ref", id="definitions-ref"),
    pytest.param({"$ref": "#"}, "$ref", id="ref-to-the-root"),
    pytest.param({"$schema": "http://json-schema.org/draft-07/schema#"}, "draft 2020-12", id="draft-07"),
    pytest.param({"properties": {"a": {"$id": "urn:x"}}}, "$id below the top level", id="nested-id"),
    pytest.param({"properties": {"a": True}}, "not an object", id="boolean-subschema"),
    pytest.param({"items": False}, "not an object", id="items-false"),
    pytest.param({"type": "any"}, "type 'any'", id="unknown-type"),
    pytest.param({"maxLength": -1}, "maxLength -1", id="negative-length"),
    pytest.param({"maxLength": 1.5}, "maxLength 1.5", id="float-length"),
    pytest.param({"minimum": True}, "minimum True", id="bool-bound"),
    pytest.param({"enum": "abc"}, "enum", id="enum-not-a-list"),
    pytest.param({"pattern": "("}, "pattern", id="broken-pattern"),
    pytest.param({"anyOf": []}, "anyOf", id="empty-any-of"),
]


@pytest.mark.parametrize(("schema", "named"), NOT_PLAIN)
def test_a_schema_outside_the_subset_is_not_compiled(schema, named):
    """Any other keyword, format, $ref form, boolean subschema or badly shaped value: NotPlain, naming it."""
    with pytest.raises(NotPlain) as raised:
        compile_schema(schema)
    assert named in raised.value.message


class Code(StrEnum):
    CP = "cp"


NOT_JSON = [
    pytest.param(("destinations",), (({"provider": "aws", "region": "us-east-1"}),), id="tuple"),
    pytest.param(("stats", "runtime_s"), Decimal("1.5"), id="decimal"),
    pytest.param(("command",), Code.CP, id="str-enum"),
    pytest.param(("source",), OrderedDict(provider="aws", region="us-east-1"), id="ordered-dict"),
    pytest.param(("options",), {"recursive": True, "multipart": False, "max_instances": 1, 7: 1}, id="int-key"),
]


@pytest.mark.parametrize(("path", "value"), NOT_JSON)
def test_an_instance_that_is_not_json_data_is_judged_by_jsonschema(path, value):
    """A tuple, Decimal, str subclass, dict subclass or non-string key: NotPlain from the plain validator,
    and report_problems() gives jsonschema's answer for it."""
    report = example(PACKAGED[f"usage_stats-v{list_versions('usage_stats')[-1]}"])
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    version = report["schema_version"]
    with pytest.raises(NotPlain):
        report_check.plain_validator("usage_stats", version).problems(report)
    assert report_check.report_problems(report, "usage_stats", version) == registry.problems(report, "usage_stats",
                                                                                           version)


def test_every_packaged_version_compiles():
    """Every released usage_stats version is within the subset: a report never needs jsonschema."""
    for version in list_versions("usage_stats"):
        assert report_check.plain_validator("usage_stats", version) is not None
    assert report_check.plain_validator("usage_stats") is report_check.plain_validator("usage_stats")  # compiled once


# -- the differential property ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
NEAR = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(2**64), max_value=2**64), st.floats(), st.sampled_from([0.0, -0.0, 1.0, 1e5, 1e7, 2.0**53]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=70),
    st.text(alphabet="abcdefxyz0123456789-._+AZ \n", max_size=40),
    st.from_regex(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n?", fullmatch=True),
    JSON,
)


@functools.cache
def starts(name: str) -> list:
    """A valid instance of schema ``name`` and its agreement variants (every 3rd, to keep it short)."""
    return list(variants(example(SCHEMAS[name])))[::3]


@st.composite
def near_valid(draw, name: str):
    """A valid instance of schema ``name`` (or one of its agreement variants) with one to three places
    changed: a value replaced, a key removed or added, an item added."""
    instance = draw(st.sampled_from(starts(name)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = list(_places(instance, ()))
        path, value = draw(st.sampled_from(places))
        change = draw(st.sampled_from(["replace", "remove", "add"]))
        if change == "replace" or not path:
            instance = _set(instance, path, draw(NEAR))
        elif change == "remove" and isinstance(value, dict) and value:
            instance = _set(instance, path, {k: v for k, v in value.items() if k != draw(st.sampled_from(list(value)))})
        elif isinstance(value, dict):
            instance = _set(instance, path, {**value, draw(st.text(max_size=12)): draw(NEAR)})
        elif isinstance(value, list):
            instance = _set(instance, path, [*value, draw(NEAR)])
    return instance


def _places(value, path):
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _places(item, (*path, key))


def _set(instance, path, value):
    if not path:
        return value
    changed = copy.deepcopy(instance)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_plain_validator_gives_jsonschemas_problems(name, data):
    """For every packaged and host schema, near-valid instances (a valid report with fields changed: wrong
    types, numbers past their bounds, long and pattern-breaking strings, extra and missing keys, null,
    bools for integers, 1.0 for integers, text beyond ASCII) and arbitrary JSON: the plain validator's
    problems are in the same top-level fields as jsonschema's (which field inside an optional object
    with several wrong ones it names, and its words, change between jsonschema's releases). So the
    plain validator fails exactly when jsonschema does, and never accepts what jsonschema rejects."""
    instance = data.draw(st.one_of(near_valid(name), near_valid(name), near_valid(name), JSON))
    ours, theirs = both(SCHEMAS[name], instance)
    assert fields(ours) == fields(theirs) and bool(ours) == bool(theirs)


# -- the packaged schemas' checks, generated ahead of time (schemas/_plain_source.py) -------------------------

def generated(document: dict, file: str = "usage_stats/v1.json"):
    """The check the generator writes for ``document``, compiled in memory."""
    namespace: dict = {}
    exec(compile(generate({file: document}), "<generated>", "exec"), namespace)
    return namespace["CHECKS"][file]


def test_the_generated_checks_are_regenerated_from_the_packaged_schemas():
    """schemas/_packaged_checks.py is exactly what the generator writes from the packaged schema files now
    (the current version of each), and the module loaded is that file: else, the command to regenerate it."""
    current = f"usage_stats/v{list_versions('usage_stats')[-1]}.json"
    assert Path(TARGET).read_text("utf-8") == packaged_source(), f"{TARGET} is out of date: run `{COMMAND}`"
    assert sorted(CHECKS) == [current] and UUID4 is MATCHERS[UUID4_PATTERN]


@pytest.mark.parametrize("name", sorted(PACKAGED))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_a_generated_check_accepts_exactly_what_the_plain_validator_accepts(name, data):
    """For every packaged version (generated in memory; the current one is the file's, checked above): valid
    instances, near-valid ones (wrong types, bounds, patterns, extra and missing keys, null, text beyond ASCII)
    and arbitrary JSON: the generated check accepts exactly when the plain validator finds no problem and
    raises no NotPlain, and exactly when jsonschema finds none. So it never accepts what either rejects."""
    instance = data.draw(st.one_of(st.sampled_from(starts(name)), near_valid(name), near_valid(name), JSON))
    try:
        plain: bool | None = compile_schema(PACKAGED[name]).problems(instance) == []
    except NotPlain:
        plain = None
    assert generated(PACKAGED[name])(instance) is bool(plain)
    if plain is not None:
        assert plain is (registry.reference_problems(reference(PACKAGED[name]), instance) == [])


@pytest.mark.parametrize(("path", "value"), NOT_JSON)
def test_a_generated_check_never_accepts_what_is_not_json_data(path, value):
    """A valid report with a tuple, Decimal, str or dict subclass or non-string key in it: the generated
    check does not accept it (the plain validator raises NotPlain; jsonschema then judges)."""
    report = example(PACKAGED[f"usage_stats-v{list_versions('usage_stats')[-1]}"])
    check = CHECKS[f"usage_stats/v{report['schema_version']}.json"]
    assert check(copy.deepcopy(report)) is True
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert check(report) is False


@st.composite
def near_match(draw, pattern: str) -> str:
    """A text the pattern matches, perhaps with a character replaced, added or removed, or a newline added."""
    text = draw(st.from_regex(pattern))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    other = draw(st.characters(codec="utf-8") | st.sampled_from("aF09-._+\n"))
    change = draw(st.sampled_from(["keep", "replace", "insert", "remove", "newline"]))
    return {"keep": text, "replace": text[:at] + other + text[at + 1:], "insert": text[:at] + other + text[at:],
            "remove": text[:at] + text[at + 1:], "newline": text + "\n"}[change]


@pytest.mark.parametrize("pattern", sorted(MATCHERS))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_generated_matcher_answers_as_re_search(pattern, data):
    """Each packaged pattern's generated matcher gives re.search's answer, for texts it matches, the same
    changed in one place or with a newline added, and arbitrary text."""
    import re

    text = data.draw(near_match(pattern) | st.text(max_size=80))
    assert MATCHERS[pattern](text) is (re.search(pattern, text) is not None)


BEYOND_THE_GENERATOR = [
    pytest.param({"type": "string", "pattern": "[a-z]"}, "not anchored at the start", id="unanchored-pattern"),
    pytest.param({"type": "string", "pattern": "^[a-z]*[a-z0-9]$"}, "may match the same characters",
                 id="a-repeat-that-needs-backtracking"),
    pytest.param({"type": "string", "pattern": "^[a-z]{1,3}x?$"}, "may match the same characters",
                 id="a-repeat-before-an-optional-item"),
    pytest.param({"enum": [1, {"a": True}]}, "not a string, number, boolean or null", id="an-object-in-an-enum"),
    pytest.param({"const": [1]}, "not a string, number, boolean or null", id="an-array-as-const"),
    pytest.param({"type": "string", "format": "date"}, "format", id="outside-the-plain-subset"),
    pytest.param({"anyOf": [{"type": "object", "required": ["a"]}, {"type": "object"}]}, "branches after the first",
                 id="an-anyof-whose-later-branch-accepts-an-object"),
]


@pytest.mark.parametrize(("schema", "says"), BEYOND_THE_GENERATOR)
def test_a_schema_beyond_the_generator_is_refused_naming_why(schema, says):
    """A schema the generator cannot write exactly is refused with NotPlain saying why (a packaged schema
    needing it fails the regeneration test, never checks reports differently)."""
    document = {"type": "object", "properties": {"field": schema}}
    with pytest.raises(NotPlain, match=says):
        generate({"usage_stats/v9.json": document})


@pytest.mark.slow  # the differential property above covers the same ground in the quick suite
@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_agreement_compares_a_valid_report_and_its_mutations(name):
    """The check `schema check` runs: the example is valid (where every pattern is within the plain pattern
    subset, whose sample it takes), its variants are compared, and none disagrees."""
    schema = SCHEMAS[name]
    invalid = ["code: 'a' does not match '^[A-Z]{2,3}(-x)?$'"] if name == "kitchen-sink" else []
    assert registry.reference_problems(reference(schema), example(schema)) == invalid
    found = agreement(schema, schema.get("$id", "urn:test"))
    assert found.outside is None and found.compared > 100 and found.disagreements == []


# -- the process: jsonschema only when the schema needs it ---------------------------------------------------

CHECK = """
import json, sys
from usage_consent.reporter._payload import schema_problems
from pathlib import Path
report = json.loads(sys.argv[1])
root = Path(sys.argv[2]) if sys.argv[2] else None
print(json.dumps({"problems": schema_problems(report, "usage_stats", root), "jsonschema": "jsonschema" in sys.modules}))
"""


def _check_in_a_process(report: dict, root: Path | None) -> dict:
    result = subprocess.run([sys.executable, "-c", CHECK, json.dumps(report), str(root or "")], capture_output=True,
                            text=True, timeout=60, cwd=str(REPO))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "invalid"])
def test_a_packaged_schema_is_checked_without_importing_jsonschema(broken):
    """A process checking a report against a packaged schema gets jsonschema's answer and never imports it."""
    report = {**example(PACKAGED[f"usage_stats-v{list_versions('usage_stats')[-1]}"]), **TRANSFER, "stats": STATS}
    if broken:
        report["source"] = {"provider": "oracle", "region": "us-east-1", "bucket": "b"}
    done = _check_in_a_process(report, None)
    assert done == {"problems": registry.problems(report, "usage_stats"), "jsonschema": False}
    assert bool(done["problems"]) is broken


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "invalid"])
def test_a_schema_outside_the_subset_falls_back_to_jsonschema(tmp_path, broken):
    """A host schema using a keyword outside the subset (format): the process imports jsonschema and
    gets its answer, format checked."""
    schema = copy.deepcopy(PACKAGED["usage_stats-v1"])
    schema["properties"]["tool_version"] = {"type": "string", "format": "date", "maxLength": 10}
    (tmp_path / "usage_stats").mkdir()
    (tmp_path / "usage_stats" / "v1.json").write_text(json.dumps(schema))
    report = {**example(PACKAGED["usage_stats-v1"]), "tool_version": "2026-02-30" if broken else "2026-02-28"}
    done = _check_in_a_process(report, tmp_path)
    assert done["jsonschema"] is True
    assert done["problems"] == registry.problems(report, "usage_stats", 1, tmp_path)
    assert done["problems"] == (["tool_version: '2026-02-30' is not a 'date'"] if broken else [])
