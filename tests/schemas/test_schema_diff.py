"""`schema diff` and the re-notice say what changed in each field (values, type, optional or
required, bounds, description), in lines of at most 100 columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usage_consent.schemas import _registry as registry
from usage_consent.schemas._diff import Field, SchemaDiff, diff

SHIPPED = Path(registry.__file__).parent / "usage_stats"
WIDTH = 100
TEXT = {"type": "string", "description": "A code."}
CODES = {**TEXT, "enum": ["a", "b"]}


def _schema(prop: dict, required: bool = True) -> dict:
    """An object schema with the one field ``f``."""
    return {"type": "object", "properties": {"f": prop}, "required": ["f"] if required else []}


def _nullable(prop: dict) -> dict:
    return {"anyOf": [{k: v for k, v in prop.items() if k != "description"}, {"type": "null"}],
            "description": prop["description"]}


def _list(items: dict) -> dict:
    return {"type": "array", "items": items, "description": "Codes."}


@pytest.mark.parametrize(("old", "new", "said"), [
    (_schema(CODES), _schema({**CODES, "enum": ["a", "b", "c"]}), "values added: c"),
    (_schema(CODES), _schema({**CODES, "enum": ["a"]}), "values removed: b"),
    (_schema(CODES), _schema({**CODES, "enum": ["b", "a"]}), None),
    (_schema({**TEXT, "const": "a"}), _schema({**TEXT, "anyOf": [{"const": "a"}, {"const": "z"}]}),
     "values added: z"),
    (_schema(TEXT), _schema(CODES), "values limited to: a, b"),
    (_schema(CODES), _schema(TEXT), "any value allowed (was one of: a, b)"),
    (_schema(TEXT), _schema({**TEXT, "type": "integer"}), "type string -> integer"),
    (_schema(TEXT, required=False), _schema(TEXT), "now required"),
    (_schema(TEXT), _schema(TEXT, required=False), "now optional (may be absent)"),
    (_schema(TEXT), _schema(_nullable(TEXT)), "now optional (may be null)"),
    (_schema(TEXT), _schema(_nullable(TEXT), required=False), "now optional (may be absent or null)"),
    (_schema(_nullable(TEXT)), _schema(TEXT), "now required"),
    (_schema(TEXT, required=False), _schema(_nullable(TEXT), required=False), "may now be null"),
    (_schema(_nullable(TEXT), required=False), _schema(TEXT, required=False), "may no longer be null"),
    (_schema(TEXT, required=False), _schema({**TEXT, "type": ["string", "null"]}, required=False),
     "may now be null"),
    (_schema({**TEXT, "maxLength": 6}), _schema({**TEXT, "maxLength": 13}), "maxLength 6 -> 13"),
    (_schema(TEXT), _schema({**TEXT, "maxLength": 8}), "maxLength none -> 8"),
    (_schema({**TEXT, "minimum": 0}), _schema(TEXT), "minimum 0 -> none"),
    (_schema({**TEXT, "pattern": "^[a-z]+$"}), _schema({**TEXT, "pattern": "^[a-z0-9]+$"}),
     "pattern ^[a-z]+$ -> ^[a-z0-9]+$"),
    (_schema(TEXT), _schema({**TEXT, "description": "A short code."}), "description reworded"),
    (_schema(TEXT), _schema({**TEXT, "title": "F"}), None),
    (_schema(_list(CODES)), _schema(_list({**CODES, "enum": ["a", "c"]})),
     "item values added: c; item values removed: b"),
    (_schema({**_list(TEXT), "maxItems": 4}), _schema({**_list({**TEXT, "maxLength": 3}), "maxItems": 8}),
     "maxItems 4 -> 8; item maxLength none -> 3"),
    (_schema(_nullable({**CODES, "maxLength": 1})), _schema({**CODES, "enum": ["a", "bb"], "maxLength": 2,
                                                             "description": "Codes."}),
     "values added: bb; values removed: b; now required; maxLength 1 -> 2; description reworded"),
    (_schema(TEXT), _schema({**TEXT, "format": "date"}), "format none -> date"),
    (_schema(TEXT), _schema({**TEXT, "contentEncoding": "base64"}), "other constraints changed"),
], ids=["enum-widened", "enum-narrowed", "enum-reordered", "const-to-anyof-widened", "values-limited",
        "values-unlimited", "type-changed", "optional-to-required", "required-to-optional", "null-added",
        "absent-and-null-allowed", "null-removed", "nullable-when-already-optional",
        "no-longer-nullable-but-still-optional", "null-in-type-list",
        "maxLength-changed", "maxLength-added", "minimum-removed",
        "pattern-changed", "description-reworded", "title-ignored", "list-item-enum-changed",
        "list-and-item-bounds", "several-joined", "format-added", "unknown-keyword"])
def test_each_change_is_said_concretely(old, new, said):
    """A field's change is described as what changed, several joined by "; " (None: no change)."""
    changes = diff(old, new)
    assert not changes.added and not changes.removed
    assert [f.detail for f in changes.changed] == ([said] if said else [])


