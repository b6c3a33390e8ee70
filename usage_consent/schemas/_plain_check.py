"""A plain validator for the subset of JSON Schema (draft 2020-12) the report schemas use, so that a
process that records a report need not import jsonschema.

``compile_schema(document)`` turns a schema document into checks (closures) once; ``problems(instance)``
lists every way an instance breaks it, in the form ``registry.problems()`` gives: ``"<dotted path>:
<message>"``, sorted, the path jsonschema's ``absolute_path``, the message jsonschema's wording (an
``anyOf`` that fails says what is wrong inside it, chosen as ``jsonschema.exceptions.best_match``
chooses). jsonschema stays the authority: ``usage-consent schema check`` compares both on every
released version, and the collector validates with jsonschema only.

The subset: ``type``, ``properties``, ``required``, ``additionalProperties`` (a boolean or a schema),
``enum``, ``const``, ``pattern``, ``minLength``, ``maxLength``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum``, ``items`` (a schema), ``minItems``, ``maxItems``, ``anyOf``,
``$ref`` to ``#/$defs/<name>``; the annotations ``title``, ``description``, ``default``, ``examples``,
``$comment``, ``deprecated``, ``readOnly``, ``writeOnly``; and at the top level only ``$schema`` (draft
2020-12), ``$id`` and ``$defs``. Anything else (another keyword, ``format``, a boolean subschema, another
``$ref`` form, a keyword value of the wrong shape) raises ``NotPlain`` when the schema is compiled; so
does an instance that holds a value other than JSON data (a tuple, a subclass of str, dict or int, a
Decimal, a key that is not a string) when it is checked. The caller then asks jsonschema.

Semantics are jsonschema's, keyword by keyword: a bool is never a number; ``integer`` accepts 1.0;
``enum`` and ``const`` compare as JSON (1 == 1.0, True != 1); ``pattern`` is an unanchored
``re.search``; lengths count code points.
"""

from __future__ import annotations

from usage_consent.errors import SchemaError
from usage_consent.schemas._plain_pattern import compile_pattern

TYPE_CHECKING = False  # not typing's: a report process must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Check = Callable[[Any, tuple[Any, ...], list["Failure"]], None]

__all__ = ["DRAFT_2020_12", "NotPlain", "PlainSchema", "compile_schema"]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                         "writeOnly"})
TOP_LEVEL_ONLY = frozenset({"$schema", "$id", "$defs"})
REF_PREFIX = "#/$defs/"
_JSON = frozenset({dict, list, str, int, float, bool, type(None)})
_WEAK = frozenset({"anyOf", "oneOf"})  # jsonschema.exceptions.WEAK_MATCHES
# The keywords that assert something, each with the method of _Compiler that builds its check.
BUILDERS = {"type": "k_type", "properties": "k_properties", "required": "k_required",
            "additionalProperties": "k_additional", "enum": "k_enum", "const": "k_const", "pattern": "k_pattern",
            "maxLength": "k_sized", "minLength": "k_sized", "maxItems": "k_sized",
            "minItems": "k_sized", "minimum": "k_bound", "maximum": "k_bound", "exclusiveMinimum": "k_bound",
            "exclusiveMaximum": "k_bound", "items": "k_items", "anyOf": "k_any_of", "$ref": "k_ref"}


class NotPlain(SchemaError):
    """A schema (or an instance) outside what the plain validator checks: ask jsonschema instead."""

    def __init__(self, message: str, *, where: str = "", keyword: str | None = None, value: Any = None) -> None:
        super().__init__(message if not where else f"{where}: {message}", layer="schemas", path=where or None,
                         key=keyword, value=value, accepted="the plain subset (schemas/_plain_check.py)")


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is float


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


# jsonschema's draft 2020-12 type checker, for values already known to be JSON data (exact types)
IS_TYPE: dict[str, Callable[[Any], bool]] = {
    "object": lambda value: type(value) is dict,
    "array": lambda value: type(value) is list,
    "string": lambda value: type(value) is str,
    "boolean": lambda value: type(value) is bool,
    "null": lambda value: value is None,
    "number": _is_number,
    "integer": _is_integer,
}


