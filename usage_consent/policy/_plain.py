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
checked equal to it, and its tables generated from it as policy/_view_tables.py; a field Python
cannot name is the keyword and "_", as the model names it): a field the dump leaves out is None
(it leaves out exactly those), a name that is no field of the table is no attribute
(AttributeError, as on the model). The methods the sources call are the rules below, which the
model's classes inherit too (one place each). The decision cache (policy/_cache.py) takes the
policy and the locations a full resolution reads from ``policy_read`` and ``locations_read``
(here: a memo hit loads none of this module).
"""

from __future__ import annotations

from functools import lru_cache

from usage_consent._frozen import Frozen
from usage_consent.policy._paths import EMBEDDED_FILE

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from typing import Any

    from usage_consent._locations import Locations
    from usage_consent._run import RunConfig
    from usage_consent.policy._model import Match, Mode, Policy

    # A field's reader (see _reader): None, or (its table, its tables by kind, its items' reader).
    Reader = tuple[str | None, dict[str, str] | None, "Reader"] | None

__all__ = ["BLANKS", "EXACT", "MATCHERS", "TODAY", "VARIABLE", "EntryRules", "EnvRules", "LocationRules",
           "SpellingRules", "View", "embedded_view", "is_template", "locations_read", "policy_read", "policy_view",
           "strip_blanks", "view_class", "view_tables"]

BLANKS = " \t"  # the only characters ignored around a value; any other makes it invalid
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
MATCHERS = ("equals", "type", "non_empty", "contains", "member")  # a value-map entry's matchers
_MODES = ("on", "off", "local")


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


def _reader(schema: dict[str, Any]) -> Reader:
    """How a JSON value in a field with ``schema`` is read: None, as it is (a list as a tuple); else the
    table a JSON object in it is (its ``$ref``), or, where the field is a union of tables, the table of
    each ``kind``, and the reader of its items."""
    tagged = _find(schema, "discriminator")
    kinds = ({kind: ref.rsplit("/", 1)[-1] for kind, ref in tagged["mapping"].items() if isinstance(ref, str)}
             if tagged else None)
    ref = None if tagged else _find(schema, "$ref")
    table = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None
    found = _find(schema, "items")
    items = _reader(found) if found else None  # a list's items without a schema: read as they are
    return None if table is None and kinds is None and items is None else (table, kinds, items)


def view_tables(schema: dict[str, Any]) -> dict[str, dict[str, Reader]]:
    """Each table of the policy model's JSON Schema ``schema``: its fields by name, each with its reader.
    The schema names a field by its alias, which the model gives only a field that Python cannot name
    (``not``: the field ``not_``). The shipped schema's are policy/_view_tables.py, generated from
    schemas/policy.schema.json (schemas/_plain_source.py), so that a resolution reads no schema."""
    from keyword import iskeyword

    return {table: {f"{name}_" if iskeyword(name) else name: _reader(field)
                    for name, field in spec["properties"].items()}
            for table, spec in {**schema["$defs"], "Policy": schema}.items()}


def _read(value: Any, reader: Reader, tables: dict[str, dict[str, Reader]]) -> Any:
    if isinstance(value, list):
        items = reader[2] if reader is not None else None
        return tuple(_read(item, items, tables) for item in value)
    if isinstance(value, dict) and reader is not None:
        table, kinds, _ = reader
        if kinds is not None:
            kind = value.get("kind")
            table = kinds.get(kind) if isinstance(kind, str) else None
        return _view(value, table, tables) if table is not None else value
    return value


def _view(data: dict[str, Any], table: str, tables: dict[str, dict[str, Reader]]) -> View:
    fields = tables[table]
    values = dict.fromkeys(fields)
    for key, value in data.items():
        values[key] = _read(value, fields[key], tables)
    return view_class(table)(values)


def policy_view(data: dict[str, Any], schema: dict[str, Any]) -> Policy:
    """The view of a policy's JSON dump ``data`` (``model_dump(mode="json", exclude_none=True)``),
    its fields as the policy model's JSON Schema ``schema`` gives them. To the type checker it is
    the model it answers as."""
    view: Any = _view(data, "Policy", view_tables(schema))
    return view


@lru_cache(maxsize=1)
def embedded_view() -> Policy:
    """The embedded policy's view, read from its JSON twin once per process (as ``embedded_policy()``
    reads it for the model), its fields as the shipped schema's tables give them (generated)."""
    from usage_consent._files.plainjson import loads
    from usage_consent.policy._view_tables import TABLES

    with open(EMBEDDED_FILE, encoding="utf-8") as file:
        view: Any = _view(loads(file.read()), "Policy", TABLES)
    return view


def policy_read(given: object, source: str | None) -> Policy:
    """The policy a full resolution of ``given`` (its file: ``source``) reads: the embedded policy's
    plain view (no model is built), else the policy ``given`` stands for."""
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
