"""Whether the plain validator (schemas/_plain_check.py) and jsonschema agree on a released schema.

jsonschema is the authority; the plain validator checks reports so that a process recording one
does not import it. ``usage-consent schema check`` runs ``agreement`` on every released version: a
valid report built from the schema, and mutations of it (wrong types, numbers at and past their
bounds, strings too long or breaking their pattern, extra keys, missing keys, null, bools for
numbers, 1.0 for an integer, text beyond ASCII) must get problems in the same top-level fields
from both (``fields``: jsonschema's words, and which wrong field inside an optional object it names,
changed between its releases).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from usage_consent.schemas._plain_check import REF_PREFIX, NotPlain, compile_schema
from usage_consent.schemas._plain_pattern import sample

__all__ = ["ODD_VALUES", "Agreement", "agreement", "example", "variants"]

# Values put in place of each field, whatever its type: each is wrong somewhere in a report schema.
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, 1, -1, 1.0, 0.5, -0.5, 2**53 + 1, 2**63, -(2**63) - 1, 1e308, -1e308, "", "x", "X\n",
    "\u00e9" * 40, "a" * 300, "\U0001f600", [], [None], {}, {"x": 1},
)


class Agreement:
    """The outcome for one schema: whether it compiles (``outside``: why not), how many instances were
    compared, and each instance on which the two validators disagree with both answers."""

    def __init__(self, outside: str | None, compared: int, disagreements: list[tuple[Any, list[str], list[str]]]):
        self.outside, self.compared, self.disagreements = outside, compared, disagreements


def agreement(schema: dict[str, Any], uri: str) -> Agreement:
    """Compare the plain validator with jsonschema on ``example(schema)`` and its ``variants``."""
    from usage_consent.schemas._registry import reference_problems, reference_validator

    try:
        plain = compile_schema(schema)
    except NotPlain as why:
        return Agreement(why.message, 0, [])
    reference = reference_validator(schema, uri)
    found, compared = [], 0
    for instance in variants(example(schema)):
        compared += 1
        ours, theirs = plain.problems(instance), reference_problems(reference, instance)
        if fields(ours) != fields(theirs):
            found.append((instance, ours, theirs))
    return Agreement(None, compared, found)


def places(problems: list[str]) -> list[str]:
    """Where each problem is (its path, as ``problems()`` writes it before ": "), without its words:
    jsonschema's wording of a message changes between its releases (4.18 says "is too short" where
    later ones say "should be non-empty")."""
    return [problem.partition(": ")[0] for problem in problems]


def fields(problems: list[str]) -> list[str]:
    """The top-level fields the problems are in: what two validators must agree on across jsonschema's
    releases. Inside an optional object (``anyOf`` with null) with several wrong fields, which one a
    problem names is jsonschema's ``best_match`` heuristic, and that changed between its releases."""
    return sorted({place.partition(".")[0] for place in places(problems)})


def example(schema: dict[str, Any]) -> Any:
    """An instance of the schema (within the plain subset) with every property, each value the
    simplest the schema allows; valid unless a pattern is outside _plain_pattern's subset."""
    return _example(schema, schema.get("$defs", {}), 0)


def _example(node: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    if "$ref" in node:  # a definition that refers to itself stops at null
        return _example(defs[node["$ref"][len(REF_PREFIX):]], defs, depth + 1) if depth < 32 else None
    if "const" in node or "enum" in node:
        return copy.deepcopy(node["const"] if "const" in node else node["enum"][0])
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"] or node["anyOf"]
        return _example(branches[0], defs, depth + 1)
    kind = node.get("type", "null")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind in ("object", "array"):
        return _composite(node, kind, defs, depth)
    return _scalar(node, kind)


def _composite(node: dict[str, Any], kind: str, defs: dict[str, Any], depth: int) -> Any:
    """An object with every property, or an array of its least number of items (at least one)."""
    if kind == "object":
        return {name: _example(sub, defs, depth + 1) for name, sub in node.get("properties", {}).items()}
    item = _example(node.get("items", {}), defs, depth + 1)
    return [item] * max(1, node.get("minItems", 1)) if node.get("maxItems", 1) else []


def _scalar(node: dict[str, Any], kind: str) -> Any:
    """A string (the pattern's shortest sample, padded to minLength), a number within its bounds
    (an integer for ``integer``, a float for ``number``), true or null."""
    if kind == "string":
        text: str = (sample(node["pattern"]) if "pattern" in node else None) or "a"
        return text.ljust(node.get("minLength", 0), text[-1])
    if kind in ("integer", "number"):
        value = max(1, node.get("minimum", 1), node.get("exclusiveMinimum", 0) + 1)
        value = min(value, node.get("maximum", value), node.get("exclusiveMaximum", value + 1) - 1)
        return int(value) if kind == "integer" else float(value)
    return True if kind == "boolean" else None


def variants(instance: Any) -> Iterator[Any]:
    """The instance, then a copy of it with one change for each place in it: each odd value; for a
    string, a newline after it, upper case, a dash before it, three times longer; for a number, one
    more, one less, negated and as a float; for an object, an extra key and each key removed; for an
    array, one item more and none."""
    yield instance
    for path, value in _places(instance, ()):
        for odd in ODD_VALUES:
            yield _replaced(instance, path, odd)
        for changed in _changes(value):
            yield _replaced(instance, path, changed)
        if type(value) is dict:
            yield _replaced(instance, path, {**value, "unexpected": "x"})
            for key in value:
                yield _replaced(instance, path, {k: v for k, v in value.items() if k != key})
        elif type(value) is list:
            yield _replaced(instance, path, [*value, *value[:1]])
            yield _replaced(instance, path, [])


def _changes(value: Any) -> tuple[Any, ...]:
    if type(value) is str:
        return value + "\n", value.upper(), "-" + value, value * 3
    if type(value) in (int, float):
        return value + 1, value - 1, -value, float(value)
    return ()


def _places(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    items = value.items() if type(value) is dict else enumerate(value) if type(value) is list else ()
    for key, item in items:
        yield from _places(item, (*path, key))


def _replaced(instance: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    changed = copy.deepcopy(instance)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = copy.deepcopy(value)
    return changed