def test_added_removed_and_schema_version_are_not_changes():
    """New and dropped fields are added and removed; a new schema_version const is no change."""
    old = {"properties": {"schema_version": {"const": 1}, "gone": TEXT}, "required": ["schema_version"]}
    new = {"properties": {"schema_version": {"const": 2}, "new": TEXT}, "required": ["schema_version"]}
    changes = diff(old, new)
    assert ([f.path for f in changes.added], [f.path for f in changes.removed], changes.changed) == (
        ["new"], ["gone"], [])
    assert changes.summary() == "added `new`; removed `gone`"


@pytest.mark.parametrize("width", [40, 60, 100])
def test_lines_wrap_to_width_with_continuations_indented(width):
    """Every line fits ``width``; continuation lines are indented under the entry's text."""
    detail = "; ".join(["values added: a"] * 9)
    lines = SchemaDiff(changed=[Field("z", "A code.", detail)]).lines(width)
    assert len(lines) > 1 and all(len(line) <= width for line in lines)
    assert lines[0].startswith("  ~ z: values added: a;")
    assert all(line.startswith("    ") and line[4] != " " for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == f"~ z: {detail}"


@pytest.mark.parametrize(("description", "shown"), [
    ("Short first one, e.g. aws. " + "Then a very long second. " * 8, "  + f: Short first one, e.g. aws."),
    ("Fits. On one line.", "  + f: Fits. On one line."),
], ids=["too-long-cut", "fits-kept-whole"])
def test_long_descriptions_are_cut_to_their_first_sentence(description, shown):
    """An added field whose description does not fit on one line shows its first sentence."""
    assert SchemaDiff(added=[Field("f", description)]).lines() == [shown]


def _shipped(version: int) -> dict:
    return json.loads((SHIPPED / f"v{version}.json").read_text())


def test_real_v1_to_v2_diff_names_the_new_values_in_short_lines():
    """The shipped v1->v2 diff names the solver's and provider's new values; no line over 100."""
    changes = diff(_shipped(1), _shipped(2))
    detail = {f.path: f.detail for f in changes.changed}
    assert detail["options.solver"].startswith("values added: src_one_sided, dst_one_sided; values removed: ilp, ron")
    assert "now optional (may be absent or null)" in detail["options.solver"]
    assert "maxLength 6 -> 13" in detail["options.solver"]
    assert detail["source.provider"] == "values added: hdfs; values removed: scp"
    assert detail["source.region"] == "description reworded"
    assert detail["stats.runtime_s"] == "now optional (may be absent or null)"
    assert all(len(line) <= WIDTH for line in changes.lines())


@pytest.mark.slow
def test_schema_diff_command_lines_fit_100_columns(home):
    """`usage-consent schema diff 1 2` prints the summary and every change in lines of <= 100 columns."""
    result = home.run("schema", "diff", "1", "2")
    assert result.returncode == 0, result.stderr
    assert all(len(line) <= WIDTH for line in result.stdout.splitlines())
    assert "~ options.solver: values added: src_one_sided, dst_one_sided;" in result.stdout
    assert "~ source.provider: values added: hdfs; values removed: scp" in result.stdout


@pytest.mark.slow
def test_v1_user_renotice_through_decide_fits_100_columns(home):
    """A user last shown v1 runs `usage-consent decide`: the re-notice says what changed, <= 100 columns."""
    home.mark_notice_shown(version=1)
    result = home.run("decide")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "Changed since v1, the version you were last shown:" in lines
    assert all(len(line) <= WIDTH for line in lines), max(lines, key=len)
    assert "  ~ source.provider: values added: hdfs; values removed: scp" in lines
    solver = next(i for i, line in enumerate(lines) if line.startswith("  ~ options.solver:"))
    said = " ".join(line.strip() for line in lines[solver:solver + 3])
    assert "values added: src_one_sided, dst_one_sided" in said and "(type, bounds" not in result.stderr