class Failure:
    """One error as jsonschema would raise it: where (relative to the nearest enclosing ``anyOf``, as
    ``error.path``), which keyword, the value, whether the value has its schema's type, and for an
    ``anyOf`` the errors of its branches. The message is made only when the failure is reported."""

    __slots__ = ("context", "keyword", "off_type", "path", "say", "value")

    def __init__(self, path: tuple[Any, ...], keyword: str, value: Any, say: Callable[[Any], str],
                 off_type: bool, context: tuple[Failure, ...] = ()) -> None:
        self.path, self.keyword, self.value, self.say = path, keyword, value, say
        self.off_type, self.context = off_type, context

    @property
    def message(self) -> str:
        return self.say(self.value)

    def relevance(self) -> tuple[Any, ...]:
        """jsonschema.exceptions.relevance: deeper, then later, then not anyOf, then off its type."""
        return -len(self.path), self.path, self.keyword not in _WEAK, False, self.off_type


def _not_json(value: Any, where: tuple[Any, ...]) -> NotPlain:
    dotted = ".".join(str(part) for part in where) or "(top level)"
    return NotPlain(f"not JSON data: a {type(value).__name__}", where=dotted)


def _equal(one: Any, two: Any) -> bool:
    """jsonschema._utils.equal for JSON data: 1 == 1.0, but a bool equals only itself."""
    if one is two:
        return True
    first, second = type(one), type(two)
    if first not in _JSON or second not in _JSON:
        raise NotPlain(f"not JSON data: a {(first if first not in _JSON else second).__name__}")
    if first is str or second is str:
        return bool(one == two)
    if first is list and second is list:
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two, strict=True))
    if first is dict and second is dict:
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    if first is bool or second is bool:
        return False  # not the same object: True is not 1, False is not 0
    return bool(one == two)


