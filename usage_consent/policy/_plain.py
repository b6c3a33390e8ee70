"""The policy without pydantic: the rules its model (policy/_model.py) and its plain view share,
and the plain view itself.

A full resolution of the embedded policy reads it as a *view*: its JSON twin
(policy/skyplane.json, ``model_dump(mode="json", exclude_none=True)`` of the validated TOML, kept
equal to it by CI) read as frozen objects that answer every attribute the sources read exactly as
the model does (tests/policy/test_plain_view.py compares them field by field, for every policy the
package ships and every example). The model, ``embedded_policy()``, is built only when something
asks for it (``Locations.policy``): defining its classes costs a fresh process more than the rest
of the resolution (docs/design.md, "A miss").

What a view holds is derived, not written here: its values are the dump's, and its fields are the
model's as its JSON Schema gives them (schemas/policy.schema.json, generated from the model and
checked equal to it; a field Python cannot name is the keyword and "_", as the model names it): a
field the dump leaves out is None (it leaves out exactly those), a name that is no field of the
table is no attribute (AttributeError, as on the model). The methods the sources
call are the rules below, which the model's classes inherit too (one place each). The decision
cache (policy/_cache.py) takes the policy and the locations a full resolution reads from
``policy_read`` and ``locations_read`` (here: a memo hit loads none of this module).
"""

from __future__ import annotations

import os
from functools import lru_cache

from usage_consent._frozen import Frozen
from usage_consent.schemas._versions import PACKAGE_DIR

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from typing import Any

    from usage_consent._locations import Locations
    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Match, Mode, Policy

__all__ = ["BLANKS", "EXACT", "MATCHERS", "TODAY", "VARIABLE", "EntryRules", "EnvRules", "LocationRules",
           "SpellingRules", "View", "embedded_view", "is_template", "locations_read", "policy_read", "policy_view",
           "strip_blanks", "view_class"]

BLANKS = " \t"  # the only characters ignored around a value; any other makes it invalid
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
MATCHERS = ("equals", "type", "non_empty", "contains", "member")  # a value-map entry's matchers
_MODES = ("on", "off", "local")
_SCHEMA = os.path.join(PACKAGE_DIR, "policy.schema.json")  # the model's JSON Schema, shipped with the package


def strip_blanks(text: str) -> str:
    """The one blank rule of every source (env, do_not_track, ci, config and managed files): only
    ASCII spaces and tabs around a value are ignored; a newline, NBSP or any other character stays."""
    return text.strip(BLANKS)


def is_template(text: str) -> bool:
    """Whether the path ``text`` reads anything but HOME (a variable or the platform's config
    folder): only such a path is parsed and expanded (policy/_template.py, loaded then)."""
    return "$" in text or "{" in text


class _Comparison(Frozen):
    """How a text value is compared, as a ``Match`` says it: for the two rules named here."""

    __slots__ = ("case", "trim")
    case: str
    trim: str

    def __init__(self, case: str, trim: str) -> None:
        self._set(case=case, trim=trim)


if TYPE_CHECKING:  # a comparison answers as the model's Match does (its two keys)
    EXACT: Match
    TODAY: Match
else:
    EXACT = _Comparison("sensitive", "none")  # what strip = false means
    TODAY = _Comparison("insensitive", "blanks")  # the default: today's rule (Match's defaults are these)


class SpellingRules:
    """A table of spellings (``on``, ``off``, ``local``): which mode a text spells."""

    __slots__ = ()

    def parse(self, text: str, exact: bool = False) -> Mode | None:
        """The mode that ``text`` spells (in any ASCII case, with only ASCII spaces and tabs around it
        ignored: a newline, NBSP or control character makes it invalid; or ``exact``ly), or None."""
        word = text if exact else strip_blanks(text)
        if not exact:
            if not word.isascii():
                return None
            word = word.lower()
        for mode in _MODES:
            if word in (s if exact else s.lower() for s in getattr(self, mode)):
                return mode  # type: ignore[return-value]
        return None

    def accepted(self) -> str:
        return ", ".join(s for mode in _MODES for s in getattr(self, mode))


class EnvRules:
    """An env source: the variables it reads and how their value is compared."""

    __slots__ = ()
    if TYPE_CHECKING:  # the model's fields (annotations here would be fields of the model too)
        variable: str | None
        variables: tuple[str, ...] | None
        match: Match | None
        strip: bool

    @property
    def names(self) -> tuple[str, ...]:
        """The variables this source reads, in order."""
        return self.variables or (self.variable or "",)

    @property
    def compared(self) -> Match:
        """How its value is compared: ``match``, else what ``strip`` says."""
        return self.match or (TODAY if self.strip else EXACT)


class LocationRules:
    """Where a file is: ``path`` (a template, or a table by platform), or ``paths``."""

    __slots__ = ()
    if TYPE_CHECKING:
        path: str | None
        paths: tuple[str, ...] | None
        relative: str

    def templates(self) -> tuple[str, ...]:
        """The path templates written (this platform's, from a table by platform)."""
        return (self.path,) if self.path is not None else self.paths or ()

    def user_controlled(self) -> str | None:
        """The key that lets a user move this file (a variable or the working folder), or None."""
        if any(is_template(t) for t in self.templates()):
            return "path" if self.path is not None else "paths"
        return "relative" if self.relative == "cwd" else None


