"""Where a file source reads now: its ``path`` (a template, or a table by platform), its ``paths``
(the first that exists, or the first that resolves), its ``project`` files (in the working folder,
and walking up), its ``path_variable``, else the policy's ``config_file``; with what the rules
found on the way (the template and its expansion, the folder a walk found the file in) as notes.

A path without a variable, ``{config_dir}`` or ``relative = "cwd"`` is read as always: ``~`` is
the run's home and the path is absolute (``Locations.path``).
"""

from __future__ import annotations

import os

from usage_consent._frozen import Frozen
from usage_consent.policy._plain import is_template
from usage_consent.policy._sources.base import Inputs

TYPE_CHECKING = False  # not typing's
if TYPE_CHECKING:
    from typing import Any

    from usage_consent._locations import Locations
    from usage_consent.policy._model import Policy

__all__ = ["Located", "locate", "location_inputs"]


class Located(Frozen):
    """The file to read (None: the location does not resolve, ``why`` says why) and the notes."""

    __slots__ = ("notes", "path", "why")
    path: str | None
    notes: tuple[str, ...]
    why: str | None

    def __init__(self, path: str | None, notes: tuple[str, ...] = (), why: str | None = None) -> None:
        self._set(path=path, notes=notes, why=why)


def _candidates(policy: Policy, spec: Any) -> tuple[str, ...]:
    """The path templates this source reads, in order, or the policy's config file."""
    return spec.templates() or (policy.config_file,)


def _dynamic(template: str, spec: Any) -> bool:
    return is_template(template) or getattr(spec, "relative", "unresolved") == "cwd"


def _expanded(template: str, spec: Any, where: Locations) -> Located:
    """One template made a path (a static one as always: ``where.path``)."""
    if not _dynamic(template, spec):
        return Located(where.path(template))
    from usage_consent.policy._template import expand

    done = expand(template, os.environ, where.home)
    text = done.text
    if text and not os.path.isabs(text) and spec.relative == "cwd":
        text = os.path.join(os.getcwd(), text)
    if not text or not os.path.isabs(text):
        why = "; ".join(done.why) or (f"it expands to a relative path ({text!r})" if text else "it expands to nothing")
        return Located(None, (f"path template {template!r} does not resolve: {why}",), why)
    return Located(text, (f"path template {template!r} -> {where.display(text)}",))


def _walk(spec: Any) -> Located:
    """The first of the project's names found in the working folder (then, walking up, each parent)."""
    folder = os.getcwd()
    while True:
        for name in spec.project.names:
            candidate = os.path.join(folder, name)
            if os.path.lexists(candidate):
                return Located(candidate, (f"project file {name} found in {folder}",))
        parent = os.path.dirname(folder)
        if not spec.project.walk_up or parent == folder:
            names = ", ".join(spec.project.names)
            above = " or above" if spec.project.walk_up else ""
            why = f"no {names} in the working folder {os.getcwd()}{above}"
            return Located(os.path.join(os.getcwd(), spec.project.names[0]), (why,))
        folder = parent


def locate(policy: Policy, spec: Any, where: Locations) -> Located:
    """The file ``spec`` (a file source, a marker, an overlay) reads now."""
    if getattr(spec, "project", None) is not None:
        return _walk(spec)
    variable = getattr(spec, "path_variable", None)  # a managed source has none: its path is fixed
    named = os.environ.get(variable) if variable else None
    if named:
        return Located(where.path(named))
    notes: list[str] = []
    first: Located | None = None
    candidates = _candidates(policy, spec)
    for template in candidates:
        found = _expanded(template, spec, where)
        notes += found.notes
        if found.path is None:
            continue
        first = first or found
        if len(candidates) == 1 or getattr(spec, "first", "existing") == "resolved" or os.path.lexists(found.path):
            return Located(found.path, tuple(notes))
    if first is not None:  # none exists: the first that resolves (a missing file: unset; config set writes it)
        return Located(first.path, tuple(notes))
    return Located(None, tuple(notes), "; ".join(notes) or "no path resolves")


def location_inputs(policy: Policy, spec: Any) -> Inputs:
    """What locating ``spec`` looks at: static files (their stat), a path variable, or, for a
    template reading the environment, the working folder or a platform's table, nothing the cache
    can watch: volatile."""
    if getattr(spec, "project", None) is not None:
        return Inputs(volatile=True)
    given = spec.templates()
    if any(_dynamic(item, spec) for item in given):
        from usage_consent.policy._template import parse, variables

        read = tuple(name for item in given for name in variables(parse(item)))
        return Inputs(variables=read, volatile=True)
    variable = getattr(spec, "path_variable", None)
    named = (variable,) if variable else ()
    return Inputs(variables=named, files=tuple(given) or (policy.config_file,), named_files=named)