def _pure_json(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        return all(type(key) is str and _pure_json(item) for key, item in value.items())
    if kind is list:
        return all(_pure_json(item) for item in value)
    return kind in _JSON


class PlainSchema:
    """A compiled schema: ``problems(instance)`` as ``registry.problems()`` gives them."""

    __slots__ = ("_check",)

    def __init__(self, check: Check) -> None:
        self._check = check

    def failures(self, instance: Any) -> list[Failure]:
        """Every error jsonschema's ``iter_errors`` would yield, in its order (NotPlain: not JSON data)."""
        found: list[Failure] = []
        self._check(instance, (), found)
        return found

    def problems(self, instance: Any) -> list[str]:
        """Every way ``instance`` breaks the schema, each naming the field: [] when it is valid."""
        found = []
        for failure in self.failures(instance):
            path, chosen = _reported(failure)
            where = ".".join(str(part) for part in path) or "(top level)"
            found.append(f"{where}: {chosen.message[:200]}")
        return sorted(found)


def _reported(failure: Failure) -> tuple[tuple[Any, ...], Failure]:
    """registry.problems(): an anyOf (an optional object) says what is wrong inside, not "not valid
    under any", by jsonschema's best_match over its branches' errors that are not type errors."""
    if failure.context:
        branches = [each for each in failure.context if each.keyword != "type"]
        if branches:
            return _best_match(branches, failure.path)
    return failure.path, failure


def _best_match(failures: list[Failure], where: tuple[Any, ...]) -> tuple[tuple[Any, ...], Failure]:
    """jsonschema.exceptions.best_match, with the chosen error's absolute path."""
    best = max(failures, key=Failure.relevance)
    path = where + best.path
    while best.context:
        smallest = sorted(best.context, key=Failure.relevance)[:2]  # heapq.nsmallest(2, ...): the same two
        if len(smallest) == 2 and smallest[0].relevance() == smallest[1].relevance():
            break
        best = smallest[0]
        path += best.path
    return path, best


def compile_schema(document: Any) -> PlainSchema:
    """The document as checks; NotPlain naming the first keyword or form outside the subset."""
    if type(document) is not dict:
        raise NotPlain("a schema document is a JSON object")
    defs = document.get("$defs", {})
    if type(defs) is not dict:
        raise NotPlain("$defs is not an object", where="$defs", keyword="$defs")
    compiled: dict[str, Check] = {}
    compiler = _Compiler(defs, compiled)
    for name, schema in defs.items():
        compiled[name] = compiler.node(schema, f"$defs.{name}")
    return PlainSchema(compiler.node(document, "", top=True))


def _say(suffix: str) -> Callable[[Any], str]:
    """A message as jsonschema words it: the value's repr, then what is wrong with it."""
    return lambda value: repr(value) + suffix


class Spot:
    """Where a keyword sits: its schema object, that object's types, the keyword's path in the
    document and the keyword itself."""

    __slots__ = ("keyword", "off_type", "schema", "types", "where")

    def __init__(self, schema: dict[str, Any], types: tuple[str, ...] | None, off_type: Callable[[Any], bool],
                 where: str, keyword: str) -> None:
        self.schema, self.types, self.off_type, self.where, self.keyword = schema, types, off_type, where, keyword

    def refuse(self, value: Any, why: str) -> NotPlain:
        """NotPlain naming the keyword, its value and what the plain validator accepts there."""
        return NotPlain(f"{self.keyword} {value!r:.80} {why}", where=self.where, keyword=self.keyword, value=value)


# The comparison that fails each bound, and the words of its message.
BOUNDS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "minimum": (lambda value, limit: value < limit, " is less than the minimum of "),
    "maximum": (lambda value, limit: value > limit, " is greater than the maximum of "),
    "exclusiveMinimum": (lambda value, limit: value <= limit, " is less than or equal to the minimum of "),
    "exclusiveMaximum": (lambda value, limit: value >= limit, " is greater than or equal to the maximum of "),
}