class EntryRules:
    """An entry of a value map: its one matcher, as the policy writes it."""

    __slots__ = ()

    def matcher(self) -> str:
        """The entry's matcher as the policy writes it, e.g. ``non_empty = true``."""
        import json

        name = next(name for name in MATCHERS if getattr(self, name) is not None)
        value = getattr(self, name)
        shown = (f"{{ key = {json.dumps(value.key)}, type = {json.dumps(value.type)} }}" if name == "member"
                 else json.dumps(value, ensure_ascii=False))
        return f"{name} = {shown}"


class View:
    """One table of a policy's JSON dump, as the model reads it: each field an attribute (a list a
    tuple, a table a view, a field the dump leaves out None); frozen."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(tuple(vars(self).items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class _SpellingsView(SpellingRules, View):
    __slots__ = ()


class _EnvView(EnvRules, View):
    __slots__ = ()


class _LocationView(LocationRules, View):
    __slots__ = ()


class _EntryView(EntryRules, View):
    __slots__ = ()


# The view of each table that has rules, by the model's name for it (tests/policy/test_plain_view.py
# checks that each model class inherits exactly the rules its view has); any other table: View.
_RULED = {"Spellings": _SpellingsView, "EnvSource": _EnvView, "ValueEntry": _EntryView,
          **dict.fromkeys(("ConfigFileSource", "ManagedSource", "NoticeMarker", "Overlay"), _LocationView)}


def view_class(table: str) -> type[View]:
    """The class of a view of the model's table ``table`` (its name in the JSON Schema)."""
    return _RULED.get(table, View)


def _find(schema: dict[str, Any], key: str) -> Any:
    """The value of ``key`` in a field's schema, or in the first of its alternatives that has one."""
    if key in schema:
        return schema[key]
    for part in (*schema.get("anyOf", ()), *schema.get("oneOf", ())):
        found = _find(part, key)
        if found is not None:
            return found
    return None


def _table_of(schema: dict[str, Any], value: dict[str, Any]) -> str | None:
    """The model's table a JSON object in a field with ``schema`` is (by its ``kind`` where the field
    is a union of tables), or None (a plain mapping)."""
    tagged = _find(schema, "discriminator")
    ref = tagged["mapping"].get(value.get("kind")) if tagged else _find(schema, "$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _read(value: Any, schema: dict[str, Any], tables: dict[str, Any]) -> Any:
    if isinstance(value, list):
        items = _find(schema, "items") or {}
        return tuple(_read(item, items, tables) for item in value)
    if isinstance(value, dict):
        table = _table_of(schema, value)
        return _view(value, table, tables) if table is not None else value
    return value


def _fields(table: dict[str, Any]) -> dict[str, Any]:
    """A table's fields by name, with their schema: the schema names a field by its alias, which the
    model gives only a field that Python cannot name (``not``: the field ``not_``)."""
    from keyword import iskeyword  # loaded by pydantic already

    return {f"{name}_" if iskeyword(name) else name: schema for name, schema in table["properties"].items()}


def _view(data: dict[str, Any], table: str, tables: dict[str, Any]) -> View:
    fields = _fields(tables[table])
    values = dict.fromkeys(fields)
    for key, value in data.items():
        values[key] = _read(value, fields[key], tables)
    return view_class(table)(values)


def policy_view(data: dict[str, Any], schema: dict[str, Any]) -> Policy:
    """The view of a policy's JSON dump ``data`` (``model_dump(mode="json", exclude_none=True)``),
    its fields as the policy model's JSON Schema ``schema`` gives them. To the type checker it is
    the model it answers as."""
    view: Any = _view(data, "Policy", {**schema["$defs"], "Policy": schema})
    return view


@lru_cache(maxsize=1)
def embedded_view() -> Policy:
    """The embedded policy's view, read from its JSON twin once per process (as ``embedded_policy()``
    reads it for the model)."""
    from usage_consent._files.plainjson import loads
    from usage_consent.policy._paths import EMBEDDED_FILE

    def read(path: str) -> Any:
        with open(path, encoding="utf-8") as file:
            return loads(file.read())

    return policy_view(read(EMBEDDED_FILE), read(_SCHEMA))


def policy_read(given: object, source: str | None) -> Policy:
    """The policy a full resolution of ``given`` (its file: ``source``) reads: the embedded policy's
    plain view (no model is built), else the policy ``given`` stands for."""
    from usage_consent.policy._paths import EMBEDDED_FILE

    if source == EMBEDDED_FILE:
        return embedded_view()
    from usage_consent.policy._load import policy_from

    return policy_from(given)  # type: ignore[arg-type]


def locations_read(policy: Policy, run: RunConfig) -> Locations:
    """The locations a resolution of ``policy`` (as ``policy_read`` gives it) reads under ``run``:
    of the embedded policy's view, with the model loaded only when asked for (``Locations.policy``)."""
    from usage_consent._locations import Locations

    if isinstance(policy, View):
        return Locations(None, run, load=_embedded_policy, view=policy)
    return Locations(policy, run)


def _embedded_policy() -> Policy:
    from usage_consent.policy._load import embedded_policy

    return embedded_policy()