class _Compiler:
    """Turns each schema object into one check; ``$ref`` looks its target up in ``compiled`` when it
    runs (so a definition may refer to itself)."""

    def __init__(self, defs: dict[str, Any], compiled: dict[str, Check]) -> None:
        self.defs, self.compiled = defs, compiled
        self.patterns: dict[str, Callable[[str], bool]] = {}  # each pattern read once (ids share theirs)

    def node(self, schema: Any, where: str, *, top: bool = False) -> Check:
        if type(schema) is not dict:
            raise NotPlain(f"a subschema that is not an object ({_json_type(schema)}) is outside the plain subset",
                           where=where or "(top level)")
        types = self._types(schema, where)
        off = _off_type(types)
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in ANNOTATIONS:
                continue
            if keyword in TOP_LEVEL_ONLY:
                self._top_level(keyword, value, where, top)
                continue
            builder = BUILDERS.get(keyword)
            if builder is None:
                raise NotPlain(f"keyword {keyword!r} is outside the plain subset", where=where or "(top level)",
                               keyword=keyword)
            spot = Spot(schema, types, off, f"{where}.{keyword}" if where else keyword, keyword)
            checks.append(getattr(self, builder)(value, spot))
        return _node_check(checks)

    def _top_level(self, keyword: str, value: Any, where: str, top: bool) -> None:
        if not top:
            raise NotPlain(f"{keyword} below the top level is outside the plain subset", where=where, keyword=keyword)
        if keyword == "$schema" and value != DRAFT_2020_12:
            raise NotPlain(f"$schema {value!r} is not draft 2020-12", where="$schema", keyword=keyword)
        if keyword == "$id" and type(value) is not str:
            raise NotPlain("$id is not a string", where="$id", keyword=keyword)

    @staticmethod
    def _types(schema: dict[str, Any], where: str) -> tuple[str, ...] | None:
        declared = schema.get("type")
        if declared is None and "type" not in schema:
            return None
        names = [declared] if type(declared) is str else declared
        if type(names) is not list or not names or any(type(n) is not str or n not in IS_TYPE for n in names):
            raise NotPlain(f"type {declared!r} is not a type name or a list of them", where=where, keyword="type")
        return tuple(names)

    # -- one builder per keyword (BUILDERS): the keyword's value and its spot -> its check -----------------

    def k_type(self, value: Any, spot: Spot) -> Check:
        testers = tuple(IS_TYPE[name] for name in spot.types or ())
        say = _say(" is not of type " + ", ".join(repr(name) for name in spot.types or ()))

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            for test in testers:
                if test(instance):
                    return
            out.append(Failure(path, "type", instance, say, True))
        return check

    def k_properties(self, value: Any, spot: Spot) -> Check:
        if type(value) is not dict:
            raise spot.refuse(value, "is not an object")
        children = tuple((name, self.node(sub, f"{spot.where}.{name}")) for name, sub in value.items())

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is dict:
                for name, child in children:
                    if name in instance:
                        child(instance[name], (*path, name), out)
        return check

    def k_required(self, value: Any, spot: Spot) -> Check:
        if type(value) is not list or any(type(name) is not str for name in value):
            raise spot.refuse(value, "is not a list of names")
        names, off, say = tuple(value), spot.off_type, _say(" is a required property")

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is dict:
                for name in names:
                    if name not in instance:
                        out.append(Failure(path, "required", name, say, off(instance)))
        return check

    def k_additional(self, value: Any, spot: Spot) -> Check:
        known = frozenset(spot.schema.get("properties", ()))
        if value is True:
            return _accept
        if value is not False:
            child = self.node(value, spot.where)

            def open_(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
                if type(instance) is dict:
                    for key, item in instance.items():
                        if key not in known:
                            if type(key) is not str:
                                raise _not_json(key, path)
                            child(item, (*path, key), out)
            return open_
        off = spot.off_type

        def closed(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is dict:
                extras = [key for key in instance if key not in known]
                if extras:
                    for key in extras:
                        if type(key) is not str:
                            raise _not_json(key, path)
                    out.append(Failure(path, "additionalProperties", sorted(extras), _extras, off(instance)))
        return closed

    def k_enum(self, value: Any, spot: Spot) -> Check:
        if type(value) is not list or not _pure_json(value):
            raise spot.refuse(value, "is not a list of JSON values")
        off, say = spot.off_type, _say(" is not one of " + repr(value))
        if all(type(each) is str for each in value):  # a closed set of codes: only that very string is equal
            codes = frozenset(value)

            def codes_check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
                if type(instance) is not str or instance not in codes:
                    out.append(Failure(path, "enum", instance, say, off(instance)))
            return codes_check
        members = tuple(value)

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if not any(_equal(each, instance) for each in members):
                out.append(Failure(path, "enum", instance, say, off(instance)))
        return check

    def k_const(self, value: Any, spot: Spot) -> Check:
        if not _pure_json(value):
            raise spot.refuse(value, "is not a JSON value")
        off, expected = spot.off_type, repr(value) + " was expected"

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if not _equal(instance, value):
                out.append(Failure(path, "const", instance, lambda _: expected, off(instance)))
        return check

    def k_pattern(self, value: Any, spot: Spot) -> Check:
        if type(value) is not str:
            raise spot.refuse(value, "is not a string")
        search = self.patterns.get(value)
        if search is None:
            search = self.patterns[value] = compile_pattern(value) or _re_search(value, spot)
        off, say = spot.off_type, _say(" does not match " + repr(value))

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is str and not search(instance):
                out.append(Failure(path, "pattern", instance, say, off(instance)))
        return check

    def k_sized(self, value: Any, spot: Spot) -> Check:
        """maxLength, minLength (code points of a string), maxItems, minItems (items of an array)."""
        if type(value) is not int or value < 0:
            raise spot.refuse(value, "is not a non-negative integer")
        keyword, limit, off = spot.keyword, value, spot.off_type
        kind = str if keyword.endswith("Length") else list
        more = keyword.startswith("max")
        if more:
            say = _say(" is expected to be empty" if limit == 0 else " is too long")
        else:
            say = _say(" should be non-empty" if limit == 1 else " is too short")

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is kind and (len(instance) > limit if more else len(instance) < limit):
                out.append(Failure(path, keyword, instance, say, off(instance)))
        return check

    def k_bound(self, value: Any, spot: Spot) -> Check:
        """minimum, maximum, exclusiveMinimum, exclusiveMaximum: compared only with a number."""
        if not _is_number(value):
            raise spot.refuse(value, "is not a number")
        keyword, off = spot.keyword, spot.off_type
        fails, words = BOUNDS[keyword]
        say = _say(words + repr(value))

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            kind = type(instance)
            if (kind is int or kind is float) and fails(instance, value):
                out.append(Failure(path, keyword, instance, say, off(instance)))
        return check

    def k_items(self, value: Any, spot: Spot) -> Check:
        child = self.node(value, spot.where)

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) is list:
                for index, item in enumerate(instance):
                    child(item, (*path, index), out)
        return check

    def k_any_of(self, value: Any, spot: Spot) -> Check:
        if type(value) is not list or not value:
            raise spot.refuse(value, "is not a non-empty list of schemas")
        branches = tuple(self.node(sub, f"{spot.where}.{index}") for index, sub in enumerate(value))
        off, say = spot.off_type, _say(" is not valid under any of the given schemas")

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            context: list[Failure] = []
            for branch in branches:
                found: list[Failure] = []
                branch(instance, (), found)  # a branch's errors are relative to this value, as jsonschema's
                if not found:
                    return
                context += found
            out.append(Failure(path, "anyOf", instance, say, off(instance), tuple(context)))
        return check

    def k_ref(self, value: Any, spot: Spot) -> Check:
        name = value[len(REF_PREFIX):] if type(value) is str and value.startswith(REF_PREFIX) else ""
        if name not in self.defs or any(mark in name for mark in "/~%"):
            raise spot.refuse(value, f"is not {REF_PREFIX}<a definition of this document>")
        compiled = self.compiled

        def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            compiled[name](instance, path, out)
        return check


def _re_search(pattern: str, spot: Spot) -> Callable[[str], bool]:
    """A pattern outside _plain_pattern's subset: Python's re, as jsonschema uses it (unanchored search)."""
    import re

    try:
        search = re.compile(pattern).search
    except re.error:
        raise spot.refuse(pattern, "is not a regular expression Python reads") from None
    return lambda text: search(text) is not None


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _accept(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
    return None


def _node_check(checks: list[Check]) -> Check:
    """One schema object: its keywords' checks in the object's order (jsonschema's order of errors),
    after making sure the value is JSON data."""
    if not checks:
        return _accept
    if len(checks) == 1:
        (only,) = checks

        def single(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
            if type(instance) not in _JSON:
                raise _not_json(instance, path)
            only(instance, path, out)
        return single
    every = tuple(checks)

    def check(instance: Any, path: tuple[Any, ...], out: list[Failure]) -> None:
        if type(instance) not in _JSON:
            raise _not_json(instance, path)
        for each in every:
            each(instance, path, out)
    return check


def _off_type(types: tuple[str, ...] | None) -> Callable[[Any], bool]:
    """``not error._matches_type()``: True when the schema object names no type or the value has none
    of them."""
    if types is None:
        return lambda instance: True
    testers = tuple(IS_TYPE[name] for name in types)
    return lambda instance: not any(test(instance) for test in testers)


def _extras(extras: list[str]) -> str:
    verb = "was" if len(extras) == 1 else "were"
    return f"Additional properties are not allowed ({', '.join(repr(each) for each in extras)} {verb} unexpected)"
